/**
 * HttpServer: a server object attached to a part of the URL namespace. Subclass it and override
 * servlet() to hand each request to a servlet; override authorise() to require HTTP Basic
 * authentication for this part of the namespace (SPEC §2.2).
 */
import type { HttpServlet } from "./http-servlet.ts";
import type { ErrorDocument } from "./error-page.ts";
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

  /**
   * The body of an error response the framework makes for a request routed here (404, 405, 500,
   * 401, 413, a body that is not JSON, an HttpError …): an HTML page as a string, an
   * ErrorDocument for another type (a JSON API's own error shape), or null for the default
   * (JSON when the request accepts JSON, HTML otherwise). `message` is an HttpError's message.
   * A throw is logged and the default is used. The status and the closed connection stay.
   */
  errorPage(_code: number, _session: HttpSession, _message?: string): string | ErrorDocument | null {
    return null;
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
