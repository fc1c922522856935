/**
 * An HTTP/2 request's decoded header block as the RequestHead every request has (RFC 9113 §8.3):
 * `:method` and `:path` become the request line's spans, `:authority` the Host field (§8.3.1: it
 * takes the place of Host), version 2.0, the fields their spans; Content-Length is read and checked,
 * several `cookie` fields are joined with "; " (§8.2.3: HTTP/1 semantics have one Cookie field).
 * So routing, the session and every servlet read an HTTP/2 request exactly as an HTTP/1 one.
 *
 * No allocation: the spans go into the stream's preallocated head; the few bytes the head needs
 * that the block does not hold (the name `host`, a joined cookie) are written into the block's own
 * spare room after its fields.
 */
import { TARGET } from "../chars.ts";
import { methodCode } from "../head-words.ts";
import { METHOD_CONNECT, type RequestHead } from "../request-head.ts";
import { checkTargetForm } from "../target-form.ts";
import type { HeaderBlock } from "./header-block.ts";

/** A request head that cannot be one (a stream error PROTOCOL_ERROR, RFC 9113 §8.1.1). */
export const BLOCK_HEAD_MALFORMED = 1;
/** More fields than the head holds (maxHeaders): 431 as for HTTP/1. */
export const BLOCK_HEAD_TOO_MANY_FIELDS = 2;

const HOST = Uint8Array.from("host", (c) => c.charCodeAt(0));
const SEMICOLON_SP = [0x3b, 0x20];
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Content-Length values past this many digits are refused (2^53 has 16). */
const MAX_LENGTH_DIGITS = 15;

/**
 * Fills `head` from the request block `block` (its checks passed: block.malformed and
 * checkRequest() are 0); `endStream`: the HEADERS frame ended the stream (no body). Returns 0, or
 * BLOCK_HEAD_MALFORMED / BLOCK_HEAD_TOO_MANY_FIELDS.
 */
export function fillRequestHead(head: RequestHead, block: HeaderBlock, endStream: boolean): number {
  const bytes = block.bytes;
  // RFC 8441 §4: :protocol only where SETTINGS_ENABLE_CONNECT_PROTOCOL was offered, and it is not.
  if (block.protocolStart >= 0) return BLOCK_HEAD_MALFORMED;
  head.reset();
  head.versionMajor = 2;
  head.versionMinor = 0;
  head.methodStart = block.methodStart;
  head.methodEnd = block.methodEnd;
  head.method = methodCode(bytes, block.methodStart, block.methodEnd);
  // CONNECT (§8.5) names an authority, not a path: the request cycle answers it 501.
  const connect = head.method === METHOD_CONNECT;
  head.targetStart = connect ? block.authorityStart : block.pathStart;
  head.targetEnd = connect ? block.authorityEnd : block.pathEnd;
  // The target is held to the HTTP/1 parser's characters (RFC 9112 §3.2; RFC 9113 §8.3.1 defers to RFC 3986).
  for (let p = head.targetStart; p < head.targetEnd; p++) if (TARGET[bytes[p]!] !== 1) return BLOCK_HEAD_MALFORMED;
  if (head.targetEnd <= head.targetStart || checkTargetForm(bytes, head.targetStart, head.targetEnd, head.method) !== 0) {
    return BLOCK_HEAD_MALFORMED;
  }
  const spans = head.headers;
  let n = 0;
  let free = block.used;
  if (block.authorityStart >= 0) {
    // :authority as the Host field, first, so it is the one routing and the session see.
    if (free + HOST.length > bytes.length || head.maxHeaders < 1) return BLOCK_HEAD_TOO_MANY_FIELDS;
    bytes.set(HOST, free);
    spans[0] = free;
    spans[1] = free + HOST.length;
    spans[2] = block.authorityStart;
    spans[3] = block.authorityEnd;
    free += HOST.length;
    head.hostIndex = 0;
    head.hostCount = 1;
    n = 1;
  }
  const fields = block.fields;
  let cookies = 0;
  for (let i = 0; i < block.count; i++) {
    const nameStart = fields[4 * i]!;
    const nameEnd = fields[4 * i + 1]!;
    const valueStart = fields[4 * i + 2]!;
    const valueEnd = fields[4 * i + 3]!;
    const nameLength = nameEnd - nameStart;
    if (nameLength === 4 && isName(bytes, nameStart, "host")) {
      if (block.authorityStart >= 0) continue; // §8.3.1: :authority wins; Host is not used
      head.hostIndex = n;
      head.hostCount++;
    } else if (nameLength === 14 && isName(bytes, nameStart, "content-length")) {
      const length = decimal(bytes, valueStart, valueEnd);
      if (length < 0 || (head.contentLength >= 0 && head.contentLength !== length)) return BLOCK_HEAD_MALFORMED;
      head.contentLength = length;
      head.contentLengthCount++;
    } else if (nameLength === 6 && isName(bytes, nameStart, "cookie")) {
      cookies++;
    }
    if (n >= head.maxHeaders) return BLOCK_HEAD_TOO_MANY_FIELDS;
    spans[4 * n] = nameStart;
    spans[4 * n + 1] = nameEnd;
    spans[4 * n + 2] = valueStart;
    spans[4 * n + 3] = valueEnd;
    n++;
  }
  head.headerCount = n;
  if (cookies > 1) n = joinCookies(head, bytes, free, n);
  // §8.1.1: a HEADERS that ends the stream has no body, whatever Content-Length says.
  if (endStream && head.contentLength > 0) return BLOCK_HEAD_MALFORMED;
  head.bodyUntilEnd = !endStream && head.contentLength < 0;
  return 0;
}

