/**
 * What every server benchmark run measures with: servers pinned to CPU 0 and load generators to
 * CPU 1 (taskset), the server's CPU time per request from /proc/<pid>/stat (read before and after
 * a load, so the measured server is never interrupted), its resident memory, and the load
 * generators' output parsed (wrk for keep-alive and pipelined loads, ab without -k for one request
 * per new connection).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Kernel clock ticks per second (/proc/<pid>/stat's unit). */
export const CLK_TCK = 100;
/** The CPU the servers run on. */
export const SERVER_CPU = 0;
/** The CPU the load generators run on. */
export const LOAD_CPU = 1;
const PIPELINE_LUA = join(resolve(import.meta.dir), "pipeline.lua");
/** Requests per batch in the pipelined loads. */
export const PIPELINE_DEPTH = 16;

/** `cmd` run by taskset on `cpu` (taskset execs it: the spawned pid is the command's). */
export const pin = (cpu: number, cmd: string[]) => ["taskset", "-c", String(cpu), ...cmd];

/** The median of `xs` (NaN for none). */
export const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Resolves once a TCP connection to `port` succeeds (a TLS port too: the connection ends unused). */
export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      s.end();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
      await Bun.sleep(50);
    }
  }
}

/** CPU ticks (user + system) process `pid` has used. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
}

/** Resident memory of `pid` in MiB. */
export function rssMiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Runs a load generator on LOAD_CPU to its end; its stdout and stderr together. */
export async function runLoad(cmd: string[]): Promise<string> {
  return (await runTimedLoad(cmd)).out;
}

/**
 * runLoad, and the share of its CPU the load generator used (its CPU time ÷ its wall time): near
 * 1, the load generator was the bottleneck and the servers' req/s say more about it than them.
 */
export async function runTimedLoad(cmd: string[]): Promise<{ out: string; loadCpuShare: number }> {
  const started = performance.now();
  const p = Bun.spawn(pin(LOAD_CPU, cmd), { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  const wallUs = (performance.now() - started) * 1000;
  const cpuUs = Number(p.resourceUsage()?.cpuTime.total ?? Number.NaN);
  return { out: out + err, loadCpuShare: cpuUs / wallUs };
}

/** The number after `name` in `args` (a command line's `--rounds 3`), or `fallback` without it. */
export function numberFlag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** What each part of the server benchmark gets from the run that calls it. */
export interface BenchContext {
  /** The document root the file-serving peers serve. */
  site: string;
  /** A fresh port each call. */
  nextPort: () => number;
  /** Scratch directory (nginx's configurations). */
  work: string;
  log: (line: string) => void;
}

/** One measured load against one server. */
export interface Run {
  rps: number;
  requests: number;
  errors: number;
  /** The server's CPU time (user + system) per request, µs. */
  cpuUsPerRequest: number;
  /** The load generator's CPU time ÷ its wall time (see runTimedLoad). */
  loadCpuShare: number;
}

/** How a wrk load is made. */
export interface WrkLoad {
  seconds: number;
  connections: number;
  /** PIPELINE_DEPTH requests per batch (bench/server/pipeline.lua). */
  pipelined: boolean;
  /** Extra request header lines ("Name: value"). */
  headers?: string[];
}

/** wrk -t1 against `url` (http or https), timing server `pid`'s CPU. */
export async function wrk(url: string, pid: number, load: WrkLoad): Promise<Run> {
  const cmd = ["wrk", "-t1", `-c${load.connections}`, `-d${load.seconds}s`, ...(load.headers ?? []).flatMap((h) => ["-H", h]), url];
  if (load.pipelined) cmd.push("-s", PIPELINE_LUA, "--", String(PIPELINE_DEPTH));
  const before = cpuTicks(pid);
  const { out, loadCpuShare } = await runTimedLoad(cmd);
  const after = cpuTicks(pid);
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? Number.NaN);
  const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? Number.NaN);
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk failed against ${url}: ${out}`);
  return { rps, requests, errors, cpuUsPerRequest: (((after - before) / CLK_TCK) * 1e6) / requests, loadCpuShare };
}

/** An ab run's figures, and the protocol and cipher ab reports it negotiated (TLS only). */
export interface AbRun extends Run {
  negotiated: string;
}

/**
 * ab without -k against `url` for `seconds`: every request on a new connection, which over https
 * is a full handshake each (ab makes a fresh SSL object per connection and offers no session, so
 * nothing is resumed: checked against nginx's $ssl_session_reused, see bench/results/tls.md).
 */
export async function abNewConnections(url: string, pid: number, seconds: number, connections: number): Promise<AbRun> {
  const before = cpuTicks(pid);
  // -n far above what fits in `seconds`: -t ends the run.
  const { out, loadCpuShare } = await runTimedLoad(["ab", "-q", "-c", String(connections), "-t", String(seconds), "-n", "10000000", url]);
  const after = cpuTicks(pid);
  const rps = Number(out.match(/Requests per second:\s+([\d.]+)/)?.[1] ?? Number.NaN);
  const requests = Number(out.match(/Complete requests:\s+(\d+)/)?.[1] ?? Number.NaN);
  const errors = Number(out.match(/Failed requests:\s+(\d+)/)?.[1] ?? 0) + Number(out.match(/Non-2xx responses:\s+(\d+)/)?.[1] ?? 0);
  if (!Number.isFinite(rps)) throw new Error(`ab failed against ${url}: ${out}`);
  const negotiated = out.match(/SSL\/TLS Protocol:\s+(\S+)/)?.[1] ?? "";
  return { rps, requests, errors, cpuUsPerRequest: (((after - before) / CLK_TCK) * 1e6) / requests, loadCpuShare, negotiated };
}

/** How an h2load load is made: a fixed number of requests over `clients` connections. */
export interface H2Load {
  requests: number;
  clients: number;
  /** Concurrent streams per connection (h2load -m). */
  streams: number;
  /** Extra request header lines ("name: value"), sent on every request (HPACK indexes them). */
  headers?: string[];
}

/** An h2load run's figures and the application protocol h2load reports it spoke. */
export interface H2Run extends Run {
  protocol: string;
}

/**
 * h2load -t1 against `url`, timing server `pid`'s CPU: h2c by prior knowledge over http, h2 by
 * ALPN over https. Throws unless h2load spoke HTTP/2 (over https it falls back to http/1.1 when
 * the server does not choose h2: that would be a different benchmark).
 */
export async function h2load(url: string, pid: number, load: H2Load): Promise<H2Run> {
  const cmd = ["h2load", "-n", String(load.requests), "-c", String(load.clients), "-m", String(load.streams)];
  for (const h of load.headers ?? []) cmd.push("-H", h);
  cmd.push(url);
  const before = cpuTicks(pid);
  const { out, loadCpuShare } = await runTimedLoad(cmd);
  const after = cpuTicks(pid);
  const protocol = out.match(/Application protocol: (\S+)/)?.[1] ?? "none";
  const rps = Number(out.match(/finished in [\d.]+m?s, ([\d.]+) req\/s/)?.[1] ?? Number.NaN);
  const counts = out.match(/requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded/);
  if (!Number.isFinite(rps) || !counts || !protocol.startsWith("h2")) throw new Error(`h2load failed against ${url}: ${out}`);
  const requests = Number(counts[1]);
  return {
    rps,
    requests,
    errors: requests - Number(counts[2]),
    cpuUsPerRequest: (((after - before) / CLK_TCK) * 1e6) / requests,
    loadCpuShare,
    protocol,
  };
}
