/**
 * The HTTP/2 rows of the server benchmark (issue 22): netsvc beside Bun.serve `http2: true` and
 * nginx `http2` (1 worker), h2c by prior knowledge and h2 over TLS (ALPN; the test certificate
 * of tls-fixture.ts), every server pinned to CPU 0 and h2load to CPU 1, side by side in one run,
 * the order rotating every round, medians and paired ratios as the HTTP/1 rows:
 *
 * - hello (the servlet / Bun.serve's fetch / nginx's `return 200`) and the 13-byte file (netsvc's
 *   file server; Bun.serve's file routes (native, read per request: the like-for-like peer), its
 *   static routes (a body prebuilt in memory at start) and Bun.file from fetch; nginx's root) with `h2load -c 10 -m 100`
 *   and a fixed request count per run;
 * - the hello with the parser benchmark's browser head (bench/corpora.ts) sent as h2load `-H`
 *   fields on every request: after the first request HPACK's dynamic table holds them, so each
 *   later request names them by index (the warm table a browser's connection has);
 * - in a run with `largeRounds`, the 1 GiB file over one stream (curl, one connection) from
 *   netsvc's file server over HTTP/2 and over HTTP/1.1, cleartext and TLS, from the same process;
 * - with `idleConnections`, memory per idle connection, HTTP/2 beside HTTP/1.1 (h2-idle.ts),
 *   netsvc, Bun.serve and nginx, each on a fresh server.
 *
 * Server CPU µs per request come from /proc (read before and after each load) and h2load's own
 * CPU share is printed beside them: where h2load is near 100% busy, req/s measure the client.
 *
 *   bun bench/server/h2.ts [--rounds 3] [--requests 200000] [--large-rounds 2] [--idle 2000] [--quick]
 *                          [--loads hello,static,browser]
 *
 * run standalone prints the tables (bench/results/h2.md keeps them); `npm run bench:server` runs
 * the same after its HTTPS rows (`--no-h2` skips them) and puts them in its JSON and Markdown.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BROWSER_REQUEST } from "../corpora.ts";
import { idleBytes, type IdleFigure, type IdleProtocol } from "./h2-idle.ts";
import { type DownloadRow, downloadLines, h2Downloads } from "./h2-download.ts";
import { LARGE_PATH, LARGE_SIZE, writeLargeFile } from "./large-download.ts";
import { type BenchContext, h2load, median, numberFlag, pin, type Run, rssMiB, SERVER_CPU, waitForPort } from "./measure.ts";
import { nginxConfig, nginxWorker } from "./nginx-conf.ts";
import { TLS_CERT, TLS_KEY } from "./tls-fixture.ts";

const ROOT = resolve(import.meta.dir, "../..");

/** How the HTTP/2 connection is made: cleartext by prior knowledge, or TLS with ALPN h2. */
export type H2Transport = "h2c" | "h2 TLS";
const TRANSPORTS: readonly H2Transport[] = ["h2c", "h2 TLS"];

/** One server's runs of one load. */
export interface H2Cell {
  workload: string;
  /** The transport (the chart's "mode"). */
  mode: H2Transport;
  peer: string;
  runs: Run[];
}

/** How the HTTP/2 part is run (`site` holds hello.txt, 64k.bin, and LARGE_PATH when largeRounds > 0). */
export interface H2BenchOptions extends BenchContext {
  rounds: number;
  /** Requests per h2load run (a fixed count: every server does the same work). */
  requests: number;
  /** Requests of each load's unmeasured warm-up run (0: none). */
  warmupRequests: number;
  /** h2load -c (connections). Default 10. */
  clients: number;
  /** h2load -m (concurrent streams per connection). Default 100. */
  streams: number;
  transports: readonly H2Transport[];
  /** Rounds of the 1 GiB download, HTTP/2 vs HTTP/1.1 (0: none). */
  largeRounds: number;
  /** Idle connections held per server for the memory figures (0: none). */
  idleConnections: number;
  /** The loads to run, by short name (`hello`, `static`, `browser`); all when absent. */
  loads?: readonly string[];
}

/** The workload names of the HTTP/2 rows (the chart's panels). */
export const H2_HELLO = "h2 hello";
export const H2_STATIC = "h2 static 13 B";
export const H2_BROWSER = "h2 hello, browser head";
const HELLO_PATH = "/";
const STATIC_PATH = "/hello.txt";

