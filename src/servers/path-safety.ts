/**
 * Request paths: decode once, refuse what can smuggle meaning, normalise. Used for
 * HttpSession.requestPath() (SPEC §5) and before FileServer touches the disk (SPEC §4.1).
 */
import { CR, DOT, HEX_VALUE, LF, NOT_HEX, PERCENT, SLASH } from "../parser/index.ts";
import type { Refused } from "./refusal.ts";

/** The NUL byte: never part of a path. */
const NUL = 0;

/** A path that cannot be decoded or contains a forbidden byte → 400. */
export const PATH_BAD_REQUEST = 400;
/** A path that climbs above the root → 403. */
export const PATH_FORBIDDEN = 403;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * True when the raw path span needs decoding or normalising: it has a `%`, an empty segment
 * (`//`), or a segment starting with `.`. Otherwise the raw bytes are already the normal form.
 * Allocation-free.
 */
export function needsNormalising(buf: Uint8Array, start: number, end: number): boolean {
  for (let p = start; p < end; p++) {
    const c = buf[p]!;
    if (c === PERCENT) return true;
    if (c === SLASH && p + 1 < end) {
      const d = buf[p + 1]!;
      if (d === SLASH || d === DOT) return true;
    }
  }
  return false;
}

/**
 * Decodes `%XX` escapes exactly once and checks the result (RFC 3986 §2.1, §2.4):
 * a malformed escape, an encoded `/` (it would change the segment structure), NUL, CR, LF or
 * invalid UTF-8 → PATH_BAD_REQUEST. Returns the decoded string.
 */
export function decodePath(buf: Uint8Array, start: number, end: number): string | Refused {
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let p = start; p < end; p++) {
    let c = buf[p]!;
    if (c === PERCENT) {
      if (p + 2 >= end) return PATH_BAD_REQUEST;
      const hi = HEX_VALUE[buf[p + 1]!]!;
      const lo = HEX_VALUE[buf[p + 2]!]!;
      if (hi === NOT_HEX || lo === NOT_HEX) return PATH_BAD_REQUEST;
      c = hi * 16 + lo;
      if (c === SLASH) return PATH_BAD_REQUEST;
      p += 2;
    }
    if (c === NUL || c === CR || c === LF) return PATH_BAD_REQUEST;
    out[n++] = c;
  }
  try {
    return utf8.decode(out.subarray(0, n));
  } catch {
    return PATH_BAD_REQUEST;
  }
}

/**
 * Resolves `.` and `..` segments and collapses empty ones (RFC 3986 §5.2.4), keeping a trailing
 * `/`. Climbing above the root → PATH_FORBIDDEN.
 */
export function normaliseSegments(path: string): string | Refused {
  const segments = path.split("/");
  const out: string[] = [];
  const last = segments.length - 1;
  let trailingSlash = false;
  for (let i = 1; i <= last; i++) {
    const s = segments[i]!;
    if (s === "" || s === ".") {
      if (i === last) trailingSlash = true;
      continue;
    }
    if (s === "..") {
      if (out.length === 0) return PATH_FORBIDDEN;
      out.pop();
      if (i === last) trailingSlash = true;
      continue;
    }
    out.push(s);
  }
  if (out.length === 0) return "/";
  return "/" + out.join("/") + (trailingSlash ? "/" : "");
}

/** decodePath then normaliseSegments: the request path of SPEC §5, or a status code. */
export function normaliseRequestPath(buf: Uint8Array, start: number, end: number): string | Refused {
  const decoded = decodePath(buf, start, end);
  if (typeof decoded === "number") return decoded;
  return normaliseSegments(decoded);
}
