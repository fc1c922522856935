/**
 * TEMPORARY bridge until the cookie API (SPEC §13: HttpSession.cookie / setCookie / clearCookie,
 * branch h-cookies) lands on main: the session cookie read from the Cookie header and written as
 * one staged Set-Cookie line. When it lands, cookieHolder(s) is `s` itself (HttpSession satisfies
 * CookieHolder) and this file goes.
 */
import type { HttpSession } from "./http-session.ts";
import type { CookieHolder, SessionCookieOptions } from "./user-session.ts";

/** The request's cookies as a user session reads and writes them. */
export function cookieHolder(s: HttpSession): CookieHolder {
  return {
    cookie(name) {
      const header = s.header("cookie");
      if (header === null) return undefined;
      for (const pair of header.split(";")) {
        const eq = pair.indexOf("=");
        if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
      }
      return undefined;
    },
    setCookie(name: string, value: string, o: SessionCookieOptions) {
      let line = `${name}=${value}; Path=${o.path}`;
      if (o.domain !== undefined) line += `; Domain=${o.domain}`;
      if (o.maxAge !== undefined) line += `; Max-Age=${o.maxAge}`;
      if (o.secure) line += "; Secure";
      if (o.httpOnly) line += "; HttpOnly";
      line += `; SameSite=${o.sameSite}`;
      s.setHeader("Set-Cookie", line);
    },
    clearCookie(name, o) {
      s.setHeader("Set-Cookie", `${name}=; Path=${o.path ?? "/"}${o.domain === undefined ? "" : `; Domain=${o.domain}`}; Max-Age=0`);
    },
    isSecure: () => s.isSecure(),
  };
}
