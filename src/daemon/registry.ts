/** The daemons started in this process, so the Dispatcher can stop them all on shutdown. */
import type { HttpDaemon } from "./daemon.ts";

const running = new Set<HttpDaemon>();

/** Records a started daemon. */
export function registerDaemon(daemon: HttpDaemon): void {
  running.add(daemon);
}

/** Forgets a stopped daemon. */
export function unregisterDaemon(daemon: HttpDaemon): void {
  running.delete(daemon);
}

/** The daemons currently started. */
export function runningDaemons(): HttpDaemon[] {
  return [...running];
}
