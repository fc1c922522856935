/**
 * trustProxy behind real proxies that send the PROXY protocol (SPEC §10): nginx's stream module
 * (`proxy_protocol on`, version 1) and HAProxy (`send-proxy-v2`, version 2), in TCP mode, each
 * connecting from 127.0.0.2 — the only trusted address — while curl connects to them from
 * 127.0.0.3 and others. Cleartext and TLS passthrough (the proxy forwards the client's TLS bytes
 * after its PROXY header; netsvc terminates TLS). The client is named for clientHost(),
 * allow/deny and the access log; without trustProxy the header is a 400 and a closed connection.
 */
import { describe, expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HttpDaemon, HttpDaemonOptions } from "../../src/index.ts";
import { peerTest, type PeerName } from "../helpers/peers.ts";
import { startHaproxy, startNginxStream, type RunningProxy } from "../helpers/proxies.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";
import { run, spawnWithOutput } from "../helpers/spawn.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const CERT = join(FIXTURES, "localhost.crt");
const KEY = join(FIXTURES, "localhost.key");
const whoami = () => new FnServer((s) => new TextServlet(s, `${s.clientHost()} ${s.isSecure()}`));

/** curl from `from` to 127.0.0.1:port (https with the test certificate): [status, body]. */
async function curl(from: string, port: number, secure: boolean): Promise<[number, string]> {
  const scheme = secure ? `https://localhost:${port}/` : `http://127.0.0.1:${port}/`;
  const args = ["curl", "-s", "--max-time", "10", "--interface", from, "-w", "\\n%{http_code}"];
  if (secure) args.push("--cacert", CERT, "--resolve", `localhost:${port}:127.0.0.1`);
  const r = await run([...args, scheme]);
  const cut = r.out.lastIndexOf("\n");
  return [Number(r.out.slice(cut + 1)), r.out.slice(0, cut)];
}

/** A daemon trusting 127.0.0.2 (the proxy), denying 127.0.0.9, its access log's first fields collected. */
function trusting(secure: boolean, more: HttpDaemonOptions = {}) {
  const log: string[] = [];
  const srv = startDaemon(
    { "/": whoami() },
    {
      trustProxy: ["127.0.0.2"],
      deny: ["127.0.0.9"],
      accessLog: (text) => log.push(text),
      ...(secure ? { tls: { cert: CERT, key: KEY } } : {}),
      ...more,
    },
  );
  const clients = async (daemon: HttpDaemon) => {
    await daemon.stop(500); // flushes the access log
    return log
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ")[0]);
  };
  return { srv, clients };
}

const proxies: [name: string, peer: PeerName, start: (upstream: number) => Promise<RunningProxy>][] = [
  ["nginx stream (v1)", "nginx-stream", startNginxStream],
  ["HAProxy send-proxy-v2", "haproxy", startHaproxy],
];

for (const [name, peer, start] of proxies) {
  for (const secure of [false, true]) {
    describe(`behind ${name}${secure ? ", TLS passed through" : ""}`, () => {
      peerTest([peer, "curl"], "the client is curl's address, for clientHost() and the access log", async () => {
        const { srv, clients } = trusting(secure);
        await using _ = srv;
        await using proxy = await start(srv.port);
        expect(await curl("127.0.0.3", proxy.port, secure)).toEqual([200, `127.0.0.3 ${secure}`]);
        expect(await curl("127.0.0.4", proxy.port, secure)).toEqual([200, `127.0.0.4 ${secure}`]);
        // Straight to netsvc, curl is itself (no header from an untrusted peer is believed).
        expect(await curl("127.0.0.3", srv.port, secure)).toEqual([200, `127.0.0.3 ${secure}`]);
        expect(await clients(srv.daemon)).toEqual(["127.0.0.3", "127.0.0.4", "127.0.0.3"]);
        // The one connection without a request is the readiness check's (connected to the proxy
        // and closed: over TLS a handshake never begun, counted and summarised, not logged).
        expect(srv.daemon.stats().tlsFailures).toBeLessThanOrEqual(1);
        expect(srv.errors.filter((e) => !e.includes("failed TLS handshakes"))).toEqual([]);
      });

      peerTest([peer, "curl"], "a client on the deny list is dropped when the header is read: no answer", async () => {
        const { srv } = trusting(secure);
        await using _ = srv;
        await using proxy = await start(srv.port);
        expect((await curl("127.0.0.9", proxy.port, secure))[0]).toBe(0); // curl: empty reply / reset
        expect(srv.daemon.stats().denied).toBeGreaterThanOrEqual(1); // HAProxy may try again (its retries)
        expect(srv.daemon.stats().requests).toBe(0);
      });
    });
  }

  describe(`behind ${name}, netsvc not trusting it`, () => {
    peerTest([peer], "the PROXY header is a 400 and the connection closes", async () => {
      await using srv = startDaemon({ "/": whoami() }, { trustProxy: ["10.0.0.0/8"] });
      await using proxy = await start(srv.port);
      using c = await RawClient.connect(proxy.port);
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await c.untilClosed();
      expect(c.text()).toMatch(/^HTTP\/1\.[01] 400 /);
      expect(c.text().match(/HTTP\/1\.[01] /g)).toHaveLength(1);
      expect(srv.daemon.stats().requests).toBe(0);
    });
  });
}

describe("the binary behind nginx stream, TLS passed through (docs/tls.md, Behind a proxy)", () => {
  peerTest(
    ["nginx-stream", "curl"],
    "--tls-cert, --tls-key and --trust-proxy: the file served, the access log names curl",
    async () => {
      const site = mkdtempSync(join(tmpdir(), "netsvc-edge-site-"));
      writeFileSync(join(site, "index.html"), "hello through the proxy\n");
      const args = ["--port", "0", "--tls-cert", CERT, "--tls-key", KEY, "--trust-proxy", "127.0.0.2", "--log"];
      const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", site, ...args]);
      try {
        const port = Number(/:(\d+)\/$/.exec(await out.url())![1]);
        await using proxy = await startNginxStream(port);
        const r = await run([
          "curl",
          "-s",
          "--http1.1", // the line checked is HTTP/1.1's (left to itself curl takes h2 by ALPN)
          "--interface",
          "127.0.0.3",
          "--cacert",
          CERT,
          "--resolve",
          `localhost:${proxy.port}:127.0.0.1`,
          `https://localhost:${proxy.port}/`,
        ]);
        expect(r.out).toBe("hello through the proxy\n");
        child.kill("SIGTERM"); // the access log is flushed when the daemon stops
        expect((await out.waitFor(/^\S+ .*"GET https:\/\/localhost:\d+\/ HTTP\/1\.1" 200 /m))[0]).toStartWith("127.0.0.3 ");
        expect(await child.exited).toBe(0);
      } finally {
        child.kill("SIGKILL");
        rmSync(site, { recursive: true, force: true });
      }
    },
    20_000,
  );
});
