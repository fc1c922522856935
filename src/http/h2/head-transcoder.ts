/**
 * encodeResponseHead: the HTTP/1 response head netsvc's HttpResponse writes, turned into an HPACK
 * header block for an HTTP/2 stream, so one response machine serves both protocols. The input is
 * our own output (trusted, well formed): `HTTP/1.x NNN reason\r\n`, then `Name: value\r\n` lines,
 * then `\r\n`. Hot path: no allocation, no strings.
 */
import { CR, HTAB, LF, SP, COLON } from "../../parser/chars.ts";
import { isConnectionSpecific } from "../../parser/h2/field-names.ts";
import type { HpackEncoder } from "./hpack-encoder.ts";

/** `HTTP/1.x ` before the status code. */
const STATUS_OFFSET = 9;
const STATUS_DIGITS = 3;
const DIGIT_0 = 0x30;
const DECIMAL = 10;
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