/**
 * The browser head's request target and fields for HTTP/2: Host becomes h2load's :authority, and
 * Connection and Keep-Alive are left out (RFC 9113 §8.2.2: connection-specific fields make an
 * HTTP/2 request malformed); names lowercased (§8.2.1).
 */
const BROWSER_LINES = BROWSER_REQUEST.split("\r\n");
const BROWSER_PATH = BROWSER_LINES[0]!.split(" ")[1]!;
const BROWSER_FIELDS = BROWSER_LINES.slice(1)
  .filter((line) => line !== "" && !/^(host|connection|keep-alive):/i.test(line))
  .map((line) => line.replace(/^[^:]+/, (name) => name.toLowerCase()));

const NETSVC = "netsvc servlet";
const NETSVC_FILES = "netsvc file server";
const BUN_FETCH = "Bun.serve fetch";
const BUN_ROUTES = "Bun.serve routes";
const BUN_FILE = "Bun.serve Bun.file";
const BUN_FILE_ROUTE = "Bun.serve file route";
const NGINX = "nginx";

/** One server process: a peer over one transport. */
interface H2Server {
  peer: string;
  transport: H2Transport;
  command: (port: number) => string[];
  nginx?: boolean;
  proc?: ReturnType<typeof Bun.spawn>;
  port?: number;
  pid?: number;
  rss: number[];
}

const bunScript = (name: string, ...rest: string[]) => [process.execPath, join(ROOT, "bench/server", name), ...rest];
const tlsFlag = (t: H2Transport) => (t === "h2 TLS" ? ["--tls"] : []);

/** nginx's server block: h2c (`listen … http2` without ssl: HTTP/2 by prior knowledge only) or h2 over TLS. */
function nginxServer(port: number, transport: H2Transport, site: string): string {
  const tls =
    transport === "h2 TLS"
      ? `ssl_certificate ${TLS_CERT};
    ssl_certificate_key ${TLS_KEY};
    ssl_protocols TLSv1.2 TLSv1.3;`
      : "";
  return `server {
    listen 127.0.0.1:${port}${transport === "h2 TLS" ? " ssl" : ""} http2;
    ${tls}
    root ${site};
    location = / { default_type text/plain; return 200 "Hello, world!"; }
  }`;
}

function serversFor(o: H2BenchOptions): H2Server[] {
  const servers: H2Server[] = [];
  for (const t of o.transports) {
    const netsvcTls = t === "h2 TLS" ? ["--tls-cert", TLS_CERT, "--tls-key", TLS_KEY] : [];
    servers.push(
      { peer: NETSVC, transport: t, command: (p) => bunScript("netsvc-hello.ts", String(p), ...tlsFlag(t)), rss: [] },
      {
        peer: NETSVC_FILES,
        transport: t,
        command: (p) => [process.execPath, join(ROOT, "src/cli.ts"), o.site, "--port", String(p), "--max-requests", "0", ...netsvcTls],
        rss: [],
      },
      { peer: BUN_FETCH, transport: t, command: (p) => bunScript("bun-serve-hello.ts", String(p), "--http2", ...tlsFlag(t)), rss: [] },
      {
        peer: BUN_ROUTES,
        transport: t,
        command: (p) => bunScript("bun-serve-static.ts", String(p), o.site, "--http2", ...tlsFlag(t)),
        rss: [],
      },
      {
        peer: BUN_FILE_ROUTE,
        transport: t,
        command: (p) => bunScript("bun-serve-file-route.ts", String(p), o.site, "--http2", ...tlsFlag(t)),
        rss: [],
      },
      {
        peer: BUN_FILE,
        transport: t,
        command: (p) => bunScript("bun-serve-file.ts", String(p), o.site, "--http2", ...tlsFlag(t)),
        rss: [],
      },
      {
        peer: NGINX,
        transport: t,
        command: (p) => ["/usr/sbin/nginx", "-c", nginxConfig(join(o.work, `nginx-h2-${p}`), nginxServer(p, t, o.site))],
        nginx: true,
        rss: [],
      },
    );
  }
  return servers;
}

async function start(s: H2Server, port: number): Promise<void> {
  s.port = port;
  s.proc = Bun.spawn(pin(SERVER_CPU, s.command(port)), { stdout: "ignore", stderr: "inherit" });
  await waitForPort(port);
  // taskset execs the command, so the spawned pid is the server's (nginx: measure its one worker).
  s.pid = s.nginx ? nginxWorker(s.proc.pid) : s.proc.pid;
}

async function stop(servers: H2Server[]): Promise<void> {
  for (const s of servers) s.proc?.kill("SIGTERM");
  await Promise.all(servers.map((s) => s.proc?.exited));
}

