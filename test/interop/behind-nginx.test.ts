/**
 * trustProxy behind a real proxy: nginx's http module (the PROXY protocol, from nginx's stream
 * module and HAProxy, is in proxy-protocol.test.ts) proxying with `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for` from 127.0.0.2,
 * the only trusted address. A curl from 127.0.0.3 through it is seen as 127.0.0.3 (its forged
 * X-Forwarded-For entry ignored); the same curl straight to netsvc is itself.
 */
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { eventually } from "../helpers/eventually.ts";
import { hasPeer } from "../../scripts/peers.ts";
import { peerTest, requirePeer } from "../helpers/peers.ts";
import { FnServer, TextServlet, startDaemon, type TestDaemon } from "../helpers/servers.ts";

/** A port free on 127.0.0.1 now (nginx cannot listen on port 0 and say which it got). */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

let dir = "";
let nginx: Subprocess | null = null;
let srv: TestDaemon | null = null;
let nginxPort = 0;
const log: string[] = [];

beforeAll(async () => {
  if (!hasPeer("nginx") || !hasPeer("curl")) return;
  srv = startDaemon(
    { "/": new FnServer((s) => new TextServlet(s, s.clientHost())) },
    { trustProxy: ["127.0.0.2"], deny: ["127.0.0.9"], accessLog: (text) => log.push(text) },
  );
  dir = mkdtempSync(join(tmpdir(), "netsvc-nginx-"));
  nginxPort = freePort();
  const temp = (name: string) => `${name} ${join(dir, name)};`;
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")};
events { worker_connections 64; }
http {
  access_log off;
  ${temp("client_body_temp_path")} ${temp("proxy_temp_path")} ${temp("fastcgi_temp_path")} ${temp("uwsgi_temp_path")} ${temp("scgi_temp_path")}
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://127.0.0.1:${srv.port};
      proxy_bind 127.0.0.2;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  nginx = Bun.spawn([requirePeer("nginx"), "-p", dir, "-c", join(dir, "nginx.conf")], { stdout: "ignore", stderr: "pipe" });
  await eventually(async () => {
    const c = await Bun.connect({ hostname: "127.0.0.1", port: nginxPort, socket: { data() {} } });
    c.end();
  });
});

afterAll(async () => {
  nginx?.kill("SIGTERM");
  await nginx?.exited;
  await srv?.[Symbol.asyncDispose]();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** curl from `from` to `port` with extra headers: [status, body]. */
async function curl(from: string, port: number, headers: string[] = []): Promise<[number, string]> {
  const args = [requirePeer("curl"), "-s", "--interface", from, "-w", "\\n%{http_code}"];
  for (const h of headers) args.push("-H", h);
  const p = Bun.spawn([...args, `http://127.0.0.1:${port}/`], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const cut = out.lastIndexOf("\n");
  return [Number(out.slice(cut + 1)), out.slice(0, cut)];
}

describe("behind nginx (X-Forwarded-For)", () => {
  peerTest(["nginx", "curl"], "through the trusted proxy the client is curl's address, a forged entry ignored", async () => {
    expect(await curl("127.0.0.3", nginxPort, ["X-Forwarded-For: 6.6.6.6"])).toEqual([200, "127.0.0.3"]);
    // nginx passes a client's own Forwarded through untouched: only X-Forwarded-For is believed.
    expect(await curl("127.0.0.3", nginxPort, ["Forwarded: for=10.9.9.9"])).toEqual([200, "127.0.0.3"]);
    expect(await curl("127.0.0.4", nginxPort)).toEqual([200, "127.0.0.4"]);
  });

  peerTest(["nginx", "curl"], "straight to netsvc the forwarded header is ignored", async () => {
    expect(await curl("127.0.0.3", srv!.port, ["X-Forwarded-For: 6.6.6.6"])).toEqual([200, "127.0.0.3"]);
  });

  peerTest(["nginx", "curl"], "a client on the deny list is refused through the proxy (nginx answers 502)", async () => {
    expect((await curl("127.0.0.9", nginxPort))[0]).toBe(502);
    expect(srv!.daemon.stats().denied).toBeGreaterThanOrEqual(1);
  });

  peerTest(["nginx", "curl"], "the access log names the client, not the proxy", async () => {
    await curl("127.0.0.5", nginxPort);
    await srv!.daemon.stop(500);
    const clients = log
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ")[0]);
    expect(clients).toContain("127.0.0.5");
    expect(clients).not.toContain("127.0.0.2");
  });
});
