/**
 * encodeResponseHead: the HTTP/1 response head netsvc's HttpResponse writes, turned into an HPACK
 * header block for an HTTP/2 stream, so one response machine serves both protocols. The input is
 * our own output (trusted, well formed): `HTTP/1.x NNN reason\r\n`, then `Name: value\r\n` lines,
 * then `\r\n`. Hot path: no allocation, no strings.
 */
import { CR, HTAB, LF, SP, COLON } from "../../parser/chars.ts";
import type { HpackEncoder } from "./hpack-encoder.ts";

/** `HTTP/1.x ` before the status code. */
const STATUS_OFFSET = 9;
const STATUS_DIGITS = 3;
const DIGIT_0 = 0x30;
const DECIMAL = 10;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const CASE_BIT = 0x20;

const ascii = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
/** RFC 9113 §8.2.2: connection-specific fields never go out on a stream. */
const CONNECTION_SPECIFIC = [
  ascii("connection"),
  ascii("keep-alive"),
  ascii("proxy-connection"),
  ascii("transfer-encoding"),
  ascii("upgrade"),
];

/** Whether `src[s..e)` is `word` (lowercase) ignoring ASCII case. */
function isNamed(src: Uint8Array, s: number, e: number, word: Uint8Array): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    const c = src[s + i]!;
    if ((c >= UPPER_A && c <= UPPER_Z ? c | CASE_BIT : c) !== word[i]) return false;
  }
  return true;
}

function isConnectionSpecific(src: Uint8Array, s: number, e: number): boolean {
  for (let i = 0; i < CONNECTION_SPECIFIC.length; i++) if (isNamed(src, s, e, CONNECTION_SPECIFIC[i]!)) return true;
  return false;
}

/**
 * Encodes the response head `src[start..end)` into `out` from `at` with `encoder`: a table size
 * update if one is pending, `:status` first, then every field with its name lowercased, minus the
 * connection-specific ones (RFC 9113 §8.2.2, §8.3.2). Returns the offset after the block. The
 * caller guarantees `out` holds 2 × (end − start) + 64 bytes from `at`. Lines end at LF (a CR
 * before it is dropped); the head ends at an empty line or at `end`.
 */
export function encodeResponseHead(
  src: Uint8Array,
  start: number,
  end: number,
  encoder: HpackEncoder,
  out: Uint8Array,
  at: number,
): number {
  at = encoder.beginBlock(out, at);
  let code = 0;
  for (let i = 0; i < STATUS_DIGITS; i++) code = code * DECIMAL + (src[start + STATUS_OFFSET + i]! - DIGIT_0);
  at = encoder.encodeStatus(code, out, at);
  let p = src.indexOf(LF, start);
  if (p < 0 || p >= end) return at;
  p++;
  while (p < end) {
    let lineEnd = src.indexOf(LF, p);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    let e = lineEnd;
    if (e > p && src[e - 1] === CR) e--;
    if (e === p) break; // the empty line ends the head
    let colon = p;
    while (colon < e && src[colon] !== COLON) colon++;
    let vs = colon + 1;
    while (vs < e && (src[vs] === SP || src[vs] === HTAB)) vs++;
    let ve = e;
    while (ve > vs && (src[ve - 1] === SP || src[ve - 1] === HTAB)) ve--;
    if (colon < e && !isConnectionSpecific(src, p, colon)) at = encoder.encodeField(src, p, colon, vs, ve, out, at);
    p = lineEnd + 1;
  }
  return at;
}
