/**
 * How long a 5000-entry listing holds the event loop (issue 25 item 5): a measurement, not a
 * benchmark race. A FileServer with listing() and compress() runs in this process; curl (another
 * process, so its parsing costs this loop nothing) asks for the listing as HTML, as JSON and as
 * brotli HTML, while a chain of setImmediate callbacks records the longest gap between two of
 * them — the longest any other connection would have waited. Beside it, what a synchronous
 * implementation would block for: readdirSync and one statSync per entry, in one turn.
 *
 *   flock /tmp/netsvc-heavy.lock bun bench/server/listing-stall.ts
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpDaemon } from "../../src/index.ts";
import { LISTING_MAX_ENTRIES } from "../../src/servers/file-limits.ts";

const RUNS = 15;

/** Median of `xs`. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The longest gap (ms) between setImmediate callbacks while `work` runs, and work's result. */
async function longestGap<T>(work: () => Promise<T>): Promise<{ gap: number; result: T }> {
  let last = performance.now();
  let gap = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await work();
  running = false;
  return { gap, result };
}

async function curl(args: string[]): Promise<{ seconds: number; bytes: number }> {
  const child = Bun.spawn(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", ...args], { stdout: "pipe" });
  const out = await new Response(child.stdout).text();
  await child.exited;
  const [t, b] = out.split(" ");
  return { seconds: Number(t), bytes: Number(b) };
}

const base = mkdtempSync(join(tmpdir(), "netsvc-listing-stall-"));
const dir = join(base, "many");
mkdirSync(dir);
for (let i = 0; i < LISTING_MAX_ENTRIES; i++) writeFileSync(join(dir, `file-${String(i).padStart(5, "0")}.txt`), "x".repeat(i % 4096));

const daemon = new HttpDaemon(0, { accessLog: null });
daemon.attach("/", new FileServer(base).listing().compress());
daemon.start();
const url = `http://127.0.0.1:${daemon.port()}/many/?sort=size`;

try {
  const variants: [string, string[]][] = [
    ["HTML", [url]],
    ["JSON", ["-H", "Accept: application/json", url]],
    ["HTML, br", ["-H", "Accept-Encoding: br", url]],
  ];
  console.log(`listing of ${LISTING_MAX_ENTRIES} entries, ${RUNS} runs each (medians; max over runs in brackets)`);
  for (const [name, args] of variants) {
    await curl(args); // warm: JIT, page cache
    const gaps: number[] = [];
    const totals: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const { gap, result } = await longestGap(() => curl(args));
      gaps.push(gap);
      totals.push(result.seconds * 1000);
      bytes = result.bytes;
    }
    console.log(
      `  ${name.padEnd(9)} longest loop stall ${median(gaps).toFixed(1)} ms [${Math.max(...gaps).toFixed(1)}]` +
        `  response ${median(totals).toFixed(1)} ms  ${bytes} bytes`,
    );
  }
  const syncTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    for (const d of readdirSync(dir, { withFileTypes: true })) statSync(join(dir, d.name));
    syncTimes.push(performance.now() - t);
  }
  console.log(`  for comparison: readdirSync + ${LISTING_MAX_ENTRIES} statSync in one turn: ${median(syncTimes).toFixed(1)} ms`);
} finally {
  await daemon.stop(500);
  rmSync(base, { recursive: true, force: true });
}
