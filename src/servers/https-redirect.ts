/**
 * HttpsRedirect: what answers on a TLS daemon's cleartext port (`redirectHttp`, SPEC §10). It is
 * that port's routing: a request it redirects goes to a one-purpose server whose servlet answers
 * `308 Permanent Redirect` (RFC 9110 §15.4.9: the method and body are kept) to the same path and
 * query over HTTPS on the daemon's TLS port; any other goes to the daemon's mount table, served
 * in cleartext. The connection, parser, limits and timeouts are the main port's: only the
 * routing differs, so there is no second HTTP implementation.
 *
 * Location names only the authority the client asked for (the absolute-form target's, else Host;
 * RFC 9112 §3.2.2), and only when it is a plain host name or IP literal: anything else (no
 * authority, userinfo, characters a URL parser may read otherwise) is a 400, so the redirect
 * can neither inject a header nor send the client to another authority (an open redirect).
 */
import { METHOD_GET, METHOD_HEAD } from "../parser/index.ts";
import { HttpServer } from "./http-server.ts";
import type { HttpServlet } from "./http-servlet.ts";
import { sessionInternals as internals, type HttpSession } from "./http-session.ts";
import { MAX_HOST_LENGTH } from "./limits.ts";
import type { Routing } from "./mount-table.ts";
import { ErrorServlet } from "./servlets/error-servlet.ts";
import { RedirectServlet } from "./servlets/redirect-servlet.ts";

/** RFC 9110 §15.4.9: permanent, and the client repeats the method (a 301 may turn POST into GET). */
export const PERMANENT_REDIRECT = 308;

/** HTTPS's default port, left out of Location (RFC 9110 §4.2.2). */
const HTTPS_DEFAULT_PORT = 443;

/**
 * A host the redirect may name, with an optional port (replaced by the TLS port): DNS labels
 * (letters, digits, `-`, `_`; an IPv4 address is such a name), or an IPv6 literal in brackets
 * (RFC 3986 §3.2.2; a zone identifier is refused). Nothing that could end the authority (`/`,
 * `?`, `#`, `@`, `\`) or a header line (CR, LF) can match.
 */
const PLAIN_AUTHORITY = /^([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/;

/** The request header a browser sends on navigations when it prefers HTTPS (W3C Upgrade Insecure Requests §3.2). */
export const UPGRADE_INSECURE_REQUESTS = "upgrade-insecure-requests";

/**
 * The host of `authority` (lower-cased, its port dropped) when a redirect may name it, else null.
 * Pure; exported for its table of cases.
 */
export function redirectHost(authority: string): string | null {
  const m = PLAIN_AUTHORITY.exec(authority);
  if (m === null || m[1]!.length > MAX_HOST_LENGTH) return null;
  return m[1]!.toLowerCase();
}

/**
 * Does `s` ask to be upgraded? A GET or HEAD (a navigation: what browsers send the header on)
 * with `Upgrade-Insecure-Requests: 1`. Other methods are served where they are: a form's POST
 * is not sent twice.
 */
export function asksForUpgrade(s: HttpSession): boolean {
  const method = s.methodCode();
  return (method === METHOD_GET || method === METHOD_HEAD) && s.headerIs(UPGRADE_INSECURE_REQUESTS, "1");
}

/** The one-purpose server every redirected request goes to. */
class RedirectServer extends HttpServer {
  constructor(private readonly redirect: HttpsRedirect) {
    super();
  }

  /** 308 to the same path and query over HTTPS; 400 when the authority cannot be named. */
  override servlet(s: HttpSession): HttpServlet {
    const host = redirectHost(internals.authority(s));
    if (host === null) return new ErrorServlet(s, 400);
    const port = this.redirect.httpsPort;
    const q = s.queryString();
    const location = `https://${host}${port === HTTPS_DEFAULT_PORT ? "" : `:${port}`}${s.rawPath()}${q === "" ? "" : `?${q}`}`;
    return new RedirectServlet(s, location, PERMANENT_REDIRECT);
  }
}

/** A cleartext port's routing (see the file comment). */
export class HttpsRedirect implements Routing {
  /** The daemon's TLS port, named in Location unless 443. Set by the daemon once it is bound. */
  httpsPort = HTTPS_DEFAULT_PORT;
  private readonly server = new RedirectServer(this);

  /**
   * `mounts` null: every request is redirected. Otherwise only those that ask to be upgraded
   * (asksForUpgrade); the rest route through `mounts`, served in cleartext.
   */
  constructor(private readonly mounts: Routing | null) {}

  /** The redirect server, or the mount table's answer (see the constructor). */
  route(s: HttpSession): HttpServer | null | number {
    if (this.mounts !== null && !asksForUpgrade(s)) return this.mounts.route(s);
    // A target that is no path (`OPTIONS *`, bad escapes, above the root) is refused as on the
    // TLS port: there is nothing to redirect to.
    const path = internals.pathOrStatus(s);
    if (typeof path === "number") return path;
    return path === "*" ? null : this.server;
  }
}