interface Load {
  /** The `--loads` name. */
  name: string;
  workload: string;
  path: string;
  headers?: string[];
  /** netsvc's peer in this load (the numerator of its ratios). */
  ours: string;
  peers: string[];
}

const LOADS: Load[] = [
  { name: "hello", workload: H2_HELLO, path: HELLO_PATH, ours: NETSVC, peers: [NETSVC, BUN_FETCH, NGINX] },
  {
    name: "static",
    workload: H2_STATIC,
    path: STATIC_PATH,
    ours: NETSVC_FILES,
    peers: [NETSVC_FILES, BUN_FILE_ROUTE, BUN_ROUTES, BUN_FILE, NGINX],
  },
  { name: "browser", workload: H2_BROWSER, path: BROWSER_PATH, headers: BROWSER_FIELDS, ours: NETSVC, peers: [NETSVC, BUN_FETCH] },
];

/** Idle connections held above the count in nginx's worker_connections (the warm-up's, the probes'). */
const NGINX_SLACK = 256;
/** The idle rows' servers keep an idle connection this long (s): longer than a measurement takes. */
const IDLE_TIMEOUT_S = 60;

interface IdleRow {
  peer: string;
  protocol: IdleProtocol;
  figure: IdleFigure;
}

/** Memory per idle connection: each peer and protocol on a fresh server, cleartext. */
async function idleRows(o: H2BenchOptions): Promise<IdleRow[]> {
  const n = o.idleConnections;
  const idleTimeout = ["--idle-timeout", String(IDLE_TIMEOUT_S)];
  const commands: [string, (port: number, protocol: IdleProtocol) => string[], boolean][] = [
    [NETSVC, (p) => bunScript("netsvc-hello.ts", String(p), ...idleTimeout), false],
    [BUN_FETCH, (p) => bunScript("bun-serve-hello.ts", String(p), "--http2", ...idleTimeout), false],
    [
      NGINX,
      (p, protocol) => {
        const listen = `listen 127.0.0.1:${p}${protocol === "h2c" ? " http2" : ""};`;
        const server = `server { ${listen} location = / { default_type text/plain; return 200 "Hello, world!"; } }`;
        return ["/usr/sbin/nginx", "-c", nginxConfig(join(o.work, `nginx-idle-${p}`), server, n + NGINX_SLACK)];
      },
      true,
    ],
  ];
  const rows: IdleRow[] = [];
  for (const [peer, command, nginx] of commands) {
    for (const protocol of ["http/1.1", "h2c"] as const) {
      const s: H2Server = { peer, transport: "h2c", command: (p) => command(p, protocol), nginx, rss: [] };
      await start(s, o.nextPort());
      try {
        const figure = await idleBytes(s.port!, s.pid!, HELLO_PATH, n, protocol);
        rows.push({ peer, protocol, figure });
        o.log(`  idle ${peer} ${protocol}: ${Math.round(figure.bytesPerConnection)} B per connection, ${figure.held} of ${n} held`);
      } finally {
        await stop([s]);
      }
    }
  }
  return rows;
}

/** Runs the HTTP/2 rows; returns the cells and the Markdown lines. */
export async function h2Bench(o: H2BenchOptions): Promise<{ cells: H2Cell[]; lines: string[] }> {
  const servers = serversFor(o);
  const cells: H2Cell[] = [];
  const loads = LOADS.filter((l) => o.loads === undefined || o.loads.includes(l.name));
  let rows: DownloadRow[] = [];
  try {
    for (const s of servers) await start(s, o.nextPort());
    const serverOf = (peer: string, t: H2Transport) => servers.find((s) => s.peer === peer && s.transport === t)!;
    const measureOnce = (load: Load, s: H2Server, requests: number) =>
      h2load(`${s.transport === "h2 TLS" ? "https" : "http"}://127.0.0.1:${s.port}${load.path}`, s.pid!, {
        requests,
        clients: o.clients,
        streams: o.streams,
        headers: load.headers,
      });
    if (o.warmupRequests > 0) {
      for (const load of loads)
        for (const t of o.transports) for (const peer of load.peers) await measureOnce(load, serverOf(peer, t), o.warmupRequests);
      o.log(`  warmed every HTTP/2 server with ${o.warmupRequests} requests of each load`);
    }
    for (let round = 0; round < o.rounds; round++) {
      for (const load of loads) {
        for (const t of o.transports) {
          // The order rotates every round so no server always goes first (or last).
          const order = load.peers.map((_, i) => load.peers[(i + round) % load.peers.length]!);
          for (const peer of order) {
            const r = await measureOnce(load, serverOf(peer, t), o.requests);
            let cell = cells.find((c) => c.workload === load.workload && c.mode === t && c.peer === peer);
            if (!cell) cells.push((cell = { workload: load.workload, mode: t, peer, runs: [] }));
            cell.runs.push(r);
            o.log(
              `  round ${round + 1} ${load.workload} ${t} ${peer}: ${Math.round(r.rps)} req/s${r.errors ? ` (${r.errors} errors)` : ""}`,
            );
          }
        }
      }
      for (const s of servers) s.rss.push(rssMiB(s.pid!));
    }
    if (o.largeRounds > 0) {
      const files = servers.filter((s) => s.peer === NETSVC_FILES).map((s) => ({ tls: s.transport === "h2 TLS", port: s.port! }));
      rows = await h2Downloads(files, LARGE_PATH, LARGE_SIZE, o.largeRounds, o.log);
    }
  } finally {
    await stop(servers);
  }
  const idle = o.idleConnections > 0 ? await idleRows(o) : [];
  return { cells, lines: report(cells, servers, rows, idle, o) };
}

