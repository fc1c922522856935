/**
 * Byte classes as 256-entry lookup tables, named after the grammar they implement.
 * A table entry is 1 when the byte belongs to the class, 0 otherwise (HEX_VALUE holds values).
 * Hot path: every lookup is one indexed load, no branches on ranges.
 */

/** Carriage return, `\r`. */
export const CR = 0x0d;
/** Line feed, `\n`. */
export const LF = 0x0a;
/** Space. */
export const SP = 0x20;
/** Horizontal tab. */
export const HTAB = 0x09;
/** DEL, the one control character above the visible ones. */
export const DEL = 0x7f;
/** ASCII: a letter with this bit set is lower case, with it clear upper case. */
export const CASE_BIT = 0x20;
/** `:` between a field name and its value. */
export const COLON = 0x3a;
/** `;` before a chunk extension. */
export const SEMICOLON = 0x3b;
/** `,` between list elements. */
export const COMMA = 0x2c;
/** `/` path separator. */
export const SLASH = 0x2f;
/** `.` in versions and paths. */
export const DOT = 0x2e;
/** `?` starts the query. */
export const QUESTION = 0x3f;
/** `%` starts a percent escape. */
export const PERCENT = 0x25;
/** `0`, the first digit. */
export const DIGIT_0 = 0x30;
/** `9`, the last digit. */
export const DIGIT_9 = 0x39;
/** `"` around a quoted string. */
export const DQUOTE = 0x22;
/** `\` in a quoted pair. */
export const BACKSLASH = 0x5c;
/** Marks "not a hex digit" in HEX_VALUE. */
export const NOT_HEX = 0xff;

function tableOf(predicate: (c: number) => boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = predicate(c) ? 1 : 0;
  return table;
}

const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= DIGIT_0 && c <= DIGIT_9;

/**
 * RFC 9110 §5.6.2:
 *   tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *           "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 * Methods, field names, transfer codings and chunk-extension names are tokens.
 */
export const TCHAR = tableOf((c) => isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/**
 * RFC 9110 §5.5:
 *   field-value = *field-content; field-vchar = VCHAR / obs-text
 *   VCHAR = %x21-7E; obs-text = %x80-FF; SP and HTAB allowed inside.
 * Everything else (CTLs including NUL, CR, LF, and DEL) is refused in a value.
 */
export const FIELD_VALUE = tableOf((c) => c === SP || c === HTAB || (c >= 0x21 && c <= 0x7e) || c >= 0x80);

/**
 * RFC 9112 §3.2 with RFC 3986 §2: a request-target is ASCII visible characters only (%x21-7E).
 * Raw bytes above 0x7F must be percent-encoded by the client; SP, HTAB and CTLs end or break the line.
 */
export const TARGET = tableOf((c) => c >= 0x21 && c <= 0x7e);

/** RFC 3986 §2.3, §2.2: unreserved / sub-delims, plus ":" "@" (pchar without pct-encoded). */
const isPchar = (c: number) => isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=:@".includes(String.fromCharCode(c));

/**
 * The path part of a request-target, before any "?" (RFC 3986 §3.3):
 *   absolute-path = 1*( "/" segment ); segment = *pchar; pchar = unreserved / pct-encoded /
 *   sub-delims / ":" / "@"
 * "%" is left out: the parser checks each pct-encoded triple itself. Beyond RFC 3986 this admits
 * "[", "]", "|" and "^", which browsers send unencoded (WHATWG URL's path percent-encode set
 * leaves them); never `"`, "<", ">", "`", "{", "}", "\" or "#" (a fragment is never sent).
 */
export const TARGET_PATH = tableOf((c) => isPchar(c) || c === SLASH || "[]|^".includes(String.fromCharCode(c)));

/**
 * The query part, after the first "?" (RFC 3986 §3.4): query = *( pchar / "/" / "?" ), "%"
 * checked by the parser. Beyond RFC 3986 it admits what browsers leave unencoded in a query
 * (WHATWG URL's query percent-encode set): "[", "]", "|", "^", "`", "{", "}", "\". Never `"`,
 * "<", ">" or "#".
 */
export const TARGET_QUERY = tableOf((c) => isPchar(c) || c === SLASH || c === QUESTION || "[]|^`{}\\".includes(String.fromCharCode(c)));

/** RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (after its first letter). */
export const SCHEME = tableOf((c) => isAlpha(c) || isDigit(c) || "+-.".includes(String.fromCharCode(c)));

/** True for an ASCII letter. */
export function isAsciiLetter(c: number): boolean {
  return isAlpha(c);
}

/**
 * RFC 9110 §7.2 with RFC 3986 §3.2.2: the characters of `Host = uri-host [ ":" port ]`:
 *   unreserved / sub-delims / pct-encoded, ":" and the "[" "]" of an IP-literal.
 */
export const HOST = tableOf((c) => isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=%:[]".includes(String.fromCharCode(c)));

/** RFC 5234 B.1: HEXDIG = DIGIT / "A"-"F" (case-insensitive per RFC 5234 §2.3). Value 0-15, or NOT_HEX. */
export const HEX_VALUE = (() => {
  const table = new Uint8Array(256).fill(NOT_HEX);
  for (let c = 0; c < 256; c++) {
    if (isDigit(c)) table[c] = c - DIGIT_0;
    else if (c >= 0x41 && c <= 0x46) table[c] = c - 0x41 + 10;
    else if (c >= 0x61 && c <= 0x66) table[c] = c - 0x61 + 10;
  }
  return table;
})();

/** ASCII lower-casing table: `LOWER[c]` is c with A-Z mapped to a-z, every other byte unchanged. */
export const LOWER = (() => {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return table;
})();

/**
 * True when all of buf[p..p+8) are in `table` (a 0/1 class table above; the caller checked the
 * length): eight table entries AND-ed, one branch instead of eight. The highest index is read
 * first (measured 1–3% faster: plausibly its bounds check lets the compiler drop the seven below).
 */
export function allIn8(table: Uint8Array, buf: Uint8Array, p: number): boolean {
  return (
    (table[buf[p + 7]!]! &
      table[buf[p + 6]!]! &
      table[buf[p + 5]!]! &
      table[buf[p + 4]!]! &
      table[buf[p + 3]!]! &
      table[buf[p + 2]!]! &
      table[buf[p + 1]!]! &
      table[buf[p]!]!) ===
    1
  );
}
