/**
 * Idle flood past the limit: `measured` silent sockets (under the limit) give the server's bytes
 * per idle connection, (RSS with them − baseline) / N; then more silent sockets go past the limit
 * (`total`) and are held while the normal client is timed. Silent: connected, nothing sent.
 */
import { pause, waitFor } from "../clock.ts";
import type { Probe } from "../probe.ts";
import { median, readProc } from "../proc.ts";
import { IDLE_BYTES_GOAL } from "../settings.ts";
import { closeAll, openMany, type Held } from "../sockets.ts";
import type { Target } from "../targets.ts";

/** RSS readings taken (and their median used) once the idle sockets are in. */
const RSS_READINGS = 5;
const RSS_READING_EVERY_MS = 100;
/** How long the server may take to accept all the sockets (ms): below the servers' 10 s header timeouts. */
const ACCEPT_LIMIT_MS = 5000;
/** The accepted count has stopped growing when unchanged over this long (ms). */
const STALL_MS = 300;
/** Accepted "all" when this fraction of the sockets show as server fds. */
const ACCEPTED_FRACTION = 0.98;

/** Bytes of RSS per idle connection of `target`, holding `n` silent sockets; they are closed after. */
export async function idleBytesPerConnection(target: Target, n: number): Promise<{ bytes: number; accepted: number; held: Held[] }> {
  const base = readProc(target.pid);
  const baseRss: number[] = [];
  for (let i = 0; i < RSS_READINGS; i++) {
    baseRss.push(readProc(target.pid).rssKiB);
    await pause(RSS_READING_EVERY_MS);
  }
  const held = await openMany(target.port, n);
  // Until (nearly) all are accepted, or the count stops growing (a server may close some).
  let last = -1;
  await waitFor(
    async () => {
      const fds = readProc(target.pid).fds;
      if (fds >= base.fds + n * ACCEPTED_FRACTION) return true;
      const stalled = fds === last;
      last = fds;
      if (!stalled) await pause(STALL_MS);
      return stalled;
    },
    ACCEPT_LIMIT_MS,
    0,
  );
  const rss: number[] = [];
  const fds: number[] = [];
  for (let i = 0; i < RSS_READINGS; i++) {
    const r = readProc(target.pid);
    rss.push(r.rssKiB);
    fds.push(r.fds);
    await pause(RSS_READING_EVERY_MS);
  }
  const accepted = median(fds) - base.fds;
  return { bytes: ((median(rss) - median(baseRss)) * 1024) / Math.max(1, Math.min(n, accepted)), accepted, held };
}

/** Filled in by the harness before the probe runs: the bare Bun.listen figure (bytes). */
export const bareIdle = { bytes: NaN };

export const idleFlood: Probe = {
  name: "idle flood",
  describe: (s) => `${s.idle.measured} silent sockets measured, then ${s.idle.total} held past the limit for ${s.idle.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.idle;
    const { bytes, accepted, held } = await idleBytesPerConnection(target, cfg.measured);
    const more = await openMany(target.port, cfg.total - cfg.measured);
    const all = [...held, ...more];
    await pause(cfg.durationMs);
    const closedByServer = all.filter((h) => h.closedByServer).length;
    closeAll(all);
    const beyond = bytes - bareIdle.bytes;
    const isNetsvc = target.name === "netsvc";
    return {
      notes: {
        "bytes per idle connection (RSS delta / N)": Math.round(bytes),
        "idle connections measured (server fds)": accepted,
        "bare Bun.listen, same N": Math.round(bareIdle.bytes),
        "beyond the socket itself": isNetsvc ? Math.round(beyond) : "n/a",
        "sockets opened": cfg.total,
        "refused at connect": cfg.total - all.length,
        "closed by the server while held": closedByServer,
      },
      goals: [
        {
          goal: `bytes per idle connection beyond the socket ≤ ${IDLE_BYTES_GOAL}`,
          measured: isNetsvc
            ? `${Math.round(beyond)} B (${Math.round(bytes)} − bare ${Math.round(bareIdle.bytes)})`
            : `${Math.round(bytes)} B raw`,
          met: isNetsvc && !Number.isNaN(beyond) ? beyond <= IDLE_BYTES_GOAL : null,
        },
      ],
    };
  },
};
