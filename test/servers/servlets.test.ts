/** The predefined servlets and the session accessors, over real sockets. */
import { describe, expect, test } from "bun:test";
import { EchoServlet, ErrorServlet, FormServlet, HttpServer, HttpServlet, RedirectServlet, type HttpSession } from "../../src/index.ts";
import { sessionInternals as internals } from "../../src/servers/http-session.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

class Form extends FormServlet {
  override handleRequest(): void {
    new TextServlet(this.session, JSON.stringify(this.fields())).processRequest();
  }
}

describe("predefined servlets", () => {
  test("ErrorServlet: the status, an HTML page that does not echo the request, close", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new ErrorServlet(s, 410)) });
    using c = await RawClient.connect(srv.port);
    c.send("GET /xss-probe(1)?q=alert(2) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await c.untilClosed();
    const [r] = parseResponses(c.text(), true);
    expect(r!.statusLine).toBe("HTTP/1.0 410 Gone");
    expect(r!.headers["content-type"]).toContain("text/html");
    expect(r!.body).toContain("410 Gone");
    expect(r!.body).not.toContain("xss-probe");
    expect(r!.body).not.toContain("alert");
  });

  test("RedirectServlet makes a /path absolute against the addressed host", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new RedirectServlet(s, "/new place?x=1", 301)) });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /old HTTP/1.1\r\nHost: example.com:8080\r\n\r\n");
    expect(r.statusLine).toBe("HTTP/1.1 301 Moved Permanently");
    expect(r.headers.location).toBe("http://example.com:8080/new%20place?x=1");
    expect(r.headers.connection).toBe("keep-alive");
  });

  test("FormServlet: GET query, POST urlencoded body, repeated fields, errors", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Form(s)) });
    using a = await RawClient.connect(srv.port);
    const utf8 = (latin1: string) => Buffer.from(latin1, "latin1").toString("utf8");
    expect(utf8((await a.request("GET /f?a=1&b=x+y&a=2&c=%C3%A9 HTTP/1.0\r\n\r\n")).body)).toBe('{"a":["1","2"],"b":"x y","c":"é"}');
    using b = await RawClient.connect(srv.port);
    const body = "name=Ada+L&lang=en&lang=fr";
    const r = await b.request(
      `POST /f HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(r.body).toBe('{"name":"Ada L","lang":["en","fr"]}');
    using c = await RawClient.connect(srv.port);
    expect((await c.request("POST /f HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n")).status).toBe(400);
    using d = await RawClient.connect(srv.port);
    expect((await d.request("PUT /f HTTP/1.0\r\nContent-Length: 0\r\n\r\n")).status).toBe(501);
  });

  test("EchoServlet describes the request and echoes the body, escaped", async () => {
    await using srv = startDaemon({ "/echo": new FnServer((s) => new EchoServlet(s)) });
    using c = await RawClient.connect(srv.port);
    const body = "<b>hi</b>";
    const r = await c.request(`POST /echo/sub?q=1 HTTP/1.1\r\nHost: h:9\r\nX-Test: yes\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain("<tr><th>servletPath</th><td>sub</td></tr>");
    expect(r.body).toContain("<tr><th>url</th><td>http://h:9/echo/sub?q=1</td></tr>");
    expect(r.body).toContain("<tr><th>x-test</th><td>yes</td></tr>");
    expect(r.body).toContain("&#60;b&#62;hi&#60;/b&#62;");
  });
});

describe("sendDocument", () => {
  test("a whole response in one call, bytes or text; a second call is ignored", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest() {
            const bytes = s.requestPath() === "/bytes";
            this.sendDocument(
              201,
              bytes ? "application/octet-stream" : "text/plain; charset=utf-8",
              bytes ? Uint8Array.of(0, 1, 255) : "h\u00e9",
              [["X-Kind", "doc"]],
            );
            this.sendDocument(500, "text/plain", "ignored");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    const b = await c.request("GET /bytes HTTP/1.1\r\nHost: x\r\n\r\n");
    expect([b.status, b.headers["content-type"], b.headers["x-kind"], b.headers["content-length"], b.body]).toEqual([
      201,
      "application/octet-stream",
      "doc",
      "3",
      "\x00\x01\xff",
    ]);
    const t = await c.request("GET /text HTTP/1.1\r\nHost: x\r\n\r\n");
    expect([t.status, t.headers["content-length"], t.body, t.headers.connection]).toEqual([201, "3", "h\u00c3\u00a9", "keep-alive"]);
  });
});

