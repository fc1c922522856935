/** Request bodies over real sockets: streaming to processContent, chunked, limits, discarding. */
import { describe, expect, test } from "bun:test";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, pathEcho, startDaemon } from "../helpers/servers.ts";

/** Counts body pieces and bytes, answers at the end with what it saw. */
class UploadServlet extends HttpServlet {
  pieces = 0;
  bytes = 0;
  received = "";
  override processRequest(): void {}
  override processContent(chunk: Uint8Array): void {
    this.pieces++;
    this.bytes += chunk.length;
    this.received += Buffer.from(chunk).toString("latin1");
    if (this.bytes === this.contentLength() || this.received.endsWith("END")) {
      new TextServlet(this.session, `${this.bytes}:${this.received.slice(0, 20)}`).processRequest();
    }
  }
}

describe("request bodies", () => {
  test("Content-Length body streamed to processContent as it arrives", async () => {
    const seen: UploadServlet[] = [];
    await using srv = startDaemon({
      "/": new FnServer((s) => {
        const servlet = new UploadServlet(s);
        seen.push(servlet);
        return servlet;
      }),
    });
    using c = await RawClient.connect(srv.port);
    c.send("POST /up HTTP/1.0\r\nContent-Length: 10\r\n\r\nhello");
    await c.until(() => seen[0]?.bytes === 5);
    expect(c.length).toBe(0); // not answered yet: the servlet waits for the rest
    c.send("world");
    const [r] = await c.responses(1);
    expect(r!.body).toBe("10:helloworld");
    expect(seen[0]!.pieces).toBe(2);
  });

  test("chunked body decoded for the servlet; next request framed correctly", async () => {
    const server = new FnServer((s) =>
      s.requestPath() === "/up"
        ? new (class extends HttpServlet {
            override async processRequest() {
              const body = await this.contentText();
              new TextServlet(this.session, `got ${body}`).processRequest();
            }
          })(s)
        : new TextServlet(s, "next"),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    c.send(
      "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: t\r\n\r\nGET /n HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const rs = await c.responses(2);
    expect(rs.map((r) => r.body)).toEqual(["got hello world", "next"]);
  });

  test("a body the servlet does not read is discarded and the next request is framed", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    using c = await RawClient.connect(srv.port);
    const body = "x".repeat(5000) + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    c.send(`POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}GET /b HTTP/1.1\r\nHost: x\r\n\r\n`);
    const rs = await c.responses(2);
    expect(rs.map((r) => r.body)).toEqual(["POST /a [a]", "GET /b [b]"]);
    // Still open and framed: a third request on the same connection is answered.
    expect((await c.request("GET /c HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("GET /c [c]");
  });

  test("declared Content-Length over the limit → 413 and close", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new UploadServlet(s)) }, { maxBody: 100 });
    using c = await RawClient.connect(srv.port);
    c.send("POST / HTTP/1.0\r\nContent-Length: 101\r\n\r\n" + "y".repeat(101) + "GET / HTTP/1.0\r\n\r\n");
    await c.untilClosed();
    expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([413]);
  });

  test("chunked body growing over the limit → 413 and close", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new UploadServlet(s)) }, { maxBody: 100 });
    using c = await RawClient.connect(srv.port);
    c.send(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
        "a".repeat(64) +
        "\r\n40\r\n" +
        "b".repeat(64) +
        "\r\n0\r\n\r\n",
    );
    await c.untilClosed();
    expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([413]);
  });

  test("a servlet may raise the body limit in processRequest", async () => {
    const server = new FnServer((s: HttpSession) => {
      s.bodyLimit = 1000;
      return new UploadServlet(s);
    });
    await using srv = startDaemon({ "/": server }, { maxBody: 100 });
    using c = await RawClient.connect(srv.port);
    c.send("POST / HTTP/1.0\r\nContent-Length: 500\r\n\r\n" + "z".repeat(500));
    const [r] = await c.responses(1);
    expect(r!.status).toBe(200);
    expect(r!.body.startsWith("500:")).toBe(true);
  });

  test("malformed chunked framing → 400 and close", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new UploadServlet(s)) });
    using c = await RawClient.connect(srv.port);
    c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    await c.untilClosed();
    expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([400]);
  });

  test("an answered request whose unread body exceeds the limit closes instead of discarding", async () => {
    await using srv = startDaemon({ "/": pathEcho() }, { maxBody: 100 });
    using c = await RawClient.connect(srv.port);
    // the servlet answers at once (pathEcho) but the declared body is over the limit: 413
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    await c.untilClosed();
    expect(parseResponses(c.text(), true).length).toBe(1);
  });
});
