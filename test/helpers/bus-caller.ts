/**
 * The calling side of a process on a NATS bus, for the exchange tests and their fixture processes:
 * wait until a registry knows a service (its announcement arrived), or set up a registry with an
 * Exchange that knows it. The wait is on the registry's own change events, bounded.
 */
import { Exchange, ServiceRegistry } from "../../src/entry/services.ts";

/** How long a service's announcement may take to reach a new member of the bus (ms), on a loaded machine. */
const KNOWN_LIMIT_MS = 15_000;

/** Resolves once `registry` knows service `name` (at once if it does); rejects after `ms`. */
export function untilServiceKnown(registry: ServiceRegistry, name: string, ms = KNOWN_LIMIT_MS): Promise<void> {
  if (registry.has(name)) return Promise.resolve();
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const timer = setTimeout(() => {
    stop();
    reject(new Error(`service ${name} not known after ${ms} ms`));
  }, ms);
  const stop = registry.subscribe(() => {
    if (!registry.has(name)) return;
    clearTimeout(timer);
    stop();
    resolve();
  });
  return promise;
}

/**
 * This process's side of a test: a quiet registry (no error log) with an Exchange on `url`, once
 * it knows service `name`. `await using` closes the exchange.
 */
export async function callerSide(url: string, name: string) {
  const r = new ServiceRegistry();
  r.errorLog = () => {};
  const exchange = new Exchange({ servers: url, registry: r, log: () => {} });
  await exchange.connect();
  await untilServiceKnown(r, name);
  return { r, exchange, [Symbol.asyncDispose]: () => exchange.close() };
}
