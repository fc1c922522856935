/** RedirectServlet: answers with a redirect (SPEC §2.5). */
import { HttpServlet } from "../http-servlet.ts";
import { escapeHtml } from "../html.ts";
import type { HttpSession } from "../http-session.ts";

/**
 * Redirects to `uri` with `code` (default 302). A URI starting with `/` is made absolute against
 * the server host the client addressed. The Location is sent as given (it must be a valid URI:
 * characters outside visible ASCII are percent-encoded, never echoed raw into the header).
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
      location = `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}${port === 80 ? "" : `:${port}`}${location}`;
    }
    location = encodeURI(decodeURIComponentSafe(location));
    const body = `<!DOCTYPE html>\n<html><head><title>${this.code}</title></head><body><a href="${escapeHtml(location)}">${escapeHtml(location)}</a></body></html>\n`;
    this.sendDocument(this.code, "text/html; charset=utf-8", body, [["Location", location]]);
  }
}

/** decodeURI that leaves malformed escapes alone, so encodeURI does not double-encode valid ones. */
function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}
