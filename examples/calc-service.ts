/**
 * A service in its own process, reachable over NATS: "calc" with add(a, b) and slow(ms), which
 * stops waiting when its caller gives up. Run as many as you like; they share the calls.
 *   nats-server -p 4222 &
 *   bun examples/calc-service.ts nats://127.0.0.1:4222
 */
import { Dispatcher } from "netsvc";
import { type CallContext, Exchange, Service, ServiceFailure } from "netsvc/services";

class Calc extends Service {
  constructor() {
    super("calc");
    this.exportMethod(this.add);
    this.exportMethod(this.slow, "slow", { context: true });
  }
  add(a: number, b: number) {
    if (typeof a !== "number" || typeof b !== "number") throw new ServiceFailure(10, "not a number", "calc");
    return a + b;
  }
  // exported with { context: true }: the first argument is the call's CallContext, whose signal
  // aborts when the caller gives up (its client left, its timeout, its process died)
  slow({ signal }: CallContext, ms: number) {
    console.log(`slow(${ms}) started`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(`answered by process ${process.pid} after ${ms} ms`), ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer); // the work stops here: nobody waits for it any more
        console.log(`slow(${ms}) released: ${(signal.reason as ServiceFailure).description}`);
        reject(signal.reason);
      });
    });
  }
}

new Calc();
const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
const exchange = new Exchange({ servers: process.argv[2] ?? "nats://127.0.0.1:4222" });
exchange.subscribeShutdown(dispatcher);
await exchange.connect();
// Not connected: a signal stopped us while NATS was unreachable (the shutdown is done).
if (exchange.isConnected()) console.log("calc ready");
await dispatcher.run();
