/**
 * The servers under test, each started fresh per probe: netsvc (netsvc-target.ts), nginx
 * (Debian nginx-light, 1 worker, its own prefix under the work directory) and, for the idle
 * figures only, a bare Bun.listen server (bench/server/bare-listen.ts) and Bun.serve
 * (bench/server/bun-serve-hello.ts).
 */
import type { Subprocess } from "bun";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BlackHole } from "./black-hole.ts";
import { waitFor } from "./clock.ts";
import { isAlive } from "./proc.ts";
import { accepts } from "./sockets.ts";
import { TLS_CERT, TLS_KEY } from "./fixture.ts";

/** Where nginx lives on Debian. */
export const NGINX = "/usr/sbin/nginx";
/** How long a target may take to accept its first connection (ms). */
const START_LIMIT_MS = 15_000;
const HERE = import.meta.dir;

/**
 * How a probe wants its server, where it differs from the default (cleartext, no trusted proxy,
 * the 10 s head timeout): both servers get the same.
 */
export interface TargetVariant {
  /** HTTPS on the port (TLS_CERT, TLS_KEY): netsvc's `tls`, nginx's `listen … ssl`. */
  tls?: boolean;
  /** netsvc's trustProxy (one address or CIDR); nginx has no counterpart that leaves plain clients alone. */
  trustProxy?: string;
  /** netsvc's headTimeoutMs, nginx's client_header_timeout (which also bounds its TLS handshake). */
  headTimeoutMs?: number;
  /** HTTP/2 on the TLS port: netsvc offers h2 by ALPN anyway; nginx needs `listen … ssl http2`. */
  http2?: boolean;
  /** netsvc's sendTimeoutMs, nginx's send_timeout. */
  sendTimeoutMs?: number;
  /** The connection limit, where a probe holds more than the run's (netsvc maxConnections, nginx worker_connections). */
  maxConnections?: number;
}

/** A running server. */
export interface Target {
  name: string;
  port: number;
  /** The port speaks HTTPS (TargetVariant.tls). */
  tls: boolean;
  /** The process measured (nginx: its single worker). */
  pid: number;
  /** Bytes the server wrote to its error log so far (stderr; nginx: error.log). */
  errorLogBytes(): number;
  /** Whether the measured process is still running. */
  alive(): boolean;
  /** The black hole behind nginx's /poll (nginx only). */
  blackHole?: BlackHole;
  /** Stops it (SIGTERM, then SIGKILL if it lingers). */
  stop(): Promise<void>;
}

/** Which servers a run covers. */
export type TargetKind = "netsvc" | "nginx" | "bare" | "Bun.serve";

/** A free loopback port (bound and released at once). */
export function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = l.port;
  l.stop(true);
  return p;
}

/** Counts a stream's bytes in the background. */
function countBytes(stream: ReadableStream<Uint8Array> | undefined): { bytes: number } {
  const c = { bytes: 0 };
  if (!stream) return c;
  void (async () => {
    for await (const chunk of stream) c.bytes += chunk.length;
  })().catch(() => {});
  return c;
}

