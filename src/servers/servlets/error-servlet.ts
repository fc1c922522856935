/** ErrorServlet: answers with an error page (SPEC §2.5). */
import { HttpServlet } from "../http-servlet.ts";
import type { HttpSession } from "../http-session.ts";

/** Sends `code` with an HTML page (`html`, or a standard one) and closes the connection. */
export class ErrorServlet extends HttpServlet {
  /** Creates the servlet; `code` is the status, `html` an optional page. */
  constructor(
    session: HttpSession,
    private readonly code: number,
    private readonly html?: string,
  ) {
    super(session);
  }

  /** Sends the error. */
  override processRequest(): void {
    this.sendError(this.code, this.html);
  }
}
