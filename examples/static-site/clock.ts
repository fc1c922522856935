/**
 * A servlet page, run by `netsvc examples/static-site --plugin .ts` (ModulePlugin): it is
 * reloaded whenever this file changes.
 */
import { HttpServlet } from "netsvc";

export default class ClockPage extends HttpServlet {
  override processRequest(): void {
    const html = `<!DOCTYPE html><html><head><link rel="stylesheet" href="/style.css"></head><body>
<h1>${new Date().toISOString()}</h1><p>servletPath: ${this.servletPath()} · servletInfo: ${this.servletInfo() || "(none)"}</p>
</body></html>`;
    this.sendDocument(200, "text/html; charset=utf-8", html);
  }
}
