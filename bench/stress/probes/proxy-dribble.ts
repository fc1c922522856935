/**
 * Slowloris in the PROXY phase (issue 21): from a trusted proxy's address (netsvc trusts
 * 127.0.0.1 for this probe), sockets send a PROXY v1 header a byte at a time and never finish it;
 * each one the server closes is reopened at once. The head timeout, running from the connection's
 * first byte, must close each (none held much past it) while the normal client, also from
 * 127.0.0.1 and sending plain HTTP without a header, keeps being served. netsvc only: nginx reads
 * PROXY headers only on a `listen … proxy_protocol` port, where every client must send one (its
 * normal client could not), and elsewhere a dribbled header is the slowloris probe's attack.
 */
import { CyclingSockets, type CyclingHeld } from "../cycling-sockets.ts";
import { pause } from "../clock.ts";
import type { Probe } from "../probe.ts";
import { HEAD_TIMEOUT_SLACK_MS } from "../settings.ts";

/** The header dribbled; never its CRLF (a v1 line is at most 107 bytes: this stays under). */
const HEADER = Buffer.from("PROXY TCP4 203.0.113.9 127.0.0.1 44444 80");
/** The trickle is spread over this many ticks per period, a slice of the sockets each tick. */
const TICKS_PER_PERIOD = 10;

/** What the probe saw, for the tests. */
export interface ProxyDribbleData {
  opened: number;
  closedByServer: number;
  heldPastTimeout: number;
  longestHeldMs: number;
}

export const proxyDribble: Probe = {
  name: "proxy dribble",
  netsvcOnly: true,
  target: (s) => ({ trustProxy: "127.0.0.1", headTimeoutMs: s.proxyDribble.headTimeoutMs }),
  describe: (s) =>
    `${s.proxyDribble.sockets} sockets from a trusted proxy send a PROXY header a byte every ${s.proxyDribble.byteEveryMs} ms, reopened when closed, for ${s.proxyDribble.durationMs / 1000} s (head timeout ${s.proxyDribble.headTimeoutMs / 1000} s)`,
  async attack({ target, settings }) {
    const cfg = settings.proxyDribble;
    const sent = new WeakMap<CyclingHeld, number>();
    const sendNext = (h: CyclingHeld) => {
      const n = sent.get(h) ?? 0;
      if (n >= HEADER.length || h.closed) return;
      h.socket.write(HEADER.subarray(n, n + 1));
      sent.set(h, n + 1);
    };
    const sockets = new CyclingSockets(target.port, { open: sendNext });
    await sockets.start(cfg.sockets);
    let tick = 0;
    const timer = setInterval(() => {
      for (const h of sockets.held) if (h.slot % TICKS_PER_PERIOD === tick % TICKS_PER_PERIOD) sendNext(h);
      tick++;
    }, cfg.byteEveryMs / TICKS_PER_PERIOD);
    await pause(cfg.durationMs);
    clearInterval(timer);
    const heldPastTimeout = sockets.openLongerThan(cfg.headTimeoutMs + HEAD_TIMEOUT_SLACK_MS);
    sockets.stop();
    const data: ProxyDribbleData = {
      opened: sockets.opened,
      closedByServer: sockets.closedByServer,
      heldPastTimeout,
      longestHeldMs: Math.round(sockets.longestHeldMs),
    };
    return {
      notes: sockets.notes(),
      goals: [sockets.closedByTimeoutGoal("dribbled PROXY header", heldPastTimeout)],
      data,
    };
  },
};
