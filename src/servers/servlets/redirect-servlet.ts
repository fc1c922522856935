/** RedirectServlet: answers with a redirect (SPEC §2.5). */
import { HttpServlet } from "../http-servlet.ts";
import { escapeHtml } from "../html.ts";
import type { HttpSession } from "../http-session.ts";

/**
 * Redirects to `uri` with `code` (default 302). A URI starting with `/` is made absolute against
 * the server host the client addressed. The Location is the URI percent-encoded where it must be
 * (RFC 3986 §2.1): anything but URI characters — CR, LF, space, non-ASCII (as UTF-8), a `%` not
 * starting an escape — is encoded, never refused and never echoed raw into the header; escapes
 * already there are kept as they are.
 */
export class RedirectServlet extends HttpServlet {
  /** Creates the servlet. */
  constructor(
    session: HttpSession,
    private readonly uri: string,
    private readonly code = 302,
  ) {
    super(session);
  }

  /** Sends the redirect with a small HTML body and a Content-Length (so keep-alive holds). */
  override processRequest(): void {
    let location = this.uri;
    if (location.startsWith("/")) {
      const port = this.serverPort();
      const host = this.serverHost();
      const scheme = this.scheme();
      // The scheme's default port is left out (RFC 9110 §4.2.1, §4.2.2).
      const defaultPort = scheme === "https" ? 443 : 80;
      location = `${scheme}://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}${port === defaultPort ? "" : `:${port}`}${location}`;
    }
    location = percentEncodeUri(location);
    const body = `<!DOCTYPE html>\n<html><head><title>${this.code}</title></head><body><a href="${escapeHtml(location)}">${escapeHtml(location)}</a></body></html>\n`;
    this.sendDocument(this.code, "text/html; charset=utf-8", body, [["Location", location]]);
  }
}

/**
 * What is not a URI character (RFC 3986 §2.2 reserved, §2.3 unreserved) or the start of a
 * pct-encoded triple: a run of such code points, or a lone `%`.
 */
const NOT_URI = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/gu;

/**
 * `uri` with every character a URI cannot hold percent-encoded as UTF-8 (a lone surrogate as
 * U+FFFD), and its existing escapes — even ones that are not UTF-8 — left alone, so nothing is
 * encoded twice.
 */
function percentEncodeUri(uri: string): string {
  return uri.replace(NOT_URI, (run) => encodeURIComponent(run.toWellFormed()));
}
