/**
 * The HTTPS rows of the server benchmark (issue 21): netsvc's hello servlet with `tls`, Bun.serve
 * with `tls`, nginx with `ssl` (1 worker) and the bare Bun.listen responder over TLS (the ceiling
 * of any HTTPS server on Bun.listen), all serving the same certificate (test/fixtures/tls/
 * localhost.crt, RSA 2048), side by side in one run, the order rotating every round, medians and
 * paired ratios as the cleartext rows:
 *
 * - HTTPS hello, keep-alive: wrk -t1 -c50 over https (every connection's handshake happens once,
 *   at wrk's start, outside the counted requests' cost);
 * - HTTPS hello, 16 pipelined: the same with bench/server/pipeline.lua;
 * - new TLS connections: ab without -k over https, one request per connection, each a full
 *   handshake (ab offers no session to resume; wrk with `Connection: close` does resume them,
 *   which is why it is not used here);
 * - in the full run, the 1 GiB download over https (curl -k), netsvc's binary beside nginx and
 *   Bun.serve with Bun.file.
 *
 * The protocol and cipher each server negotiates with the load generators' OpenSSL defaults is
 * printed beside the figures (openssl s_client, the library wrk, ab and curl use).
 *
 * Timing never slows a server: its CPU time is read from /proc before and after a load, and the
 * load generator's own CPU (its rusage) is reported beside it: where the load generator is busy
 * near 100% (wrk decrypting every response on its one core), req/s measure the client, and the
 * servers' CPU µs per request are the comparison that holds.
 *
 *   bun bench/server/tls.ts [--duration 2] [--rounds 3] [--warmup 1] [--large-rounds 0]
 *                           [--connections 50] [--modes plain,pipelined,handshake] [--help]
 *
 * run standalone prints the tables (bench/results/tls.md keeps them); `npm run bench:server` runs
 * the same after its cleartext rows and puts them in its JSON, Markdown and chart.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LARGE_PATH, LARGE_SIZE, largeDownloads, writeLargeFile } from "./large-download.ts";
import { abNewConnections, type BenchContext, median, numberFlag, pin, type Run, rssMiB, SERVER_CPU, waitForPort, wrk } from "./measure.ts";
import { nginxConfig, nginxWorker } from "./nginx-conf.ts";
import { TLS_CERT, TLS_KEY } from "./tls-fixture.ts";

const ROOT = resolve(import.meta.dir, "../..");

/** The modes of the TLS rows: keep-alive, 16 pipelined, and one request per new connection. */
export type TlsMode = "plain" | "pipelined" | "handshake";
/** Every mode, in the order the rows are run. */
export const TLS_MODES: readonly TlsMode[] = ["plain", "pipelined", "handshake"];

/** One server's runs of one load. */
export interface TlsCell {
  workload: string;
  mode: TlsMode;
  peer: string;
  runs: Run[];
}

/** How the TLS part is run (`site` holds LARGE_PATH when largeRounds > 0). */
export interface TlsBenchOptions extends BenchContext {
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  /** Rounds of the 1 GiB download (0: none). */
  largeRounds: number;
  /** The loads run (default: all three); a server none of them uses is not started. */
  modes?: readonly TlsMode[];
  largePath: string;
  largeSize: number;
}

interface TlsPeer {
  name: string;
  command: (port: number) => string[];
  /** Answers the hello loads (else only the download). */
  hello: boolean;
  /** Serves the large file. */
  download: boolean;
  /** Closes after a request without keep-alive (the bare responder never closes: no handshake row). */
  handshakes: boolean;
  nginx?: boolean;
  proc?: ReturnType<typeof Bun.spawn>;
  port?: number;
  pid?: number;
  rss: number[];
}

const NETSVC = "netsvc servlet TLS";
const NETSVC_BINARY = "netsvc binary TLS";
const BARE_CLOSING = "bare Bun.listen TLS, closing";
/** The workload names of the TLS rows (the chart's panels). */
export const TLS_HELLO = "HTTPS hello";
export const TLS_HANDSHAKES = "HTTPS new connection per request";

