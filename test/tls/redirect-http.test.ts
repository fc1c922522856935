/**
 * The cleartext port of a TLS daemon (redirectHttp, SPEC §10): 308 to the same path and query
 * over HTTPS for the host the client asked for, never another (no open redirect, no header
 * injection), `Vary: Upgrade-Insecure-Requests`, the Upgrade-Insecure-Requests-only mode, the
 * same connections (keep-alive, limits, stop()). Raw sockets for the exact bytes, curl for a
 * client that follows the redirect into TLS.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { HttpDaemon, HttpServlet, TlsConfigError, type HttpSession } from "../../src/index.ts";
import { redirectHost } from "../../src/servers/https-redirect.ts";
import { FnServer, startDaemon, TextServlet } from "../helpers/servers.ts";
import { peerTest } from "../helpers/peers.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { run } from "../helpers/spawn.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const CERT = join(FIXTURES, "localhost.crt");
const KEY = join(FIXTURES, "localhost.key");
const TLS = { cert: CERT, key: KEY };

/** Says how it was reached. */
class Where extends HttpServlet {
  override processRequest(): void {
    this.sendDocument(200, "text/plain", `${this.isSecure()} ${this.url()}`);
  }
}
const where = () => new FnServer((s: HttpSession) => new Where(s));

/** A TLS daemon with a redirect port; `redirectPort` is the bound one. */
function start(redirectHttp: number | { port: number; all?: boolean } = 0) {
  const srv = startDaemon({ "/": where() }, { tls: TLS, redirectHttp });
  return Object.assign(srv, { redirectPort: srv.daemon.redirectPort()! });
}

