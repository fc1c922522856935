/**
 * Test helpers: feed bytes to parseHead whole, split at a point, or byte by byte, moving the
 * partial bytes to a fresh buffer at a different offset between calls (as a session does when a
 * head straddles two reads), and describe the outcome as plain data so the ways can be compared.
 */
import {
  INCOMPLETE,
  RequestHead,
  parseHead,
  latin1,
  headerName,
  headerValue,
  BodyDecoder,
  type HeadLimits,
} from "../../src/parser/index.ts";

/** Bytes of a latin1 string. */
export function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

/** What a parse came to, as plain data. */
export type HeadOutcome =
  | { error: number }
  | { incomplete: true }
  | {
      consumed: number;
      method: string;
      target: string;
      version: string;
      headers: [string, string][];
      contentLength: number;
      chunked: boolean;
      keepAlive: boolean;
    };

function describe(result: number, buf: Uint8Array, start: number, head: RequestHead): HeadOutcome {
  if (result === INCOMPLETE) return { incomplete: true };
  if (result < 0) return { error: result };
  const headers: [string, string][] = [];
  for (let i = 0; i < head.headerCount; i++) headers.push([headerName(head, buf, i), headerValue(head, buf, i)]);
  return {
    consumed: result - start,
    method: latin1(buf, head.methodStart, head.methodEnd),
    target: latin1(buf, head.targetStart, head.targetEnd),
    version: `${head.versionMajor}.${head.versionMinor}`,
    headers,
    contentLength: head.contentLength,
    chunked: head.chunked,
    keepAlive: head.isKeepAliveRequested(),
  };
}

/** Copies `data[0..length)` into a new buffer at `offset`, with junk around it. */
export function relocate(data: Uint8Array, length: number, offset: number): Uint8Array {
  const buf = new Uint8Array(offset + length + 16).fill(0x5a);
  buf.set(data.subarray(0, length), offset);
  return buf;
}

/**
 * Feeds `data` in pieces ending at each of `cuts` (ascending, last = data.length), relocating the
 * bytes received so far before every call. Returns the outcome of the first call that is not
 * INCOMPLETE, or of the last call.
 */
export function parseInPieces(data: Uint8Array, cuts: number[], limits?: HeadLimits): HeadOutcome {
  const head = new RequestHead(limits);
  head.reset();
  let result = INCOMPLETE;
  let buf = data;
  let start = 0;
  for (let i = 0; i < cuts.length; i++) {
    start = 1 + (i % 5); // a different offset each call
    buf = relocate(data, cuts[i]!, start);
    result = parseHead(buf, start, start + cuts[i]!, head);
    if (result !== INCOMPLETE) break;
  }
  return describe(result, buf, start, head);
}

/** The three ways of the house rule: whole, split at every boundary, byte by byte. */
export function everyWay(data: Uint8Array, limits?: HeadLimits): { way: string; outcome: HeadOutcome }[] {
  const n = data.length;
  const out = [{ way: "whole", outcome: parseInPieces(data, [n], limits) }];
  for (let s = 1; s < n; s++) out.push({ way: `split at ${s}`, outcome: parseInPieces(data, [s, n], limits) });
  const each: number[] = [];
  for (let s = 1; s <= n; s++) each.push(s);
  out.push({ way: "byte by byte", outcome: parseInPieces(data, each, limits) });
  return out;
}

/** What a body decode came to. */
export type BodyOutcome = { error: number } | { body: string; done: boolean; consumed: number; trailers: number };

/**
 * Decodes a body from `data` fed in pieces ending at `cuts`. Unconsumed bytes are carried into
 * the next piece (as the session does); every yielded piece is copied out at once.
 */
export function decodeInPieces(data: Uint8Array, cuts: number[], contentLength: number, chunked: boolean): BodyOutcome {
  const decoder = new BodyDecoder();
  decoder.start(contentLength, chunked);
  let body = "";
  let consumed = 0;
  for (const cut of cuts) {
    const buf = relocate(data.subarray(consumed), cut - consumed, 3);
    let p = 3;
    const end = 3 + cut - consumed;
    while (p < end && !decoder.done) {
      const r = decoder.decode(buf, p, end);
      if (r < 0) return { error: r };
      body += latin1(buf, decoder.pieceStart, decoder.pieceEnd);
      p = r;
    }
    consumed += p - 3;
    if (decoder.done) break;
  }
  return { body, done: decoder.done, consumed, trailers: decoder.trailerCount };
}
