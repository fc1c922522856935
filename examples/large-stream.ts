/**
 * A large generated response that respects flow control: sendContent() returns false when the
 * connection's output queue is above its high-water mark, and the servlet waits for drained()
 * instead of queueing everything in memory.
 *   bun examples/large-stream.ts [port]      then: curl -o /dev/null http://127.0.0.1:8000/?mb=512
 */
import { Dispatcher, HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "netsvc";

class StreamServlet extends HttpServlet {
  override async processRequest(): Promise<void> {
    const mb = Math.min(Number(new URLSearchParams(this.queryString()).get("mb") ?? 64), 4096);
    const piece = new Uint8Array(64 * 1024).fill(0x2e);
    const total = mb * 1024 * 1024;
    this.sendResponse(200);
    this.sendHeader("Content-Type", "application/octet-stream");
    this.sendHeader("Content-Length", total);
    this.endHeaders();
    for (let sent = 0; sent < total && !this.signal.aborted; sent += piece.length) {
      if (!this.sendContent(piece)) await this.drained();
    }
  }
}

class StreamServer extends HttpServer {
  override servlet(session: HttpSession): HttpServlet {
    return new StreamServlet(session);
  }
}

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
const daemon = new HttpDaemon(Number(process.argv[2] ?? 8000));
daemon.attach("/", new StreamServer());
daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/`);
await dispatcher.run();
