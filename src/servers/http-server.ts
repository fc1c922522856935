/**
 * HttpServer: a server object attached to a part of the URL namespace. Subclass it and override
 * servlet() to hand each request to a servlet; override authorise() to require HTTP Basic
 * authentication for this part of the namespace (SPEC §2.2).
 */
import type { HttpServlet } from "./http-servlet.ts";
import type { ErrorDocument } from "../http/error-page.ts";
import type { HttpSession } from "./http-session.ts";
import { isRefused, type Refused } from "./refusal.ts";
import { isRecognisedMethod } from "../parser/index.ts";

/** Outcome of Basic authentication: allowed, or the status to answer with. */
export type AuthOutcome = true | Refused;

/**
 * What authenticate() decides: `true` (allowed), a user name (allowed; it becomes
 * remoteUser() and the access log's user), or `false` (401 with challenge()).
 */
export type AuthDecision = boolean | string;

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

  /**
   * Whether this server recognises the request's method at all (RFC 9110 §9.1). A servlet's
   * sendError(405) for a method it does not is answered 501 (§15.6.2) instead: the method is
   * not the resource's to refuse. Default: isRecognisedMethod — RFC 9110's eight methods and
   * PATCH, case-sensitive. Override to add extension methods the server implements (Router adds
   * those of its routes); keep it cheap and pure, it is asked once per refused request.
   */
  recognisesMethod(session: HttpSession): boolean {
    return isRecognisedMethod(session.methodCode());
  }

  /**
   * Authentication in any scheme, called for every request before servlet() when this server
   * overrides it (or authorise()). `scheme` is the Authorization header's scheme lower-cased
   * (`"bearer"`, `"basic"`, … ; `""` without the header) and `credentials` the rest of the header
   * as sent (a token68 or auth-params). Return or resolve an AuthDecision; throw an HttpError
   * for another status (e.g. 400 for a malformed token, 403); another throw is logged and
   * answered 401. Unknown schemes are this method's to decide.
   * Default: HTTP Basic through authorise() (SPEC §2.2): Basic credentials go to authorise(), the
   * login becomes the user; no credentials, or credentials in another scheme (Bearer, Digest …),
   * go as `("", "")` — RFC 9110 §11.6.1, §15.5.2: a scheme the server does not take earns the
   * 401 with the challenge of the one it does, never a 501.
   */
  authenticate(_session: HttpSession, scheme: string, credentials: string): AuthDecision | Promise<AuthDecision> {
    const creds = scheme === BASIC ? decodeBasic(credentials) : NO_CREDENTIALS;
    if (isRefused(creds)) return false;
    const allow = (ok: boolean) => (ok === true ? creds[0] : false);
    const result = this.authorise(creds[0], creds[1]);
    return typeof result === "boolean" ? allow(result) : Promise.resolve(result).then(allow);
  }

  /** The `WWW-Authenticate` value of a 401. Default: `Basic realm="<realm>"` (quotes and CR/LF replaced). */
  challenge(): string {
    return `Basic realm="${this.realm.replace(/["\\\r\n]/g, "_")}"`;
  }

  /** True when this server overrides authorise() or authenticate() (the daemon skips both otherwise). */
  requiresAuthorisation(): boolean {
    return this.authorise !== HttpServer.prototype.authorise || this.authenticate !== HttpServer.prototype.authenticate;
  }
}

/** The Basic scheme's name, lower-cased as parseAuthorization() gives schemes. */
const BASIC = "basic";
/** What authorise() gets without Basic credentials. */
const NO_CREDENTIALS: readonly [string, string] = ["", ""];
/** RFC 9110 §11.4: `credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`. */
const AUTHORIZATION = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?:[ \t]+(.*))?$/;

/**
 * Splits an Authorization value into its scheme (lower-cased: schemes are case-insensitive,
 * RFC 9110 §11.1) and the credentials after it (trimmed, otherwise as sent). null without the
 * header, 400 when it does not start with a scheme token.
 */
export function parseAuthorization(header: string | null): { scheme: string; credentials: string } | null | Refused {
  if (header === null) return null;
  const m = AUTHORIZATION.exec(header.trim());
  if (!m) return 400;
  return { scheme: m[1]!.toLowerCase(), credentials: (m[2] ?? "").trim() };
}

/** Decodes Basic credentials, `base64(login:password)` split at the first `:` (RFC 7617); 400 when invalid. */
function decodeBasic(token: string): [string, string] | Refused {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) return 400;
  const text = new TextDecoder().decode(Buffer.from(token, "base64"));
  const colon = text.indexOf(":");
  if (colon < 0) return 400;
  return [text.slice(0, colon), text.slice(colon + 1)];
}

/**
 * Reads `Authorization: Basic base64(login:password)` (RFC 7617): the decoded credentials are
 * split at the first `:`. Returns [login, password] — `["", ""]` without the header or for
 * another scheme (no Basic credentials) — or 400 when the header or the base64 is malformed.
 */
export function basicCredentials(header: string | null): [string, string] | Refused {
  const auth = parseAuthorization(header);
  if (auth === null || (!isRefused(auth) && auth.scheme !== BASIC)) return ["", ""];
  if (isRefused(auth)) return auth;
  return decodeBasic(auth.credentials);
}
