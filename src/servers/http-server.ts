/**
 * HttpServer: a server object attached to a part of the URL namespace. Subclass it and override
 * servlet() to hand each request to a servlet; override authorise() to require HTTP Basic
 * authentication for this part of the namespace (SPEC §2.2).
 */
import type { HttpServlet } from "./http-servlet.ts";
import type { HttpSession } from "./http-session.ts";

/** Outcome of Basic authentication: allowed, or the status to answer with. */
export type AuthOutcome = true | 401 | 501 | 400;

/** Base class of server objects. */
export class HttpServer {
  /** Realm named in `WWW-Authenticate: Basic realm="…"`. Default "netsvc". */
  realm = "netsvc";

  /**
   * Returns the servlet for this request, or null for 404. A throw is answered with 500 (logged).
   * The session gives the method, headers and path, so a server can route on any of them.
   */
  servlet(_session: HttpSession): HttpServlet | null {
    return null;
  }

  /**
   * User authentication, called for every request before servlet(); without an Authorization
   * header it gets ("", ""). Return false (or throw) to answer 401 with a Basic challenge and
   * close. Default: everyone is accepted and no challenge is sent.
   */
  authorise(_login: string, _password: string): boolean | Promise<boolean> {
    return true;
  }

  /** True when this server overrides authorise() (the daemon skips the call otherwise). */
  requiresAuthorisation(): boolean {
    return this.authorise !== HttpServer.prototype.authorise;
  }
}

/**
 * Reads `Authorization: Basic base64(login:password)` (RFC 7617): the decoded credentials are
 * split at the first `:`. Returns [login, password], 501 for another scheme, or 400 when the
 * credentials are not valid base64.
 */
export function basicCredentials(header: string | null): [string, string] | 501 | 400 {
  if (header === null) return ["", ""];
  const m = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:[ \t]+(.*))?$/.exec(header.trim());
  if (!m) return 400;
  if (m[1]!.toLowerCase() !== "basic") return 501;
  const token = (m[2] ?? "").trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) return 400;
  const text = new TextDecoder().decode(Buffer.from(token, "base64"));
  const colon = text.indexOf(":");
  if (colon < 0) return 400;
  return [text.slice(0, colon), text.slice(colon + 1)];
}
