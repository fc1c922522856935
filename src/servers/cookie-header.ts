/**
 * Reading the Cookie request header (RFC 6265bis §4.2.1 and §5.8.3): `name=value` pairs
 * separated by `;`. Lenient, as a server must be with what browsers and scripts write, and never
 * throwing (SPEC §13: malformed cookie headers never throw):
 * - a pair without `=`, or with an empty name, is skipped (a nameless cookie cannot be asked for
 *   by name);
 * - spaces and tabs around names and values are dropped; a value wrapped in DQUOTEs loses them
 *   (RFC 6265bis: the quotes are not part of the value);
 * - values are returned as sent: no percent-decoding (a `%zz` stays `%zz`, and a value another
 *   application wrote with a literal `%41` is not changed into `A`). An application that encodes
 *   its values decodes them itself: setCookie() sends a value as given, so what it sets is what
 *   cookie() reads back;
 * - a name sent twice keeps its first value: browsers send the cookie with the longest (most
 *   specific) path first (RFC 6265bis §5.8.3 step 2);
 * - at most MAX_COOKIE_PAIRS pairs and MAX_COOKIE_HEADER characters are read (limits.ts); a pair
 *   that does not end within them is ignored whole.
 * Several Cookie fields (HTTP/1 clients may send them; HTTP/2's are joined by the parser) are
 * read as one, joined with "; " (RFC 9113 §8.2.3), never with the ", " of header().
 */
import { DQUOTE, findHeader, HTAB, latin1, type RequestHead, SP } from "../parser/index.ts";
import { MAX_COOKIE_HEADER, MAX_COOKIE_PAIRS } from "./limits.ts";

const SEMICOLON = ";";
const EQUALS_CODE = 0x3d; // "="

/** The request's cookies as sent: a null-prototype, frozen record (see the file comment). */
export type CookieJar = Readonly<Record<string, string>>;

/** The jar of a request without cookies. */
export const NO_COOKIES: CookieJar = Object.freeze(Object.create(null) as Record<string, string>);

/** The request's Cookie fields as one string ("; " between fields), "" without any. */
export function cookieFields(head: RequestHead, bytes: Uint8Array): string {
  let i = findHeader(head, bytes, "cookie");
  if (i < 0) return "";
  const spans = head.headers;
  let text = latin1(bytes, spans[i * 4 + 2]!, spans[i * 4 + 3]!);
  while ((i = findHeader(head, bytes, "cookie", i + 1)) >= 0) text += `; ${latin1(bytes, spans[i * 4 + 2]!, spans[i * 4 + 3]!)}`;
  return text;
}

/**
 * The cookies of a Cookie header value: name → value, first value of a name kept. A
 * null-prototype record (a cookie named `__proto__` or `constructor` is just a name), frozen.
 * Never throws; see the file comment for what is skipped.
 */
export function parseCookieHeader(header: string): CookieJar {
  if (header === "") return NO_COOKIES;
  const jar = Object.create(null) as Record<string, string>;
  const length = header.length;
  let start = 0;
  for (let pairs = 0; start < length && pairs < MAX_COOKIE_PAIRS; pairs++) {
    let end = header.indexOf(SEMICOLON, start);
    if (end < 0) end = length;
    // A pair cut by the bound would give a wrong value: it is ignored, with everything after it.
    if (end > MAX_COOKIE_HEADER) break;
    // Within the pair only: ";;;…;a=b" must not scan to the header's one "=" from every pair.
    let eq = start;
    while (eq < end && header.charCodeAt(eq) !== EQUALS_CODE) eq++;
    if (eq < end) {
      const name = trimmed(header, start, eq);
      if (name !== "" && !(name in jar)) jar[name] = unquoted(trimmed(header, eq + 1, end));
    }
    start = end + 1;
  }
  return Object.freeze(jar);
}

/** header[start..end) without the spaces and tabs (OWS) at either end. */
function trimmed(header: string, start: number, end: number): string {
  while (start < end && isOws(header.charCodeAt(start))) start++;
  while (end > start && isOws(header.charCodeAt(end - 1))) end--;
  return header.slice(start, end);
}

function isOws(c: number): boolean {
  return c === SP || c === HTAB;
}

/** RFC 6265bis §4.1.1: cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE ); the quotes are not the value's. */
function unquoted(value: string): string {
  const n = value.length;
  return n >= 2 && value.charCodeAt(0) === DQUOTE && value.charCodeAt(n - 1) === DQUOTE ? value.slice(1, -1) : value;
}
