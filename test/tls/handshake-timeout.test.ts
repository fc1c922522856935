/**
 * A TLS handshake never finished (a client that connects and sends nothing, or part of a
 * ClientHello, and holds): the head timeout closes it and it is counted in stats().tlsFailures,
 * never logged one by one — on the TLS listener and when TLS starts after a PROXY header
 * (tls + trustProxy, tls-after-proxy.ts). Real sockets; the timeout shortened to keep it quick.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { HttpDaemonOptions } from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const TLS = { cert: join(FIXTURES, "localhost.crt"), key: join(FIXTURES, "localhost.key") };
const HEAD_TIMEOUT_MS = 300;
/** The start of a ClientHello: a handshake record announcing 512 bytes, of which 11 come. */
const PART_OF_CLIENT_HELLO = Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);

/** Connects, writes `bytes`, and resolves with the ms until the server closed the connection. */
async function heldUntilClosed(port: number, bytes: Uint8Array): Promise<number> {
  const closed = Promise.withResolvers<number>();
  const t0 = performance.now();
  const c = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: { data() {}, close: () => closed.resolve(performance.now() - t0), error() {} },
  });
  if (bytes.length > 0) c.write(bytes);
  return closed.promise;
}

const modes: [name: string, options: HttpDaemonOptions][] = [
  ["the TLS listener", {}],
  ["TLS after the PROXY header (tls + trustProxy)", { trustProxy: ["10.0.0.0/8"] }],
];
for (const [mode, extra] of modes) {
  describe(mode, () => {
    test("a handshake never finished is closed at the head timeout and counted, not logged", async () => {
      await using srv = startDaemon(
        { "/": new FnServer((s) => new TextServlet(s, "ok")) },
        { tls: TLS, headTimeoutMs: HEAD_TIMEOUT_MS, ...extra },
      );
      const held = await Promise.all([heldUntilClosed(srv.port, new Uint8Array(0)), heldUntilClosed(srv.port, PART_OF_CLIENT_HELLO)]);
      for (const ms of held) expect(ms).toBeGreaterThanOrEqual(HEAD_TIMEOUT_MS - 50); // the sweep's tick is coarse
      await eventually(async () => {
        if (srv.daemon.stats().open !== 0) throw new Error("the server has not seen its closes yet");
      });
      const stats = srv.daemon.stats();
      expect({ tlsFailures: stats.tlsFailures, requests: stats.requests }).toEqual({ tlsFailures: 2, requests: 0 });
      expect(srv.errors).toEqual([]);
    });
  });
}
