/**
 * WebSocket slow readers (issue 23; SPEC §12 "a socket whose backlog stays above its limit is
 * closed with 1008 — never buffered without bound"): connections upgrade to the target's
 * /ws/flood, an application that sends 64 KiB a turn without ever looking at send()'s answer,
 * and never read a byte; each one the server closes is reopened. The server must stop queueing at
 * the backlog limit (1008, counted), and — as the client reads nothing, not even that Close — end
 * the connection at the send timeout; memory back to the baseline after. netsvc only: nginx does
 * not terminate WebSockets.
 */
import { pause } from "../clock.ts";
import type { Probe } from "../probe.ts";
import { HEAD_TIMEOUT_SLACK_MS } from "../settings.ts";
import { readStats } from "../target-stats.ts";
import { WsAttack } from "../ws-attack.ts";

/** What the probe saw, for the tests. */
export interface WsSlowReaderData {
  upgraded: number;
  closedByServer: number;
  /** Open longer than the send timeout plus HEAD_TIMEOUT_SLACK_MS when the attack ended. */
  heldPastTimeout: number;
  websocketOverflows: number;
}

export const wsSlowReader: Probe = {
  name: "ws slow reader",
  netsvcOnly: true,
  target: (s) => ({ sendTimeoutMs: s.wsSlowReader.sendTimeoutMs }),
  describe: (s) =>
    `${s.wsSlowReader.clients} WebSockets to an application that sends 64 KiB a turn ignoring send()'s false never read, reopened when closed, for ${s.wsSlowReader.durationMs / 1000} s (send timeout ${s.wsSlowReader.sendTimeoutMs / 1000} s)`,
  async attack({ target, settings }) {
    const cfg = settings.wsSlowReader;
    const attack = new WsAttack(target.port, { path: "/ws/flood", read: false, next: () => null });
    await attack.start(cfg.clients);
    await pause(cfg.durationMs);
    const heldPastTimeout = attack.openLongerThan(cfg.sendTimeoutMs + HEAD_TIMEOUT_SLACK_MS);
    attack.stop();
    const stats = await readStats(target.port);
    const data: WsSlowReaderData = {
      upgraded: attack.upgraded,
      closedByServer: attack.closedByServer,
      heldPastTimeout,
      websocketOverflows: stats?.stats.websocketOverflows ?? NaN,
    };
    return {
      notes: {
        ...attack.notes(),
        "server's websocketOverflows (1008)": data.websocketOverflows,
        "server's timeouts": stats?.stats.timeouts ?? NaN,
      },
      goals: [
        {
          goal: "every careless socket closed past its backlog limit (1008, counted)",
          measured: `${data.websocketOverflows} overflows of ${attack.upgraded} sockets`,
          met: data.websocketOverflows > 0 && data.websocketOverflows >= attack.closedByServer,
        },
        {
          goal: `every unread socket ended by the send timeout (+${HEAD_TIMEOUT_SLACK_MS / 1000} s)`,
          measured: `${attack.closedByServer} closed, longest held ${Math.round(attack.longestHeldMs)} ms, ${heldPastTimeout} held past it`,
          met: heldPastTimeout === 0 && attack.closedByServer > 0,
        },
      ],
      data,
    };
  },
};
