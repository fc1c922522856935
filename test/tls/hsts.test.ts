/**
 * HSTS (RFC 6797): `Strict-Transport-Security` on every answer over TLS — a servlet's, the
 * framework's error pages, a canned refusal of a request that cannot be parsed, a redirect — and
 * never on the cleartext redirect port (§7.2). Raw TLS sockets (Bun.connect trusting the committed
 * certificate) for the exact bytes.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RedirectServlet, type HttpSession } from "../../src/index.ts";
import { FnServer, startDaemon, TextServlet } from "../helpers/servers.ts";
import { RawClient } from "../helpers/raw-client.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const CERT = join(FIXTURES, "localhost.crt");
const TLS = { cert: CERT, key: join(FIXTURES, "localhost.key") };
const CA = readFileSync(CERT, "utf8");
const HSTS = "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload\r\n";

/** Sends `raw` over TLS to 127.0.0.1:port and resolves with everything received until the server closes. */
async function exchangeOverTls(port: number, raw: string): Promise<string> {
  const done = Promise.withResolvers<string>();
  let text = "";
  const timer = setTimeout(() => done.reject(new Error(`no close; got ${JSON.stringify(text)}`)), 5000);
  await Bun.connect({
    hostname: "127.0.0.1",
    port,
    tls: { ca: CA, serverName: "localhost" },
    socket: {
      handshake: (s, ok, error) => {
        if (ok) s.write(raw);
        else done.reject(error);
      },
      data: (_s, chunk) => {
        text += Buffer.from(chunk).toString("latin1");
      },
      close: () => done.resolve(text),
      end: (s) => {
        s.end();
      },
      error: (_s, e) => done.reject(e),
    },
  });
  try {
    return await done.promise;
  } finally {
    clearTimeout(timer);
  }
}

const app = () =>
  new FnServer((s: HttpSession) =>
    s.requestPath() === "/moved" ? new RedirectServlet(s, "/there", 301) : s.requestPath() === "/ok" ? new TextServlet(s, "ok") : null,
  );

describe("hsts", () => {
  test("on a servlet's answer, a 404, a redirect and a canned 400, each exactly once", async () => {
    await using srv = startDaemon({ "/": app() }, { tls: TLS, hsts: { maxAge: 31_536_000, includeSubDomains: true, preload: true } });
    const answers = await exchangeOverTls(
      srv.port,
      "GET /ok HTTP/1.1\r\nHost: localhost\r\n\r\n" +
        "GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n" +
        "GET /moved HTTP/1.1\r\nHost: localhost\r\n\r\n" +
        "GET /bad HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n",
    );
    const heads = answers.split(/(?=HTTP\/1\.[01] \d{3} )/).map((r) => r.slice(0, r.indexOf("\r\n\r\n") + 2));
    expect(heads.map((h) => h.slice(9, 12))).toEqual(["200", "404", "301", "400"]);
    for (const head of heads) expect(head.split(HSTS).length, head).toBe(2);
    expect(answers).toContain("Location: https://localhost/there\r\n"); // Host named no port: 443
  });

  test("never on the cleartext redirect port (RFC 6797 §7.2)", async () => {
    await using srv = startDaemon({ "/": app() }, { tls: TLS, hsts: { maxAge: 600 }, redirectHttp: { port: 0, all: false } });
    using c = await RawClient.connect(srv.daemon.redirectPort()!);
    const served = await c.request("GET /ok HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const moved = await c.request("GET /ok HTTP/1.1\r\nHost: localhost\r\nUpgrade-Insecure-Requests: 1\r\n\r\n");
    c.send("GET /bad HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n");
    await c.untilClosed();
    expect([served.status, moved.status]).toEqual([200, 308]);
    expect(c.text()).toContain("400 Bad Request");
    expect(c.text()).not.toContain("Strict-Transport-Security");
    // …and over TLS, max-age alone.
    const secure = await exchangeOverTls(srv.port, "GET /ok HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    expect(secure).toContain("Strict-Transport-Security: max-age=600\r\n");
  });
});
