/**
 * Slow report subscribers (issue 23 item 2: "a slow subscriber is dropped (closed), never allowed
 * to grow memory"): `clients` WebSockets upgrade to the target's /ws/reports (subscribed to
 * `stress.reports.>`) and never read, beside `readers` that read everything, while reports of
 * about 1 KB are published `perRequest` at a time, one /ws/publish request after another. Every
 * non-reading subscriber must be closed with 1008 once its backlog passes the limit (and ended by
 * the send timeout, as it reads not even that Close), each reopened; the readers stay subscribed.
 * netsvc only: nginx has no reports (nor WebSockets of its own).
 */
import type { Probe } from "../probe.ts";
import { HEAD_TIMEOUT_SLACK_MS } from "../settings.ts";
import { readStats } from "../target-stats.ts";
import { WsAttack } from "../ws-attack.ts";

/** How long one /ws/publish request may take (ms). */
const PUBLISH_TIMEOUT_MS = 5000;

/** What the probe saw, for the tests. */
export interface WsSlowSubscriberData {
  published: number;
  /** Reports each reader received, the fewest. */
  fewestRead: number;
  readersClosed: number;
  slowClosed: number;
  heldPastTimeout: number;
  websocketOverflows: number;
}

export const wsSlowSubscriber: Probe = {
  name: "ws slow subscriber",
  netsvcOnly: true,
  target: (s) => ({ sendTimeoutMs: s.wsSlowSubscriber.sendTimeoutMs }),
  describe: (s) =>
    `${s.wsSlowSubscriber.clients} report subscribers never read, ${s.wsSlowSubscriber.readers} do, while reports of 1 KB are published ${s.wsSlowSubscriber.perRequest} a request back to back, for ${s.wsSlowSubscriber.durationMs / 1000} s (send timeout ${s.wsSlowSubscriber.sendTimeoutMs / 1000} s)`,
  async attack({ target, settings }) {
    const cfg = settings.wsSlowSubscriber;
    const slow = new WsAttack(target.port, { path: "/ws/reports", read: false, next: () => null });
    const readers = new WsAttack(target.port, { path: "/ws/reports", next: () => null });
    await Promise.all([slow.start(cfg.clients), readers.start(cfg.readers)]);
    const url = `http://127.0.0.1:${target.port}/ws/publish?${cfg.perRequest}`;
    const end = performance.now() + cfg.durationMs;
    let published = 0;
    while (performance.now() < end) {
      const r = await fetch(url, { signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS) });
      published = Number(await r.text());
    }
    const heldPastTimeout = slow.openLongerThan(cfg.sendTimeoutMs + HEAD_TIMEOUT_SLACK_MS);
    const fewestRead = readers.held.size === 0 ? 0 : Math.min(...[...readers.held].map((c) => c.messages));
    slow.stop();
    const readersClosed = readers.closedByServer;
    readers.stop();
    const stats = await readStats(target.port);
    const data: WsSlowSubscriberData = {
      published,
      fewestRead,
      readersClosed,
      slowClosed: slow.closedByServer,
      heldPastTimeout,
      websocketOverflows: stats?.stats.websocketOverflows ?? NaN,
    };
    return {
      notes: {
        "reports published": published,
        "reports read by the slowest reader": fewestRead,
        ...slow.notes(),
        "readers closed by the server": readersClosed,
        "server's websocketOverflows (1008)": data.websocketOverflows,
      },
      goals: [
        {
          goal: "every subscriber that does not read dropped past its backlog limit (1008, counted)",
          measured: `${data.websocketOverflows} overflows, ${slow.upgraded} non-reading subscribers`,
          met: data.websocketOverflows >= slow.closedByServer && slow.closedByServer > 0,
        },
        {
          goal: `each ended by the send timeout (+${HEAD_TIMEOUT_SLACK_MS / 1000} s)`,
          measured: `${slow.closedByServer} closed, longest held ${Math.round(slow.longestHeldMs)} ms, ${heldPastTimeout} held past it`,
          met: heldPastTimeout === 0,
        },
        {
          goal: "the readers stay subscribed",
          measured: `${readersClosed} closed; the slowest read ${fewestRead} of ${published} reports`,
          met: readersClosed === 0,
        },
      ],
      data,
    };
  },
};
