/**
 * Real proxies that send the PROXY protocol (HAProxy's proxy-protocol.txt) in front of a port:
 * nginx's stream module (`proxy_protocol on`: version 1) and HAProxy (`send-proxy-v2`: version
 * 2), both in TCP mode, so TLS passes through them untouched. Each binds its upstream connections
 * to `bind` (127.0.0.2 in the tests, the only trusted address) and listens on 127.0.0.1; the
 * configuration each writes is the one docs/tls.md and docs/proxy.md show. Stopped (and its
 * directory removed) by `await using`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { PEERS } from "../../scripts/peers.ts";
import { eventually } from "./eventually.ts";
import { requirePeer } from "./peers.ts";

/** A port free on 127.0.0.1 now (nginx and HAProxy cannot listen on port 0 and say which they got). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** A proxy process listening on 127.0.0.1:port. */
export interface RunningProxy extends AsyncDisposable {
  port: number;
  /** The configuration file it runs (for a failure message). */
  config: string;
}

/** nginx's stream block sending a v1 PROXY header to `upstream` from `bind` (the tests' config, verbatim in docs/tls.md). */
export function nginxStreamConfig(listen: number, upstream: number, bind: string): string {
  return `stream {
  server {
    listen 127.0.0.1:${listen};
    proxy_pass 127.0.0.1:${upstream};
    proxy_protocol on;
    proxy_bind ${bind};
  }
}`;
}

/** HAProxy in TCP mode sending a v2 PROXY header to `upstream` from `bind`. */
export function haproxyConfig(listen: number, upstream: number, bind: string): string {
  return `defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend edge
  bind 127.0.0.1:${listen}
  default_backend netsvc
backend netsvc
  server s1 127.0.0.1:${upstream} send-proxy-v2 source ${bind}`;
}

async function started(proc: Subprocess, port: number, dir: string, config: string): Promise<RunningProxy> {
  try {
    await eventually(async () => {
      if (proc.exitCode !== null)
        throw new Error(`proxy exited ${proc.exitCode}: ${await new Response(proc.stderr as ReadableStream).text()}`);
      const c = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      c.end();
    });
  } catch (e) {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    config,
    async [Symbol.asyncDispose]() {
      proc.kill("SIGTERM");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts nginx (1 worker, stream module) in front of 127.0.0.1:upstream, connecting from `bind`. */
export function startNginxStream(upstream: number, bind = "127.0.0.2"): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-nginx-stream-"));
  const port = freePort();
  const config = `load_module ${PEERS["nginx-stream"].file};
daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")};
events { worker_connections 64; }
${nginxStreamConfig(port, upstream, bind)}
`;
  writeFileSync(join(dir, "nginx.conf"), config);
  const proc = Bun.spawn([requirePeer("nginx-stream"), "-p", dir, "-c", join(dir, "nginx.conf")], { stdout: "ignore", stderr: "pipe" });
  return started(proc, port, dir, config);
}

/** Starts HAProxy (foreground) in front of 127.0.0.1:upstream, connecting from `bind`. */
export function startHaproxy(upstream: number, bind = "127.0.0.2"): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-haproxy-"));
  const port = freePort();
  const config = `${haproxyConfig(port, upstream, bind)}\n`;
  writeFileSync(join(dir, "haproxy.cfg"), config);
  const proc = Bun.spawn([requirePeer("haproxy"), "-db", "-f", join(dir, "haproxy.cfg")], { stdout: "ignore", stderr: "pipe" });
  return started(proc, port, dir, config);
}
