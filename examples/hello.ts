/**
 * The smallest netsvc application: one servlet answering "Hello, world!".
 *   bun examples/hello.ts [port]        (default 8000; 0 picks a free port)
 */
import { Dispatcher, HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "netsvc";

class HelloServlet extends HttpServlet {
  override processRequest(): void {
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", 13);
    this.endHeaders();
    this.sendContent("Hello, world!");
    this.endContent();
  }
}

class HelloServer extends HttpServer {
  override servlet(session: HttpSession): HttpServlet {
    return new HelloServlet(session);
  }
}

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
const daemon = new HttpDaemon(Number(process.argv[2] ?? 8000));
daemon.attach("/", new HelloServer());
daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/`);
await dispatcher.run();
