/**
 * Keep-alive lockout (issue 19, item 4): more keep-alive clients than the connection limit
 * (`lockout.clients`: 1,100 at a limit of 1,024), each sending GET of the 13-byte file every
 * `intervalMs` (1.5 s) on its own connection, their starts spread over one interval. A client
 * whose connection the server closed while it was idle opens a new one for its next request, and
 * sends again, once, a request such a close cut before any byte of its answer (HTTP/1.1 clients
 * retry an idempotent request on a reused connection, RFC 9112 §9.3.1); a new connection closed
 * without an answer is a lost request. Meanwhile the normal client opens a new connection for
 * each request, as a client arriving does: at the limit it must take an idle connection's place.
 */
import { pause } from "../clock.ts";
import { SMALL_PATH } from "../fixture.ts";
import type { NormalSummary } from "../normal-client.ts";
import type { Goal, Probe } from "../probe.ts";
import { awaitReply, openReplyConnection, type ReplyConnection } from "../reply-connection.ts";
import { NORMAL_LATENCY_GOAL_MS, NORMAL_SHARE_GOAL } from "../settings.ts";
import { readStats } from "../target-stats.ts";

const GET = Buffer.from(`GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);

/** What the keep-alive clients saw, summed. */
export interface LockoutData {
  clients: number;
  requests: number;
  /** Answered 200. */
  answered: number;
  /** Answered 503 (refused at the limit). */
  refused: number;
  /** A reused connection closed before the answer, the request sent again on a new one. */
  retried: number;
  /** A new connection closed without an answer, or not opened at all. */
  lost: number;
  /** No answer within the normal client's timeout. */
  timedOut: number;
  /** Connections the server closed under a client (reopened for the next request). */
  closedByServer: number;
  /** netsvc's own counters over the probe (null for nginx). */
  server: { reclaimed: number; refused: number } | null;
}

/** A new keep-alive connection, or null when it is refused. */
async function connect(port: number): Promise<ReplyConnection | null> {
  return openReplyConnection(port).catch(() => null);
}

/** Whether a request was answered on `conn` (it is a reused connection, not a new one). */
const isReused = (conn: ReplyConnection) => conn.reader.responses.length > 0;

/** Sends one GET on `conn` and waits for its answer: the status, "closed", or "timeout". */
async function ask(conn: ReplyConnection, timeoutMs: number): Promise<number | "closed" | "timeout"> {
  const r = await awaitReply(conn, GET, performance.now() + timeoutMs);
  if (typeof r === "string") return r;
  if (r.close) conn.socket.end();
  return r.status;
}

/** One client's loop until `endAt` (performance.now() ms). */
async function runClient(
  port: number,
  startMs: number,
  intervalMs: number,
  endAt: number,
  timeoutMs: number,
  d: LockoutData,
): Promise<void> {
  await pause(startMs);
  let conn: ReplyConnection | null = null;
  while (performance.now() < endAt) {
    const t0 = performance.now();
    d.requests++;
    if (conn?.closed) d.closedByServer += isReused(conn) ? 1 : 0;
    if (!conn || conn.closed) conn = await connect(port);
    let outcome: number | "closed" | "timeout" = "closed";
    if (conn) {
      const reused = isReused(conn);
      outcome = await ask(conn, timeoutMs);
      if (outcome === "closed" && reused) {
        d.retried++;
        d.closedByServer++;
        conn = await connect(port);
        outcome = conn ? await ask(conn, timeoutMs) : "closed";
      }
    }
    if (outcome === 200) d.answered++;
    else if (outcome === 503) d.refused++;
    else if (outcome === "timeout") d.timedOut++;
    else d.lost++;
    const wait = t0 + intervalMs - performance.now();
    if (wait > 0) await pause(Math.min(wait, Math.max(0, endAt - performance.now())));
  }
  if (conn && !conn.closed) conn.socket.end();
}

const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(2)}%`;

export const keepaliveLockout: Probe = {
  name: "keepalive lockout",
  normalMode: "new connection",
  describe: (s) =>
    `${s.lockout.clients} keep-alive clients at a limit of ${s.maxConnections}, each a GET every ${s.lockout.intervalMs / 1000} s for ${
      s.lockout.durationMs / 1000
    } s; the normal client opens a new connection per request`,
  async attack({ target, settings }) {
    const cfg = settings.lockout;
    const before = await readStats(target.port);
    const d: LockoutData = {
      clients: cfg.clients,
      requests: 0,
      answered: 0,
      refused: 0,
      retried: 0,
      lost: 0,
      timedOut: 0,
      closedByServer: 0,
      server: null,
    };
    const endAt = performance.now() + cfg.durationMs;
    await Promise.all(
      Array.from({ length: cfg.clients }, (_, i) =>
        runClient(target.port, (i * cfg.intervalMs) / cfg.clients, cfg.intervalMs, endAt, settings.normalTimeoutMs, d),
      ),
    );
    const after = await readStats(target.port);
    if (before && after)
      d.server = { reclaimed: after.stats.reclaimed - before.stats.reclaimed, refused: after.stats.refused - before.stats.refused };
    const failed = d.refused + d.lost + d.timedOut;
    return {
      notes: {
        "keep-alive clients": d.clients,
        "their requests": d.requests,
        "answered 200": d.answered,
        "refused 503": d.refused,
        "cut while idle, sent again on a new connection": d.retried,
        "lost (a new connection closed unanswered)": d.lost,
        "timed out": d.timedOut,
        "connections closed under them": d.closedByServer,
        ...(d.server ? { "server: reclaimed": d.server.reclaimed, "server: refused": d.server.refused } : {}),
      },
      goals: [
        {
          goal: "keep-alive clients: every request answered 200 (a request cut while idle sent again once)",
          measured: `${failed} of ${d.requests} not (${d.refused} refused, ${d.lost} lost, ${d.timedOut} timed out)`,
          met: failed === 0,
        },
      ],
      data: d,
    };
  },
  normalGoals(normal: NormalSummary): Goal[] {
    return [
      {
        goal: `normal client, a new connection per request: ≥ ${NORMAL_SHARE_GOAL * 100}% answered within ${NORMAL_LATENCY_GOAL_MS} ms`,
        measured: `${pct(normal.withinGoal, normal.requests)} (${normal.withinGoal} of ${normal.requests}; ${JSON.stringify(normal.failures)})`,
        met: normal.requests > 0 && normal.withinGoal >= NORMAL_SHARE_GOAL * normal.requests,
      },
    ];
  },
};
