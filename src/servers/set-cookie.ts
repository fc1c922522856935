/**
 * The Set-Cookie field value (RFC 6265bis §4.1), checked before it is sent: a cookie a browser
 * would reject, or silently drop, is a TypeError at the setCookie() call instead — the name is a
 * token; the value is cookie-octets, sent as given (never encoded behind the application's back:
 * what setCookie() sends is what cookie() reads back; encode first with encodeURIComponent or
 * base64url); name and value at most 4096 octets, Path and Domain at most 1024; SameSite=None
 * and Partitioned need Secure; the `__Secure-` prefix needs Secure and `__Host-` needs Secure,
 * Path=/ and no Domain (§4.1.3, prefixes matched ignoring case as §5.7 does).
 */
import type { CookieKeys } from "./cookie-signing.ts";
import { MAX_COOKIE_ATTRIBUTE, MAX_COOKIE_NAME_VALUE } from "./limits.ts";
import { TCHAR } from "../parser/index.ts";

/** Attributes of a cookie set with setCookie() (RFC 6265bis §4.1.2). Nothing is sent that is not asked for, but Path (default "/"). */
export interface CookieOptions {
  /** Seconds until the cookie expires (an integer; 0 or less: at once). Browsers cap it at 400 days. */
  maxAge?: number;
  /** When the cookie expires (a valid Date). Without maxAge nor expires, a session cookie. */
  expires?: Date;
  /**
   * The paths it is sent for: this one and those below it. Default "/" (the browser's own
   * default is the request's directory, rarely what a login at /api/login means). Must begin
   * with "/".
   */
  path?: string;
  /** Sent to this domain and its subdomains too; default: only the host that set it. */
  domain?: string;
  /** Sent over HTTPS only (browsers ignore a Secure cookie set over plain HTTP, localhost aside). */
  secure?: boolean;
  /** Hidden from scripts (document.cookie). */
  httpOnly?: boolean;
  /** Sent on cross-site requests: "Strict" never, "Lax" on top-level navigations, "None" always (needs secure). */
  sameSite?: "Strict" | "Lax" | "None";
  /** CHIPS: kept per top-level site (needs secure). */
  partitioned?: boolean;
  /** Chromium's eviction priority (not in RFC 6265bis; other browsers ignore it). */
  priority?: "Low" | "Medium" | "High";
  /** Sent as `value.signature` under the daemon's first cookieSecrets (cookie-signing.ts); read back with cookie(name, { signed: true }). */
  signed?: boolean;
}

/** Which cookie clearCookie() expires: the path and domain it was set with (a cookie is its name, path and domain). */
export interface ClearCookieOptions {
  /** Default "/", as setCookie(). */
  path?: string;
  /** The Domain it was set with; default none (a cookie of this host only). */
  domain?: string;
  /** A partitioned cookie is cleared in its partition only (implies Secure). */
  partitioned?: boolean;
}

/** How cookie() reads a value. */
export interface CookieReadOptions {
  /** Only a value whose signature a cookieSecrets secret verifies, without its signature; undefined otherwise. */
  signed?: boolean;
}

const EPOCH = new Date(0);

/**
 * RFC 6265bis §4.1.1: cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E (US-ASCII
 * without CTLs, whitespace, DQUOTE, comma, semicolon and backslash).
 */
const COOKIE_OCTET = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x21; c <= 0x7e; c++) table[c] = c === 0x22 || c === 0x2c || c === 0x3b || c === 0x5c ? 0 : 1;
  return table;
})();

/** RFC 6265bis §4.1.1: av-octet = %x20-3A / %x3C-7E (any CHAR except CTLs or ";"). */
const AV_OCTET = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x20; c <= 0x7e; c++) table[c] = c === 0x3b ? 0 : 1;
  return table;
})();

/** A domain name or IPv4 address: labels of letters, digits and inner hyphens, a leading dot allowed (and ignored by browsers). */
const DOMAIN = /^\.?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/** SameSite values by their lower-case spelling (a Map: no inherited member is a value). */
const SAME_SITE = new Map([
  ["strict", "Strict"],
  ["lax", "Lax"],
  ["none", "None"],
]);
/** Priority values by their lower-case spelling. */
const PRIORITY = new Map([
  ["low", "Low"],
  ["medium", "Medium"],
  ["high", "High"],
]);

/**
 * The Set-Cookie field value for `name=value` with `options`, checked (see the file comment):
 * a TypeError naming the cookie and the rule when it breaks one; an Error when it is to be signed
 * and `keys` is null (the daemon has no cookieSecrets).
 */