/**
 * The goals of issue 22: netsvc ÷ peer ≥ min in a workload over a transport. The 13-byte file's
 * Bun.serve peer is its file route (native, the file read per request, Last-Modified and ranges:
 * the work a file server does); a static route's body prebuilt in memory at start is printed
 * beside it as a reference, not a goal (`reference`): it serves a snapshot, not the file.
 */
const H2_TARGETS: { workload: string; peer: string; min: number; reference?: string }[] = [
  { workload: H2_HELLO, peer: BUN_FETCH, min: 1.0 },
  { workload: H2_HELLO, peer: NGINX, min: 2 },
  { workload: H2_STATIC, peer: BUN_FILE_ROUTE, min: 1.0 },
  { workload: H2_STATIC, peer: BUN_ROUTES, min: 1.0, reference: "reference: a body prebuilt in memory, not the file" },
  { workload: H2_STATIC, peer: BUN_FILE, min: 1.0 },
  { workload: H2_STATIC, peer: NGINX, min: 2 },
  { workload: H2_BROWSER, peer: BUN_FETCH, min: 1.0 },
];
/** h2load busier than this share of its CPU (median over rounds) limited the run itself. */
const CLIENT_BOUND = 0.95;

const percent = (share: number) => `${Math.round(share * 100)}%`;
const medianOf = (c: H2Cell, f: (r: Run) => number) => median(c.runs.map(f));
const verdict = (r: number, min: number) => (Number.isNaN(r) ? "not measured" : r >= min ? "met" : "**not met**");

