/**
 * Validators and preconditions for files (RFC 9110 §8.8, §13): the ETag made from a file's size,
 * modification time and inode, entity-tag list matching, and the §13.2.2 evaluation order.
 * Pure functions over strings the caller has read from the request; no I/O.
 */
import type { Stats } from "node:fs";

/**
 * The ETag of a file: `"size-mtime-inode"` (hex; mtime in microseconds). A change of content
 * that keeps size, time and inode is not seen: the same trade-off as nginx's and Go's validators,
 * which is why If-Range also accepts it (a file replaced by rename gets a new inode).
 */
export function etagOf(st: Stats): string {
  return `"${st.size.toString(16)}-${Math.round(st.mtimeMs * 1000).toString(16)}-${st.ino.toString(16)}"`;
}

/** The HTTP-date of a file's modification time (second precision, as Last-Modified carries it). */
export function lastModifiedOf(st: Stats): string {
  return new Date(st.mtimeMs).toUTCString();
}

const DQUOTE = 0x22;
const COMMA = 0x2c;
const SP = 0x20;
const HTAB = 0x09;
const STAR = 0x2a;

/**
 * True when the entity-tag list `field` (RFC 9110 §8.8.3: `*` or 1#entity-tag) contains `etag`.
 * Weak comparison (If-None-Match) ignores `W/`; strong comparison (If-Match, If-Range) never
 * matches a weak tag. `*` matches any current representation. A malformed element ends the
 * scan (what was matched before it stands).
 */
export function listMatches(field: string, etag: string, weak: boolean): boolean {
  let p = 0;
  const n = field.length;
  while (p < n) {
    const c = field.charCodeAt(p);
    if (c === SP || c === HTAB || c === COMMA) {
      p++;
      continue;
    }
    if (c === STAR) return true;
    let isWeak = false;
    if (c === 0x57 /* W */ && field.charCodeAt(p + 1) === 0x2f /* / */) {
      isWeak = true;
      p += 2;
    }
    if (field.charCodeAt(p) !== DQUOTE) return false;
    const close = field.indexOf('"', p + 1);
    if (close < 0) return false;
    if ((weak || !isWeak) && field.length - p >= etag.length && field.startsWith(etag, p) && close === p + etag.length - 1) return true;
    p = close + 1;
  }
  return false;
}

/** Seconds since the epoch of an HTTP-date, or NaN when it is not a date (RFC 9110 §5.6.7). */
export function httpDateSeconds(value: string): number {
  const t = Date.parse(value);
  return Number.isNaN(t) ? NaN : Math.floor(t / 1000);
}

/** What the preconditions decided. */
export const PROCEED = 0;
/** 304 Not Modified (GET/HEAD with a matching If-None-Match or a fresh If-Modified-Since). */
export const NOT_MODIFIED = 304;
/** 412 Precondition Failed (If-Match or If-Unmodified-Since false). */
export const PRECONDITION_FAILED = 412;

/** The precondition fields of a request, null when absent. */
export interface Preconditions {
  ifMatch: string | null;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  ifUnmodifiedSince: string | null;
}

/**
 * RFC 9110 §13.2.2 for GET and HEAD on an existing file: If-Match, else If-Unmodified-Since
 * (412 when false); then If-None-Match (304 when it matches), else If-Modified-Since (304 when
 * the file is not newer). A date that does not parse is ignored. Returns PROCEED, NOT_MODIFIED
 * or PRECONDITION_FAILED.
 */
export function evaluatePreconditions(p: Preconditions, etag: string, mtimeMs: number): number {
  const modified = Math.floor(mtimeMs / 1000);
  if (p.ifMatch !== null) {
    if (!listMatches(p.ifMatch, etag, false)) return PRECONDITION_FAILED;
  } else if (p.ifUnmodifiedSince !== null) {
    const since = httpDateSeconds(p.ifUnmodifiedSince);
    if (!Number.isNaN(since) && modified > since) return PRECONDITION_FAILED;
  }
  if (p.ifNoneMatch !== null) {
    if (listMatches(p.ifNoneMatch, etag, true)) return NOT_MODIFIED;
  } else if (p.ifModifiedSince !== null) {
    const since = httpDateSeconds(p.ifModifiedSince);
    if (!Number.isNaN(since) && modified <= since) return NOT_MODIFIED;
  }
  return PROCEED;
}

/**
 * RFC 9110 §13.1.5: true when the Range may be honoured. An entity-tag must match strongly (a weak
 * tag never does); a date must equal the file's Last-Modified second exactly.
 */
export function ifRangeHolds(ifRange: string, etag: string, mtimeMs: number): boolean {
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith("W/")) return !v.startsWith("W/") && v === etag;
  const date = httpDateSeconds(v);
  return !Number.isNaN(date) && date === Math.floor(mtimeMs / 1000);
}