function peersFor(o: TlsBenchOptions): TlsPeer[] {
  const bun = process.execPath;
  const script = (name: string) => join(ROOT, "bench/server", name);
  const nginxServer = (port: number) =>
    `server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${TLS_CERT};
    ssl_certificate_key ${TLS_KEY};
    # nginx 1.22 still offers TLS 1.0/1.1 by default; every other peer offers 1.2 and 1.3 only.
    ssl_protocols TLSv1.2 TLSv1.3;
    root ${o.site};
    location = / { default_type text/plain; return 200 "Hello, world!"; }
  }`;
  const peers: TlsPeer[] = [
    {
      name: NETSVC,
      command: (p) => [bun, script("netsvc-hello.ts"), String(p), "--tls"],
      hello: true,
      download: false,
      handshakes: true,
      rss: [],
    },
    {
      name: "Bun.serve TLS",
      command: (p) => [bun, script("bun-serve-hello.ts"), String(p), "--tls"],
      hello: true,
      download: false,
      handshakes: true,
      rss: [],
    },
    {
      name: "nginx TLS",
      command: (p) => ["/usr/sbin/nginx", "-c", nginxConfig(join(o.work, `nginx-tls-${p}`), nginxServer(p))],
      hello: true,
      download: true,
      handshakes: true,
      nginx: true,
      rss: [],
    },
    {
      name: "bare Bun.listen TLS",
      command: (p) => [bun, script("bare-listen.ts"), String(p), "--tls"],
      hello: true,
      download: false,
      handshakes: false,
      rss: [],
    },
    {
      // The same, answering once and closing: the most new connections any server on Bun.listen can take.
      name: BARE_CLOSING,
      command: (p) => [bun, script("bare-listen.ts"), String(p), "--tls", "--close"],
      hello: false,
      download: false,
      handshakes: true,
      rss: [],
    },
  ];
  if (o.largeRounds > 0) {
    peers.push(
      {
        name: NETSVC_BINARY,
        command: (p) => [
          join(ROOT, "dist/netsvc"),
          o.site,
          "--port",
          String(p),
          "--max-requests",
          "0",
          "--tls-cert",
          TLS_CERT,
          "--tls-key",
          TLS_KEY,
        ],
        hello: false,
        download: true,
        handshakes: false,
        rss: [],
      },
      {
        name: "Bun.serve Bun.file TLS",
        command: (p) => [bun, script("bun-serve-file.ts"), String(p), o.site, "--tls"],
        hello: false,
        download: true,
        handshakes: false,
        rss: [],
      },
    );
  }
  return peers;
}

