/**
 * Garbage to the TLS port (issue 21): clients write bytes that are not a ClientHello — noise, a
 * cleartext HTTP request, a handshake record with nonsense inside — and write again on a new
 * connection each time the server closes theirs. Every one must be closed at once (an alert, no
 * wait for a timeout), netsvc must count them (stats().tlsFailures) without writing a line per
 * connection, and the normal HTTPS client keeps being served. nginx gets the same.
 */
import { pause } from "../clock.ts";
import { CyclingSockets } from "../cycling-sockets.ts";
import { SMALL_PATH } from "../fixture.ts";
import type { Probe } from "../probe.ts";
import { STDERR_GOAL_PER_1000 } from "../settings.ts";
import { readStats } from "../target-stats.ts";

/** Noise that cannot begin a TLS record (its first byte is no content type). */
const NOISE = Uint8Array.from({ length: 256 }, (_, i) => (i === 0 ? 0xff : (i * 37 + 11) & 0xff));
const CLEARTEXT = Buffer.from(`GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
/** A whole handshake record (16 bytes announced, 16 sent) whose content is no handshake message. */
const BAD_RECORD = Uint8Array.from([0x16, 0x03, 0x03, 0x00, 0x10, ...new Array<number>(16).fill(0xee)]);
const GARBAGE = [NOISE, CLEARTEXT, BAD_RECORD];
/** A connection the server has not closed this long (ms) after its garbage waited for a timeout: not "at once". */
const AT_ONCE_MS = 1000;

/** What the probe saw, for the tests. */
export interface TlsGarbageData {
  opened: number;
  closedByServer: number;
  longestHeldMs: number;
  /** netsvc's tlsFailures during the attack (null for nginx). */
  counted: number | null;
  errorLogBytes: number;
}

export const tlsGarbage: Probe = {
  name: "tls garbage",
  target: () => ({ tls: true }),
  describe: (s) =>
    `${s.tlsGarbage.clients} clients write noise, cleartext HTTP or a bad handshake record to the TLS port, again on each close, for ${s.tlsGarbage.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.tlsGarbage;
    const before = await readStats(target.port, "", true);
    const logBefore = target.errorLogBytes();
    const sockets = new CyclingSockets(target.port, { open: (h) => void h.socket.write(GARBAGE[h.slot % GARBAGE.length]!) });
    await sockets.start(cfg.clients);
    await pause(cfg.durationMs);
    const heldLong = sockets.openLongerThan(AT_ONCE_MS);
    sockets.stop();
    const after = await readStats(target.port, "", true);
    const counted = before && after ? after.stats.tlsFailures - before.stats.tlsFailures : null;
    const data: TlsGarbageData = {
      opened: sockets.opened,
      closedByServer: sockets.closedByServer,
      longestHeldMs: Math.round(sockets.longestHeldMs),
      counted,
      errorLogBytes: target.errorLogBytes() - logBefore,
    };
    const perThousand = (data.errorLogBytes * 1000) / Math.max(1, data.closedByServer);
    return {
      notes: {
        ...sockets.notes(),
        ...(counted === null ? {} : { "counted in tlsFailures": counted }),
        "error log bytes": data.errorLogBytes,
      },
      goals: [
        {
          goal: `every garbage connection closed at once (within ${AT_ONCE_MS} ms)`,
          measured: `${data.closedByServer} closed, longest held ${data.longestHeldMs} ms, ${heldLong} still open past it`,
          met: heldLong === 0 && data.longestHeldMs <= AT_ONCE_MS && data.closedByServer > 0,
        },
        {
          goal: "each one counted (netsvc: stats().tlsFailures)",
          measured: counted === null ? "n/a" : `${counted} counted of ${data.closedByServer} closed`,
          met: counted === null ? null : counted >= data.closedByServer,
        },
        {
          goal: `error log ≤ ${STDERR_GOAL_PER_1000} B per 1,000 bad connections`,
          measured: `${Math.round(perThousand)} B per 1,000`,
          met: perThousand <= STDERR_GOAL_PER_1000,
        },
      ],
      data,
    };
  },
};