async function stopProcess(proc: Subprocess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
  if (!exited) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

/** Starts netsvc-target.ts on a free port; with `natsUrl`, also an RPC gateway (/rpc) over that bus. */
export async function startNetsvc(fixture: string, maxConnections: number, natsUrl?: string, variant: TargetVariant = {}): Promise<Target> {
  const port = freePort();
  const args = [String(port), fixture, String(maxConnections), ...(natsUrl ? [natsUrl] : [])];
  const env: Record<string, string | undefined> = { ...process.env };
  if (variant.tls) Object.assign(env, { STRESS_TLS_CERT: TLS_CERT, STRESS_TLS_KEY: TLS_KEY });
  if (variant.trustProxy) env.STRESS_TRUST_PROXY = variant.trustProxy;
  if (variant.headTimeoutMs) env.STRESS_HEAD_TIMEOUT_MS = String(variant.headTimeoutMs);
  if (variant.sendTimeoutMs) env.STRESS_SEND_TIMEOUT_MS = String(variant.sendTimeoutMs);
  const proc = Bun.spawn([process.execPath, join(HERE, "netsvc-target.ts"), ...args], {
    stdout: "ignore",
    stderr: "pipe",
    env,
  });
  const stderr = countBytes(proc.stderr as ReadableStream<Uint8Array>);
  if (!(await waitFor(() => accepts(port), START_LIMIT_MS))) throw new Error("netsvc target did not start");
  return {
    name: "netsvc",
    port,
    tls: variant.tls ?? false,
    pid: proc.pid,
    errorLogBytes: () => stderr.bytes,
    alive: () => isAlive(proc.pid),
    stop: () => stopProcess(proc),
  };
}

/** Starts the bare Bun.listen responder (the cost of a socket alone). */
export function startBare(): Promise<Target> {
  return startBunScript("bare Bun.listen", "../server/bare-listen.ts");
}

/** Starts Bun.serve answering every request with 13 bytes (no connection limit of its own). */
export function startBunServe(): Promise<Target> {
  return startBunScript("Bun.serve", "../server/bun-serve-hello.ts");
}

async function startBunScript(name: string, script: string): Promise<Target> {
  const port = freePort();
  const proc = Bun.spawn([process.execPath, join(HERE, script), String(port)], { stdout: "ignore", stderr: "pipe" });
  const stderr = countBytes(proc.stderr as ReadableStream<Uint8Array>);
  if (!(await waitFor(() => accepts(port), START_LIMIT_MS))) throw new Error(`${name} did not start`);
  return {
    name,
    port,
    tls: false,
    pid: proc.pid,
    errorLogBytes: () => stderr.bytes,
    alive: () => isAlive(proc.pid),
    stop: () => stopProcess(proc),
  };
}

/** nginx.conf for the stress run: 1 worker, the same limit, the same timeouts as netsvc's defaults. */
function nginxConfig(dir: string, port: number, fixture: string, maxConnections: number, holePort: number, variant: TargetVariant): string {
  // TLS as netsvc offers it (docs/tls.md): 1.2 and 1.3, ECDHE with AEAD, the server's order.
  const tls = variant.tls
    ? ` ssl${variant.http2 ? " http2" : ""};
    ssl_certificate ${TLS_CERT};
    ssl_certificate_key ${TLS_KEY};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
    ssl_prefer_server_ciphers on`
    : "";
  return `worker_processes 1;
user root;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
worker_rlimit_nofile ${maxConnections * 4};
events { worker_connections ${maxConnections}; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 5s;
  client_header_timeout ${(variant.headTimeoutMs ?? 10_000) / 1000}s;
  client_body_timeout 10s;
  send_timeout ${(variant.sendTimeoutMs ?? 30_000) / 1000}s;
  types { text/plain txt; application/octet-stream bin; }
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port}${tls};
    root ${fixture};
    location /poll { proxy_pass http://127.0.0.1:${holePort}; proxy_read_timeout 1h; }
  }
}
`;
}

/** Starts nginx (1 worker) in its own prefix under `work`, with a black hole behind /poll. */
export async function startNginx(work: string, fixture: string, maxConnections: number, variant: TargetVariant = {}): Promise<Target> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing (apt-get install nginx-light), or run with --no-nginx`);
  const port = freePort();
  const dir = join(work, `nginx-${port}`);
  mkdirSync(dir, { recursive: true });
  const hole = new BlackHole();
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, nginxConfig(dir, port, fixture, maxConnections, hole.port, variant));
  const proc = Bun.spawn([NGINX, "-p", dir, "-c", conf], { stdout: "ignore", stderr: "pipe" });
  const stderr = countBytes(proc.stderr as ReadableStream<Uint8Array>);
  if (!(await waitFor(() => accepts(port), START_LIMIT_MS))) {
    hole.stop();
    await stopProcess(proc);
    throw new Error("nginx did not start");
  }
  const worker = Number((await Bun.file(`/proc/${proc.pid}/task/${proc.pid}/children`).text()).trim().split(/\s+/)[0]);
  const errorLog = join(dir, "error.log");
  return {
    name: "nginx",
    port,
    tls: variant.tls ?? false,
    pid: worker,
    blackHole: hole,
    errorLogBytes: () => stderr.bytes + (existsSync(errorLog) ? statSync(errorLog).size : 0),
    alive: () => isAlive(worker),
    stop: async () => {
      await stopProcess(proc);
      hole.stop();
    },
  };
}
