/** The daemons started in this process, so the Dispatcher can stop them all on shutdown. */

/** What the Dispatcher needs of a daemon (HttpDaemon implements it; no import back). */
export interface StoppableDaemon {
  /** Stops accepting and finishes what is in flight; `graceMs` bounds the wait. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<StoppableDaemon>();

/** Records a started daemon. */
export function registerDaemon(daemon: StoppableDaemon): void {
  running.add(daemon);
}

/** Forgets a stopped daemon. */
export function unregisterDaemon(daemon: StoppableDaemon): void {
  running.delete(daemon);
}

/** The daemons currently started. */
export function runningDaemons(): StoppableDaemon[] {
  return [...running];
}
