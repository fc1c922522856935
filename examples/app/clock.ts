/**
 * A service in another process (examples/app): the clock. On the NATS bus it publishes the time
 * as the report `app.clock` every CLOCK_MS — `{ at, pid }`, `at` the moment of publication — and
 * answers `clock.now()` calls. The app's status page gets its reports over its WebSocket and
 * shows how long each took from this process to the browser.
 *   bun examples/app/clock.ts --nats nats://127.0.0.1:4222 [--every 500]
 */
import { Dispatcher } from "netsvc";
import { Exchange, Service, services } from "netsvc/services";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** How often the time is published (ms). */
const CLOCK_MS = Number(option("every", "500"));

const clock = new Service("clock");
clock.exportMethod(() => Date.now(), "now");

const exchange = new Exchange({ servers: option("nats", "nats://127.0.0.1:4222") });
await exchange.connect();
const ticker = setInterval(() => services.publish("app.clock", { at: Date.now(), pid: process.pid }), CLOCK_MS);
console.log(`clock ${process.pid} publishing app.clock every ${CLOCK_MS} ms`);

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
await dispatcher.run();
clearInterval(ticker);
await exchange.close();