function report(cells: H2Cell[], servers: H2Server[], rows: DownloadRow[], idle: IdleRow[], o: H2BenchOptions): string[] {
  const cellOf = (workload: string, t: H2Transport, peer: string) =>
    cells.find((c) => c.workload === workload && c.mode === t && c.peer === peer);
  const oursIn = (workload: string) => LOADS.find((l) => l.workload === workload)!.ours;
  // Paired: netsvc ÷ peer within each round, then the median over rounds.
  const ratio = (workload: string, t: H2Transport, peer: string) => {
    const ours = cellOf(workload, t, oursIn(workload));
    const theirs = cellOf(workload, t, peer);
    return ours && theirs ? median(ours.runs.map((r, i) => r.rps / theirs.runs[i]!.rps)) : Number.NaN;
  };
  const lines = [
    `h2load -c ${o.clients} -m ${o.streams} -n ${o.requests} per run (h2c by prior knowledge; h2 over TLS by ALPN):`,
    "",
    "| workload | transport | server | req/s (median) | netsvc ÷ server | server CPU µs/req | server CPU busy | h2load CPU busy | errors |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const c of cells) {
    const same = c.peer === oursIn(c.workload);
    lines.push(
      `| ${c.workload} | ${c.mode} | ${c.peer} | ${Math.round(medianOf(c, (r) => r.rps)).toLocaleString("en-US")} | ${same ? "—" : ratio(c.workload, c.mode, c.peer).toFixed(2) + "x"} | ${medianOf(c, (r) => r.cpuUsPerRequest).toFixed(1)} | ${percent(medianOf(c, (r) => (r.rps * r.cpuUsPerRequest) / 1e6))} | ${percent(medianOf(c, (r) => r.loadCpuShare))} | ${c.runs.reduce((a, r) => a + r.errors, 0)} |`,
    );
  }
  lines.push("", "| HTTP/2 target (issue 22) | measured | |", "|---|---:|---|");
  for (const t of o.transports) {
    for (const target of H2_TARGETS) {
      const r = ratio(target.workload, t, target.peer);
      let text = target.reference ?? verdict(r, target.min);
      // A load generator busy on both sides measured itself: say so, with the servers' CPU per request.
      const ours = cellOf(target.workload, t, oursIn(target.workload));
      const theirs = cellOf(target.workload, t, target.peer);
      const bound = (c: H2Cell) => medianOf(c, (x) => x.loadCpuShare) >= CLIENT_BOUND;
      if (ours && theirs && bound(ours) && bound(theirs)) {
        const cpu = (c: H2Cell) => medianOf(c, (x) => x.cpuUsPerRequest).toFixed(1);
        text += `; h2load ≥ ${percent(CLIENT_BOUND)} busy: req/s are its own; server CPU µs/req ${cpu(ours)} vs ${cpu(theirs)}`;
      }
      lines.push(`| ${target.workload}, ${t}: ≥ ${target.min}x ${target.peer} | ${r.toFixed(2)}x | ${text} |`);
    }
  }
  if (rows.length) lines.push("", ...downloadLines(rows, o.largeRounds));
  if (idle.length) {
    lines.push(
      "",
      `Memory per idle connection, ${o.idleConnections} held, each after one request (HTTP/1.1: a keep-alive GET; HTTP/2: preface, SETTINGS, one stream), fresh cleartext servers:`,
      "",
      "| server | HTTP/1.1 B per idle connection | HTTP/2 B per idle connection | held (HTTP/1.1 / HTTP/2) |",
      "|---|---:|---:|---:|",
    );
    for (const peer of [...new Set(idle.map((r) => r.peer))]) {
      const h1 = idle.find((r) => r.peer === peer && r.protocol === "http/1.1")!.figure;
      const h2 = idle.find((r) => r.peer === peer && r.protocol === "h2c")!.figure;
      lines.push(`| ${peer} | ${Math.round(h1.bytesPerConnection)} | ${Math.round(h2.bytesPerConnection)} | ${h1.held} / ${h2.held} |`);
    }
  }
  lines.push("", "| server | transport | RSS after each round (MiB) |", "|---|---|---|");
  for (const s of servers) lines.push(`| ${s.peer} | ${s.transport} | ${s.rss.map((m) => m.toFixed(1)).join(" → ")} |`);
  return lines;
}

/** Standalone: the HTTP/2 rows alone, printed (nothing written to bench/results/). */
if (import.meta.main) {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number) => numberFlag(args, name, fallback);
  const quick = args.includes("--quick");
  const work = mkdtempSync(join(tmpdir(), "netsvc-h2-bench-"));
  const site = join(work, "site");
  mkdirSync(site);
  writeFileSync(join(site, "hello.txt"), "Hello, world!");
  writeFileSync(join(site, "64k.bin"), Buffer.alloc(64 * 1024, "x"));
  const o: H2BenchOptions = {
    rounds: flag("--rounds", 3),
    requests: flag("--requests", quick ? 50_000 : 200_000),
    warmupRequests: flag("--warmup-requests", 20_000),
    clients: flag("--clients", 10),
    streams: flag("--streams", 100),
    transports: quick ? ["h2c"] : TRANSPORTS,
    largeRounds: flag("--large-rounds", quick ? 0 : 2),
    idleConnections: flag("--idle", quick ? 0 : 2000),
    ...(args.includes("--loads") ? { loads: (args[args.indexOf("--loads") + 1] ?? "").split(",") } : {}),
    site,
    nextPort: (() => {
      // Below Linux's ephemeral range (32768+), where the load generators' sockets could hold the port.
      let port = 10000 + Math.floor(Math.random() * 20000);
      return () => port++;
    })(),
    work,
    log: console.log,
  };
  try {
    if (o.largeRounds > 0) writeLargeFile(site);
    console.log(
      `HTTP/2 server benchmark ${new Date().toISOString()}: ${o.rounds} rounds of h2load -c ${o.clients} -m ${o.streams} -n ${o.requests} after ${o.warmupRequests} warm-up requests per load, servers on CPU 0, load on CPU 1`,
    );
    const { lines } = await h2Bench(o);
    console.log("\n" + lines.join("\n"));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
