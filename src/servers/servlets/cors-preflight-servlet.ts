/**
 * CorsPreflightServlet: answers a CORS preflight (`OPTIONS` with Access-Control-Request-Method)
 * for files served with CORS on: 204, the origin allowed, GET and HEAD, and the request fields a
 * player or a fetch with ranges and validators sends (Fetch standard §3.2.2).
 */
import { HttpServlet } from "../http-servlet.ts";
import type { HttpSession } from "../http-session.ts";

/** How long (s) a browser may cache the preflight's answer. */
export const PREFLIGHT_MAX_AGE = 86400;

/** Answers the preflight with 204 for `origin`. */
export class CorsPreflightServlet extends HttpServlet {
  /** `origin` is the Access-Control-Allow-Origin value (`*` or one origin). */
  constructor(
    session: HttpSession,
    private readonly origin: string,
  ) {
    super(session);
  }

  /** Sends 204 with the Access-Control-Allow-* fields and Content-Length 0. */
  override processRequest(): void {
    this.sendResponse(204);
    this.sendHeader("Access-Control-Allow-Origin", this.origin);
    this.sendHeader("Access-Control-Allow-Methods", "GET, HEAD");
    this.sendHeader("Access-Control-Allow-Headers", "Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range");
    this.sendHeader("Access-Control-Max-Age", PREFLIGHT_MAX_AGE);
    if (this.origin !== "*") this.sendHeader("Vary", "Origin");
    this.endHeaders();
  }
}
