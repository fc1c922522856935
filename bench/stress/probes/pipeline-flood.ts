/**
 * Pipeline flood: clients write large pipelines of GETs as fast as the socket takes them and never
 * read; the server must stop reading (output above its high-water mark) instead of buffering.
 * A connection the server ends is replaced at once, as a flooding client would.
 */
import { pause } from "../clock.ts";
import { SMALL_PATH } from "../fixture.ts";
import type { Probe } from "../probe.ts";
import { closeAll, openHeld, openMany, type Held, type HeldHooks } from "../sockets.ts";

export const pipelineFlood: Probe = {
  name: "pipeline flood",
  describe: (s) =>
    `${s.pipeline.clients} clients write pipelines of ${s.pipeline.requestsPerWrite} GETs, never reading, for ${s.pipeline.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.pipeline;
    const batch = Buffer.from(`GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(cfg.requestsPerWrite));
    let running = true;
    let written = 0;
    // Keep writing while the socket takes it, resuming mid-batch on drain (Bun keeps no buffer).
    const offset = new Map<Held, number>();
    const pump = (h: Held) => {
      while (running && !h.closed) {
        const at = offset.get(h) ?? 0;
        const n = h.socket.write(batch, at, batch.length - at);
        if (n <= 0) return;
        written += n;
        offset.set(h, (at + n) % batch.length);
        if (n < batch.length - at) return;
      }
    };
    // A connection the server ends (e.g. after its request limit) is replaced by a new one.
    const held = new Set<Held>();
    let cut = 0;
    const hooks: HeldHooks = {
      open: (h) => {
        held.add(h);
        h.socket.pause();
        pump(h);
      },
      drain: (h) => pump(h),
      close: (h) => {
        held.delete(h);
        if (!h.closedByServer) return;
        cut++;
        if (running) void openHeld(target.port, hooks).then((n) => n && !running && closeAll([n], "terminate"));
      },
    };
    const first = await openMany(target.port, cfg.clients, hooks);
    await pause(cfg.durationMs);
    running = false;
    closeAll([...held], "terminate");
    return {
      notes: {
        clients: first.length,
        "MiB of requests written": +(written / 2 ** 20).toFixed(1),
        "connections ended by the server (then replaced)": cut,
      },
      goals: [],
    };
  },
};
