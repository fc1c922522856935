/**
 * Soak: mixed load with connect/disconnect churn for a while — workers each loop over a random
 * scenario: a keep-alive burst of small GETs, a download cut after 1 MiB, a long-poll left after a
 * moment, a malformed request, or a connect-and-close — with RSS sampled once a second.
 */
import { pause } from "../clock.ts";
import { rng } from "../fuzz-cases.ts";
import { BIG_PATH, SMALL_PATH } from "../fixture.ts";
import type { Probe } from "../probe.ts";
import { readProc } from "../proc.ts";
import { openHeld, type Held } from "../sockets.ts";

const SMALL = `GET ${SMALL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
/** A download is cut after this many bytes. */
const CUT_AFTER = 1024 * 1024;
/** A long-poll is left after this long (ms). */
const POLL_LEAVE_MS = 50;
/** Any scenario is abandoned after this long (ms) so a worker never stalls. */
const SCENARIO_LIMIT_MS = 5000;
const RSS_EVERY_MS = 1000;

/** Runs one scenario on one connection; resolves when it is over. */
async function scenario(port: number, pick: number, burst: number): Promise<string> {
  let done = () => {};
  const over = new Promise<void>((r) => (done = r));
  let want = 0;
  const h: Held | null = await openHeld(port, {
    data: (x) => {
      if (want > 0 && x.received >= want) done();
    },
    close: () => done(),
  });
  if (!h) return "refused";
  let name: string;
  if (pick < 0.4) {
    name = "keep-alive burst";
    h.socket.write(SMALL.repeat(burst));
    want = burst * 100; // each answer is > 100 bytes with its head: done once all arrived
  } else if (pick < 0.55) {
    name = "cut download";
    h.socket.write(`GET ${BIG_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    want = CUT_AFTER;
  } else if (pick < 0.7) {
    name = "left long-poll";
    h.socket.write(`GET /poll?id=soak HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    setTimeout(done, POLL_LEAVE_MS);
  } else if (pick < 0.85) {
    name = "malformed";
    h.socket.write("GET /small.txt HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n");
  } else {
    name = "connect and close";
    done();
  }
  const limit = setTimeout(done, SCENARIO_LIMIT_MS);
  await over;
  clearTimeout(limit);
  if (!h.closed) {
    h.closed = true;
    h.socket.terminate();
  }
  return name;
}

export const soak: Probe = {
  name: "soak",
  describe: (s) => `${s.soak.durationMs / 1000} s of mixed load with churn, ${s.soak.workers} workers`,
  async attack({ target, settings }) {
    const cfg = settings.soak;
    const end = performance.now() + cfg.durationMs;
    const counts: Record<string, number> = {};
    const rss: number[] = [];
    const rssTimer = setInterval(() => {
      if (target.alive()) rss.push(Math.round(readProc(target.pid).rssKiB / 1024));
    }, RSS_EVERY_MS);
    const worker = async (w: number) => {
      const r = rng(1000 + w);
      while (performance.now() < end) {
        const name = await scenario(target.port, r(), 1 + Math.floor(r() * 5));
        counts[name] = (counts[name] ?? 0) + 1;
        if (name === "refused") await pause(POLL_LEAVE_MS);
      }
    };
    await Promise.all(Array.from({ length: cfg.workers }, (_, w) => worker(w)));
    clearInterval(rssTimer);
    const notes: Record<string, number | string> = { ...counts };
    notes["RSS MiB (1/s): first, max, last"] = rss.length ? `${rss[0]}, ${Math.max(...rss)}, ${rss[rss.length - 1]}` : "—";
    return { notes, goals: [], data: { rssMiB: rss, counts } };
  },
};
