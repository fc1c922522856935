/**
 * The only place bytes become strings. Everything else in the parser deals in offsets; these
 * helpers run when someone asks for a value: latin1 decoding (RFC 9110 §5.5: field values are
 * octets; ISO-8859-1 maps each to one code unit), case-insensitive lookup of a header by name
 * without allocating, and strict decimal parsing.
 */
import { DIGIT_0, DIGIT_9, LOWER } from "./chars.ts";
import type { RequestHead } from "./request-head.ts";

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
/** Bun's (and Node's) native latin1 decoder; it accepts any Uint8Array as `this` in Bun. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: Latin1Slice }).latin1Slice;

/** Decodes buf[start..end) as latin1: one code unit per byte, never throws. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  if (end <= start) return "";
  return latin1Slice.call(buf, start, end);
}

/**
 * True when buf[start..end) equals `name` ignoring ASCII case. `name` is a JS string; it is
 * compared by code unit, so no string is made from the buffer. Allocation-free.
 */
export function spanEqualsIgnoreCase(buf: Uint8Array, start: number, end: number, name: string): boolean {
  const n = name.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || LOWER[buf[start + i]!] !== LOWER[c]) return false;
  }
  return true;
}

/**
 * Index of the first header field whose name is `name` (case-insensitive) at or after `from`,
 * or -1. Allocation-free.
 */
export function findHeader(head: RequestHead, buf: Uint8Array, name: string, from = 0): number {
  const spans = head.headers;
  for (let i = from, n = head.headerCount; i < n; i++) {
    if (spanEqualsIgnoreCase(buf, spans[i * 4]!, spans[i * 4 + 1]!, name)) return i;
  }
  return -1;
}

/** The name of header field `index` as written by the client. */
export function headerName(head: RequestHead, buf: Uint8Array, index: number): string {
  return latin1(buf, head.headers[index * 4]!, head.headers[index * 4 + 1]!);
}

/** The value of header field `index`, trimmed of surrounding whitespace. */
export function headerValue(head: RequestHead, buf: Uint8Array, index: number): string {
  return latin1(buf, head.headers[index * 4 + 2]!, head.headers[index * 4 + 3]!);
}

/**
 * The combined value of every field named `name` (RFC 9110 §5.3: joined with ", "), or null when
 * absent. Allocates only the returned string.
 */
export function headerValues(head: RequestHead, buf: Uint8Array, name: string): string | null {
  let i = findHeader(head, buf, name);
  if (i < 0) return null;
  let value = headerValue(head, buf, i);
  while ((i = findHeader(head, buf, name, i + 1)) >= 0) value += ", " + headerValue(head, buf, i);
  return value;
}

/**
 * Strict decimal: 1*DIGIT, at most Number.MAX_SAFE_INTEGER. Returns the value, or -1 when the span
 * is empty, holds anything but digits, or is too large.
 */
export function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return -1;
  let n = 0;
  for (let p = start; p < end; p++) {
    const c = buf[p]!;
    if (c < DIGIT_0 || c > DIGIT_9) return -1;
    n = n * 10 + (c - DIGIT_0);
    if (n > Number.MAX_SAFE_INTEGER) return -1;
  }
  return n;
}
