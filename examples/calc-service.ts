/**
 * A service in its own process, reachable over NATS: "calc" with add(a, b) and slow(ms). Run as
 * many as you like; they share the calls.
 *   nats-server -p 4222 &
 *   bun examples/calc-service.ts nats://127.0.0.1:4222
 */
import { Dispatcher, Exchange, Service, ServiceFailure } from "netsvc";

class Calc extends Service {
  constructor() {
    super("calc");
    this.exportMethod(this.add);
    this.exportMethod(this.slow);
  }
  add(a: number, b: number) {
    if (typeof a !== "number" || typeof b !== "number") throw new ServiceFailure(10, "not a number", "calc");
    return a + b;
  }
  slow(ms: number) {
    console.log(`slow(${ms}) started`);
    return new Promise((resolve) => setTimeout(() => resolve(`answered by process ${process.pid} after ${ms} ms`), ms));
  }
}

new Calc();
const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
const exchange = new Exchange({ servers: process.argv[2] ?? "nats://127.0.0.1:4222" });
exchange.subscribeShutdown(dispatcher);
await exchange.connect();
console.log("calc ready");
await dispatcher.run();