/** The protocol and cipher `port` negotiates with OpenSSL's client defaults (those of wrk, ab and curl). */
async function negotiated(port: number): Promise<string> {
  const p = Bun.spawn(["openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-brief"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  p.stdin.end();
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  const text = out + err;
  const field = (name: string) => text.match(new RegExp(`${name}:\\s*(.+)`))?.[1]?.trim() ?? "?";
  return `${field("Protocol version")} ${field("Ciphersuite")}, key exchange ${field("(?:Negotiated TLS1.3 group|Server Temp Key)")}, signature ${field("Signature type")}`;
}

/** Runs the TLS rows; returns the cells, Markdown lines, and the large-download samples. */
export async function tlsBench(o: TlsBenchOptions) {
  const modes = o.modes ?? TLS_MODES;
  const used = (p: TlsPeer) =>
    (p.hello && (modes.includes("plain") || modes.includes("pipelined"))) ||
    (p.handshakes && modes.includes("handshake")) ||
    (p.download && o.largeRounds > 0);
  const peers = peersFor(o).filter(used);
  for (const peer of peers) {
    peer.port = o.nextPort();
    peer.proc = Bun.spawn(pin(SERVER_CPU, peer.command(peer.port)), { stdout: "ignore", stderr: "inherit" });
    await waitForPort(peer.port);
    peer.pid = peer.nginx ? nginxWorker(peer.proc.pid) : peer.proc.pid;
  }
  const cells: TlsCell[] = [];
  const ciphers = new Map<string, string>();
  try {
    for (const peer of peers) ciphers.set(peer.name, await negotiated(peer.port!));
    const url = (peer: TlsPeer) => `https://127.0.0.1:${peer.port}/`;
    const measureOnce = async (peer: TlsPeer, mode: TlsMode, seconds: number): Promise<Run> =>
      mode === "handshake"
        ? abNewConnections(url(peer), peer.pid!, seconds, o.connections)
        : wrk(url(peer), peer.pid!, { seconds, connections: o.connections, pipelined: mode === "pipelined" });
    const allLoads: { workload: string; mode: TlsMode; peers: TlsPeer[] }[] = [
      { workload: TLS_HELLO, mode: "plain", peers: peers.filter((p) => p.hello) },
      { workload: TLS_HELLO, mode: "pipelined", peers: peers.filter((p) => p.hello) },
      { workload: TLS_HANDSHAKES, mode: "handshake", peers: peers.filter((p) => p.handshakes) },
    ];
    const loads = allLoads.filter((load) => modes.includes(load.mode));
    if (o.warmup > 0) {
      for (const load of loads) for (const peer of load.peers) await measureOnce(peer, load.mode, o.warmup);
      o.log(`  warmed every TLS server with ${o.warmup} s of each load`);
    }
    for (let round = 0; round < o.rounds; round++) {
      for (const load of loads) {
        // The order rotates every round so no server always goes first (or last).
        const order = load.peers.map((_, i) => load.peers[(i + round) % load.peers.length]!);
        for (const peer of order) {
          const r = await measureOnce(peer, load.mode, o.duration);
          let cell = cells.find((c) => c.workload === load.workload && c.mode === load.mode && c.peer === peer.name);
          if (!cell) cells.push((cell = { workload: load.workload, mode: load.mode, peer: peer.name, runs: [] }));
          cell.runs.push(r);
          o.log(
            `  round ${round + 1} ${load.workload} ${load.mode} ${peer.name}: ${Math.round(r.rps)} req/s${r.errors ? ` (${r.errors} errors)` : ""}`,
          );
        }
      }
      for (const peer of peers) peer.rss.push(rssMiB(peer.pid!));
    }
    let large: Awaited<ReturnType<typeof largeDownloads>> | null = null;
    if (o.largeRounds > 0) {
      large = await largeDownloads(
        peers.filter((p) => p.download).map((p) => ({ name: p.name, port: p.port!, pid: p.pid!, tls: true })),
        NETSVC_BINARY,
        o.largePath,
        o.largeSize,
        o.largeRounds,
        o.log,
      );
    }
    return { cells, lines: report(cells, peers, ciphers, large?.lines ?? []), largeSamples: large?.samples ?? null };
  } finally {
    for (const peer of peers) peer.proc?.kill("SIGTERM");
    await Promise.all(peers.map((p) => p.proc?.exited));
  }
}

/** The goals of issue 21 for the TLS rows: netsvc ÷ peer ≥ min. */
const TLS_TARGETS: { workload: string; mode: TlsMode; peer: string; min: number }[] = [
  { workload: TLS_HELLO, mode: "plain", peer: "Bun.serve TLS", min: 1.0 },
  { workload: TLS_HELLO, mode: "plain", peer: "nginx TLS", min: 1.0 },
  { workload: TLS_HELLO, mode: "pipelined", peer: "Bun.serve TLS", min: 5 },
  { workload: TLS_HANDSHAKES, mode: "handshake", peer: "Bun.serve TLS", min: 1.0 },
];

const MODE_TEXT: Record<TlsMode, string> = { plain: "keep-alive", pipelined: "16 pipelined", handshake: "1 request per connection" };

const percent = (share: number) => `${Math.round(share * 100)}%`;
/** A load generator busier than this share of its CPU (median over rounds) limited the run itself. */
const CLIENT_BOUND = 0.95;
const clientBound = (c: TlsCell) => median(c.runs.map((r) => r.loadCpuShare)) >= CLIENT_BOUND;

function report(cells: TlsCell[], peers: TlsPeer[], ciphers: Map<string, string>, largeLines: string[]): string[] {
  const cellOf = (workload: string, mode: TlsMode, peer: string) =>
    cells.find((x) => x.workload === workload && x.mode === mode && x.peer === peer);
  // Paired: netsvc ÷ peer within each round, then the median over rounds.
  const ratio = (workload: string, mode: TlsMode, ours: string, peer: string) => {
    const o = cellOf(workload, mode, ours);
    const c = cellOf(workload, mode, peer);
    return o && c ? median(o.runs.map((r, i) => r.rps / c.runs[i]!.rps)) : Number.NaN;
  };
  const lines = [
    "| workload | mode | server | req/s (median) | netsvc ÷ server | server CPU µs/req | server CPU busy | load generator CPU busy | errors |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const c of cells) {
    const rps = median(c.runs.map((r) => r.rps));
    const same = c.peer === NETSVC;
    lines.push(
      `| ${c.workload} | ${MODE_TEXT[c.mode]} | ${c.peer} | ${Math.round(rps).toLocaleString("en-US")} | ${same ? "—" : ratio(c.workload, c.mode, NETSVC, c.peer).toFixed(2) + "x"} | ${median(c.runs.map((r) => r.cpuUsPerRequest)).toFixed(1)} | ${percent(median(c.runs.map((r) => (r.rps * r.cpuUsPerRequest) / 1e6)))} | ${percent(median(c.runs.map((r) => r.loadCpuShare)))} | ${c.runs.reduce((a, r) => a + r.errors, 0)} |`,
    );
  }
  lines.push("", "| TLS target (issue 21) | measured | bare Bun.listen TLS ÷ same peer | |", "|---|---:|---:|---|");
  for (const t of TLS_TARGETS) {
    const r = ratio(t.workload, t.mode, NETSVC, t.peer);
    const ceiling = ratio(t.workload, t.mode, t.mode === "handshake" ? BARE_CLOSING : "bare Bun.listen TLS", t.peer);
    let verdict = Number.isNaN(r) ? "not measured" : r >= t.min ? "met" : "**not met**";
    // A load generator busy on both sides measured itself: say so, with the servers' CPU per request.
    const ours = cellOf(t.workload, t.mode, NETSVC);
    const theirs = cellOf(t.workload, t.mode, t.peer);
    if (ours && theirs && clientBound(ours) && clientBound(theirs)) {
      const cpu = (c: TlsCell) => median(c.runs.map((x) => x.cpuUsPerRequest));
      verdict += `; load generator ≥ ${percent(CLIENT_BOUND)} busy: req/s are its own; server CPU µs/req ${cpu(ours).toFixed(1)} vs ${cpu(theirs).toFixed(1)}`;
    }
    lines.push(
      `| ${t.workload}, ${MODE_TEXT[t.mode]}: ≥ ${t.min}x ${t.peer} | ${r.toFixed(2)}x | ${Number.isNaN(ceiling) ? "—" : ceiling.toFixed(2) + "x"} | ${verdict} |`,
    );
  }
  lines.push("", "| TLS server | negotiated with OpenSSL's client defaults | RSS after each round (MiB) |", "|---|---|---|");
  for (const p of peers) lines.push(`| ${p.name} | ${ciphers.get(p.name) ?? "?"} | ${p.rss.map((m) => m.toFixed(1)).join(" → ")} |`);
  if (largeLines.length) lines.push("", "1 GiB download over https (curl -k; netsvc's binary with --tls-cert):", "", ...largeLines);
  return lines;
}

/** Standalone: the TLS rows alone, printed (nothing written to bench/results/). */
if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args.includes("--help")) {
    console.log(`bun bench/server/tls.ts [options] (run it under flock /tmp/netsvc-heavy.lock)
  --rounds N        rounds of every load, the order rotating (default 3)
  --duration S      seconds per measured run (default 2)
  --warmup S        seconds of each load per server before the rounds (default 1)
  --connections N   concurrent connections of wrk and ab (default 50)
  --modes LIST      comma-separated among ${TLS_MODES.join(", ")} (default all):
                      plain      HTTPS hello, keep-alive (wrk)
                      pipelined  HTTPS hello, 16 pipelined (wrk + pipeline.lua)
                      handshake  one request per new TLS connection, a full handshake each (ab)
  --large-rounds N  rounds of the 1 GiB download over https (default 0: none; builds dist/netsvc)`);
    process.exit(0);
  }
  const modesArg = args.indexOf("--modes");
  const modes = modesArg >= 0 ? (args[modesArg + 1] ?? "").split(",") : [...TLS_MODES];
  for (const m of modes) if (!TLS_MODES.includes(m as TlsMode)) throw new Error(`--modes: unknown mode ${m} (${TLS_MODES.join(", ")})`);
  const flag = (name: string, fallback: number) => numberFlag(args, name, fallback);
  const work = mkdtempSync(join(tmpdir(), "netsvc-tls-bench-"));
  const site = join(work, "site");
  mkdirSync(site);
  const largeRounds = flag("--large-rounds", 0);
  try {
    if (largeRounds > 0) {
      writeLargeFile(site);
      const b = Bun.spawnSync(["npm", "run", "build"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
      if (b.exitCode !== 0) throw new Error("npm run build failed");
    }
    writeFileSync(join(site, "hello.txt"), "Hello, world!");
    let port = 10000 + Math.floor(Math.random() * 20000);
    const o: TlsBenchOptions = {
      rounds: flag("--rounds", 3),
      duration: flag("--duration", 2),
      warmup: flag("--warmup", 1),
      connections: flag("--connections", 50),
      largeRounds,
      modes: modes as TlsMode[],
      site,
      largePath: LARGE_PATH,
      largeSize: LARGE_SIZE,
      nextPort: () => port++,
      work,
      log: console.log,
    };
    console.log(
      `TLS server benchmark ${new Date().toISOString()}: ${o.rounds} rounds × ${o.duration} s after ${o.warmup} s of warm-up per load, -c${o.connections}, servers on CPU 0, load on CPU 1`,
    );
    const { lines } = await tlsBench(o);
    console.log("\n" + lines.join("\n"));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
