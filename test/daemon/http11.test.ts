/**
 * HTTP/1.1 answers for HTTP/1.1 requests (issue 12, item 5): the status line, chunked responses
 * when a servlet streams without Content-Length (and the connection kept), 100 Continue only when
 * the servlet wants the body, and real clients (curl, Python's http.client) reusing a connection.
 */
import { describe, expect, test } from "bun:test";
import { HttpServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, pathEcho, startDaemon } from "../helpers/servers.ts";
import { peerTest } from "../helpers/peers.ts";

/** Streams three pieces without a Content-Length. */
class Streamer extends HttpServlet {
  override processRequest(): void {
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.endHeaders();
    this.sendContent("one,");
    this.sendContent(new TextEncoder().encode("two,"));
    this.sendContent(""); // an empty piece must not end the body early
    this.sendContent("thrée");
    this.endContent();
  }
}

/** Counts the body and answers the count; when `late`, asks for it only once `gate` opens. */
class Counter extends HttpServlet {
  static asked = 0;
  static gate: Promise<void> = Promise.resolve();
  constructor(
    session: HttpSession,
    private readonly late: boolean,
  ) {
    super(session);
  }
  override async processRequest(): Promise<void> {
    if (this.late) await Counter.gate;
    Counter.asked++;
    const body = await this.content();
    this.sendDocument(200, "text/plain", String(body.length));
  }
}

describe("HTTP/1.1 responses", () => {
  test("a streamed response is chunked and the connection stays open", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Streamer(s)) });
    using c = await RawClient.connect(srv.port);
    c.send("GET /s HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => c.text().endsWith("0\r\n\r\n"), 2000, "the last chunk");
    const text = c.text();
    expect(text).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(text).toContain("\r\nTransfer-Encoding: chunked\r\n");
    expect(text).toContain("\r\nConnection: keep-alive\r\n");
    expect(text).not.toContain("Content-Length");
    expect(text.slice(text.indexOf("\r\n\r\n") + 4)).toBe("4\r\none,\r\n4\r\ntwo,\r\n6\r\nthr\xc3\xa9e\r\n0\r\n\r\n");
    c.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => c.text().split("0\r\n\r\n").length === 3, 2000, "a second response on the same connection");
    expect(c.closed).toBe(false);
  });

  test("HEAD of a streamed response: no Transfer-Encoding, no body, connection kept", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Streamer(s)) });
    using c = await RawClient.connect(srv.port);
    c.send("HEAD /s HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => c.text().endsWith("\r\n\r\n"), 2000, "the HEAD response");
    expect(c.text()).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(c.text()).not.toContain("Transfer-Encoding");
    expect(c.text()).toContain("Connection: keep-alive\r\n");
    const headLength = c.length;
    c.send("GET /s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await c.untilClosed(2000);
    // The next bytes are the GET's status line: the HEAD response had no body.
    expect(c.text().slice(headLength)).toStartWith("HTTP/1.1 200 OK\r\n");
  });

  peerTest(["python3"], "Python's http.client reads chunked responses over one kept-alive connection", async () => {
    await using srv = startDaemon({
      "/": new FnServer((s) => (s.requestPath() === "/s" ? new Streamer(s) : new (class extends HttpServlet {})(s))),
    });
    const script = `
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", ${srv.port}, timeout=5)
out = []
for _ in range(3):
    c.request("GET", "/s")
    r = c.getresponse()
    out.append("%s %s %s %s" % (r.version, r.status, r.getheader("Transfer-Encoding"), r.read().decode("utf-8")))
print("\\n".join(out))
`;
    const p = Bun.spawn(["python3", "-c", script], { stdout: "pipe", stderr: "pipe" });
    const out = await new Response(p.stdout).text();
    expect(await p.exited).toBe(0);
    expect(out.trim().split("\n")).toEqual(Array(3).fill("11 200 chunked one,two,thrée"));
    expect(srv.daemon.stats().accepted).toBe(1);
  });

  peerTest(["curl"], "curl with three URLs uses one connection", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    const url = `http://127.0.0.1:${srv.port}/a`;
    const each = ["-o", "/dev/null", url];
    const p = Bun.spawn(["curl", "-s", "-w", "%{http_version} %{num_connects}\\n", ...each, ...each, ...each], { stdout: "pipe" });
    const out = await new Response(p.stdout).text();
    expect(await p.exited).toBe(0);
    expect(out.trim().split("\n")).toEqual(["1.1 1", "1.1 0", "1.1 0"]);
    expect(srv.daemon.stats().accepted).toBe(1);
  });
});

describe("Expect: 100-continue", () => {
  test("100 Continue as soon as the servlet wants the body, then the final response", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Counter(s, false)) });
    using c = await RawClient.connect(srv.port);
    c.send("POST /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    await c.until(() => c.text() === "HTTP/1.1 100 Continue\r\n\r\n", 2000, "100 Continue");
    c.send("hello");
    await c.until(() => c.text().endsWith("\r\n\r\n5"), 2000, "the final response");
    expect(c.text()).toContain("\r\n\r\nHTTP/1.1 200 OK\r\n");
  });

  test("a servlet that asks for the body later gets 100 Continue sent then, not before", async () => {
    Counter.asked = 0;
    const gate = Promise.withResolvers<void>();
    Counter.gate = gate.promise;
    const server = new FnServer((s) =>
      s.requestPath() === "/u"
        ? new Counter(s, true)
        : new (class extends HttpServlet {
            override processRequest(): void {
              this.sendDocument(200, "text/plain", "other");
            }
          })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    c.send("POST /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    await c.until(() => srv.daemon.stats().requests === 1, 2000, "the upload's servlet");
    // Another client answered afterwards shows the server has moved on: no 100 went out meanwhile.
    using other = await RawClient.connect(srv.port);
    expect((await other.request("GET /other HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("other");
    expect(c.length).toBe(0);
    gate.resolve(); // now the servlet asks for the body
    await c.until(() => c.text().length > 0, 2000, "100 Continue");
    expect(c.text()).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    expect(Counter.asked).toBe(1); // it came when content() was asked for
    c.send("abc");
    await c.until(() => c.text().endsWith("\r\n\r\n3"), 2000, "the final response");
  });

  test("no 100 Continue when the server answers first (401), and the connection closes", async () => {
    const locked = new (class extends HttpServer {
      override authorise(): boolean {
        return false;
      }
      override servlet(s: HttpSession) {
        return new Counter(s, false);
      }
    })();
    await using srv = startDaemon({ "/": locked });
    using c = await RawClient.connect(srv.port);
    c.send("POST /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    await c.untilClosed(2000);
    expect(c.text()).toStartWith("HTTP/1.1 401 Unauthorized\r\n");
    expect(c.text()).not.toContain("100 Continue");
    expect(c.text()).toContain("Connection: close\r\n");
  });

  test("HTTP/1.0 never gets a 100", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Counter(s, false)) });
    using c = await RawClient.connect(srv.port);
    c.send("POST /u HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi");
    await c.untilClosed(2000);
    expect(c.text()).toStartWith("HTTP/1.0 200 OK\r\n");
  });

  peerTest(["curl"], "curl's Expect: 100-continue upload completes", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Counter(s, false)) });
    const body = "x".repeat(100_000);
    const args = ["-s", "-H", "Expect: 100-continue", "--data-binary", "@-", `http://127.0.0.1:${srv.port}/u`];
    const p = Bun.spawn(["curl", ...args], { stdin: new Blob([body]), stdout: "pipe" });
    const out = await new Response(p.stdout).text();
    expect(await p.exited).toBe(0);
    expect(out).toBe(String(body.length));
  });
});
