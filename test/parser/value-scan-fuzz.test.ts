/**
 * Differential fuzz of the WebAssembly value scan (src/parser/value-scan.ts) against the
 * JavaScript table scan (setSimdValueScan(false)), seeded so every run sees the same inputs:
 * random heads with long values (up to a few copy windows) and bad bytes (CTLs, DEL, CR, LF) put
 * near window edges or anywhere, fed
 * - cut at random points and moved to a buffer at a random offset before every call (both
 *   directions, so offsets of an old window would land before and after the new ones),
 * - cut at random points in one buffer refilled in place (no move: the window is not rebased),
 * - pipelined in one buffer, then the same buffer refilled with another pipeline (a pooled buffer
 *   reused: the new requests' bytes lie where the last window was copied from),
 * - two heads interleaving, each cut at random points.
 * Both scans must give the same outcome at every call: the result, how far the head got, and the
 * spans of every field. A failure prints the seed and the case number.
 */
import { describe, expect, test } from "bun:test";
import { INCOMPLETE, RequestHead, headerName, headerValue, parseHead, type HeadLimits } from "../../src/parser/index.ts";
import { SCAN_WINDOW, setSimdValueScan, simdValueScan } from "../../src/parser/value-scan.ts";
import { rng } from "../../bench/stress/fuzz-cases.ts";

const SEED = 0x5eed14;
/** Cases per scenario: enough to reach every kind of window edge, small enough for ~1 s. */
const CASES = 300;
/** Where the SIMD part of a long value starts (parse-head.ts tests the first eight in JavaScript). */
const SIMD_START = 8;
const VALUE_CHARS = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
/** Bytes the value grammar refuses or ends on, and some it allows that a SIMD compare could confuse. */
const TRICKY = [0x00, 0x01, 0x08, 0x09, 0x0a, 0x0b, 0x0d, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0x9f, 0xa0, 0xfe, 0xff];
const NAMES = ["X-Long", "Cookie", "User-Agent", "Accept", "Host", "Content-Length", "Transfer-Encoding", "Connection", "A"];

type Rand = () => number;
const below = (rand: Rand, n: number) => Math.floor(rand() * n);

/** A value of 0–20 bytes or of up to three copy windows, clean. */
function value(rand: Rand): number[] {
  const long = rand() < 0.6;
  const n = long ? below(rand, 3 * SCAN_WINDOW + 64) : below(rand, 21);
  return Array.from({ length: n }, () => VALUE_CHARS.charCodeAt(below(rand, VALUE_CHARS.length)));
}

/** A position in a value of length n: usually next to a copy-window edge, else anywhere. */
function edgeOffset(rand: Rand, n: number): number {
  if (rand() < 0.7) {
    const edge = SIMD_START + below(rand, 4) * SCAN_WINDOW;
    return Math.min(n - 1, Math.max(0, edge + below(rand, 34) - 17));
  }
  return below(rand, n);
}

/** One head, as bytes: sometimes valid, often with a tricky byte or two. */
function head(rand: Rand): Uint8Array {
  const out: number[] = [];
  const push = (s: string) => {
    for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  };
  push(rand() < 0.5 ? "GET /" : "POST /");
  const targetLength = rand() < 0.2 ? below(rand, 600) : below(rand, 12);
  for (let i = 0; i < targetLength; i++) push("abcdefghijklmnopqrstuvwxyz0123456789-._~/"[below(rand, 41)]!);
  push(" HTTP/1.1\r\nHost: h\r\n");
  for (let f = below(rand, 5); f > 0; f--) {
    push(NAMES[below(rand, NAMES.length)]!);
    push(rand() < 0.8 ? ": " : ":");
    const v = value(rand);
    if (v.length > 0 && rand() < 0.5) {
      for (let k = 1 + below(rand, 2); k > 0; k--) v[edgeOffset(rand, v.length)] = TRICKY[below(rand, TRICKY.length)]!;
    }
    out.push(...v);
    push("\r\n");
  }
  push("\r\n");
  // Now and then a tricky byte anywhere in the head.
  if (rand() < 0.1) out[below(rand, out.length)] = TRICKY[below(rand, TRICKY.length)]!;
  return Uint8Array.from(out);
}

/** Limits: mostly the defaults, sometimes a head limit that lands inside a long value. */
function limits(rand: Rand): HeadLimits | undefined {
  if (rand() < 0.6) return undefined;
  return { maxHead: 64 + below(rand, 3 * SCAN_WINDOW), maxRequestLine: 16 + below(rand, 700) };
}

/** 1–4 ascending cut points in (0, n], the last one n. */
function cuts(rand: Rand, n: number): number[] {
  const set = new Set<number>([n]);
  for (let k = below(rand, 4); k > 0; k--) set.add(1 + below(rand, n));
  return [...set].sort((a, b) => a - b);
}

/** What one parseHead call came to: the result, how far it got, and every field's spans. */
function outcome(r: number, buf: Uint8Array, start: number, h: RequestHead): string {
  if (r === INCOMPLETE) return `incomplete@${h.scanned}/${h.state}`;
  if (r < 0) return `error ${r}`;
  const fields: string[] = [];
  for (let i = 0; i < h.headerCount; i++) fields.push(`${headerName(h, buf, i)}=${headerValue(h, buf, i)}`);
  return `done ${r - start} ${fields.join("|")}`;
}

/** A buffer of `size` bytes of junk (a byte that would end or break a value) with `data` at `offset`. */
function placed(data: Uint8Array, length: number, offset: number, size: number, junk: number): Uint8Array {
  const buf = new Uint8Array(Math.max(size, offset + length)).fill(junk);
  buf.set(data.subarray(0, length), offset);
  return buf;
}

