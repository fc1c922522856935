/**
 * TLS after a PROXY header (src/daemon/tls-after-proxy.ts): a daemon with tls and trustProxy
 * reads a trusted proxy's cleartext PROXY header, then terminates the TLS that follows it —
 * whether the ClientHello comes in a later read, in the same read as the header, or after a
 * header dribbled a byte at a time. Real sockets; the TLS client is Bun's (or curl through a relay
 * that writes the header and the client's first bytes in one write).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Socket } from "bun";
import { HttpServlet } from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { peerTest } from "../helpers/peers.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";
import { run } from "../helpers/spawn.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const CERT = join(FIXTURES, "localhost.crt");
const OPTIONS = { trustProxy: ["127.0.0.1"], tls: { cert: CERT, key: join(FIXTURES, "localhost.key") } };
const V1 = "PROXY TCP4 192.0.2.7 10.0.0.1 51234 443\r\n";
const whoami = () => new FnServer((s) => new TextServlet(s, `${s.clientHost()} ${s.clientPort()} ${s.isSecure()}`));

/**
 * Connects to `port`, writes `header` (in pieces of `piece` bytes, each in its own turn), then
 * starts TLS and sends one GET; resolves with the decrypted answer once the server closes.
 */
async function throughTls(port: number, header: string, piece = header.length): Promise<string> {
  const done = Promise.withResolvers<string>();
  let text = "";
  const raw = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, close: () => done.resolve(text) } });
  for (let i = 0; i < header.length; i += piece) {
    raw.write(header.slice(i, i + piece));
    await new Promise<void>((r) => setImmediate(r)); // its own turn, so its own read on the server
  }
  raw.upgradeTLS({
    tls: { ca: await Bun.file(CERT).text(), serverName: "localhost" },
    socket: {
      handshake: (s) => s.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
      data: (_s, chunk) => {
        text += Buffer.from(chunk).toString("latin1");
      },
      close: () => done.resolve(text),
      error: (_s, e) => done.reject(e),
    },
  });
  return done.promise;
}

/** A relay on 127.0.0.1 to `upstream` that writes `header` and the client's first bytes in one write. */
function coalescingRelay(upstream: number, header: string) {
  type Side = { up: Socket<undefined> | null; pending: Buffer[]; first: boolean };
  return Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      async open(s) {
        s.data = { up: null, pending: [], first: true };
        const up = await Bun.connect({
          hostname: "127.0.0.1",
          port: upstream,
          socket: { data: (_u, d) => void s.write(d), close: () => void s.end() },
        });
        s.data.up = up;
        for (const b of s.data.pending) up.write(b);
      },
      data(s, d) {
        const bytes = s.data.first ? Buffer.concat([Buffer.from(header), d]) : Buffer.from(d);
        s.data.first = false;
        if (s.data.up) s.data.up.write(bytes);
        else s.data.pending.push(bytes);
      },
      close: (s) => void s.data.up?.end(),
    },
  });
}

describe("TLS after a trusted proxy's PROXY header", () => {
  test("header in its own read, then TLS: the client named, isSecure()", async () => {
    await using srv = startDaemon({ "/": whoami() }, OPTIONS);
    expect(await throughTls(srv.port, V1)).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\n192\.0\.2\.7 51234 true$/);
    expect(srv.daemon.stats()).toMatchObject({ requests: 1, tlsFailures: 0 });
  });

  test("a header dribbled a byte per read, then TLS", async () => {
    await using srv = startDaemon({ "/": whoami() }, OPTIONS);
    expect(await throughTls(srv.port, V1, 1)).toMatch(/\r\n\r\n192\.0\.2\.7 51234 true$/);
  });

  peerTest(["curl"], "the ClientHello in the same read as the header is not lost", async () => {
    await using srv = startDaemon({ "/": whoami() }, OPTIONS);
    using relay = coalescingRelay(srv.port, V1);
    const r = await run(["curl", "-s", "--max-time", "10", "--cacert", CERT, `https://localhost:${relay.port}/`]);
    expect([r.code, r.out]).toEqual([0, "192.0.2.7 51234 true"]);
  });

  test("a malformed header is a cleartext 400 and close, before any TLS", async () => {
    await using srv = startDaemon({ "/": whoami() }, OPTIONS);
    const done = Promise.withResolvers<string>();
    let text = "";
    const c = await Bun.connect({
      hostname: "127.0.0.1",
      port: srv.port,
      socket: { data: (_s, d) => void (text += Buffer.from(d).toString("latin1")), close: () => done.resolve(text) },
    });
    c.write("PROXY TCP4 192.0.2.300 10.0.0.1 1 2\r\n");
    expect(await done.promise).toMatch(/^HTTP\/1\.[01] 400 /);
    expect(srv.daemon.stats().requests).toBe(0);
  });

  test("at the connection limit a newcomer is closed without a byte: no cleartext 503 where TLS is due", async () => {
    const held = Promise.withResolvers<void>();
    class Holds extends HttpServlet {
      override async processRequest(): Promise<void> {
        held.resolve();
        await new Promise((resolve) => this.signal.addEventListener("abort", resolve, { once: true }));
      }
    }
    // This client is no trusted proxy: TLS from its first byte; one connection, busy.
    await using srv = startDaemon({ "/": new FnServer((s) => new Holds(s)) }, { ...OPTIONS, trustProxy: ["127.0.0.2"], maxConnections: 1 });
    const busy = await Bun.connect({
      hostname: "127.0.0.1",
      port: srv.port,
      tls: { ca: await Bun.file(CERT).text(), serverName: "localhost" },
      socket: { handshake: (s) => void s.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), data() {}, error() {} },
    });
    await held.promise;
    const done = Promise.withResolvers<string>();
    let text = "";
    await Bun.connect({
      hostname: "127.0.0.1",
      port: srv.port,
      socket: { data: (_s, d) => void (text += Buffer.from(d).toString("latin1")), close: () => done.resolve(text), error() {} },
    });
    expect(await done.promise).toBe("");
    expect(srv.daemon.stats().refused).toBe(1);
    busy.terminate();
  });

  test("a trusted proxy's connection that never sends a byte (a TCP health check) is no failed TLS handshake", async () => {
    await using srv = startDaemon({ "/": whoami() }, { ...OPTIONS, headTimeoutMs: 300 });
    const closed = Promise.withResolvers<void>();
    await Bun.connect({ hostname: "127.0.0.1", port: srv.port, socket: { data() {}, close: () => closed.resolve(), error() {} } });
    await closed.promise; // the head timeout closed it
    await eventually(async () => {
      if (srv.daemon.stats().open !== 0) throw new Error("the server has not seen its close yet");
    });
    expect(srv.daemon.stats().tlsFailures).toBe(0);
  });
});
