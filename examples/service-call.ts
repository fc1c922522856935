/**
 * The seed's deferred servlet: a page that asks a remote service (over NATS) and answers when the
 * reply arrives; other requests are served meanwhile. The servlet's signal goes with the call, so
 * a client that leaves aborts it here and in calc's process (slow() sees its CallContext signal).
 *   bun examples/calc-service.ts nats://127.0.0.1:4222 &
 *   bun examples/service-call.ts 8000 nats://127.0.0.1:4222
 *   curl 'http://127.0.0.1:8000/add?a=2&b=3'     curl 'http://127.0.0.1:8000/slow?ms=2000'
 */
import { Dispatcher, HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "netsvc";
import { Exchange, SERVICE_UNAVAILABLE, type ServiceFailure, services } from "netsvc/services";

class CalcPage extends HttpServlet {
  override async processRequest(): Promise<void> {
    const q = new URLSearchParams(this.queryString());
    const [method, params] =
      this.servletPath() === "slow"
        ? ["slow", [Math.min(Number(q.get("ms") ?? 1000), 60_000)]]
        : ["add", [Number(q.get("a")), Number(q.get("b"))]];
    try {
      const value = await services.call("calc", method, params, { signal: this.signal, timeoutMs: 70_000 });
      this.sendDocument(200, "text/plain", `${method}: ${value}\n`);
    } catch (e) {
      const f = e as ServiceFailure;
      if (this.signal.aborted) return void console.log(`call aborted: the client left (${f.description})`);
      this.sendDocument(f.error === SERVICE_UNAVAILABLE ? 503 : 502, "text/plain", `calc failed: ${f.description}\n`);
    }
  }
}

class CalcServer extends HttpServer {
  override servlet(session: HttpSession): HttpServlet {
    return new CalcPage(session);
  }
}

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
const exchange = new Exchange({ servers: process.argv[3] ?? "nats://127.0.0.1:4222" });
exchange.subscribeShutdown(dispatcher);
await exchange.connect();
// Not connected: a signal stopped us while NATS was unreachable (the shutdown is done).
if (exchange.isConnected()) {
  const daemon = new HttpDaemon(Number(process.argv[2] ?? 8000));
  daemon.attach("/", new CalcServer());
  daemon.start();
  console.log(`http://127.0.0.1:${daemon.port()}/`);
  await dispatcher.run();
}
