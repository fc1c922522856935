/**
 * Server benchmark: netsvc and its peers on loopback, driven by wrk (keep-alive, -c 50) plain and
 * with 16 pipelined requests per batch, alternating servers round by round; medians of req/s, and
 * ratios as the median over rounds of netsvc ÷ peer within the same round. The hello servlet runs
 * twice: with wrk's minimal request, and with the parser benchmark's 703-byte browser head.
 * Then the same over HTTPS (bench/server/tls.ts: netsvc, Bun.serve, nginx and the bare responder
 * with the same certificate; keep-alive, pipelined, and a new TLS connection per request);
 * `--no-tls` skips it. Then HTTP/2 (bench/server/h2.ts: netsvc, Bun.serve `http2: true` and nginx
 * `http2`, h2c and h2 over TLS, h2load -c 10 -m 100 with `--h2-requests` per run; the 1 GiB
 * download over one stream vs HTTP/1.1 when `--large-rounds` > 0; memory per idle HTTP/2
 * connection with `--h2-idle` held); `--no-h2` skips it, `--h2-quick` keeps h2c only, no idle rows.
 * ab -k and h2load --h1 -m 16 give second opinions. Reports CPU time per request (from
 * /proc/<pid>/stat) and resident memory after every round, and writes JSON and an SVG bar chart
 * to bench/results/.
 *
 *   npm run bench:server                    (5 s per run, 3 rounds)
 *   bun bench/server/run.ts --duration 3 --rounds 5 --warmup 1 --no-second-opinions
 *   bun bench/server/tls.ts --duration 2 --rounds 3              (the HTTPS rows alone, printed)
 *
 * Before the first round every server gets `--warmup` seconds (default 1) of each of its loads,
 * unmeasured: the JIT-compiled peers (netsvc, Bun.serve, node) are then compared warm, as they
 * would be in service, rather than with their compilation counted in round one.
 *
 * Servers are pinned to CPU 0 and the load generators to CPU 1 (taskset), so every peer gets the
 * same single core. Needs wrk, ab, h2load, nginx (nginx-light) and taskset.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { renderChart } from "./chart.ts";
import { targetTable } from "./targets.ts";
import { LARGE_PATH, LARGE_SIZE, largeDownloads, writeLargeFile } from "./large-download.ts";
import { median, numberFlag, pin, type Run, rssMiB, runLoad as run, SERVER_CPU, waitForPort, wrk as wrkLoad } from "./measure.ts";
import { nginxConfig, nginxWorker } from "./nginx-conf.ts";
import { TLS_HANDSHAKES, TLS_HELLO, tlsBench, type TlsCell } from "./tls.ts";
import { H2_BROWSER, H2_HELLO, H2_STATIC, h2Bench, type H2Cell } from "./h2.ts";
import { BROWSER_REQUEST } from "../corpora.ts";

const ROOT = resolve(import.meta.dir, "../..");
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => numberFlag(args, name, fallback);
const DURATION = flag("--duration", 5);
const ROUNDS = flag("--rounds", 3);
const CONNECTIONS = flag("--connections", 50);
const WARMUP = flag("--warmup", 1);
const SECOND_OPINIONS = !args.includes("--no-second-opinions");
const SCALING = !args.includes("--no-scaling");
/** The 1 GiB download comparison (issue 12); `--large-rounds 0` skips it. */
const LARGE_ROUNDS = flag("--large-rounds", 2);
/** The HTTPS rows (bench/server/tls.ts); `--no-tls` skips them. */
const TLS = !args.includes("--no-tls");
/** The HTTP/2 rows (bench/server/h2.ts); `--no-h2` skips them, `--h2-quick` makes them small. */
const H2 = !args.includes("--no-h2");
const H2_QUICK = args.includes("--h2-quick");
/** Requests per h2load run of the HTTP/2 rows. */
const H2_REQUESTS = flag("--h2-requests", H2_QUICK ? 50_000 : 200_000);
/** Idle HTTP/2 (and HTTP/1.1) connections held for the memory figures (0: none). */
const H2_IDLE = flag("--h2-idle", H2_QUICK ? 0 : 2000);
/** `--no-write`: print the tables, leave bench/results/ as it is (trial runs). */
const WRITE = !args.includes("--no-write");

