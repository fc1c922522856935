/**
 * Idle connections. Before the probes, the harness measures bytes per idle connection at scale
 * (`idle.atScale`, 10,000 in the full run) for every server, each started fresh with its limit
 * above that: (RSS with the connections held − baseline) / N, for keep-alive connections that
 * have been answered one GET and for silent ones (connected, nothing sent). Then the probe: more
 * silent sockets than the limit (`total`) are held while the normal client is timed.
 */
import { pause, waitFor } from "../clock.ts";
import { SMALL_PATH } from "../fixture.ts";
import type { Probe } from "../probe.ts";
import { median, readProc } from "../proc.ts";
import { IDLE_BYTES_GOAL, IDLE_BYTES_SCALE } from "../settings.ts";
import { closeAll, openMany, type Held } from "../sockets.ts";
import type { Target } from "../targets.ts";

/** RSS readings taken (and their median used) once the idle sockets are in. */
const RSS_READINGS = 5;
const RSS_READING_EVERY_MS = 100;
/** How long the server may take to accept (and answer) all the sockets (ms): below the servers' 10 s timeouts. */
const ACCEPT_LIMIT_MS = 8000;
/** The count has stopped growing when unchanged over this long (ms). */
const STALL_MS = 300;
/** Accepted "all" when this fraction of the sockets show as server fds (or were answered). */
const ACCEPTED_FRACTION = 0.98;
const GET = Buffer.from(`GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);

/** How the idle connections were made: answered one GET and kept alive, or silent since connecting. */
export type IdleKind = "keep-alive" | "silent";

/** Bytes per idle connection of each server at scale, filled in by the harness before the probes. */
export const idleAtScale = new Map<string, Record<IdleKind, number>>();

/**
 * Bytes of RSS per idle connection of `target`, holding `n` connections of `kind`; the
 * connections are returned open (the caller closes them).
 */
export async function idleBytesPerConnection(
  target: Target,
  n: number,
  kind: IdleKind,
): Promise<{ bytes: number; accepted: number; held: Held[] }> {
  const base = readProc(target.pid);
  const baseRss: number[] = [];
  for (let i = 0; i < RSS_READINGS; i++) {
    baseRss.push(readProc(target.pid).rssKiB);
    await pause(RSS_READING_EVERY_MS);
  }
  const held = await openMany(target.port, n, kind === "keep-alive" ? { open: (h) => h.socket.write(GET) } : {});
  // Until (nearly) all are accepted (and answered), or the count stops growing (a server may close some).
  const done = () => (kind === "keep-alive" ? held.filter((h) => h.received > 0).length : readProc(target.pid).fds - base.fds);
  let last = -1;
  await waitFor(
    async () => {
      const now = done();
      if (now >= n * ACCEPTED_FRACTION) return true;
      const stalled = now === last;
      last = now;
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

const kb = (bytes: number | undefined) => (bytes === undefined || !Number.isFinite(bytes) ? "—" : `${(bytes / 1024).toFixed(2)} KiB`);

export const idleFlood: Probe = {
  name: "idle flood",
  describe: (s) =>
    `bytes per idle connection with ${s.idle.atScale} held (fresh servers); then ${s.idle.total} silent sockets held past the limit for ${s.idle.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.idle;
    const all = await openMany(target.port, cfg.total);
    await pause(cfg.durationMs);
    const closedByServer = all.filter((h) => h.closedByServer).length;
    closeAll(all);
    const own = idleAtScale.get(target.name);
    const peers = Object.fromEntries(
      [...idleAtScale]
        .filter(([name]) => name !== target.name)
        .map(([name, f]) => [`${name} (keep-alive / silent)`, `${kb(f["keep-alive"])} / ${kb(f.silent)}`]),
    );
    return {
      notes: {
        [`bytes per idle keep-alive connection at ${cfg.atScale}`]: own ? Math.round(own["keep-alive"]) : "not measured",
        [`bytes per silent connection at ${cfg.atScale}`]: own ? Math.round(own.silent) : "not measured",
        ...peers,
        "silent sockets opened past the limit": cfg.total,
        "refused at connect": cfg.total - all.length,
        "closed by the server while held": closedByServer,
      },
      goals: [
        {
          goal: `bytes per idle connection at ${cfg.atScale} ≤ ${IDLE_BYTES_GOAL}`,
          measured: own
            ? `${Math.round(own["keep-alive"])} B keep-alive, ${Math.round(own.silent)} B silent${cfg.atScale < IDLE_BYTES_SCALE ? ` (not judged below ${IDLE_BYTES_SCALE})` : ""}`
            : "not measured",
          met: own && cfg.atScale >= IDLE_BYTES_SCALE ? Math.max(own["keep-alive"], own.silent) <= IDLE_BYTES_GOAL : null,
        },
      ],
    };
  },
};
