/**
 * Cookies over real sockets (SPEC §13): a daemon with cookieSecrets on 127.0.0.1:0 sets a signed
 * cookie, a plain one and a cleared one at /login; each is its own Set-Cookie line on the wire —
 * fetch's getSetCookie() over HTTP/1.1, and curl over HTTP/2 (h2c by prior knowledge), where the
 * lines become HPACK fields through the same head path. curl's cookie engine then sends them back
 * to /me, which reads the signed one verified; a raw HTTP/2 client sends them split over several
 * cookie fields, as browsers do. A bad cookieSecrets option fails at construction.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpDaemon, HttpServlet } from "../../src/index.ts";
import { peerTest } from "../helpers/peers.ts";
import { H2Client } from "../helpers/h2-client.ts";
import { responseDecoder } from "../helpers/h2-decode.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { run } from "../helpers/spawn.ts";

/** Bounds each curl run. */
const CLIENT_DEADLINE_MS = 15_000;
const SECRETS = ["new secret: 32 random bytes in production", "old secret"];

/** The site: /login sets cookies, /me reads them back, verified. */
class Site extends HttpServlet {
  override processRequest(): void {
    if (this.requestPath() === "/login") {
      this.setCookie("uid", "42", { signed: true, httpOnly: true, sameSite: "Lax" });
      this.setCookie("theme", "dark", { maxAge: 3600 });
      this.clearCookie("old");
      this.sendJson({ ok: true });
    } else {
      this.sendJson({
        uid: this.cookie("uid", { signed: true }) ?? null,
        theme: this.cookie("theme") ?? null,
        raw: this.cookie("uid") ?? null,
      });
    }
  }
}

/** A daemon serving the site; `await using` stops it. */
function site() {
  return startDaemon({ "/": new FnServer((s) => new Site(s)) }, { cookieSecrets: SECRETS });
}

/** The three Set-Cookie values /login sends, the signed one matched by pattern. */
const LOGIN_COOKIES = [
  /^uid=42\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
  /^theme=dark; Max-Age=3600; Path=\/$/,
  /^old=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=\/$/,
];

function expectLoginCookies(lines: string[]): void {
  expect(lines).toHaveLength(LOGIN_COOKIES.length);
  for (const [i, pattern] of LOGIN_COOKIES.entries()) expect(lines[i]).toMatch(pattern);
}

describe("cookies on the wire", () => {
  test("HTTP/1.1 (fetch): one Set-Cookie line per cookie; sent back, the signed one verifies and a forged one does not", async () => {
    await using d = site();
    const base = `http://127.0.0.1:${d.port}`;
    const login = await fetch(`${base}/login`);
    expect(login.status).toBe(200);
    const lines = login.headers.getSetCookie();
    expectLoginCookies(lines);
    const uid = /^uid=([^;]+)/.exec(lines[0]!)![1]!;

    const me = await fetch(`${base}/me`, { headers: { Cookie: `uid=${uid}; theme=dark` } });
    expect(await me.json()).toEqual({ uid: "42", theme: "dark", raw: uid });
    const forged = await fetch(`${base}/me`, { headers: { Cookie: `uid=1${uid.slice(2)}` } });
    expect(await forged.json()).toEqual({ uid: null, theme: null, raw: `1${uid.slice(2)}` });
    expect(d.errors).toEqual([]);
  });

  peerTest(
    ["curl"],
    "HTTP/2 (curl --http2-prior-knowledge): the same lines as HPACK fields, and curl's cookie jar sends them back",
    async () => {
      await using d = site();
      const base = `http://127.0.0.1:${d.port}`;
      const dir = mkdtempSync(join(tmpdir(), "netsvc-cookies-"));
      try {
        const jar = join(dir, "jar.txt");
        const curl = ["curl", "-sS", "--http2-prior-knowledge", "-b", jar, "-c", jar];
        const login = await run([...curl, "-D", "-", "-o", "/dev/null", "-w", "%{http_version}", `${base}/login`], CLIENT_DEADLINE_MS);
        expect(login.err).toBe("");
        expect(login.out).toStartWith("HTTP/2 200");
        expect(login.out).toEndWith("\r\n2");
        expectLoginCookies([...login.out.matchAll(/^set-cookie: (.*)\r$/gm)].map((m) => m[1]!));

        const me = await run([...curl, "-w", " %{http_version}", `${base}/me`], CLIENT_DEADLINE_MS);
        expect(me.err).toBe("");
        const [json, version] = me.out.split(" ");
        expect(version).toBe("2");
        const body = JSON.parse(json!) as { uid: string | null; theme: string | null };
        expect([body.uid, body.theme]).toEqual(["42", "dark"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(d.daemon.stats().http2Connections).toBe(2);
      expect(d.errors).toEqual([]);
    },
  );

  test("HTTP/2 (raw client): cookies split over several cookie fields, as browsers send them, are read as one header", async () => {
    await using d = site();
    await using client = await H2Client.connect(d.port, { decode: responseDecoder() });
    const login = await client.response(client.request("GET", "/login"));
    const lines = (login.headers ?? []).filter(([name]) => name === "set-cookie").map(([, value]) => value);
    expectLoginCookies(lines);
    const uid = /^uid=([^;]+)/.exec(lines[0]!)![1]!;
    // RFC 9113 §8.2.3: a client may split the Cookie header into one field per cookie.
    const me = await client.response(
      client.request("GET", "/me", {
        headers: [
          ["cookie", "theme=dark"],
          ["cookie", `uid=${uid}`],
        ],
      }),
    );
    expect(JSON.parse(new TextDecoder().decode(me.body))).toEqual({ uid: "42", theme: "dark", raw: uid });
    expect(d.errors).toEqual([]);
  });

  test("a bad cookieSecrets option is a TypeError when the daemon is made", () => {
    for (const bad of [[], [""], "secret"]) expect(() => new HttpDaemon(0, { cookieSecrets: bad as string[] })).toThrow(TypeError);
  });
});
