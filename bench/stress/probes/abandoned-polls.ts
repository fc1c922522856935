/**
 * Abandoned long-polls: N clients send GET /poll?id=i (a request the server never answers) and
 * then all close normally (FIN). Per poll, the delay from its client's close to the server
 * noticing — netsvc: destroyServlet() (from /stats?polls); nginx: its upstream connection to the
 * black hole closing. Past the connection limit some clients are refused; they are not counted.
 */
import { epochMs, pause, waitFor } from "../clock.ts";
import type { Probe } from "../probe.ts";
import { readProc } from "../proc.ts";
import { ABANDON_GOAL_MS, FD_TOLERANCE } from "../settings.ts";
import { closeAll, openMany, type Held } from "../sockets.ts";
import { readStats } from "../target-stats.ts";

/** Refused clients are counted once this long passes without a new refusal (ms), bounded below. */
const SETTLE_MS = 500;
const SETTLE_LIMIT_MS = 10_000;
/** How long the server may take to notice every close (ms), far above the goal. */
const NOTICE_LIMIT_MS = 15_000;

/** The outcome figures the test asserts on too. */
export interface PollData {
  clients: number;
  refused: number;
  pending: number;
  /** Pending polls the server noticed (destroyed / upstream closed). */
  noticed: number;
  /** netsvc: destroyServlet() calls that found the signal aborted. */
  signalled: number | null;
  maxDelayMs: number;
  /** From the last client's close until the server's fds were back at the baseline (ms). */
  fdsBackMs: number;
}

export const abandonedPolls: Probe = {
  name: "abandoned polls",
  describe: (s) => `${s.polls.clients} clients send GET /poll (never answered), then close (FIN)`,
  async attack({ target, settings, baseline }) {
    const n = settings.polls.clients;
    const ids = new Map<Held, string>();
    let next = 0;
    const held = await openMany(target.port, n, {
      open: (h) => {
        const id = String(next++);
        ids.set(h, id);
        h.socket.write(`GET /poll?id=${id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      },
    });
    // Refused clients get a 503 or a close; the others wait. Settle on the count of answered ones.
    const answered = () => held.filter((h) => h.received > 0 || h.closed).length;
    let last = -1;
    await waitFor(
      async () => {
        const now = answered();
        const stable = now === last;
        last = now;
        if (!stable) await pause(SETTLE_MS);
        return stable;
      },
      SETTLE_LIMIT_MS,
      0,
    );
    const pendingHeld = held.filter((h) => h.received === 0 && !h.closed);
    const closedAt = new Map<string, number>();
    for (const h of pendingHeld) {
      closeAll([h]);
      closedAt.set(ids.get(h)!, epochMs());
    }
    closeAll(held);
    const lastClose = epochMs();
    // Wait for the server to notice every close.
    const noticedTimes = async (): Promise<Map<string, number>> => {
      if (target.blackHole) return target.blackHole.closedAt;
      const s = await readStats(target.port, "polls");
      return new Map(s?.destroyedAt ?? []);
    };
    let noticed = new Map<string, number>();
    await waitFor(
      async () => {
        noticed = await noticedTimes();
        return [...closedAt.keys()].every((id) => noticed.has(id));
      },
      NOTICE_LIMIT_MS,
      100,
    );
    const fdsBack = await waitFor(() => readProc(target.pid).fds <= baseline.fds + FD_TOLERANCE, NOTICE_LIMIT_MS, 50);
    const fdsBackMs = fdsBack ? epochMs() - lastClose : NaN;
    let maxDelay = 0;
    let count = 0;
    for (const [id, t] of closedAt) {
      const at = noticed.get(id);
      if (at === undefined) continue;
      count++;
      maxDelay = Math.max(maxDelay, at - t);
    }
    const missing = closedAt.size - count;
    const stats = target.blackHole ? null : await readStats(target.port);
    const data: PollData = {
      clients: n,
      refused: held.length - pendingHeld.length + (n - held.length),
      pending: pendingHeld.length,
      noticed: count,
      signalled: stats ? stats.polls.signalled : null,
      maxDelayMs: missing > 0 ? Infinity : maxDelay,
      fdsBackMs,
    };
    const what = target.blackHole ? "upstream closed" : "destroyServlet";
    return {
      notes: {
        clients: n,
        "refused (limit)": data.refused,
        "pending polls": data.pending,
        [`noticed (${what})`]: count,
        "never noticed": missing,
        "max delay close → noticed (ms)": +maxDelay.toFixed(1),
        "fds back after (ms)": Number.isNaN(fdsBackMs) ? "not back" : Math.round(fdsBackMs),
        ...(stats ? { "destroyServlet with signal aborted": stats.polls.signalled, "polls started": stats.polls.started } : {}),
      },
      goals: [
        {
          goal: `no abandoned poll outlives its client by > ${ABANDON_GOAL_MS} ms`,
          measured: missing > 0 ? `${missing} never noticed` : `max ${maxDelay.toFixed(1)} ms over ${count}`,
          met: missing === 0 && count > 0 && maxDelay <= ABANDON_GOAL_MS,
        },
      ],
      data,
    };
  },
};
