/**
 * SPEC §3 over real sockets: status, connection state, and that nothing after a rejected request
 * is answered.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet } from "../../src/index.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, pathEcho, startDaemon } from "../helpers/servers.ts";

const GOOD = "GET /after HTTP/1.0\r\n\r\n";

describe("persistence (SPEC §3)", () => {
  test("HTTP/1.0 without keep-alive: Connection: close, then closed", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /a HTTP/1.0\r\n\r\n");
    expect(r.statusLine).toBe("HTTP/1.0 200 OK");
    expect(r.headers.connection).toBe("close");
    expect(r.body).toBe("GET /a [a]");
    await c.untilClosed();
  });

  test("HTTP/1.0 keep-alive: two requests on one connection", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    const r1 = await c.request("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(r1.headers.connection).toBe("keep-alive");
    const r2 = await c.request("GET /2 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    expect(r2.body).toBe("GET /2 [2]");
    expect(r2.headers.connection).toBe("keep-alive");
    // Still open: a third request on the same connection is answered.
    expect((await c.request("GET /3 HTTP/1.0\r\n\r\n")).body).toBe("GET /3 [3]");
  });

  test("HTTP/1.1 persists by default and closes on Connection: close", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    const r1 = await c.request("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r1.statusLine).toBe("HTTP/1.1 200 OK");
    expect(r1.headers.connection).toBe("keep-alive");
    const r2 = await c.request("GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(r2.headers.connection).toBe("close");
    await c.untilClosed();
  });

  test("to HTTP/1.0, a response without Content-Length is not self-delimited: close", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest() {
            this.sendResponse(200);
            this.endHeaders();
            this.sendContent("streamed");
            this.endContent();
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await c.untilClosed();
    const [r] = parseResponses(c.text(), true);
    expect(r!.statusLine).toBe("HTTP/1.0 200 OK");
    expect(r!.headers.connection).toBe("close");
    expect(r!.headers["transfer-encoding"]).toBeUndefined();
    expect(r!.body).toBe("streamed");
  });

  test("exactly one Connection header, conventional casing, Date and Server added", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest() {
            this.sendResponse(200);
            this.sendHeader("Connection", "upgrade");
            this.sendHeader("Transfer-Encoding", "chunked");
            this.sendHeader("Content-Length", 2);
            this.endHeaders();
            this.sendContent("ok");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(r.rawHeaderNames.filter((n) => n.toLowerCase() === "connection")).toEqual(["Connection"]);
    expect(r.rawHeaderNames).toContain("Content-Length");
    expect(r.rawHeaderNames).toContain("Date");
    expect(r.rawHeaderNames).toContain("Server");
    expect(r.rawHeaderNames).not.toContain("Transfer-Encoding");
    expect(r.headers.connection).toBe("keep-alive");
  });

  test("HEAD: headers with Content-Length, no body, connection kept", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => c.text().includes("\r\n\r\n"));
    c.send("GET /g HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => c.text().endsWith("GET /g [g]"));
    const text = c.text();
    expect(text.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
    expect(text).toContain("Content-Length: 11\r\n"); // "HEAD /h [h]"
    // the HEAD response's body was not sent: the next bytes are the GET's status line
    expect(text.split("\r\n\r\n")[1]!.startsWith("HTTP/1.1 200 OK")).toBe(true);
    // Still open: another request on it is answered.
    expect((await c.request("GET /again HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("GET /again [again]");
  });
});

describe("pipelining", () => {
  test("responses come strictly in request order, even when the first answers later", async () => {
    const server = new FnServer((s) => {
      const delay = Number(s.queryString() || 0);
      return new (class extends HttpServlet {
        override processRequest() {
          setTimeout(() => new TextServlet(this.session, s.requestPath()).processRequest(), delay);
        }
      })(s);
    });
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    c.send(
      "GET /1?40 HTTP/1.1\r\nHost: x\r\n\r\nGET /2?0 HTTP/1.1\r\nHost: x\r\n\r\nGET /3?10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    await c.untilClosed();
    const rs = parseResponses(c.text(), true);
    expect(rs.map((r) => r.body)).toEqual(["/1", "/2", "/3"]);
    expect(rs.map((r) => r.headers.connection)).toEqual(["keep-alive", "keep-alive", "close"]);
  });

  test("64 pipelined requests in one write get 64 responses in order", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    let batch = "";
    for (let i = 0; i < 64; i++) batch += `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
    c.send(batch);
    const rs = await c.responses(64);
    expect(rs.map((r) => r.body)).toEqual(Array.from({ length: 64 }, (_, i) => `GET /${i} [${i}]`));
  });

  test("a head split across many writes is reassembled", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    const req = "GET /split/path?q HTTP/1.1\r\nHost: example\r\nX-Long: " + "v".repeat(3000) + "\r\n\r\n";
    for (let i = 0; i < req.length; i += 700) {
      c.send(req.slice(i, i + 700));
      await new Promise((r) => setImmediate(r)); // let each piece go out as its own segment
    }
    const [r] = await c.responses(1);
    expect(r!.body).toBe("GET /split/path [split/path]");
  });
});

describe("rejected requests: status, close, nothing after them answered", () => {
  const cases: [string, string, number][] = [
    ["bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400],
    ["space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400],
    ["obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", 400],
    ["CTL in value", "GET / HTTP/1.1\r\nHost: x\r\nA: \x01\r\n\r\n", 400],
    ["bad version", "GET / HTTP/1.x\r\n\r\n", 400],
    ["HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505],
    ["1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400],
    ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
    ["duplicate Content-Length", "POST / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400],
    ["TE with CL", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", 400],
    ["TE on 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["TE gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
    ["versionless POST", "POST /x\r\n", 400],
    ["request line too long", "GET /" + "a".repeat(9000) + " HTTP/1.0\r\n\r\n", 414],
    ["head too large", "GET / HTTP/1.0\r\n" + ("X-A: " + "b".repeat(1000) + "\r\n").repeat(17) + "\r\n", 431],
    ["too many headers", "GET / HTTP/1.0\r\n" + "A: b\r\n".repeat(101) + "\r\n", 431],
    ["bad percent escape", "GET /a%zz HTTP/1.0\r\n\r\n", 400],
    ["encoded slash", "GET /a%2Fb HTTP/1.0\r\n\r\n", 400],
    ["encoded NUL", "GET /a%00 HTTP/1.0\r\n\r\n", 400],
    ["invalid UTF-8", "GET /%ff%fe HTTP/1.0\r\n\r\n", 400],
    ["above the root", "GET /../etc/passwd HTTP/1.0\r\n\r\n", 403],
    ["CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501],
  ];
  for (const [name, bytes, status] of cases) {
    test(`${name} → ${status}`, async () => {
      await using srv = startDaemon({ "/": pathEcho() });
      using c = await RawClient.connect(srv.port);
      c.send(bytes + GOOD); // the good request right behind must never be answered
      await c.untilClosed();
      const rs = parseResponses(c.text(), true);
      expect(rs.length).toBe(1);
      expect(rs[0]!.status).toBe(status);
      expect(rs[0]!.headers.connection).toBe("close");
      expect(rs[0]!.body).not.toContain("after");
    });
  }

  test("a servlet that throws gets the client a 500, and other connections keep working", async () => {
    const server = new FnServer((s) => {
      if (s.requestPath() === "/boom") {
        return new (class extends HttpServlet {
          override processRequest(): void {
            throw new Error("boom");
          }
        })(s);
      }
      if (s.requestPath() === "/async-boom") {
        return new (class extends HttpServlet {
          override async processRequest(): Promise<void> {
            await Promise.resolve();
            throw new Error("async boom");
          }
        })(s);
      }
      if (s.requestPath() === "/factory-boom") throw new Error("factory boom");
      return new TextServlet(s, "fine");
    });
    await using srv = startDaemon({ "/": server });
    using other = await RawClient.connect(srv.port);
    other.send("GET /ok HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    for (const path of ["/boom", "/async-boom", "/factory-boom"]) {
      using c = await RawClient.connect(srv.port);
      c.send(`GET ${path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
      await c.untilClosed();
      expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([500]);
    }
    expect(srv.errors.length).toBe(3);
    expect((await other.responses(1))[0]!.body).toBe("fine");
    const again = await other.request("GET /ok HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(again.body).toBe("fine");
  });

  test("unknown path → 404: HTTP/1.1 keeps the connection (framing intact), HTTP/1.0 closes as OSE did", async () => {
    await using srv = startDaemon({ "/known": pathEcho() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /unknown HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r.statusLine).toBe("HTTP/1.1 404 Not Found");
    expect(r.headers.connection).toBe("keep-alive");
    expect((await c.request("GET /known HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("GET /known []");
    using d = await RawClient.connect(srv.port);
    const r10 = await d.request("GET /unknown HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(r10.statusLine).toBe("HTTP/1.0 404 Not Found");
    expect(r10.headers.connection).toBe("close"); // sendError always closes an HTTP/1.0 connection
    await d.untilClosed();
  });
});

describe("HTTP/0.9 and target forms", () => {
  test("a versionless line after an HTTP/1.x request on the same connection is a 400, not HTTP/0.9", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b\r\n");
    await c.untilClosed();
    expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([200, 400]);
  });

  test("a simple request gets the body only, then close", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    c.send("GET /old\r\n");
    await c.untilClosed();
    expect(c.text()).toBe("GET /old [old]");
  });

  test("leading empty lines are skipped", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("\r\n\r\nGET /x HTTP/1.0\r\n\r\n");
    expect(r.body).toBe("GET /x [x]");
  });

  test("absolute-form target: its host wins over Host", async () => {
    const server = new FnServer((s) => new TextServlet(s, `${s.serverHost()} ${s.serverPort()} ${s.requestPath()} ${s.url()}`));
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET http://example.org:81/p/q?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
    expect(r.body).toBe("example.org 81 /p/q http://example.org:81/p/q?x=1");
  });

  test("requestPath is decoded once and normalised; the query stays raw", async () => {
    const server = new FnServer((s) => new TextServlet(s, `${s.requestPath()}|${s.queryString()}`));
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /a//b/./c/../%64%2541?x=%20y+z HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(r.body).toBe("/a/b/d%41|x=%20y+z");
  });
});
