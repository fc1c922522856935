/**
 * PROXY headers from a peer that is not a trusted proxy (issue 21): clients open connections with
 * a PROXY v1 header claiming another address, then a GET, and open another each time the server
 * closes theirs. netsvc (trustProxy 10.0.0.0/8, so the clients are not trusted) must answer each
 * with one 400 and close, counted, not logged; nginx, which does not expect the header on that
 * port, reads it as a malformed request line: the same attack, the same answer.
 */
import { pause } from "../clock.ts";
import { CyclingSockets } from "../cycling-sockets.ts";
import { SMALL_PATH } from "../fixture.ts";
import type { Probe } from "../probe.ts";
import { STDERR_GOAL_PER_1000 } from "../settings.ts";

const ATTACK = Buffer.from(`PROXY TCP4 203.0.113.9 127.0.0.1 4444 80\r\nGET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
/** The bytes of a status line up to the code ("HTTP/1.1 400"). */
const STATUS_END = 12;

/** What the probe saw, for the tests. */
export interface ProxyUntrustedData {
  opened: number;
  closedByServer: number;
  /** First status code of each answered connection, with counts ("none": closed without an answer). */
  statuses: Record<string, number>;
  errorLogBytes: number;
}

export const proxyUntrusted: Probe = {
  name: "proxy untrusted",
  target: () => ({ trustProxy: "10.0.0.0/8" }),
  describe: (s) =>
    `${s.proxyUntrusted.clients} clients not trusted as proxies open with a PROXY header and a GET, again on each close, for ${s.proxyUntrusted.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.proxyUntrusted;
    const logBefore = target.errorLogBytes();
    const firstBytes = new Map<object, string>();
    const statuses: Record<string, number> = {};
    const sockets = new CyclingSockets(target.port, {
      open: (h) => void h.socket.write(ATTACK),
      data: (h, chunk) => {
        const had = firstBytes.get(h) ?? "";
        if (had.length < STATUS_END) firstBytes.set(h, had + Buffer.from(chunk.subarray(0, STATUS_END)).toString("latin1"));
      },
    });
    await sockets.start(cfg.clients);
    await pause(cfg.durationMs);
    sockets.stop();
    // Only connections the server closed are judged (the last ones were cut by stop()).
    for (const [, text] of firstBytes) {
      const code = text.slice(9, STATUS_END) || "none";
      statuses[code] = (statuses[code] ?? 0) + 1;
    }
    const data: ProxyUntrustedData = {
      opened: sockets.opened,
      closedByServer: sockets.closedByServer,
      statuses,
      errorLogBytes: target.errorLogBytes() - logBefore,
    };
    const others = Object.entries(statuses).filter(([code]) => code !== "400");
    const perThousand = (data.errorLogBytes * 1000) / Math.max(1, data.closedByServer);
    return {
      notes: {
        "connections opened": data.opened,
        "closed by the server": data.closedByServer,
        statuses: JSON.stringify(statuses),
        "error log bytes": data.errorLogBytes,
      },
      goals: [
        {
          goal: "every PROXY header from an untrusted peer answered 400 and closed",
          measured: `${statuses["400"] ?? 0} × 400, ${data.closedByServer} closed by the server, other answers ${JSON.stringify(Object.fromEntries(others))}`,
          met: others.length === 0 && (statuses["400"] ?? 0) > 0,
        },
        {
          goal: `error log ≤ ${STDERR_GOAL_PER_1000} B per 1,000 bad requests`,
          measured: `${Math.round(perThousand)} B per 1,000`,
          met: perThousand <= STDERR_GOAL_PER_1000,
        },
      ],
      data,
    };
  },
};