/** Cut and moved: before every call the bytes so far go to a new buffer at a random offset. */
function relocated(data: Uint8Array, at: number[], offsets: number[], lim: HeadLimits | undefined): string[] {
  const h = new RequestHead(lim);
  h.reset();
  const log: string[] = [];
  for (let i = 0; i < at.length; i++) {
    const buf = placed(data, at[i]!, offsets[i]!, offsets[i]! + at[i]! + 16, 0x7f);
    const r = parseHead(buf, offsets[i]!, offsets[i]! + at[i]!, h);
    log.push(outcome(r, buf, offsets[i]!, h));
    if (r !== INCOMPLETE) break;
  }
  return log;
}

/** Cut in one buffer refilled in place: the bytes past each `end` are junk until they arrive. */
function inPlace(data: Uint8Array, at: number[], lim: HeadLimits | undefined): string[] {
  const h = new RequestHead(lim);
  h.reset();
  const buf = new Uint8Array(data.length + 16).fill(0x01);
  const log: string[] = [];
  for (const end of at) {
    buf.set(data.subarray(0, end), 0);
    const r = parseHead(buf, 0, end, h);
    log.push(outcome(r, buf, 0, h));
    if (r !== INCOMPLETE) break;
  }
  return log;
}

/** Heads back to back in `buf` from 0, parsed one after another with one RequestHead. */
function pipeline(buf: Uint8Array, end: number, h: RequestHead, log: string[]): void {
  let p = 0;
  while (p < end) {
    h.reset();
    const r = parseHead(buf, p, end, h);
    log.push(outcome(r, buf, p, h));
    if (r <= 0) return;
    p = r;
  }
}

/** One pooled buffer: a pipeline parsed, then the buffer refilled with another and parsed. */
function pooled(first: Uint8Array, second: Uint8Array, lim: HeadLimits | undefined): string[] {
  const h = new RequestHead(lim);
  const buf = new Uint8Array(Math.max(first.length, second.length)).fill(0x00);
  const log: string[] = [];
  buf.set(first, 0);
  pipeline(buf, first.length, h, log);
  buf.fill(0x00);
  buf.set(second, 0);
  pipeline(buf, second.length, h, log);
  return log;
}

/** Two heads parsed in turns, each cut at its own points, each in a buffer of its own. */
function interleaved(a: Uint8Array, b: Uint8Array, atA: number[], atB: number[]): string[] {
  const ha = new RequestHead();
  const hb = new RequestHead();
  ha.reset();
  hb.reset();
  const log: string[] = [];
  let doneA = false;
  let doneB = false;
  for (let i = 0; i < Math.max(atA.length, atB.length); i++) {
    if (!doneA && i < atA.length) {
      const r = parseHead(a, 0, atA[i]!, ha);
      log.push("a " + outcome(r, a, 0, ha));
      doneA = r !== INCOMPLETE;
    }
    if (!doneB && i < atB.length) {
      const r = parseHead(b, 0, atB[i]!, hb);
      log.push("b " + outcome(r, b, 0, hb));
      doneB = r !== INCOMPLETE;
    }
  }
  return log;
}

/** The outcome log of `run` with the WebAssembly scan, then with the table scan (exceptions as outcomes). */
function bothScans(run: () => string[]): [string[], string[]] {
  const attempt = () => {
    try {
      return run();
    } catch (err) {
      return [`threw ${(err as Error).name}: ${(err as Error).message}`];
    }
  };
  setSimdValueScan(true);
  const simd = attempt();
  setSimdValueScan(false);
  try {
    return [simd, attempt()];
  } finally {
    setSimdValueScan(true);
  }
}

function expectSame(scenario: string, seed: number, i: number, run: () => string[]): void {
  const [simd, table] = bothScans(run);
  if (!Bun.deepEquals(simd, table)) {
    throw new Error(`${scenario}, seed ${seed}, case ${i}:\n simd  ${simd.join("\n       ")}\n table ${table.join("\n       ")}`);
  }
}

describe("value scan, differential fuzz against the table scan", () => {
  test("the WebAssembly scan is available (else this file compares the table with itself)", () => {
    expect(simdValueScan()).toBe(true);
  });

  test("cut at random points, moved to a random offset before each call", () => {
    const rand = rng(SEED);
    for (let i = 0; i < CASES; i++) {
      const data = head(rand);
      const at = cuts(rand, data.length);
      const offsets = at.map(() => below(rand, 3 * SCAN_WINDOW));
      const lim = limits(rand);
      expectSame("relocated", SEED, i, () => relocated(data, at, offsets, lim));
    }
  });

  test("cut at random points in one buffer refilled in place", () => {
    const rand = rng(SEED + 1);
    for (let i = 0; i < CASES; i++) {
      const data = head(rand);
      const at = cuts(rand, data.length);
      const lim = limits(rand);
      expectSame("in place", SEED + 1, i, () => inPlace(data, at, lim));
    }
  });

  test("pipelined heads in a pooled buffer, then the buffer refilled with other heads", () => {
    const rand = rng(SEED + 2);
    const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
    for (let i = 0; i < CASES / 2; i++) {
      const first = concat(Array.from({ length: 1 + below(rand, 3) }, () => head(rand)));
      const second = concat(Array.from({ length: 1 + below(rand, 3) }, () => head(rand)));
      const lim = limits(rand);
      expectSame("pooled", SEED + 2, i, () => pooled(first, second, lim));
    }
  });

  test("two heads interleaving, each cut at random points", () => {
    const rand = rng(SEED + 3);
    for (let i = 0; i < CASES; i++) {
      const a = head(rand);
      const b = head(rand);
      const atA = cuts(rand, a.length);
      const atB = cuts(rand, b.length);
      expectSame("interleaved", SEED + 3, i, () => interleaved(a, b, atA, atB));
    }
  });
});
