/**
 * MetricsServer: a server object answering GET (and HEAD) with a daemon's metrics page in the
 * Prometheus text format (SPEC §14; metrics-text.ts) — the binary's `--metrics PATH`:
 *
 * ```ts
 * daemon.attach("/metrics", new MetricsServer(daemon));   // scrape http://host:8000/metrics
 * ```
 *
 * The page is made when scraped, never cached (`Cache-Control: no-store`); protect it as any
 * server object (`authorise`, the daemon's allow list) when the port is public.
 */
import type { HttpSession } from "../servers/http-session.ts";
import { HttpServer } from "../servers/http-server.ts";
import { HttpServlet } from "../servers/http-servlet.ts";
import { METRICS_TYPE } from "./metrics-text.ts";

/** What a MetricsServer reports: an HttpDaemon, or anything else that makes the page. */
export interface MetricsPage {
  /** The page's text; null when it cannot be given yet (answered 503, which a scraper records as a failed scrape). */
  metrics(): string | null;
}

class MetricsServlet extends HttpServlet {
  constructor(
    session: HttpSession,
    private readonly source: MetricsPage,
  ) {
    super(session);
  }
  override processRequest(): void {
    const method = this.requestMethod();
    if (method !== "GET" && method !== "HEAD") return this.sendError(405);
    const page = this.source.metrics();
    if (page === null) return this.sendError(503);
    this.sendDocument(200, METRICS_TYPE, page, [["Cache-Control", "no-store"]]);
  }
}

/** A server object serving a daemon's metrics page (see the file comment). */
export class MetricsServer extends HttpServer {
  /** Serves `source`'s page (usually the daemon this server is attached to). */
  constructor(private readonly source: MetricsPage) {
    super();
  }
  override servlet(session: HttpSession): HttpServlet {
    return new MetricsServlet(session, this.source);
  }
}