describe("redirectHttp: every request 308 to HTTPS", () => {
  test("path and query kept, the TLS port named, Vary, keep-alive, pipelined", async () => {
    await using srv = start();
    expect(srv.redirectPort).toBeGreaterThan(0);
    expect(srv.redirectPort).not.toBe(srv.port);
    using c = await RawClient.connect(srv.redirectPort);
    c.send(
      "GET /a/b%20c?x=1&y=%2F HTTP/1.1\r\nHost: LocalHost:8080\r\n\r\n" +
        "POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc" +
        "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    );
    const [a, b] = await c.responses(2);
    expect(a!.status).toBe(308);
    expect(a!.headers.location).toBe(`https://localhost:${srv.port}/a/b%20c?x=1&y=%2F`);
    expect(a!.headers.vary).toBe("Upgrade-Insecure-Requests");
    expect(a!.headers["strict-transport-security"]).toBeUndefined(); // RFC 6797 §7.2: never over cleartext
    // 308 keeps the method (RFC 9110 §15.4.9): the body was read and the connection goes on.
    expect(b!.status).toBe(308);
    expect(b!.headers.location).toBe(`https://localhost:${srv.port}/form`);
    await c.until(() => c.text().split("HTTP/1.1 308").length === 4, 5000, "the HEAD's 308");
    expect(c.text()).toContain(`Location: https://127.0.0.1:${srv.port}/\r\n`);
    expect(c.closed).toBe(false);
    expect(srv.daemon.stats().requests).toBe(3);
  });

  test("absolute-form: the target's authority, not Host (RFC 9112 §3.2.2); IPv6 literal", async () => {
    await using srv = start();
    using c = await RawClient.connect(srv.redirectPort);
    const a = await c.request("GET http://www.example.org:80/p?q HTTP/1.1\r\nHost: other.example\r\n\r\n");
    expect(a.headers.location).toBe(`https://www.example.org:${srv.port}/p?q`);
    const b = await c.request("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
    expect(b.headers.location).toBe(`https://[::1]:${srv.port}/`);
    expect(c.closed).toBe(false);
  });

  test("no usable host: 400, never reflected (no header injection, no other authority)", async () => {
    await using srv = start();
    const refused = [
      "GET / HTTP/1.0\r\n\r\n", // no authority at all
      "GET / HTTP/1.1\r\nHost: \r\n\r\n", // empty
      "GET / HTTP/1.1\r\nHost: a%0d%0aSet-Cookie:x=1\r\n\r\n", // escapes the parser allows
      "GET / HTTP/1.1\r\nHost: evil.example;x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n", // zone identifier
      "GET / HTTP/1.1\r\nHost: a:b:c\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: evil.example/x\r\n\r\n", // refused by the parser, as on the main port
      "GET / HTTP/1.1\r\nHost: good.example@evil.example\r\n\r\n",
    ];
    for (const raw of refused) {
      using c = await RawClient.connect(srv.redirectPort);
      const r = await c.request(raw);
      expect(r.status, raw).toBe(400);
      expect(r.headers.location, raw).toBeUndefined();
      expect(c.text(), raw).not.toContain("evil");
      expect(c.text(), raw).not.toContain("Set-Cookie");
    }
    expect(srv.errors).toEqual([]);
  });

  test("a target that is no path (OPTIONS *, above the root), CONNECT: refused and closed as on a cleartext main port", async () => {
    await using srv = start();
    await using plain = startDaemon({ "/": where() });
    for (const raw of [
      "OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n",
      "GET /../x HTTP/1.1\r\nHost: localhost\r\n\r\n",
      "CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n",
    ]) {
      using c = await RawClient.connect(srv.redirectPort);
      using d = await RawClient.connect(plain.port);
      const [r, expected] = [await c.request(raw), await d.request(raw)];
      expect(r.status, raw).toBe(expected.status);
      expect(r.status, raw).not.toBe(308);
      // Each closes after its refusal (a target that is no path, a tunnel's bytes: never parsed).
      await Promise.all([c.untilClosed(), d.untilClosed()]);
    }
  });

  test("the port's connections are the daemon's: stop() closes an idle one and the port", async () => {
    const srv = start();
    const port = srv.redirectPort;
    const c = await RawClient.connect(port);
    expect((await c.request("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")).status).toBe(308);
    expect(srv.daemon.stats().open).toBe(1);
    await srv.daemon.stop(1000);
    await c.untilClosed();
    expect(Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })).rejects.toThrow();
  });

  test("a head over the limit on the redirect port: the main port's 431, closed", async () => {
    await using srv = startDaemon({ "/": where() }, { tls: TLS, redirectHttp: 0, maxHead: 2048 });
    using c = await RawClient.connect(srv.daemon.redirectPort()!);
    c.send(`GET / HTTP/1.1\r\nHost: localhost\r\nX: ${"a".repeat(4000)}\r\n\r\n`);
    const [r] = await c.responses(1);
    expect(r!.status).toBe(431);
    await c.untilClosed();
  });
});

describe("redirectHttp { all: false }: only requests asking to be upgraded", () => {
  test("GET/HEAD with Upgrade-Insecure-Requests: 1 → 308; others served in cleartext, all with Vary", async () => {
    await using srv = start({ port: 0, all: false });
    using c = await RawClient.connect(srv.redirectPort);
    const up = await c.request("GET /page?x HTTP/1.1\r\nHost: localhost\r\nUpgrade-Insecure-Requests: 1\r\n\r\n");
    expect(up.status).toBe(308);
    expect(up.headers.location).toBe(`https://localhost:${srv.port}/page?x`);
    expect(up.headers.vary).toBe("Upgrade-Insecure-Requests");
    const plain = await c.request("GET /page HTTP/1.1\r\nHost: localhost\r\n\r\n");
    expect(plain.status).toBe(200);
    expect(plain.body).toBe(`false http://localhost/page`);
    expect(plain.headers.vary).toBe("Upgrade-Insecure-Requests");
    const post = await c.request("POST /form HTTP/1.1\r\nHost: localhost\r\nUpgrade-Insecure-Requests: 1\r\nContent-Length: 0\r\n\r\n");
    expect(post.status).toBe(200); // a form's POST is not sent twice
    const other = await c.request("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade-Insecure-Requests: 0\r\n\r\n");
    expect(other.status).toBe(200);
    const missing = await c.request("GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n");
    expect(missing.status).toBe(200); // the same server objects: "/" answers every path here
    expect(c.closed).toBe(false);
  });
});

