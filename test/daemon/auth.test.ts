/** Client authorisation by address (SPEC §2.1) and HTTP Basic authentication (SPEC §2.2). */
import { describe, expect, test } from "bun:test";
import { HttpDaemon, HttpServer, type HttpSession } from "../../src/index.ts";
import { AddressFilter, parseAddress } from "../../src/daemon/address-filter.ts";
import { basicCredentials } from "../../src/servers/http-server.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { TextServlet, pathEcho, startDaemon } from "../helpers/servers.ts";

const basic = (user: string, password: string) => "Basic " + Buffer.from(`${user}:${password}`).toString("base64");

class Guarded extends HttpServer {
  override realm = "admin area";
  calls: [string, string][] = [];
  override authorise(login: string, password: string): boolean | Promise<boolean> {
    this.calls.push([login, password]);
    if (login === "async") return Promise.resolve(password === "ok");
    return login === "alice" && password === "s3:cret";
  }
  override servlet(s: HttpSession) {
    return new TextServlet(s, `hello ${s.remoteUser()}`);
  }
}

describe("client authorisation by address", () => {
  test("authorise(host) false drops the connection with no bytes written", async () => {
    const seen: string[] = [];
    class Picky extends HttpDaemon {
      override authorise(host: string): boolean {
        seen.push(host);
        return false;
      }
    }
    const daemon = new Picky(0, { accessLog: null });
    daemon.attach("/", pathEcho());
    daemon.start();
    try {
      using c = await RawClient.connect(daemon.port());
      c.send("GET / HTTP/1.0\r\n\r\n");
      await c.untilClosed();
      expect(c.length).toBe(0);
      expect(seen).toEqual(["127.0.0.1"]);
    } finally {
      await daemon.stop(200);
    }
  });

  test("deny list refuses, allow list admits", async () => {
    {
      await using srv = startDaemon({ "/": pathEcho() }, { deny: ["127.0.0.0/8"] });
      using c = await RawClient.connect(srv.port);
      c.send("GET / HTTP/1.0\r\n\r\n");
      await c.untilClosed();
      expect(c.length).toBe(0);
    }
    {
      await using srv = startDaemon({ "/": pathEcho() }, { allow: ["10.0.0.0/8", "127.0.0.1/32"] });
      using c = await RawClient.connect(srv.port);
      expect((await c.request("GET /in HTTP/1.0\r\n\r\n")).status).toBe(200);
    }
    {
      await using srv = startDaemon({ "/": pathEcho() }, { allow: ["10.0.0.0/8"] });
      using c = await RawClient.connect(srv.port);
      c.send("GET / HTTP/1.0\r\n\r\n");
      await c.untilClosed();
      expect(c.length).toBe(0);
    }
  });

  test("a client seen as IPv4-mapped IPv6 (a dual-stack listener) meets IPv4 rules, and the reverse", async () => {
    // Listening on "::" a loopback client is ::ffff:127.0.0.1; listening on 127.0.0.1 it is 127.0.0.1.
    const cases: [host: string, options: { allow?: string[]; deny?: string[] }, admitted: boolean][] = [
      ["::", { deny: ["127.0.0.1"] }, false],
      ["::", { deny: ["127.0.0.0/8"] }, false],
      ["::", { allow: ["127.0.0.1"] }, true],
      ["::", { allow: ["10.0.0.0/8"] }, false],
      ["127.0.0.1", { deny: ["::ffff:7f00:1/128"] }, false],
      ["127.0.0.1", { deny: ["::ffff:0:0/96"] }, false],
      ["127.0.0.1", { allow: ["::ffff:127.0.0.0/104"] }, true],
      ["127.0.0.1", { allow: ["::ffff:7f00:2"] }, false],
    ];
    for (const [host, options, admitted] of cases) {
      await using srv = startDaemon({ "/": pathEcho() }, { host, ...options });
      using c = await RawClient.connect(srv.port);
      c.send("GET / HTTP/1.0\r\n\r\n");
      await c.untilClosed();
      expect({ host, options, status: parseResponses(c.text(), true)[0]?.status ?? "dropped" }).toEqual({
        host,
        options,
        status: admitted ? 200 : "dropped",
      });
    }
  });

  test("every spelling of an IPv4-mapped address or range matches the IPv4 client, and the reverse", () => {
    // RFC 4291 §2.5.5.2: ::ffff:a.b.c.d is the IPv4 address a.b.c.d; §2.2: the forms of one address.
    const loopback = [
      "127.0.0.1",
      "::ffff:127.0.0.1",
      "::FFFF:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:7f00:0001",
      "::FFFF:7F00:1",
      "0:0:0:0:0:ffff:7f00:1",
      "0000:0000:0000:0000:0000:ffff:7f00:0001",
      "0:0:0:0:0:ffff:127.0.0.1",
      "0::ffff:127.0.0.1",
      "[::ffff:127.0.0.1]",
    ];
    const matching = [
      ...loopback,
      "127.0.0.1/32",
      "127.0.0.0/8",
      "0.0.0.0/0",
      "::ffff:127.0.0.1/128",
      "::ffff:7f00:1/128",
      "::ffff:7f00:0/104",
      "::ffff:127.0.0.0/104",
      "::ffff:0:0/96",
      "0:0:0:0:0:ffff:0:0/96",
    ];
    const notMatching = [
      "127.0.0.2",
      "10.0.0.0/8",
      "::ffff:7f00:2",
      "::ffff:10.0.0.0/104",
      "::1",
      "::7f00:1",
      "::127.0.0.1",
      "::ffff:0:0:0/96",
      "fd00::/8",
    ];
    const rows: string[] = [];
    for (const client of loopback) {
      for (const rule of matching) {
        if (new AddressFilter([], [rule]).permits(client)) rows.push(`deny ${rule} let ${client} in`);
        if (!new AddressFilter([rule]).permits(client)) rows.push(`allow ${rule} kept ${client} out`);
      }
      for (const rule of notMatching) {
        if (!new AddressFilter([], [rule]).permits(client)) rows.push(`deny ${rule} kept ${client} out`);
        if (new AddressFilter([rule]).permits(client)) rows.push(`allow ${rule} let ${client} in`);
      }
    }
    expect(rows).toEqual([]);
  });

  test("IPv6 ranges wider than ::ffff:0:0/96 match IPv6 clients only (IPv4 is matched by IPv4 rules)", () => {
    const f = new AddressFilter([], ["::/0"]);
    expect(f.permits("::1")).toBe(false);
    expect(f.permits("fd00::2")).toBe(false);
    expect(f.permits("127.0.0.1")).toBe(true);
    expect(f.permits("::ffff:127.0.0.1")).toBe(true);
    expect(new AddressFilter([], ["0.0.0.0/0"]).permits("::1")).toBe(true);
  });

  test("CIDR matching for IPv4, IPv6 and IPv4-mapped addresses", () => {
    const f = new AddressFilter(["192.168.1.0/24", "fd00::/8", "::1"], ["192.168.1.13"]);
    expect(f.permits("192.168.1.7")).toBe(true);
    expect(f.permits("192.168.1.13")).toBe(false);
    expect(f.permits("192.168.2.7")).toBe(false);
    expect(f.permits("::ffff:192.168.1.8")).toBe(true);
    expect(f.permits("fd12:3456::1")).toBe(true);
    expect(f.permits("fe80::1")).toBe(false);
    expect(f.permits("::1")).toBe(true);
    expect(parseAddress("1.2.3.256")).toBeNull();
    expect(parseAddress("1::2::3")).toBeNull();
    expect(parseAddress("::ffff:1.2.3.256")).toBeNull();
    expect(parseAddress("::ffff:1.2.3")).toBeNull();
    expect(parseAddress("1.2.3.4::")).toBeNull();
    expect(parseAddress("::ffff:7f00:1")).toEqual([0x7f000001n, 32]);
    expect(parseAddress("::7f00:1")).toEqual([0x7f000001n, 128]); // IPv4-compatible, not mapped: IPv6
    expect(() => new AddressFilter(["10.0.0.0/8/9"])).toThrow(TypeError);
    expect(() => new AddressFilter(["10.0.0.0/33"])).toThrow(TypeError);
    expect(() => new AddressFilter(["nonsense"])).toThrow(TypeError);
  });
});