/** Joins the `cookie` fields into the first one's place (§8.2.3), written at `free`; returns the field count. */
function joinCookies(head: RequestHead, bytes: Uint8Array, free: number, n: number): number {
  const spans = head.headers;
  let need = 0;
  for (let i = 0; i < n; i++) if (isCookie(head, bytes, i)) need += spans[4 * i + 3]! - spans[4 * i + 2]! + 2;
  if (free + need > bytes.length) return n; // no room: left as separate fields
  let first = -1;
  let at = free;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const cookie = isCookie(head, bytes, i);
    if (cookie) {
      if (first >= 0) {
        bytes[at++] = SEMICOLON_SP[0]!;
        bytes[at++] = SEMICOLON_SP[1]!;
      }
      bytes.copyWithin(at, spans[4 * i + 2]!, spans[4 * i + 3]!);
      at += spans[4 * i + 3]! - spans[4 * i + 2]!;
      if (first >= 0) continue; // dropped: its value is in the joined one
      first = kept;
    }
    if (kept !== i) {
      spans.copyWithin(4 * kept, 4 * i, 4 * i + 4);
      if (head.hostIndex === i) head.hostIndex = kept;
    }
    kept++;
  }
  spans[4 * first + 2] = free;
  spans[4 * first + 3] = at;
  head.headerCount = kept;
  return kept;
}

function isCookie(head: RequestHead, bytes: Uint8Array, i: number): boolean {
  const s = head.headers[4 * i]!;
  return head.headers[4 * i + 1]! - s === 6 && isName(bytes, s, "cookie");
}

/** True when bytes at `start` spell `name` (HTTP/2 field names are lowercase, §8.2.1). */
function isName(bytes: Uint8Array, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** A Content-Length value (1*DIGIT, RFC 9110 §8.6), or -1. */
function decimal(bytes: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > MAX_LENGTH_DIGITS) return -1;
  let v = 0;
  for (let p = start; p < end; p++) {
    const c = bytes[p]!;
    if (c < DIGIT_0 || c > DIGIT_9) return -1;
    v = v * 10 + (c - DIGIT_0);
  }
  return v;
}