describe("options", () => {
  test("redirectHttp or hsts without tls: one line at creation", () => {
    expect(() => new HttpDaemon(0, { redirectHttp: 8080 })).toThrow(
      new TlsConfigError("tls: redirectHttp needs the tls option (a port to redirect to)"),
    );
    expect(() => new HttpDaemon(0, { hsts: { maxAge: 60 } })).toThrow(
      new TlsConfigError("tls: hsts needs the tls option (HSTS is sent over HTTPS only)"),
    );
    expect(() => new HttpDaemon(0, { tls: TLS, redirectHttp: 70_000 })).toThrow(TlsConfigError);
    expect(() => new HttpDaemon(0, { tls: TLS, redirectHttp: { port: 0, httpsPort: 0 } })).toThrow("httpsPort must be 1 to 65535");
    expect(() => new HttpDaemon(0, { tls: TLS, hsts: { maxAge: -1 } })).toThrow(TlsConfigError);
    expect(() => new HttpDaemon(0, { tls: TLS, hsts: { maxAge: 60, preload: true } })).toThrow(/preload needs includeSubDomains/);
  });

  test("the redirect port taken: start() fails and the main port is closed again", async () => {
    await using busy = startDaemon({}, {});
    const d = new HttpDaemon(0, { tls: TLS, redirectHttp: busy.port, accessLog: null });
    expect(() => d.start()).toThrow();
    expect(d.redirectPort()).toBe(busy.port);
    await d.stop();
  });

  test("redirectHost: which authorities a Location may name", () => {
    const cases: [string, string | null][] = [
      ["example.org", "example.org"],
      ["Example.ORG:8080", "example.org"],
      ["example.org.", "example.org."],
      ["127.0.0.1:80", "127.0.0.1"],
      ["[2001:db8::1]", "[2001:db8::1]"],
      ["[2001:db8::1]:8080", "[2001:db8::1]"],
      ["_dmarc.example", "_dmarc.example"],
      ["", null],
      [":80", null],
      ["a..b", null],
      [".example", null],
      ["u@example.org", null],
      ["example.org/x", null],
      ["example.org\r\nX: y", null],
      ["a%2fb", null],
      ["[fe80::1%25eth0]", null],
      ["example.org:80:90", null],
      [`${"a".repeat(254)}`, null],
    ];
    for (const [authority, host] of cases) expect(redirectHost(authority), authority).toBe(host);
  });
});

describe("with curl", () => {
  peerTest(["curl"], "http:// → 308 → https:// (curl -L), the page over TLS", async () => {
    await using srv = start();
    const r = await run([
      "curl",
      "-sL",
      "--cacert",
      CERT,
      "-w",
      "\n%{num_redirects} %{url_effective} %{http_code}",
      `http://localhost:${srv.redirectPort}/x/y?z=1`,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`true https://localhost:${srv.port}/x/y?z=1\n1 https://localhost:${srv.port}/x/y?z=1 200`);
  });

  peerTest(["curl"], "a plain-text servlet on the redirect port with all: false", async () => {
    await using srv = startDaemon(
      { "/": new FnServer((s) => new TextServlet(s, "plain")) },
      { tls: TLS, redirectHttp: { port: 0, all: false } },
    );
    const r = await run(["curl", "-s", `http://localhost:${srv.daemon.redirectPort()}/`]);
    expect(r.out).toBe("plain");
  });
});

describe("redirectHttp with trustProxy (TLS then starts per socket on the main port)", () => {
  // With tls and trustProxy the main listener is cleartext and TLS starts on each socket
  // (tls-after-proxy.ts); the redirect port must stay cleartext for every peer, trusted or not.
  test("the redirect port answers 308 in cleartext to a peer trusted and to one not", async () => {
    for (const trustProxy of [["127.0.0.1"], ["10.9.9.9"]]) {
      await using srv = startDaemon({ "/": where() }, { tls: TLS, redirectHttp: 0, trustProxy });
      using c = await RawClient.connect(srv.daemon.redirectPort()!);
      c.send("GET /x?y=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
      const [a] = await c.responses(1);
      expect(a!.status).toBe(308);
      expect(a!.headers.location).toBe(`https://localhost:${srv.port}/x?y=1`);
    }
  });
});
