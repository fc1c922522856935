/**
 * Dispatcher: the process-wide event loop handle of OSE, on Bun's loop (SPEC §2.6).
 * `monitor(signal)` makes a signal start an orderly shutdown: subscribers hear "pending", every
 * daemon stops accepting and finishes what is in flight (bounded by the grace period), subscribers
 * hear "arrived", and run() resolves.
 */
import { runningDaemons } from "./registry.ts";

/** Shutdown phases told to subscribers. */
export type ShutdownPhase = "pending" | "arrived";

/** Default bound on how long in-flight responses may take during shutdown. */
export const SHUTDOWN_GRACE_MS = 10_000;

let instance: Dispatcher | null = null;

/** The process-wide dispatcher; `new Dispatcher()` always returns the same one. */
export class Dispatcher {
  /** Grace period for responses in flight at shutdown (ms). */
  graceMs = SHUTDOWN_GRACE_MS;
  private subscribers: ((phase: ShutdownPhase) => void)[] = [];
  private done: PromiseWithResolvers<void> = Promise.withResolvers<void>();
  private shuttingDown = false;
  /** Shutdown has completed: run() has nothing to wait for. */
  private arrived = false;
  private monitored = new Map<string, () => void>();
  private keepAlive: ReturnType<typeof setInterval> | null = null;

  /** Returns the process-wide dispatcher. */
  constructor() {
    // biome-ignore lint/correctness/noConstructorReturn: SPEC §2.6: new Dispatcher() is the process-wide one
    if (instance) return instance;
    instance = this;
  }

  /** Makes `signal` (e.g. "SIGINT", "SIGTERM") start an orderly shutdown. */
  monitor(signal: NodeJS.Signals): void {
    if (this.monitored.has(signal)) return;
    const handler = () => void this.shutdown();
    this.monitored.set(signal, handler);
    process.on(signal, handler);
  }

  /** Registers `callback` to hear "pending" when shutdown starts and "arrived" when it is done. */
  subscribeShutdown(callback: (phase: ShutdownPhase) => void): void {
    this.subscribers.push(callback);
  }

  /** Runs `job` on the next turn of the loop. */
  schedule(job: () => void): void {
    setImmediate(job);
  }

  /** Resolves once shutdown has completed. Keeps the process alive until then (and not at all when it already has). */
  run(): Promise<void> {
    if (!this.arrived) this.keepAlive ??= setInterval(() => {}, 1 << 30);
    return this.done.promise;
  }

  /** Starts an orderly shutdown (what a monitored signal does). Resolves when it has arrived. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return this.done.promise;
    this.shuttingDown = true;
    this.tell("pending");
    await Promise.all(runningDaemons().map((d) => d.stop(this.graceMs)));
    this.tell("arrived");
    for (const [signal, handler] of this.monitored) process.off(signal, handler);
    this.monitored.clear();
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    this.arrived = true;
    this.done.resolve();
  }

  private tell(phase: ShutdownPhase): void {
    for (const cb of this.subscribers) {
      try {
        cb(phase);
      } catch (e) {
        console.error("netsvc: shutdown subscriber threw", e);
      }
    }
  }
}
