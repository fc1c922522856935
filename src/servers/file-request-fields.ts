/**
 * Which of the fields the file server acts on a request carries, found in one pass over the
 * parser's header spans. A request with none of them (a benchmark's, a crawler's) costs one byte
 * comparison per field: only names starting with `a`, `i` or `r` are compared further, and no
 * string is made. The values are read (as strings) only for the bits that are set.
 */
import { LOWER, spanEqualsIgnoreCase, type RequestHead } from "../parser/index.ts";

/** `If-Match` (RFC 9110 §13.1.1). */
export const HAS_IF_MATCH = 1;
/** `If-None-Match` (RFC 9110 §13.1.2). */
export const HAS_IF_NONE_MATCH = 2;
/** `If-Modified-Since` (RFC 9110 §13.1.3). */
export const HAS_IF_MODIFIED_SINCE = 4;
/** `If-Unmodified-Since` (RFC 9110 §13.1.4). */
export const HAS_IF_UNMODIFIED_SINCE = 8;
/** `If-Range` (RFC 9110 §13.1.5). */
export const HAS_IF_RANGE = 16;
/** `Range` (RFC 9110 §14.2). */
export const HAS_RANGE = 32;
/** `Accept-Encoding` (RFC 9110 §12.5.3). */
export const HAS_ACCEPT_ENCODING = 64;

/** Any precondition field (RFC 9110 §13.2.2 evaluates them before anything else). */
export const HAS_PRECONDITION = HAS_IF_MATCH | HAS_IF_NONE_MATCH | HAS_IF_MODIFIED_SINCE | HAS_IF_UNMODIFIED_SINCE;

const LETTER_A = 0x61;
const LETTER_I = 0x69;
const LETTER_R = 0x72;

/** The HAS_* bits of the fields present in `head` (0 when none). Hot path: no allocation. */
export function fileRequestFields(head: RequestHead, buf: Uint8Array): number {
  const spans = head.headers;
  let bits = 0;
  for (let i = 0, n = head.headerCount; i < n; i++) {
    const start = spans[i * 4]!;
    const end = spans[i * 4 + 1]!;
    const initial = LOWER[buf[start]!];
    if (initial === LETTER_I) bits |= conditionalBit(buf, start, end);
    else if (initial === LETTER_R) {
      if (spanEqualsIgnoreCase(buf, start, end, "range")) bits |= HAS_RANGE;
    } else if (initial === LETTER_A) {
      if (spanEqualsIgnoreCase(buf, start, end, "accept-encoding")) bits |= HAS_ACCEPT_ENCODING;
    }
  }
  return bits;
}

function conditionalBit(buf: Uint8Array, start: number, end: number): number {
  if (spanEqualsIgnoreCase(buf, start, end, "if-none-match")) return HAS_IF_NONE_MATCH;
  if (spanEqualsIgnoreCase(buf, start, end, "if-modified-since")) return HAS_IF_MODIFIED_SINCE;
  if (spanEqualsIgnoreCase(buf, start, end, "if-match")) return HAS_IF_MATCH;
  if (spanEqualsIgnoreCase(buf, start, end, "if-unmodified-since")) return HAS_IF_UNMODIFIED_SINCE;
  if (spanEqualsIgnoreCase(buf, start, end, "if-range")) return HAS_IF_RANGE;
  return 0;
}