export function setCookieValue(name: string, value: string, options: CookieOptions, keys: CookieKeys | null): string {
  const what = `setCookie(${JSON.stringify(String(name))})`;
  if (typeof name !== "string" || name === "" || !allIn(name, TCHAR))
    throw new TypeError(`${what}: the name must be a token (RFC 9110 §5.6.2)`);
  if (typeof value !== "string") throw new TypeError(`${what}: the value must be a string`);
  const bad = firstNotIn(value, COOKIE_OCTET);
  if (bad >= 0)
    throw new TypeError(
      `${what}: the value holds ${JSON.stringify(value[bad])}, which a cookie cannot carry (RFC 6265bis §4.1.1); encode it first (encodeURIComponent, base64url)`,
    );
  let sent = value;
  if (options.signed === true) {
    if (keys === null) throw new Error(`${what}: a signed cookie needs the daemon's cookieSecrets option`);
    sent = keys.sign(name, value);
  }
  if (name.length + sent.length > MAX_COOKIE_NAME_VALUE)
    throw new TypeError(`${what}: name and value are over ${MAX_COOKIE_NAME_VALUE} octets, which browsers ignore (RFC 6265bis §5.7)`);

  let field = `${name}=${sent}`;
  const { maxAge, expires, domain } = options;
  if (maxAge !== undefined) {
    if (!Number.isSafeInteger(maxAge)) throw new TypeError(`${what}: maxAge must be an integer number of seconds`);
    field += `; Max-Age=${maxAge}`;
  }
  if (expires !== undefined) {
    if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) throw new TypeError(`${what}: expires must be a valid Date`);
    field += `; Expires=${expires.toUTCString()}`;
  }
  if (domain !== undefined) {
    if (typeof domain !== "string" || domain.length > MAX_COOKIE_ATTRIBUTE || !DOMAIN.test(domain))
      throw new TypeError(`${what}: domain must be a host name`);
    field += `; Domain=${domain}`;
  }
  const path = options.path ?? "/";
  if (typeof path !== "string" || path[0] !== "/" || path.length > MAX_COOKIE_ATTRIBUTE || !allIn(path, AV_OCTET))
    throw new TypeError(`${what}: path must begin with "/" and hold no control character nor ";"`);
  field += `; Path=${path}`;
  const secure = options.secure === true;
  if (secure) field += "; Secure";
  if (options.httpOnly === true) field += "; HttpOnly";
  if (options.sameSite !== undefined) {
    const sameSite = SAME_SITE.get(String(options.sameSite).toLowerCase());
    if (sameSite === undefined) throw new TypeError(`${what}: sameSite must be "Strict", "Lax" or "None"`);
    if (sameSite === "None" && !secure) throw new TypeError(`${what}: SameSite=None needs secure (RFC 6265bis §4.1.2.7)`);
    field += `; SameSite=${sameSite}`;
  }
  if (options.partitioned === true) {
    if (!secure) throw new TypeError(`${what}: partitioned needs secure (CHIPS)`);
    field += "; Partitioned";
  }
  if (options.priority !== undefined) {
    const priority = PRIORITY.get(String(options.priority).toLowerCase());
    if (priority === undefined) throw new TypeError(`${what}: priority must be "Low", "Medium" or "High"`);
    field += `; Priority=${priority}`;
  }
  // RFC 6265bis §4.1.3: the prefixes promise what the browser will check (and drop the cookie otherwise).
  const prefix = name.slice(0, 9).toLowerCase();
  if (prefix === "__secure-" && !secure) throw new TypeError(`${what}: a __Secure- cookie needs secure (RFC 6265bis §4.1.3.1)`);
  if (name.slice(0, 7).toLowerCase() === "__host-" && (!secure || path !== "/" || domain !== undefined))
    throw new TypeError(`${what}: a __Host- cookie needs secure, path "/" and no domain (RFC 6265bis §4.1.3.2)`);
  return field;
}

/**
 * The options that expire cookie `name` set with the same path and domain: Max-Age=0 and an
 * Expires in the past (for old clients), and the attributes without which the browser would
 * refuse the deletion itself — Secure for a `__Secure-` or `__Host-` name or a partitioned
 * cookie (Path is "/" by default, as a `__Host-` cookie needs).
 */
export function expiringOptions(name: string, options: ClearCookieOptions): CookieOptions {
  const prefixed = name.slice(0, 9).toLowerCase() === "__secure-" || name.slice(0, 7).toLowerCase() === "__host-";
  const partitioned = options.partitioned === true;
  const cleared: CookieOptions = { maxAge: 0, expires: EPOCH, secure: prefixed || partitioned, partitioned };
  if (options.path !== undefined) cleared.path = options.path;
  if (options.domain !== undefined) cleared.domain = options.domain;
  return cleared;
}

/**
 * The key a cookie is staged under in its response (HttpResponse.stageHeader): a cookie is its
 * name, domain and path (RFC 6265bis §5.7), so setting it twice keeps the last, clearing it
 * replaces a set, and two cookies are two Set-Cookie lines. The space keeps it apart from
 * setHeader()'s keys (field names, tokens).
 */
export function cookieStageKey(name: string, options: { path?: string; domain?: string }): string {
  // RFC 6265bis §5.6.3: a leading dot of Domain is ignored, and domains compare ignoring case.
  const domain = options.domain?.toLowerCase().replace(/^\./, "") ?? "";
  return `cookie ${name};${domain};${options.path ?? "/"}`;
}

/** True when every character of `s` is in `table` (a character above 0xff never is). */
function allIn(s: string, table: Uint8Array): boolean {
  return firstNotIn(s, table) < 0;
}

/** The index of the first character of `s` not in `table`, -1 when all are. */
function firstNotIn(s: string, table: Uint8Array): number {
  for (let i = 0; i < s.length; i++) if (table[s.charCodeAt(i)] !== 1) return i;
  return -1;
}
