/**
 * The normal client timed during every attack: one keep-alive connection sending GET of the
 * 13-byte file every `intervalMs`, waiting for each answer. A connection the server closes is
 * reopened (the reconnect counts in that request's latency); a request not answered with 200
 * within `timeoutMs` counts as failed. In "new connection" mode (a probe asks for it) each request
 * opens its own connection (`Connection: close`), timed from the connect, as a client making its
 * first request does; a new connection closed without an answer is a failure, not retried.
 */
import { pause } from "./clock.ts";
import { SMALL_PATH } from "./fixture.ts";
import { median } from "./proc.ts";
import { awaitReply, openReplyConnection, type ReplyConnection } from "./reply-connection.ts";
import { NORMAL_LATENCY_GOAL_MS } from "./settings.ts";

const REQUEST = Buffer.from(`GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
const REQUEST_CLOSE = Buffer.from(`GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

/** How the normal client connects: one kept-alive connection, or a new one for each request. */
export type NormalMode = "keep-alive" | "new connection";

/** Latency summary of the normal client. */
export interface NormalSummary {
  requests: number;
  failed: number;
  reconnects: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests (failed ones included) answered with 200 within NORMAL_LATENCY_GOAL_MS, in %. */
  withinGoalPercent: number;
  /** Requests answered 200 within NORMAL_LATENCY_GOAL_MS. */
  withinGoal: number;
  /** How it connected. */
  mode: NormalMode;
  /** Status codes other than 200, and "timeout"/"refused", with counts. */
  failures: Record<string, number>;
}

/** The normal client; start() begins the loop, stop() ends it and summarises (see spawnNormalClient). */
export class NormalClient {
  private readonly latencies: number[] = [];
  private readonly failures: Record<string, number> = {};
  private failed = 0;
  private reconnects = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private conn: ReplyConnection | null = null;
  private readonly first = Promise.withResolvers<void>();
  /** Settles once the first request was answered or failed. */
  readonly firstDone = this.first.promise;

  constructor(
    private readonly port: number,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly mode: NormalMode = "keep-alive",
    /** Over TLS (a new connection is then a handshake too). */
    private readonly tls = false,
  ) {}

  /** Starts sending. */
  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the request in flight and returns the summary. */
  async stop(): Promise<NormalSummary> {
    this.running = false;
    await this.loop;
    this.conn?.socket.end();
    const s = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN);
    return {
      requests: this.latencies.length + this.failed,
      failed: this.failed,
      reconnects: this.reconnects,
      p50Ms: median(s),
      p99Ms: at(0.99),
      maxMs: s.length ? s[s.length - 1]! : NaN,
      withinGoalPercent: (100 * s.filter((ms) => ms <= NORMAL_LATENCY_GOAL_MS).length) / Math.max(1, s.length + this.failed),
      withinGoal: s.filter((ms) => ms <= NORMAL_LATENCY_GOAL_MS).length,
      mode: this.mode,
      failures: this.failures,
    };
  }

  private fail(reason: string): void {
    this.failed++;
    this.failures[reason] = (this.failures[reason] ?? 0) + 1;
  }

  /** One request: returns the status, "timeout", "refused", or "closed" (closed before any answer). */
  private async once(deadline: number): Promise<string | number> {
    const fresh = this.mode === "new connection";
    if (!this.conn || this.conn.closed || fresh) {
      try {
        this.conn = await openReplyConnection(this.port, this.tls);
      } catch {
        this.conn = null;
        return "refused";
      }
    }
    const conn = this.conn;
    const r = await awaitReply(conn, fresh ? REQUEST_CLOSE : REQUEST, deadline);
    if (r === "timeout") this.conn = null; // awaitReply reset it
    if (typeof r === "string") return r;
    if (r.close || fresh) {
      conn.socket.end();
      this.conn = null;
    }
    return r.status;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const t0 = performance.now();
      const deadline = t0 + this.timeoutMs;
      let outcome = await this.once(deadline);
      // A keep-alive connection the server closed between requests: reopen once and resend.
      if (outcome === "closed" && this.running && this.mode === "keep-alive") {
        this.reconnects++;
        this.conn = null;
        outcome = await this.once(deadline);
      }
      if (outcome === 200) this.latencies.push(performance.now() - t0);
      else this.fail(String(outcome));
      this.first.resolve();
      const wait = t0 + this.intervalMs - performance.now();
      if (wait > 0) await pause(wait);
    }
  }
}

/** A normal client running in a child process; stop() returns its summary. */
export interface NormalClientProcess {
  stop(): Promise<NormalSummary>;
}

/** Starts normal-client-process.ts against `port` (over TLS when `tls`) and resolves once its first request is done. */
export async function spawnNormalClient(
  port: number,
  intervalMs: number,
  timeoutMs: number,
  mode: NormalMode = "keep-alive",
  tls = false,
): Promise<NormalClientProcess> {
  const proc = Bun.spawn(
    [
      process.execPath,
      `${import.meta.dir}/normal-client-process.ts`,
      String(port),
      String(intervalMs),
      String(timeoutMs),
      mode,
      ...(tls ? ["tls"] : []),
    ],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const readUntil = async (done: () => boolean) => {
    while (!done()) {
      const { value, done: end } = await reader.read();
      if (end) throw new Error(`normal client exited: ${text}`);
      text += decoder.decode(value);
    }
  };
  await readUntil(() => text.includes("ready\n"));
  return {
    async stop() {
      proc.kill("SIGTERM");
      await readUntil(() => /\{.*\}\n/.test(text));
      await proc.exited;
      return JSON.parse(text.match(/\{.*\}/)![0]) as NormalSummary;
    },
  };
}