for (const tool of ["wrk", "ab", "h2load", "nginx", "taskset", "node"]) {
  if (!Bun.which(tool) && !existsSync(`/usr/sbin/${tool}`))
    throw new Error(`${tool} is required (apt-get install wrk apache2-utils nghttp2-client nginx-light util-linux)`);
}
if (TLS && !Bun.which("openssl")) throw new Error("openssl is required for the HTTPS rows (apt-get install openssl), or pass --no-tls");

// ── fixtures ──────────────────────────────────────────────────────────────────────────────
const work = mkdtempSync(join(tmpdir(), "netsvc-bench-"));
const site = join(work, "site");
mkdirSync(site);
writeFileSync(join(site, "hello.txt"), "Hello, world!");
writeFileSync(join(site, "64k.bin"), Buffer.alloc(64 * 1024, "x"));
writeFileSync(join(site, "index.html"), "Hello, world!");
if (LARGE_ROUNDS > 0) writeLargeFile(site);

// Always rebuilt: a binary left over from older sources would be measured in their place.
{
  const b = Bun.spawnSync(["npm", "run", "build"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if (b.exitCode !== 0) throw new Error("npm run build failed");
}

// ── servers ───────────────────────────────────────────────────────────────────────────────
interface Peer {
  name: string;
  group: "dynamic" | "static";
  command: (port: number) => string[];
  /** The process whose CPU and memory are measured (nginx: its single worker). */
  measuredPid?: (pid: number) => number;
  proc?: ReturnType<typeof Bun.spawn>;
  port?: number;
  pid?: number;
  rss: number[];
}

// Below Linux's ephemeral range (32768+), where wrk's own client sockets could hold the port.
let nextPort = 10000 + Math.floor(Math.random() * 20000);
const bun = process.execPath;

const peers: Peer[] = [
  { name: "netsvc servlet", group: "dynamic", command: (p) => [bun, join(ROOT, "bench/server/netsvc-hello.ts"), String(p)], rss: [] },
  { name: "Bun.serve fetch", group: "dynamic", command: (p) => [bun, join(ROOT, "bench/server/bun-serve-hello.ts"), String(p)], rss: [] },
  { name: "node:http", group: "dynamic", command: (p) => ["node", join(ROOT, "bench/server/node-hello.mjs"), String(p)], rss: [] },
  { name: "bare Bun.listen", group: "dynamic", command: (p) => [bun, join(ROOT, "bench/server/bare-listen.ts"), String(p)], rss: [] },
  {
    name: "netsvc binary",
    group: "static",
    command: (p) => [join(ROOT, "dist/netsvc"), site, "--port", String(p), "--max-requests", "0"],
    rss: [],
  },
  {
    name: "Bun.serve routes",
    group: "static",
    command: (p) => [bun, join(ROOT, "bench/server/bun-serve-static.ts"), String(p), site],
    rss: [],
  },
  {
    name: "Bun.serve file route",
    group: "static",
    command: (p) => [bun, join(ROOT, "bench/server/bun-serve-file-route.ts"), String(p), site],
    rss: [],
  },
  {
    name: "Bun.serve Bun.file",
    group: "static",
    command: (p) => [bun, join(ROOT, "bench/server/bun-serve-file.ts"), String(p), site],
    rss: [],
  },
  {
    name: "nginx",
    group: "static",
    command: (p) => ["/usr/sbin/nginx", "-c", nginxConfig(join(work, `nginx-${p}`), `server { listen 127.0.0.1:${p}; root ${site}; }`)],
    measuredPid: nginxWorker,
    rss: [],
  },
];

async function startPeer(peer: Peer): Promise<void> {
  peer.port = nextPort++;
  peer.proc = Bun.spawn(pin(SERVER_CPU, peer.command(peer.port)), { stdout: "ignore", stderr: "inherit" });
  await waitForPort(peer.port);
  // taskset execs the command, so the spawned pid is the server's.
  peer.pid = peer.measuredPid ? peer.measuredPid(peer.proc.pid) : peer.proc.pid;
}

// ── load ──────────────────────────────────────────────────────────────────────────────────
const wrk = (peer: Peer, path: string, pipelined: boolean, seconds = DURATION, headers: string[] = []): Promise<Run> =>
  wrkLoad(`http://127.0.0.1:${peer.port}${path}`, peer.pid!, { seconds, connections: CONNECTIONS, pipelined, headers });

interface Cell {
  workload: string;
  mode: "plain" | "pipelined";
  peer: string;
  runs: Run[];
}
const cells: Cell[] = [];
/**
 * The header fields of the parser benchmark's browser request (703 B with its request line), Host
 * left to wrk: the same servlet, but every server parses what a browser really sends.
 */
const BROWSER_HEADERS = BROWSER_REQUEST.split("\r\n")
  .slice(1)
  .filter((line) => line !== "" && !/^host:/i.test(line));
const workloads: { name: string; group: Peer["group"] | "ceiling"; path: string; headers?: string[] }[] = [
  { name: "dynamic hello", group: "dynamic", path: "/" },
  { name: "hello, browser head", group: "dynamic", path: "/", headers: BROWSER_HEADERS },
  { name: "static 13 B", group: "static", path: "/hello.txt" },
  { name: "static 64 KiB", group: "static", path: "/64k.bin" },
];

console.log(
  `server benchmark ${new Date().toISOString()}: ${ROUNDS} rounds × ${DURATION} s after ${WARMUP} s of warm-up per load, wrk -c${CONNECTIONS}, servers on CPU 0, load on CPU 1`,
);
for (const peer of peers) await startPeer(peer);
try {
  if (WARMUP > 0) {
    for (const w of workloads) {
      for (const peer of peers.filter((p) => p.group === w.group)) {
        for (const pipelined of [false, true]) await wrk(peer, w.path, pipelined, WARMUP, w.headers);
      }
    }
    console.log(`  warmed every server with ${WARMUP} s of each load`);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of workloads) {
      const group = peers.filter((p) => p.group === w.group);
      // Alternate the order every round so no server always goes first (or last).
      const order = group.map((_, i) => group[(i + round) % group.length]!);
      for (const mode of ["plain", "pipelined"] as const) {
        for (const peer of order) {
          const r = await wrk(peer, w.path, mode === "pipelined", DURATION, w.headers);
          let cell = cells.find((c) => c.workload === w.name && c.mode === mode && c.peer === peer.name);
          if (!cell) cells.push((cell = { workload: w.name, mode, peer: peer.name, runs: [] }));
          cell.runs.push(r);
          console.log(
            `  round ${round + 1} ${w.name} ${mode} ${peer.name}: ${Math.round(r.rps)} req/s${r.errors ? ` (${r.errors} errors)` : ""}`,
          );
        }
      }
    }
    for (const peer of peers) peer.rss.push(rssMiB(peer.pid!));
  }

  // ── HTTPS ───────────────────────────────────────────────────────────────────────────────
  // Its own servers (the same certificate for all), rounds, alternation and medians; the TLS
  // download only in a run that makes the 1 GiB file.
  let tls: Awaited<ReturnType<typeof tlsBench>> | null = null;
  if (TLS) {
    tls = await tlsBench({
      rounds: ROUNDS,
      duration: DURATION,
      warmup: WARMUP,
      connections: CONNECTIONS,
      largeRounds: LARGE_ROUNDS,
      site,
      largePath: LARGE_PATH,
      largeSize: LARGE_SIZE,
      nextPort: () => nextPort++,
      work,
      log: console.log,
    });
  }

  // ── HTTP/2 ──────────────────────────────────────────────────────────────────────────────
  // Its own servers (h2c and TLS), rounds of a fixed request count, rotation and medians.
  let h2: Awaited<ReturnType<typeof h2Bench>> | null = null;
  if (H2) {
    h2 = await h2Bench({
      rounds: ROUNDS,
      requests: H2_REQUESTS,
      warmupRequests: WARMUP > 0 ? H2_REQUESTS / 10 : 0,
      clients: 10,
      streams: 100,
      transports: H2_QUICK ? ["h2c"] : ["h2c", "h2 TLS"],
      largeRounds: LARGE_ROUNDS,
      idleConnections: H2_IDLE,
      site,
      nextPort: () => nextPort++,
      work,
      log: console.log,
    });
  }

  // ── second opinions ─────────────────────────────────────────────────────────────────────
  const opinions: { tool: string; workload: string; peer: string; rps: number; failed: number }[] = [];
  if (SECOND_OPINIONS) {
    for (const [workload, path, group] of [
      ["dynamic hello", "/", "dynamic"],
      ["static 13 B", "/hello.txt", "static"],
    ] as const) {
      for (const peer of peers.filter((p) => p.group === group)) {
        const url = `http://127.0.0.1:${peer.port}${path}`;
        const ab = await run(["ab", "-k", "-q", "-c", String(CONNECTIONS), "-n", "100000", url]);
        opinions.push({
          tool: "ab -k",
          workload,
          peer: peer.name,
          rps: Number(ab.match(/Requests per second:\s+([\d.]+)/)?.[1] ?? NaN),
          failed: Number(ab.match(/Failed requests:\s+(\d+)/)?.[1] ?? NaN) + Number(ab.match(/Non-2xx responses:\s+(\d+)/)?.[1] ?? 0),
        });
        const h2 = await run(["h2load", "--h1", "-c", String(CONNECTIONS), "-m", "16", "-n", "300000", url]);
        opinions.push({
          tool: "h2load --h1 -m 16",
          workload,
          peer: peer.name,
          rps: Number(h2.match(/finished in [\d.]+m?s, ([\d.]+) req\/s/)?.[1] ?? NaN),
          failed: Number(h2.match(/(\d+) failed/)?.[1] ?? NaN),
        });
      }
    }
  }

  // ── scaling: 1 → 2 workers ──────────────────────────────────────────────────────────────
  const scaling: { workers: number; mode: string; rps: number }[] = [];
  if (SCALING) {
    for (const workers of [1, 2]) {
      const port = nextPort++;
      const p = Bun.spawn([join(ROOT, "dist/netsvc"), site, "--port", String(port), "--max-requests", "0", "--workers", String(workers)], {
        stdout: "ignore",
        stderr: "inherit",
      });
      try {
        await waitForPort(port);
        for (const mode of ["plain", "pipelined"] as const) {
          const url = `http://127.0.0.1:${port}/hello.txt`;
          const cmd = ["wrk", "-t2", `-c${CONNECTIONS}`, `-d${DURATION}s`, url];
          if (mode === "pipelined") cmd.push("-s", join(ROOT, "bench/server/pipeline.lua"), "--", "16");
          const wp = Bun.spawn(cmd, { stdout: "pipe" });
          const out = await new Response(wp.stdout).text();
          scaling.push({ workers, mode, rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN) });
        }
      } catch (e) {
        // The rounds above are the benchmark; a failed scaling run is reported, not fatal.
        console.error(`scaling with ${workers} worker(s) failed: ${e}`);
      } finally {
        p.kill("SIGTERM");
        await p.exited;
      }
    }
  }

  // ── large downloads ─────────────────────────────────────────────────────────────────────
  let large: Awaited<ReturnType<typeof largeDownloads>> | null = null;
  if (LARGE_ROUNDS > 0) {
    const downloaders = ["netsvc binary", "nginx", "Bun.serve Bun.file"].map((name) => peers.find((p) => p.name === name)!);
    large = await largeDownloads(
      downloaders.map((p) => ({ name: p.name, port: p.port!, pid: p.pid! })),
      "netsvc binary",
      LARGE_PATH,
      LARGE_SIZE,
      LARGE_ROUNDS,
      console.log,
    );
  }

  // ── report ──────────────────────────────────────────────────────────────────────────────
  // Ratios are paired: netsvc ÷ peer within each round (measured minutes apart at most), then the
  // median over rounds, so a round in which the whole machine ran slower or faster cancels out.
  const pairedRatio = (workload: string, mode: string, ours: string, peer: string) => {
    const o = cells.find((x) => x.workload === workload && x.mode === mode && x.peer === ours);
    const c = cells.find((x) => x.workload === workload && x.mode === mode && x.peer === peer);
    return o && c ? median(o.runs.map((r, i) => r.rps / c.runs[i]!.rps)) : NaN;
  };
  const lines: string[] = [];
  lines.push(`| workload | mode | server | req/s (median) | netsvc ÷ server | CPU µs/req | errors |`);
  lines.push(`|---|---|---|---:|---:|---:|---:|`);
  for (const w of workloads) {
    const ours = w.group === "dynamic" ? "netsvc servlet" : "netsvc binary";
    for (const mode of ["plain", "pipelined"] as const) {
      for (const c of cells.filter((x) => x.workload === w.name && x.mode === mode)) {
        const rps = median(c.runs.map((r) => r.rps));
        const ratio = pairedRatio(w.name, mode, ours, c.peer);
        const cpu = median(c.runs.map((r) => r.cpuUsPerRequest));
        const errors = c.runs.reduce((a, r) => a + r.errors, 0);
        lines.push(
          `| ${w.name} | ${mode} | ${c.peer} | ${Math.round(rps).toLocaleString("en-US")} | ${c.peer === ours ? "—" : ratio.toFixed(2) + "x"} | ${cpu.toFixed(1)} | ${errors} |`,
        );
      }
    }
  }
  lines.push("");
  lines.push(`| server | RSS after each round (MiB) |`);
  lines.push(`|---|---|`);
  for (const p of peers) lines.push(`| ${p.name} | ${p.rss.map((r) => r.toFixed(1)).join(" → ")} |`);
  lines.push("");
  const oursFor = (workload: string) =>
    workloads.find((w) => w.name === workload)?.group === "dynamic" ? "netsvc servlet" : "netsvc binary";
  const ratioOf = (workload: string, mode: "plain" | "pipelined", peer: string) => pairedRatio(workload, mode, oursFor(workload), peer);
  const ceilingOf = (workload: string, mode: "plain" | "pipelined", peer: string) => pairedRatio(workload, mode, "bare Bun.listen", peer);
  lines.push(
    ...targetTable(ratioOf, ceilingOf, Object.fromEntries(peers.map((p) => [p.name, p.rss])), ["netsvc servlet", "netsvc binary"]),
  );
  if (opinions.length) {
    lines.push("");
    lines.push(`| tool | workload | server | req/s | failed |`);
    lines.push(`|---|---|---|---:|---:|`);
    for (const o of opinions)
      lines.push(`| ${o.tool} | ${o.workload} | ${o.peer} | ${Math.round(o.rps).toLocaleString("en-US")} | ${o.failed} |`);
  }
  if (scaling.length) {
    lines.push("");
    lines.push(`| netsvc binary, static 13 B | mode | req/s (wrk -t2, unpinned) |`);
    lines.push(`|---|---|---:|`);
    for (const s of scaling)
      lines.push(`| ${s.workers} worker${s.workers > 1 ? "s" : ""} | ${s.mode} | ${Math.round(s.rps).toLocaleString("en-US")} |`);
  }
  if (large) lines.push("", ...large.lines);
  if (tls)
    lines.push("", "HTTPS (bench/server/tls.ts; the same certificate for every server, see bench/results/tls.md):", "", ...tls.lines);
  if (h2) lines.push("", "HTTP/2 (bench/server/h2.ts, see bench/results/h2.md):", "", ...h2.lines);
  const report = lines.join("\n");
  console.log("\n" + report);

  const results = {
    date: new Date().toISOString(),
    bun: Bun.version,
    durationSeconds: DURATION,
    rounds: ROUNDS,
    warmupSeconds: WARMUP,
    connections: CONNECTIONS,
    cells: [...cells, ...(tls?.cells ?? []), ...(h2?.cells ?? [])].map((c: Cell | TlsCell | H2Cell) => ({
      ...c,
      medianRps: median(c.runs.map((r) => r.rps)),
    })),
    rss: Object.fromEntries(peers.map((p) => [p.name, p.rss])),
    opinions,
    scaling,
    largeDownloads: large?.samples ?? null,
    tlsLargeDownloads: tls?.largeSamples ?? null,
  };
  if (WRITE) {
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    writeFileSync(join(ROOT, "bench/results/server.json"), JSON.stringify(results, null, 2) + "\n");
    writeFileSync(join(ROOT, "bench/results/server.md"), report + "\n");
    writeFileSync(
      join(ROOT, "bench/results/server.svg"),
      renderChart(results.cells, [
        ...workloads.map((w) => w.name),
        ...(tls ? [TLS_HELLO, TLS_HANDSHAKES] : []),
        ...(h2 ? [H2_HELLO, H2_STATIC, H2_BROWSER] : []),
      ]),
    );
    console.log("\nwrote bench/results/server.json, server.md and server.svg");
  } else console.log("\n--no-write: bench/results/ left as it was");
} finally {
  for (const peer of peers) peer.proc?.kill("SIGTERM");
  await Promise.all(peers.map((p) => p.proc?.exited));
  rmSync(work, { recursive: true, force: true });
}
