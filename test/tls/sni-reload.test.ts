/**
 * Several certificates on one port chosen by SNI, and reloadTls(): new handshakes get the new
 * certificate while a connection opened before the reload goes on (SPEC §10). Checked with
 * openssl s_client (the certificate a name gets), curl, and a TLS client socket held across the
 * reload.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpServlet, TlsConfigError, type HttpSession } from "../../src/index.ts";
import { peerTest } from "../helpers/peers.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { run } from "../helpers/spawn.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const LOCALHOST = { cert: join(FIXTURES, "localhost.crt"), key: join(FIXTURES, "localhost.key") };
const OTHER = { cert: join(FIXTURES, "other.crt"), key: join(FIXTURES, "other.key") };

class Secure extends HttpServlet {
  override processRequest(): void {
    this.sendDocument(200, "text/plain", `${this.isSecure()} ${this.url()}`);
  }
}
const secure = () => new FnServer((s: HttpSession) => new Secure(s));

/** The subject CN of the certificate `name` gets (s_client), and s_client's output. */
async function certificateFor(port: number, name: string, ...args: string[]): Promise<{ cn: string; out: string; err: string }> {
  const r = await run(["openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-servername", name, ...args], 10_000);
  return { cn: /subject=CN ?= ?(\S+)/.exec(r.out)?.[1] ?? "(none)", out: r.out, err: r.err };
}

describe("SNI: several certificates on one port", () => {
  peerTest(["openssl"], "each name gets its certificate; an unknown name and no name get the first", async () => {
    await using srv = startDaemon({ "/": secure() }, { tls: [LOCALHOST, OTHER, { serverName: "alias.test", ...OTHER }] });
    expect((await certificateFor(srv.port, "localhost")).cn).toBe("localhost");
    expect((await certificateFor(srv.port, "other.test")).cn).toBe("other.test");
    expect((await certificateFor(srv.port, "alias.test")).cn).toBe("other.test");
    expect((await certificateFor(srv.port, "unknown.test")).cn).toBe("localhost");
    const r = await run(["openssl", "s_client", "-connect", `127.0.0.1:${srv.port}`, "-noservername"], 10_000);
    expect(r.out).toMatch(/subject=CN ?= ?localhost/);
  });

  peerTest(["openssl"], "the second certificate's name keeps the policy: TLS 1.1 and RSA key exchange refused, ALPN offered", async () => {
    await using srv = startDaemon({ "/": secure() }, { tls: [LOCALHOST, OTHER] });
    expect((await certificateFor(srv.port, "other.test", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")).err).toContain(
      "alert protocol version",
    );
    expect((await certificateFor(srv.port, "other.test", "-tls1_2", "-cipher", "AES128-GCM-SHA256")).err).toContain("handshake failure");
    const good = await certificateFor(srv.port, "other.test", "-tls1_2", "-alpn", "http/1.1");
    expect(good.out).toContain("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256");
    expect(good.out).toContain("ALPN protocol: http/1.1");
  });

  peerTest(["curl"], "curl trusting only the second certificate gets an https answer by its name", async () => {
    await using srv = startDaemon({ "/": secure() }, { tls: [LOCALHOST, OTHER] });
    const r = await run([
      "curl",
      "-s",
      "--cacert",
      OTHER.cert,
      "--resolve",
      `other.test:${srv.port}:127.0.0.1`,
      `https://other.test:${srv.port}/sni`,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`true https://other.test:${srv.port}/sni`);
  });
});

describe("reloadTls()", () => {
  let dir = "";
  let files = { cert: "", key: "" };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "netsvc-reload-"));
    files = { cert: join(dir, "server.crt"), key: join(dir, "server.key") };
    copyFileSync(LOCALHOST.cert, files.cert);
    copyFileSync(LOCALHOST.key, files.key);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A TLS connection trusting `ca`: sends a request, resolves with the answer's text. */
  async function openClient(port: number, ca: string) {
    let pending: PromiseWithResolvers<string> | null = null;
    let text = "";
    // Bun keeps no buffer: a write before the handshake is done is lost, so wait for it.
    const handshake = Promise.withResolvers<void>();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      tls: { ca: await Bun.file(ca).text(), serverName: "localhost" },
      socket: {
        handshake(_s, success, error) {
          if (success) handshake.resolve();
          else handshake.reject(error);
        },
        data(_s, chunk) {
          text += Buffer.from(chunk).toString("latin1");
          const body = /\r\n\r\n(true \S+)$/.exec(text);
          if (body && pending) {
            pending.resolve(body[1]!);
            text = "";
          }
        },
      },
    });
    await handshake.promise;
    return {
      socket,
      get(path: string): Promise<string> {
        pending = Promise.withResolvers<string>();
        socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
        return pending.promise;
      },
    };
  }

  peerTest(["openssl"], "new handshakes get the new certificate; a connection opened before goes on", async () => {
    await using srv = startDaemon({ "/": secure() }, { tls: files });
    const before = await openClient(srv.port, LOCALHOST.cert);
    expect(await before.get("/one")).toBe("true https://localhost/one");
    copyFileSync(OTHER.cert, files.cert);
    copyFileSync(OTHER.key, files.key);
    await srv.daemon.reloadTls();
    const after = await certificateFor(srv.port, "localhost", "-alpn", "http/1.1");
    expect(after.cn).toBe("other.test");
    // The reloaded context keeps ALPN and the protocol policy.
    expect(after.out).toContain("ALPN protocol: http/1.1");
    expect((await certificateFor(srv.port, "localhost", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")).err).toContain(
      "alert protocol version",
    );
    // The old connection: same socket, same certificate, still served.
    expect(await before.get("/two")).toBe("true https://localhost/two");
    expect(before.socket.getPeerCertificate().subject.CN).toBe("localhost");
    before.socket.end();
    expect(srv.daemon.stats().accepted).toBe(3);
    expect(srv.errors).toEqual([]);
  });

  peerTest(["openssl"], "a mismatched pair is refused with one line and the old certificate stays", async () => {
    await using srv = startDaemon({ "/": secure() }, { tls: files });
    copyFileSync(OTHER.key, files.key);
    const refused = await srv.daemon.reloadTls().then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TlsConfigError);
    expect((refused as Error).message).toBe(`tls: key file ${files.key} does not match certificate file ${files.cert}`);
    expect((await certificateFor(srv.port, "localhost")).cn).toBe("localhost");
  });

  test("a cleartext daemon has nothing to reload", async () => {
    await using srv = startDaemon({ "/": secure() });
    await expect(srv.daemon.reloadTls()).rejects.toThrow("reloadTls(): this daemon has no tls option");
  });
});
