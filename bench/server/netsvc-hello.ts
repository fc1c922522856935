/**
 * Benchmark peer: the netsvc hello servlet (sendResponse / sendHeader / sendContent, 13-byte body).
 * `bun netsvc-hello.ts PORT [--tls] [--idle-timeout S]`: with --tls, HTTPS with the test certificate
 * (tls-fixture.ts); --idle-timeout sets keepAliveTimeoutMs (default KEEP_ALIVE_TIMEOUT_MS, 5 s).
 * HTTP/2 is on by default (h2c by prior knowledge, h2 by ALPN), beside HTTP/1.x on the same port.
 */
import { Dispatcher, HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { idleTimeoutSeconds, TLS_CERT, TLS_KEY, wantsTls } from "./tls-fixture.ts";

class Hello extends HttpServlet {
  override processRequest(): void {
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", 13);
    this.endHeaders();
    this.sendContent("Hello, world!");
  }
}

class HelloServer extends HttpServer {
  override servlet(session: HttpSession): HttpServlet {
    return new Hello(session);
  }
}

const idleTimeout = idleTimeoutSeconds(process.argv);
const daemon = new HttpDaemon(Number(process.argv[2]), {
  maxRequestsPerConnection: 1e9,
  ...(idleTimeout !== undefined ? { keepAliveTimeoutMs: idleTimeout * 1000 } : {}),
  ...(wantsTls(process.argv) ? { tls: { cert: TLS_CERT, key: TLS_KEY } } : {}),
});
daemon.attach("/", new HelloServer());
const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT"); // an orderly exit lets `bun --cpu-prof` write its profile
dispatcher.monitor("SIGTERM");
daemon.start();
console.log("ready");
await dispatcher.run();
