/**
 * HTTPS on the daemon's own listener (SPEC §10) with real peers: curl (trusting the committed
 * self-signed certificate), Python's ssl module on a raw TLS socket, and openssl s_client for what
 * the server offers. The same HttpConnection, servlets and limits as cleartext.
 */
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpServlet, RedirectServlet, type HttpSession } from "../../src/index.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { eventually } from "../helpers/eventually.ts";
import { peerTest } from "../helpers/peers.ts";
import { run } from "../helpers/spawn.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const CERT = join(FIXTURES, "localhost.crt");
const KEY = join(FIXTURES, "localhost.key");
const TLS = { tls: { cert: CERT, key: KEY } };

/** Says what the session knows about its transport, and echoes a body. */
class SecureEcho extends HttpServlet {
  override async processRequest(): Promise<void> {
    const body = this.hasBody() ? await this.content() : new Uint8Array(0);
    this.sendDocument(200, "text/plain", `${this.isSecure()} ${this.url()} ${this.serverRoot()} ${body.length}`);
  }
}

const secureEcho = () => new FnServer((s: HttpSession) => new SecureEcho(s));

let dir = "";
const LARGE = 8 * 1024 * 1024 + 123;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-tls-"));
  const bytes = new Uint8Array(LARGE);
  for (let i = 0; i < LARGE; i++) bytes[i] = (i * 7 + (i >> 13)) & 0xff;
  writeFileSync(join(dir, "large.bin"), bytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("HTTPS with curl", () => {
  peerTest(["curl"], "GET: isSecure(), https in url() and serverRoot(), ALPN h2 and http/1.1", async () => {
    await using srv = startDaemon({ "/app": secureEcho() }, TLS);
    for (const [flag, alpn] of [
      ["--http2", "h2"],
      ["--http1.1", "http\\/1\\.1"],
    ] as const) {
      const r = await run(["curl", "-sv", flag, "--cacert", CERT, `https://localhost:${srv.port}/app/x?q=1`]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`true https://localhost:${srv.port}/app/x?q=1 https://localhost:${srv.port}/app 0`);
      expect(r.err).toMatch(new RegExp(`ALPN[^\\n]*(server accepted|accepted) ${alpn}\\b`));
      expect(r.err).toMatch(/SSL connection using TLSv1\.3/);
    }
    expect(srv.errors).toEqual([]);
  });

  peerTest(["curl"], "POST with a body, then the same connection reused", async () => {
    await using srv = startDaemon({ "/": secureEcho() }, TLS);
    const url = `https://localhost:${srv.port}`;
    const body = "x".repeat(100_000);
    const r = await run(["curl", "-sv", "--cacert", CERT, "--data-binary", body, `${url}/post`, "--next", "--cacert", CERT, `${url}/get`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`true ${url}/post ${url}/ 100000true ${url}/get ${url}/ 0`);
    expect(r.err).toMatch(/Re-?using existing( https:)? connection/i);
    expect(srv.daemon.stats().accepted).toBe(1);
  });

  peerTest(["curl"], "a large file arrives whole", async () => {
    await using srv = startDaemon({ "/": new FileServer(dir) }, TLS);
    const out = join(dir, "got.bin");
    const r = await run([
      "curl",
      "-s",
      "--cacert",
      CERT,
      "-o",
      out,
      "-w",
      "%{http_code} %{size_download}",
      `https://localhost:${srv.port}/large.bin`,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`200 ${LARGE}`);
    const [a, b] = [await Bun.file(out).bytes(), await Bun.file(join(dir, "large.bin")).bytes()];
    expect(Bun.hash(a)).toBe(Bun.hash(b));
  });

  peerTest(["curl"], "a redirect to a path says https; a Host without a port means 443, left out", async () => {
    await using srv = startDaemon({ "/old": new FnServer((s) => new RedirectServlet(s, "/new", 301)) }, TLS);
    const url = `https://localhost:${srv.port}/old`;
    const withPort = await run(["curl", "-s", "--cacert", CERT, "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", url]);
    expect(withPort.out).toBe(`301 https://localhost:${srv.port}/new`);
    const noPort = await run([
      "curl",
      "-s",
      "--cacert",
      CERT,
      "-H",
      "Host: localhost",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{redirect_url}",
      url,
    ]);
    expect(noPort.out).toBe("301 https://localhost/new");
  });

  peerTest(["curl"], "the access log's URL says https", async () => {
    const lines: string[] = [];
    await using srv = startDaemon({ "/": secureEcho() }, { ...TLS, accessLog: (text) => lines.push(text) });
    const r = await run(["curl", "-s", "--cacert", CERT, `https://localhost:${srv.port}/logged`]);
    expect(r.code).toBe(0);
    await srv.daemon.stop();
    // curl offers h2 first, and gets it: the log says HTTP/2.0 (as nginx's does).
    expect(lines.join("")).toContain(`"GET https://localhost:${srv.port}/logged HTTP/2.0" 200`);
  });
});

describe("HTTPS with Python's ssl module", () => {
  peerTest(["python3"], "pipelined requests on one raw TLS socket, answered in order", async () => {
    await using srv = startDaemon({ "/": secureEcho() }, TLS);
    const script = `
import re, socket, ssl
ctx = ssl.create_default_context(cafile=${JSON.stringify(CERT)})
ctx.set_alpn_protocols(["http/1.1"])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", ${srv.port}), timeout=10), server_hostname="localhost")
print(s.version(), s.selected_alpn_protocol())
host = "Host: localhost:${srv.port}\\r\\n"
req = "".join("GET /p%d HTTP/1.1\\r\\n%s\\r\\n" % (i, host) for i in range(5)) + "GET /last HTTP/1.1\\r\\n%sConnection: close\\r\\n\\r\\n" % host
s.sendall(req.encode())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
print(data.count(b"HTTP/1.1 200 OK"))
print("|".join(m.decode() for m in re.findall(rb"true \\S+ \\S+ \\d+", data)))
`;
    const r = await run(["python3", "-c", script]);
    expect(r.err).toBe("");
    const url = `https://localhost:${srv.port}`;
    const expected = [0, 1, 2, 3, 4].map((i) => `true ${url}/p${i} ${url}/ 0|`).join("") + `true ${url}/last ${url}/ 0`;
    expect(r.out).toBe(`TLSv1.3 http/1.1\n6\n${expected}\n`);
    expect(srv.daemon.stats().requests).toBe(6);
  });

  // RFC 8446 §6.1: the side that closes need not wait for the other's close_notify. A client
  // that asked to close and sent nothing more gets our close_notify and our FIN at once, as on
  // cleartext (test/daemon/pressure.test.ts): waiting for its close_notify cost every such
  // connection a wake-up, a read and a decryption (ab without -k: each new TLS connection).
  peerTest(
    ["python3"],
    "a client that asked to close gets close_notify and FIN without the server waiting for its close_notify",
    async () => {
      // A linger of a minute: only a close that does not wait for the client ends it within the test.
      await using srv = startDaemon({ "/": secureEcho() }, { ...TLS, lingerMs: 60_000 });
      const script = `
import socket, ssl
ctx = ssl.create_default_context(cafile=${JSON.stringify(CERT)})
ctx.set_alpn_protocols(["http/1.1"])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", ${srv.port}), timeout=10), server_hostname="localhost")
s.sendall(b"GET /a HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk: break  # the server's close_notify
    data += chunk
print(data.split(b"\\r\\n")[0].decode(), data.split(b"\\r\\n\\r\\n")[1].decode())
# No close_notify of ours, no close: the server's FIN must come all the same.
raw = socket.socket(fileno=s.detach())
raw.settimeout(3)
try:
    print("FIN" if raw.recv(1) == b"" else "more bytes")
except socket.timeout:
    print("no FIN within 3 s")
`;
      const r = await run(["python3", "-c", script]);
      expect(r.err).toBe("");
      expect(r.out).toBe("HTTP/1.1 200 OK true https://localhost/a https://localhost/ 0\nFIN\n");
      await eventually(async () => expect(srv.daemon.stats().open).toBe(0), 2000);
    },
    10_000,
  );

  peerTest(["python3"], "TLS 1.1 is refused with a protocol_version alert", async () => {
    await using srv = startDaemon({ "/": secureEcho() }, TLS);
    const script = `
import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
ctx.minimum_version = ssl.TLSVersion.TLSv1_1
ctx.maximum_version = ssl.TLSVersion.TLSv1_1
try:
    ctx.wrap_socket(socket.create_connection(("127.0.0.1", ${srv.port}), timeout=10))
    print("connected")
except ssl.SSLError as e:
    print(e.reason)
`;
    const r = await run(["python3", "-c", script]);
    expect(r.out.trim()).toBe("TLSV1_ALERT_PROTOCOL_VERSION");
    expect(srv.daemon.stats().requests).toBe(0);
  });
});

describe("what the server offers (openssl s_client)", () => {
  /** One handshake; returns s_client's output (stdin closed, so it ends after the handshake). */
  const handshake = (port: number, ...args: string[]) =>
    run(["openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", CERT, ...args], 10_000);

  peerTest(["openssl"], "TLS 1.2 with an RSA key-exchange cipher is refused", async () => {
    await using srv = startDaemon({ "/": secureEcho() }, TLS);
    const r = await handshake(srv.port, "-tls1_2", "-cipher", "AES128-GCM-SHA256:AES256-SHA");
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("handshake failure");
    expect(r.out).toContain("Cipher is (NONE)");
    // Counted, not logged; the connection is gone.
    await eventually(async () => {
      const stats = srv.daemon.stats();
      if (stats.tlsFailures !== 1 || stats.open !== 0) throw new Error(JSON.stringify(stats));
    });
    expect(srv.errors).toEqual([]);
    expect(srv.daemon.stats().requests).toBe(0);
  });

  peerTest(["openssl"], "TLS 1.2 ECDHE in the server's order (the client's order is not followed)", async () => {
    await using srv = startDaemon({ "/": secureEcho() }, TLS);
    const r = await handshake(
      srv.port,
      "-tls1_2",
      "-alpn",
      "http/1.1",
      "-cipher",
      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256",
    );
    expect(r.out).toContain("New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256");
    expect(r.out).toContain("ALPN protocol: http/1.1");
    expect(r.out).toContain("Verify return code: 0 (ok)");
  });

  peerTest(["openssl"], "TLS 1.1 and 1.0 are refused", async () => {
    await using srv = startDaemon({ "/": secureEcho() }, TLS);
    for (const version of ["-tls1_1", "-tls1"]) {
      const r = await handshake(srv.port, version, "-cipher", "DEFAULT:@SECLEVEL=0");
      expect(r.err).toContain("alert protocol version");
    }
  });

  peerTest(["openssl"], "TLS 1.3 is offered", async () => {
    await using srv = startDaemon({ "/": secureEcho() }, TLS);
    const r = await handshake(srv.port, "-tls1_3");
    expect(r.out).toMatch(/New, TLSv1\.3, Cipher is TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)/);
  });
});
