/**
 * nginx for the server benchmark: one worker (the same single core every peer gets), no access
 * log, keep-alive without a request cap, sendfile and a 1 s open-file cache (as netsvc remembers
 * resolved files for 1 s); `server` is the server block, the rest is shared by every nginx peer.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes nginx.conf for a server block into `dir` (made if missing); returns its path.
 * `workerConnections`: nginx's worker_connections (default 1024; the idle-connection rows of
 * bench/server/h2.ts hold more).
 */
export function nginxConfig(dir: string, server: string, workerConnections = 1024): string {
  mkdirSync(join(dir, "logs"), { recursive: true });
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes 1;
user root;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000000;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 1s;
  keepalive_timeout 60s;
  types { text/plain txt; application/octet-stream bin; }
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  ${server}
}
`,
  );
  return conf;
}

/** The pid of nginx's single worker, whose CPU and memory are measured (`pid`: the master's). */
export function nginxWorker(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]);
}
