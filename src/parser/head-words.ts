/**
 * The fixed words of a request head, recognised in place (no string made): method names
 * (RFC 9110 §9.1, case-sensitive) to METHOD_* numbers (and the same for a name given as text), the version `HTTP/` DIGIT `.` DIGIT
 * (RFC 9112 §2.3, case-sensitive), and the field name `host` in any case (RFC 9110 §5.1: field
 * names are case-insensitive). parseHead calls these on its hot path: no allocation.
 */
import { CASE_BIT, CR } from "./chars.ts";
import {
  METHOD_CONNECT,
  METHOD_DELETE,
  METHOD_GET,
  METHOD_HEAD,
  METHOD_OPTIONS,
  METHOD_OTHER,
  METHOD_PATCH,
  METHOD_POST,
  METHOD_PUT,
  METHOD_TRACE,
} from "./request-head.ts";

// Letters and signs as constants of this module, as in parse-head.ts: JSC folds a module's own
// constant in place, and not always an imported one (measured: imported, parseHead lost 4%).
const G = 0x47;
const E = 0x45;
const H = 0x48;
const T = 0x54;
const P = 0x50;
const U = 0x55;
const DIGIT_0 = 0x30;
const DOT = 0x2e;
const SLASH = 0x2f;
const LOWER_H = 0x68;
const LOWER_O = 0x6f;
const LOWER_S = 0x73;
const LOWER_T = 0x74;

/** True when buf[p..p+4) is `host` in any case. */
export function isHostName(buf: Uint8Array, p: number): boolean {
  // Unrolled (equalsLower's loop costs ~2 ns more here); OR-ing CASE_BIT folds only A-Z onto a-z
  // for these four letters, so no other byte can pass.
  return (
    (buf[p]! | CASE_BIT) === LOWER_H &&
    (buf[p + 1]! | CASE_BIT) === LOWER_O &&
    (buf[p + 2]! | CASE_BIT) === LOWER_S &&
    (buf[p + 3]! | CASE_BIT) === LOWER_T
  );
}

/** True when buf[p..p+9) is exactly `HTTP/` DIGIT `.` DIGIT CR (the caller checked the length). */
export function isVersionCR(buf: Uint8Array, p: number): boolean {
  return (
    buf[p] === H &&
    buf[p + 1] === T &&
    buf[p + 2] === T &&
    buf[p + 3] === P &&
    buf[p + 4] === SLASH &&
    (buf[p + 5]! - DIGIT_0) >>> 0 <= 9 &&
    buf[p + 6] === DOT &&
    (buf[p + 7]! - DIGIT_0) >>> 0 <= 9 &&
    buf[p + 8] === CR
  );
}

/** Maps a method span to a METHOD_* number (case-sensitive, RFC 9110 §9.1). */
export function methodCode(buf: Uint8Array, start: number, end: number): number {
  const c0 = buf[start]!;
  switch (end - start) {
    case 3:
      if (c0 === G && buf[start + 1] === E && buf[start + 2] === T) return METHOD_GET;
      if (c0 === P && buf[start + 1] === U && buf[start + 2] === T) return METHOD_PUT;
      return METHOD_OTHER;
    case 4:
      if (c0 === H && matches(buf, start, "HEAD")) return METHOD_HEAD;
      if (c0 === P && matches(buf, start, "POST")) return METHOD_POST;
      return METHOD_OTHER;
    case 5:
      if (c0 === P && matches(buf, start, "PATCH")) return METHOD_PATCH;
      if (c0 === T && matches(buf, start, "TRACE")) return METHOD_TRACE;
      return METHOD_OTHER;
    case 6:
      return matches(buf, start, "DELETE") ? METHOD_DELETE : METHOD_OTHER;
    case 7:
      if (matches(buf, start, "OPTIONS")) return METHOD_OPTIONS;
      if (matches(buf, start, "CONNECT")) return METHOD_CONNECT;
      return METHOD_OTHER;
    default:
      return METHOD_OTHER;
  }
}

/** The methods the parser numbers, by name (everything else is METHOD_OTHER). */
const METHOD_CODES: Record<string, number> = {
  GET: METHOD_GET,
  HEAD: METHOD_HEAD,
  POST: METHOD_POST,
  PUT: METHOD_PUT,
  DELETE: METHOD_DELETE,
  OPTIONS: METHOD_OPTIONS,
  PATCH: METHOD_PATCH,
  CONNECT: METHOD_CONNECT,
  TRACE: METHOD_TRACE,
};

/**
 * The METHOD_* number of a method name given as text (a Router pattern's method), as methodCode()
 * numbers it on bytes: METHOD_OTHER for a method the parser does not number.
 */
export function methodCodeOfName(method: string): number {
  return METHOD_CODES[method] ?? METHOD_OTHER;
}

/** True when buf at `start` holds the ASCII `word` (the caller has checked the length). */
function matches(buf: Uint8Array, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word.charCodeAt(i)) return false;
  return true;
}
