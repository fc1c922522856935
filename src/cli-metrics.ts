/**
 * `--metrics` with `--workers N`: one page for the whole server, whichever worker a scrape
 * reaches (they share the port, SPEC §14). Each worker sends its own page to the supervisor over
 * the IPC channel every METRICS_PUSH_MS, and once more when it has stopped; the supervisor sums
 * them (metrics-merge.ts: the counters of workers gone included, so totals never go down across
 * a reload) and sends the sum back to every worker on the same beat, and at once to a worker whose
 * first page it is. A scrape is answered with the latest sum (at most about two beats old); a
 * new worker that has no sum yet answers 503 for those milliseconds — never its own page alone,
 * whose counters would look to Prometheus like a reset.
 */
import type { Subprocess } from "bun";
import type { Dispatcher } from "./daemon/dispatcher.ts";
import { MetricsTotals, mergeMetricsPages } from "./daemon/metrics-merge.ts";
import type { MetricsPage } from "./daemon/metrics-server.ts";

/** How often (ms) a worker sends its page, and the supervisor the sum. */
export const METRICS_PUSH_MS = 1000;

/** A worker's page (worker → supervisor). */
interface PageMessage {
  netsvcMetrics: string;
}
/** The sum of every worker's page (supervisor → worker). */
interface TotalMessage {
  netsvcMetricsTotal: string;
}

const isPage = (m: unknown): m is PageMessage => typeof (m as PageMessage | null)?.netsvcMetrics === "string";
const isTotal = (m: unknown): m is TotalMessage => typeof (m as TotalMessage | null)?.netsvcMetricsTotal === "string";

/**
 * In a worker: sends `own`'s page to the supervisor on every beat and once the shutdown has
 * arrived, and returns the page to serve: the supervisor's latest sum (null, a 503, until the
 * first sum comes).
 */
export function workerMetrics(own: { metrics(): string }, dispatcher: Dispatcher): MetricsPage {
  let total: string | null = null;
  process.on("message", (m: unknown) => {
    if (isTotal(m)) total = m.netsvcMetricsTotal;
  });
  const send = () => {
    try {
      process.send?.({ netsvcMetrics: own.metrics() } satisfies PageMessage);
    } catch {
      // the supervisor is gone: followSupervisor stops this worker
    }
  };
  send();
  const beat = setInterval(send, METRICS_PUSH_MS);
  beat.unref();
  dispatcher.subscribeShutdown((phase) => {
    if (phase !== "arrived") return;
    clearInterval(beat);
    send(); // what it served to the end, before it exits
    process.channel?.unref();
  });
  return { metrics: () => total };
}

/** In the supervisor: the workers' latest pages, those of workers gone, and the beat that sends the sum. */
export class SupervisorMetrics {
  private readonly latest = new Map<Subprocess, string>();
  private readonly retired = new MetricsTotals();
  private readonly children = new Set<Subprocess>();
  private readonly beat: ReturnType<typeof setInterval>;

  constructor() {
    this.beat = setInterval(() => this.sendTotal(), METRICS_PUSH_MS);
    this.beat.unref();
  }

  /** Bun.spawn's `ipc` handler: a worker's page; its first is answered with the sum at once. */
  readonly received = (message: unknown, child: Subprocess): void => {
    if (!isPage(message)) return;
    const first = !this.latest.has(child);
    this.latest.set(child, message.netsvcMetrics);
    if (first) this.sendTo(child, { netsvcMetricsTotal: this.total() });
  };

  /** A worker was started: it gets the sums, and its page counts (as a counter of those gone once it exits). */
  started(child: Subprocess): void {
    this.children.add(child);
    void child.exited.then(() => {
      this.children.delete(child);
      const page = this.latest.get(child);
      this.latest.delete(child);
      if (page !== undefined) this.retired.add(page, true);
    });
  }

  /** The sum of every page. */
  total(): string {
    return mergeMetricsPages(this.latest.values(), this.retired);
  }

  /** Stops the beat (the supervisor is stopping). */
  stop(): void {
    clearInterval(this.beat);
  }

  private sendTotal(): void {
    if (this.latest.size === 0) return;
    const message: TotalMessage = { netsvcMetricsTotal: this.total() };
    for (const child of this.children) this.sendTo(child, message);
  }

  private sendTo(child: Subprocess, message: TotalMessage): void {
    try {
      child.send(message);
    } catch {
      // exiting: its exit is handled in started()
    }
  }
}
