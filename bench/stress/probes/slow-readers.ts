/**
 * Slow readers: clients GET the 200 MB file and read it at a fixed rate (pausing the socket
 * between allowances), so the server must hold the rest back without buffering it.
 */
import { BIG_PATH } from "../fixture.ts";
import { pause } from "../clock.ts";
import type { Probe } from "../probe.ts";
import { closeAll, openMany, type Held } from "../sockets.ts";

/** The read allowance is topped up this many times a second. */
const REFILLS_PER_SECOND = 4;

export const slowReaders: Probe = {
  name: "slow readers",
  describe: (s) =>
    `${s.slowReaders.clients} clients read ${BIG_PATH} (200 MB) at ${s.slowReaders.bytesPerSecond / 1024} KiB/s for ${s.slowReaders.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.slowReaders;
    const step = cfg.bytesPerSecond / REFILLS_PER_SECOND;
    const allowance = new Map<Held, number>();
    const held = await openMany(target.port, cfg.clients, {
      open: (h) => {
        allowance.set(h, step);
        h.socket.write(`GET ${BIG_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      },
      data: (h, chunk) => {
        const left = (allowance.get(h) ?? 0) - chunk.length;
        allowance.set(h, left);
        if (left <= 0) h.socket.pause();
      },
    });
    const timer = setInterval(() => {
      for (const h of held) {
        if (h.closed) continue;
        const left = Math.min(step, (allowance.get(h) ?? 0) + step);
        allowance.set(h, left);
        if (left > 0) h.socket.resume();
      }
    }, 1000 / REFILLS_PER_SECOND);
    await pause(cfg.durationMs);
    clearInterval(timer);
    const received = held.reduce((a, h) => a + h.received, 0);
    const cut = held.filter((h) => h.closedByServer).length;
    closeAll(held, "terminate");
    return {
      notes: {
        clients: held.length,
        "MiB read in all": +(received / 2 ** 20).toFixed(1),
        "KiB/s per client": Math.round(received / held.length / 1024 / (cfg.durationMs / 1000)),
        "cut off by the server": cut,
      },
      goals: [],
    };
  },
};