describe("routing and session accessors", () => {
  test("deepest whole-segment match wins; one server at several paths", async () => {
    const tag = (name: string) => new FnServer((s) => new TextServlet(s, `${name} ${s.serverPath()} [${s.servletPath()}]`));
    const shared = tag("shared");
    await using srv = startDaemon({ "/": tag("root"), "/logs": tag("logs"), "/logs/deep": tag("deep"), "/a": shared, "/b/c": shared });
    using c = await RawClient.connect(srv.port);
    const get = async (path: string) => (await c.request(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)).body;
    expect(await get("/logs")).toBe("logs /logs []");
    expect(await get("/logs/a/b")).toBe("logs /logs [a/b]");
    expect(await get("/logsfoo")).toBe("root / [logsfoo]");
    expect(await get("/logs/deep/x")).toBe("deep /logs/deep [x]");
    expect(await get("/logs/deeper")).toBe("logs /logs [deeper]");
    expect(await get("/a/1")).toBe("shared /a [1]");
    expect(await get("/b/c/2")).toBe("shared /b/c [2]");
    expect(await get("/l%6fgs/x")).toBe("logs /logs [x]"); // decoded before routing
  });

  test("a plain path's servlet path lies in the request bytes where servletPathStart() says", async () => {
    // FileServer looks its remembered files up by these bytes; they must spell servletPath().
    const probe = new FnServer((s) => {
      const plain = internals.isPlainPath(s);
      const bytes = internals.headBytes(s).subarray(internals.servletPathStart(s), internals.pathEnd(s));
      const fromBytes = plain ? Buffer.from(bytes).toString("latin1") : "-";
      return new TextServlet(s, `${plain} [${fromBytes}] [${s.servletPath()}]`);
    });
    await using srv = startDaemon({ "/": probe, "/static": probe, "/a/b": probe });
    using c = await RawClient.connect(srv.port);
    const get = async (target: string) => (await c.request(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)).body;
    for (const [target, rest] of [
      ["/", ""],
      ["/x.txt", "x.txt"],
      ["/static", ""],
      ["/static/", ""],
      ["/static/x/y.txt", "x/y.txt"],
      ["/staticx", "staticx"],
      ["/a/b/c?q=1", "c"],
      ["/a/bc", "a/bc"],
      ["http://h:8/static/z", "z"],
    ]) {
      expect([target, await get(target!)]).toEqual([target, `true [${rest}] [${rest}]`]);
    }
    expect(await get("/static/%7a")).toBe("false [-] [z]"); // escaped: looked up by its decoded string
  });

  test("attach refuses non-normalised paths with a TypeError naming the path", () => {
    const { daemon } = startDaemon({});
    for (const bad of ["", "logs", "/logs/", "//x", "/a/./b", "/a/../b", "/a?b"]) {
      expect(() => daemon.attach(bad, new HttpServer())).toThrow(TypeError);
    }
    expect(() => daemon.attach("/logs/", new HttpServer())).toThrow('"/logs/"');
    void daemon.stop();
  });

  test("detaching with null; a server returning null → 404", async () => {
    await using srv = startDaemon({ "/x": new FnServer((s) => new TextServlet(s, "x")), "/": new FnServer(() => null) });
    srv.daemon.attach("/x", null);
    using c = await RawClient.connect(srv.port);
    expect((await c.request("GET /x HTTP/1.0\r\n\r\n")).status).toBe(404);
  });

  test("session accessors", async () => {
    const server = new FnServer(
      (s: HttpSession) =>
        new TextServlet(
          s,
          JSON.stringify({
            method: s.requestMethod(),
            path: s.requestPath(),
            query: s.queryString(),
            url: s.url(),
            version: s.protocolVersion(),
            host: s.serverHost(),
            port: s.serverPort(),
            client: s.clientHost(),
            clientPortOk: s.clientPort() > 0,
            length: s.contentLength(),
            type: s.contentType(),
            has: s.containsHeader("x-multi"),
            multi: s.header("X-MULTI"),
            missing: s.header("nope"),
            root: s.serverRoot(),
            typeIs: [
              s.headerIs("content-type", "TEXT/plain"),
              s.headerIs("content-type", "text/plain; charset=utf-8"),
              s.headerIs("content-type", "text/plai"),
              s.headerIs("x-multi", "1"), // repeated: never "is" one value
              s.headerIs("nope", ""),
            ],
          }),
        ),
    );
    await using srv = startDaemon({ "/app": server });
    using c = await RawClient.connect(srv.port);
    const r = await c.request(
      "POST /app/p%20q?a=%20 HTTP/1.1\r\nHost: example:81\r\nX-Multi: 1\r\nx-multi: 2\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
    );
    expect(JSON.parse(r.body)).toEqual({
      method: "POST",
      path: "/app/p q",
      query: "a=%20",
      url: "http://example:81/app/p%20q?a=%20",
      version: "HTTP/1.1",
      host: "example",
      port: 81,
      client: "127.0.0.1",
      clientPortOk: true,
      length: 0,
      type: "text/plain",
      has: true,
      multi: "1, 2",
      missing: null,
      root: "http://example:81/app",
      typeIs: [true, false, false, false, false],
    });
  });
});