describe("HTTP Basic authentication", () => {
  test("without credentials: authorise('', '') then 401 with a challenge, connection closed", async () => {
    const guarded = new Guarded();
    await using srv = startDaemon({ "/admin": guarded, "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    c.send("GET /admin/x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await c.untilClosed();
    const [r] = parseResponses(c.text(), true);
    expect(r!.status).toBe(401);
    expect(r!.headers["www-authenticate"]).toBe('Basic realm="admin area"');
    expect(guarded.calls).toEqual([["", ""]]);
  });

  test("good credentials pass (split at the first colon); remoteUser is set", async () => {
    await using srv = startDaemon({ "/admin": new Guarded() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request(`GET /admin HTTP/1.0\r\nAuthorization: ${basic("alice", "s3:cret")}\r\n\r\n`);
    expect(r.status).toBe(200);
    expect(r.body).toBe("hello alice");
  });

  test("asynchronous authorise", async () => {
    await using srv = startDaemon({ "/admin": new Guarded() });
    using ok = await RawClient.connect(srv.port);
    expect((await ok.request(`GET /admin HTTP/1.0\r\nAuthorization: ${basic("async", "ok")}\r\n\r\n`)).status).toBe(200);
    using no = await RawClient.connect(srv.port);
    expect((await no.request(`GET /admin HTTP/1.0\r\nAuthorization: ${basic("async", "no")}\r\n\r\n`)).status).toBe(401);
  });

  test("wrong password → 401; the unguarded part needs nothing", async () => {
    await using srv = startDaemon({ "/admin": new Guarded(), "/": pathEcho() });
    using a = await RawClient.connect(srv.port);
    expect((await a.request(`GET /admin HTTP/1.0\r\nAuthorization: ${basic("alice", "wrong")}\r\n\r\n`)).status).toBe(401);
    using c = await RawClient.connect(srv.port);
    expect((await c.request("GET /public HTTP/1.0\r\n\r\n")).status).toBe(200);
  });

  // RFC 9110 §11.6.1 and §15.5.2: credentials in a scheme the server does not take are answered
  // like none at all — 401 with the challenge of the scheme it does take — never 501.
  for (const auth of ["Bearer abc", 'Digest username="alice", realm="admin area", response="x"', "Negotiate YII=", "Basicx YQ=="]) {
    test(`another scheme (${auth.split(" ")[0]}) → 401 with the Basic challenge; the client answers it on the same connection`, async () => {
      const guarded = new Guarded();
      await using srv = startDaemon({ "/admin": guarded });
      using c = await RawClient.connect(srv.port);
      const refused = await c.request(`GET /admin HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n\r\n`);
      expect([refused.status, refused.headers["www-authenticate"], refused.headers.connection]).toEqual([
        401,
        'Basic realm="admin area"',
        "keep-alive",
      ]);
      const ok = await c.request(`GET /admin HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic("alice", "s3:cret")}\r\n\r\n`);
      expect([ok.status, ok.body, c.closed]).toEqual([200, "hello alice", false]);
      expect(parseResponses(c.text(), false).length).toBe(2);
      expect(guarded.calls).toEqual([
        ["", ""],
        ["alice", "s3:cret"],
      ]);
    });
  }

  test("credential parsing", () => {
    expect(basicCredentials(null)).toEqual(["", ""]);
    expect(basicCredentials(basic("u", "p:q"))).toEqual(["u", "p:q"]);
    expect(basicCredentials("basic " + Buffer.from("x:").toString("base64"))).toEqual(["x", ""]);
    expect(basicCredentials("Digest abc")).toEqual(["", ""]); // not Basic: no Basic credentials
    expect(basicCredentials("Basic !!!")).toBe(400);
    expect(basicCredentials("Basic " + Buffer.from("nocolon").toString("base64"))).toBe(400);
  });
});
