/**
 * VirtualHosts: a server object that answers each request with the server object of the site its
 * host names — nginx's `server_name`, Caddy's site blocks (SPEC §14). Attach it where the sites
 * share the namespace (usually "/"):
 *
 * ```ts
 * const sites = new VirtualHosts()
 *   .site(["example.com", "www.example.com"], new FileServer("/srv/example"))
 *   .site("docs.example.com", new FileServer("/srv/docs").spa());
 * daemon.attach("/", sites);
 * ```
 *
 * The host is the request's authority (Host, or HTTP/2's `:authority`, or an absolute-form
 * target), without its port, compared case-insensitively (RFC 9110 §4.2.3). A host no site names —
 * or a request with none (HTTP/1.0) — goes to the first site, or is answered 421 Misdirected
 * Request (RFC 9110 §15.5.20: the client may retry on another connection) after
 * `unknownHosts(421)`. The chosen site's server decides everything about its requests: its
 * servlet, its authentication (`authorise`, `authenticate`, `challenge`), its error pages and the
 * methods it recognises.
 */
import type { ErrorDocument } from "../http/error-page.ts";
import { HttpError } from "./http-error.ts";
import { type AuthDecision, HttpServer } from "./http-server.ts";
import type { HttpServlet } from "./http-servlet.ts";
import type { HttpSession } from "./http-session.ts";

/** RFC 9110 §15.5.20. */
const MISDIRECTED = 421;

/** A server object choosing a site's server object by host (see the file comment). */
export class VirtualHosts extends HttpServer {
  private readonly byHost = new Map<string, HttpServer>();
  private readonly sites: HttpServer[] = [];
  private misdirected = false;

  /**
   * Adds a site: `server` answers the requests for `hosts` (names without a port, any case). The
   * first site added also answers unknown hosts, unless unknownHosts(421). Throws a TypeError for
   * a host that is empty, has a port or a space, or is already another site's. Returns this.
   */
  site(hosts: string | readonly string[], server: HttpServer): this {
    const names = typeof hosts === "string" ? [hosts] : hosts;
    if (names.length === 0) throw new TypeError("VirtualHosts.site: a site needs at least one host name");
    for (const raw of names) {
      const host = raw.toLowerCase();
      if (!/^(\[[0-9a-f:.]+\]|[^\s:/[\]]+)$/.test(host))
        throw new TypeError(`VirtualHosts.site: ${JSON.stringify(raw)} is not a host name (no port, no path)`);
      if (this.byHost.has(host)) throw new TypeError(`VirtualHosts.site: ${JSON.stringify(raw)} already has a site`);
      this.byHost.set(host, server);
    }
    this.sites.push(server);
    return this;
  }

  /** What a host no site names gets: `"first"` (the default: the first site) or 421 Misdirected Request. Returns this. */
  unknownHosts(answer: "first" | 421): this {
    this.misdirected = answer === MISDIRECTED;
    return this;
  }

  /** The site's server for `session`'s host; null when none answers it (no sites, or 421). */
  serverFor(session: HttpSession): HttpServer | null {
    const host = session.serverHost().toLowerCase();
    const server = this.byHost.get(host.endsWith(".") ? host.slice(0, -1) : host);
    if (server !== undefined) return server;
    return this.misdirected ? null : (this.sites[0] ?? null);
  }

  override servlet(session: HttpSession): HttpServlet | null {
    const server = this.serverFor(session);
    // A fixed message: the client's Host is never echoed into the page.
    if (server === null) throw new HttpError(MISDIRECTED, "no site here answers this host");
    return server.servlet(session);
  }

  override requiresAuthorisation(): boolean {
    return this.sites.some((s) => s.requiresAuthorisation());
  }

  /**
   * The site's own authentication. Its refusal is answered here with the site's challenge (a
   * challenge() of this object could not tell which site refused).
   */
  override async authenticate(session: HttpSession, scheme: string, credentials: string): Promise<AuthDecision> {
    const server = this.serverFor(session);
    // No site: through to servlet(), which answers 421; a site without authentication lets everyone in.
    if (server === null || !server.requiresAuthorisation()) return true;
    const decision = await server.authenticate(session, scheme, credentials);
    if (decision === false) throw new HttpError(401, undefined, { headers: [["WWW-Authenticate", server.challenge()]] });
    return decision;
  }

  override errorPage(code: number, session: HttpSession, message?: string): string | ErrorDocument | null {
    return this.serverFor(session)?.errorPage(code, session, message) ?? null;
  }

  override recognisesMethod(session: HttpSession): boolean {
    return this.serverFor(session)?.recognisesMethod(session) ?? super.recognisesMethod(session);
  }
}
