/**
 * The seed's example (OSE manual, page 88), in netsvc: a dispatcher watching SIGINT, a daemon on
 * port 8000, a FileServer for the current directory at "/", and — nested inside its namespace —
 * an echo page at /debug/echo and a redirect at /old. Ctrl-C shuts down in order.
 *   bun examples/seed.ts [port]
 */
import { Dispatcher, EchoServlet, FileServer, HttpDaemon, HttpServer, RedirectServlet, type HttpSession } from "netsvc";

class EchoServer extends HttpServer {
  override servlet(session: HttpSession) {
    return new EchoServlet(session);
  }
}

class MovedServer extends HttpServer {
  override servlet(session: HttpSession) {
    return new RedirectServlet(session, "/", 301);
  }
}

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");

const daemon = new HttpDaemon(Number(process.argv[2] ?? 8000));

const filesrvr = new FileServer(process.cwd());
daemon.attach("/", filesrvr);
daemon.attach("/debug/echo", new EchoServer()); // deeper paths win over "/"
daemon.attach("/old", new MovedServer());

daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/`);
await dispatcher.run();
