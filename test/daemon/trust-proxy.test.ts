/**
 * trustProxy (SPEC §10) over real sockets: a PROXY v1/v2 header or the forwarded headers of a
 * trusted peer name the client for clientHost()/clientPort(), authorise(host), allow/deny and the
 * access log; from any other peer they are ignored and a PROXY header is a 400.
 */
import { describe, expect, test } from "bun:test";
import { HttpDaemon, type HttpDaemonOptions } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

const whoami = () => new FnServer((s) => new TextServlet(s, `${s.clientHost()} ${s.clientPort()}`));
const V1 = "PROXY TCP4 192.0.2.7 10.0.0.1 51234 80\r\n";
const u16 = (n: number) => [n >> 8, n & 0xff];
/** PROXY v2, PROXY command, TCP over IPv6: 2001:db8::5 port 40000 → ::1 port 80, with one TLV. */
const V2 = Uint8Array.from([
  ...[0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x21],
  ...u16(36 + 5),
  ...[0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 5],
  ...[...new Array<number>(15).fill(0), 1],
  ...u16(40000),
  ...u16(80),
  ...[0x04, 0, 2, 0x61, 0x62],
]);
const GET = (extra = "") => `GET / HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

/** A daemon answering with the client's host and port, its access log collected. */
function start(options: HttpDaemonOptions) {
  const log: string[] = [];
  const srv = startDaemon({ "/": whoami() }, { accessLog: (text) => log.push(text), ...options });
  return { srv, log };
}

/** The access log's lines once the daemon has stopped (stop() flushes it). */
async function logLines(srv: { daemon: HttpDaemon }, log: string[]): Promise<string[]> {
  await srv.daemon.stop(500);
  return log.join("").split("\n").filter(Boolean);
}

describe("PROXY header from a trusted peer", () => {
  test("v1 names the client for every request of the connection, and the access log", async () => {
    const { srv, log } = start({ trustProxy: ["127.0.0.1"] });
    await using _ = srv;
    using c = await RawClient.connect(srv.port);
    c.send(V1 + GET());
    const [first, second] = await (async () => {
      const a = await c.responses(1);
      c.send(GET("X-Forwarded-For: 6.6.6.6\r\n")); // the PROXY header holds for the whole connection
      return (await c.responses(2)).slice(0, 2).concat(a);
    })();
    expect([first!.status, first!.body]).toEqual([200, "192.0.2.7 51234"]);
    expect([second!.status, second!.body]).toEqual([200, "192.0.2.7 51234"]);
    expect(c.closed).toBe(false);
    const lines = await logLines(srv, log);
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["192.0.2.7", "192.0.2.7"]);
  });

  test("v2 (TCP over IPv6, a TLV skipped) names the client", async () => {
    const { srv, log } = start({ trustProxy: ["127.0.0.0/8"] });
    await using _ = srv;
    using c = await RawClient.connect(srv.port);
    c.send(V2);
    const r = await c.request(GET());
    expect([r.status, r.body]).toEqual([200, "2001:db8::5 40000"]);
    expect(c.closed).toBe(false);
    expect((await logLines(srv, log)).map((l) => l.split(" ")[0])).toEqual(["2001:db8::5"]);
  });

  test("a malformed PROXY header is a 400 and close", async () => {
    await using srv = startDaemon({ "/": whoami() }, { trustProxy: ["127.0.0.1"] });
    using c = await RawClient.connect(srv.port);
    c.send("PROXY TCP4 192.0.2.300 10.0.0.1 1 2\r\n" + GET());
    await c.untilClosed();
    expect(c.text()).toMatch(/^HTTP\/1\.[01] 400 /);
    expect(srv.daemon.stats().requests).toBe(0);
  });

  test("a request without a PROXY header is served, the peer its client", async () => {
    await using srv = startDaemon({ "/": whoami() }, { trustProxy: ["127.0.0.1"] });
    using c = await RawClient.connect(srv.port);
    const r = await c.request(GET());
    expect([r.status, r.body.split(" ")[0]]).toEqual([200, "127.0.0.1"]);
  });

  test("the client it names meets allow/deny and authorise(host) when the header is read", async () => {
    {
      await using srv = startDaemon({ "/": whoami() }, { trustProxy: ["127.0.0.1"], deny: ["192.0.2.0/24"] });
      using c = await RawClient.connect(srv.port);
      c.send(V1 + GET());
      await c.untilClosed();
      expect(c.length).toBe(0);
      expect(srv.daemon.stats().denied).toBe(1);
    }
    const seen: string[] = [];
    class Picky extends HttpDaemon {
      override authorise(host: string): boolean {
        seen.push(host);
        return host === "2001:db8::5";
      }
    }
    const daemon = new Picky(0, { accessLog: null, trustProxy: ["127.0.0.1"] });
    daemon.attach("/", whoami());
    daemon.start();
    try {
      using c = await RawClient.connect(daemon.port());
      c.send(V2);
      expect((await c.request(GET())).body).toBe("2001:db8::5 40000");
      expect(seen).toEqual(["2001:db8::5"]); // the proxy itself is not asked
    } finally {
      await daemon.stop(200);
    }
  });
});

describe("from a peer that is not trusted", () => {
  for (const [name, header] of [
    ["v1", V1],
    ["v2", V2],
  ] as const) {
    test(`a PROXY ${name} header is a 400 and close`, async () => {
      await using srv = startDaemon({ "/": whoami() }, { trustProxy: ["10.0.0.0/8"] });
      using c = await RawClient.connect(srv.port);
      c.send(header);
      c.send(GET());
      await c.untilClosed();
      expect(c.text()).toMatch(/^HTTP\/1\.[01] 400 /);
    });
  }

  test("Forwarded and X-Forwarded-For are ignored", async () => {
    await using srv = startDaemon({ "/": whoami() }, { trustProxy: ["10.0.0.0/8"] });
    using c = await RawClient.connect(srv.port);
    expect((await c.request(GET("X-Forwarded-For: 203.0.113.9\r\n"))).body.split(" ")[0]).toBe("127.0.0.1");
    expect((await c.request(GET("Forwarded: for=203.0.113.9\r\n"))).body.split(" ")[0]).toBe("127.0.0.1");
  });
});

describe("forwarded headers from a trusted peer", () => {
  const trustProxy = ["127.0.0.1", "10.0.0.0/8"];
  const cases: [name: string, headers: string, client: string][] = [
    ["X-Forwarded-For: one address", "X-Forwarded-For: 203.0.113.9\r\n", "203.0.113.9"],
    [
      "X-Forwarded-For: rightmost untrusted, spoofed leftmost ignored",
      "X-Forwarded-For: 6.6.6.6, 203.0.113.9, 10.1.2.3\r\n",
      "203.0.113.9",
    ],
    ["X-Forwarded-For over two fields", "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 198.51.100.4, 10.0.0.7\r\n", "198.51.100.4"],
    ["X-Forwarded-For: every hop trusted, the leftmost is the client", "X-Forwarded-For: 10.0.0.9, 10.0.0.7\r\n", "10.0.0.9"],
    ["X-Forwarded-For: an IPv4 with a port", "X-Forwarded-For: 203.0.113.9:5555\r\n", "203.0.113.9"],
    ["X-Forwarded-For: garbage right of the client ends the walk at the peer", "X-Forwarded-For: 203.0.113.9, nonsense\r\n", "127.0.0.1"],
    // A proxy that appends to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for) passes a
    // client's own Forwarded through untouched: believing it would let any client name itself.
    [
      "a Forwarded the client wrote beside the proxy's X-Forwarded-For is ignored",
      "X-Forwarded-For: 203.0.113.9\r\nForwarded: for=198.51.100.66\r\n",
      "203.0.113.9",
    ],
    ["Forwarded alone is not read by default", "Forwarded: for=198.51.100.66\r\n", "127.0.0.1"],
    ["no forwarded header: the peer", "", "127.0.0.1"],
  ];
  /** With forwardedHeader: "forwarded" (a proxy that writes RFC 7239's header), X-Forwarded-For is the ignored one. */
  const forwardedCases: [name: string, headers: string, client: string][] = [
    [
      "Forwarded: quoted IPv6 with port",
      'Forwarded: for=198.51.100.1, for="[2001:db8::9]:4711";proto=http, for=10.0.0.2\r\n',
      "2001:db8::9",
    ],
    [
      "Forwarded read, an X-Forwarded-For the client wrote ignored",
      "X-Forwarded-For: 6.6.6.6\r\nForwarded: For=198.51.100.2\r\n",
      "198.51.100.2",
    ],
    ["X-Forwarded-For alone is not read", "X-Forwarded-For: 6.6.6.6\r\n", "127.0.0.1"],
    ["Forwarded: unknown ends the walk", "Forwarded: for=198.51.100.1, for=unknown\r\n", "127.0.0.1"],
  ];
  for (const [name, headers, client] of forwardedCases) {
    test(`forwardedHeader "forwarded": ${name}`, async () => {
      await using srv = startDaemon({ "/": whoami() }, { trustProxy, forwardedHeader: "forwarded" });
      using c = await RawClient.connect(srv.port);
      const r = await c.request(GET(headers));
      expect([r.status, r.body.split(" ")[0]]).toEqual([200, client]);
    });
  }
  for (const [name, headers, client] of cases) {
    test(name, async () => {
      await using srv = startDaemon({ "/": whoami() }, { trustProxy });
      using c = await RawClient.connect(srv.port);
      const r = await c.request(GET(headers));
      expect([r.status, r.body.split(" ")[0]]).toEqual([200, client]);
    });
  }

  test("per request: each request's client meets the deny list, the access log names it", async () => {
    const { srv, log } = start({ trustProxy, deny: ["203.0.113.0/24"] });
    await using _ = srv;
    using c = await RawClient.connect(srv.port);
    const r = await c.request(GET("X-Forwarded-For: 198.51.100.1\r\n"));
    expect([r.status, r.body.split(" ")[0]]).toEqual([200, "198.51.100.1"]);
    c.send(GET("X-Forwarded-For: 203.0.113.9\r\n"));
    await c.untilClosed();
    expect(c.text()).not.toContain("203.0.113.9"); // dropped, no second response
    expect(srv.daemon.stats().denied).toBe(1);
    expect(srv.daemon.stats().requests).toBe(1);
    expect((await logLines(srv, log)).map((l) => l.split(" ")[0])).toEqual(["198.51.100.1"]);
  });
});
