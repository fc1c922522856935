/**
 * A servlet that answers later: processRequest() returns at once and the response is sent from a
 * timer, while other requests keep being served. `this.signal` cancels the timer if the client
 * goes away first.
 *   bun examples/delayed-response.ts [port]      then: curl 'http://127.0.0.1:8000/?ms=2000'
 */
import { Dispatcher, HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "netsvc";

class DelayedServlet extends HttpServlet {
  override processRequest(): void {
    const ms = Math.min(Number(new URLSearchParams(this.queryString()).get("ms") ?? 1000), 60_000);
    console.log(`answering ${this.requestPath()} in ${ms} ms`);
    const timer = setTimeout(() => {
      const body = `answered after ${ms} ms\n`;
      this.sendResponse(200);
      this.sendHeader("Content-Type", "text/plain");
      this.sendHeader("Content-Length", body.length);
      this.endHeaders();
      this.sendContent(body);
      this.endContent();
    }, ms);
    this.signal.addEventListener("abort", () => clearTimeout(timer));
  }
}

class DelayedServer extends HttpServer {
  override servlet(session: HttpSession): HttpServlet {
    return new DelayedServlet(session);
  }
}

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
dispatcher.subscribeShutdown((phase) => console.log(`shutdown ${phase}`));
const daemon = new HttpDaemon(Number(process.argv[2] ?? 8000));
daemon.attach("/", new DelayedServer());
daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/`);
await dispatcher.run();
console.log("stopped");
