/**
 * TLS handshakes never finished (issue 21): sockets connect to the TLS port and send nothing, or
 * the first bytes of a ClientHello, and hold; each one the server closes is reopened at once. The
 * head timeout must close every one (none held much past it), netsvc must count them
 * (stats().tlsFailures), and the normal HTTPS client keeps being served. nginx gets the same
 * (client_header_timeout bounds its handshake), with the same TLS setup and head timeout.
 */
import { pause } from "../clock.ts";
import { CyclingSockets } from "../cycling-sockets.ts";
import type { Probe } from "../probe.ts";
import { HEAD_TIMEOUT_SLACK_MS } from "../settings.ts";
import { readStats } from "../target-stats.ts";

/** A handshake record announcing a 512-byte ClientHello, of which only these first bytes come. */
const PART_OF_CLIENT_HELLO = Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x5a, 0x5a]);

/** What the probe saw, for the tests. */
export interface TlsStallData {
  opened: number;
  closedByServer: number;
  /** Open longer than the head timeout plus HEAD_TIMEOUT_SLACK_MS when the attack ended. */
  heldPastTimeout: number;
  longestHeldMs: number;
  /** netsvc's tlsFailures during the attack (null for nginx). */
  counted: number | null;
}

export const tlsStall: Probe = {
  name: "tls stall",
  target: (s) => ({ tls: true, headTimeoutMs: s.tlsStall.headTimeoutMs }),
  describe: (s) =>
    `${s.tlsStall.sockets} sockets on the TLS port send nothing or part of a ClientHello and hold, reopened when closed, for ${s.tlsStall.durationMs / 1000} s (head timeout ${s.tlsStall.headTimeoutMs / 1000} s)`,
  async attack({ target, settings }) {
    const cfg = settings.tlsStall;
    const before = await readStats(target.port, "", true);
    const sockets = new CyclingSockets(target.port, {
      open: (h) => {
        if (h.slot % 2 === 1) h.socket.write(PART_OF_CLIENT_HELLO);
      },
    });
    await sockets.start(cfg.sockets);
    await pause(cfg.durationMs);
    const heldPastTimeout = sockets.openLongerThan(cfg.headTimeoutMs + HEAD_TIMEOUT_SLACK_MS);
    sockets.stop();
    const after = await readStats(target.port, "", true);
    const counted = before && after ? after.stats.tlsFailures - before.stats.tlsFailures : null;
    const data: TlsStallData = {
      opened: sockets.opened,
      closedByServer: sockets.closedByServer,
      heldPastTimeout,
      longestHeldMs: Math.round(sockets.longestHeldMs),
      counted,
    };
    return {
      notes: { ...sockets.notes(), ...(counted === null ? {} : { "counted in tlsFailures": counted }) },
      goals: [
        sockets.closedByTimeoutGoal("stalled handshake", heldPastTimeout),
        {
          goal: "each one counted (netsvc: stats().tlsFailures)",
          measured: counted === null ? "n/a" : `${counted} counted of ${data.closedByServer} closed`,
          met: counted === null ? null : counted >= data.closedByServer,
        },
      ],
      data,
    };
  },
};
