/**
 * Slow clients against each timeout of SPEC §6, with short limits so the tests stay fast.
 * The client's own pauses below are the slowness under test, not synchronisation: every
 * assertion waits on the server's observable behaviour (a response, a close).
 */
import { describe, expect, test } from "bun:test";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { HttpServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { FnServer, pathEcho, startDaemon } from "../helpers/servers.ts";

const short = { headTimeoutMs: 300, bodyIdleTimeoutMs: 300, keepAliveTimeoutMs: 300 };

/** Waits `ms` as a client would between sends. */
const dawdle = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("timeouts", () => {
  test("head timeout is absolute: trickling bytes do not reset it → 408, close", async () => {
    await using srv = startDaemon({ "/": pathEcho() }, short);
    using c = await RawClient.connect(srv.port);
    const started = Date.now();
    const head = "GET /slow HTTP/1.0\r\nX-Trickle: " + "a".repeat(100);
    let i = 0;
    const trickle = setInterval(() => {
      if (!c.closed && i < head.length) c.send(head[i++]!);
    }, 20);
    try {
      await c.untilClosed(3000);
    } finally {
      clearInterval(trickle);
    }
    const elapsed = Date.now() - started;
    expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([408]);
    expect(elapsed).toBeLessThan(2000); // the trickle (one byte per 20 ms) did not keep it alive
  });

  test("body idle timeout while the servlet waits for the body → 408, close", async () => {
    const waiting = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest() {
            await this.content();
            this.sendError(500); // never reached: the body never completes
          }
        })(s),
    );
    await using srv = startDaemon({ "/": waiting }, short);
    using c = await RawClient.connect(srv.port);
    c.send("POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    await c.untilClosed(3000);
    expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([408]);
  });

  test("a client told to wait for 100 Continue is not timed out while the servlet has not asked", async () => {
    const asked = Promise.withResolvers<void>();
    const later = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest() {
            await dawdle(3 * short.bodyIdleTimeoutMs); // the servlet's own slowness
            asked.resolve();
            const body = await this.content();
            this.sendDocument(200, "text/plain", `got ${body.length}`);
          }
        })(s),
    );
    await using srv = startDaemon({ "/": later }, short);
    using c = await RawClient.connect(srv.port);
    c.send("POST /b HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    await asked.promise;
    await c.until(() => c.text() === "HTTP/1.1 100 Continue\r\n\r\n", 2000, "100 Continue");
    c.send("hello");
    await c.until(() => c.text().endsWith("got 5"), 2000, "the final response");
    expect(c.text()).toContain("HTTP/1.1 200 OK\r\n");
  });

  test("a client that asked for 100 Continue after the response started must send: the body times out", async () => {
    const started = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest() {
            this.sendResponse(200);
            this.sendHeader("Content-Type", "text/plain");
            this.endHeaders();
            this.sendContent("started ");
            await this.content(); // no 100 Continue can follow a started response
          }
        })(s),
    );
    await using srv = startDaemon({ "/": started }, short);
    using c = await RawClient.connect(srv.port);
    c.send("POST /b HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    await c.untilClosed(3000);
    expect(c.text()).toStartWith("HTTP/1.1 200 OK\r\n");
  });

  test("a client that asked for 100 Continue but began the body is held to the body's deadline", async () => {
    const waiting = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest() {
            await dawdle(3 * short.bodyIdleTimeoutMs);
            await this.content();
          }
        })(s),
    );
    await using srv = startDaemon({ "/": waiting }, short);
    using c = await RawClient.connect(srv.port);
    // a chunk-size line and nothing more: framing bytes, no data
    c.send("POST /b HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n");
    await c.untilClosed(5000);
    // (a 100 Continue may come first, when the servlet asks: RFC 9110 §10.1.1 lets it)
    expect(c.text()).toContain("HTTP/1.1 408 Request Timeout\r\n");
  });

  test("a body is not timed out while authorise() is pending", async () => {
    const slowAuth = new (class extends HttpServer {
      override async authorise(): Promise<boolean> {
        await dawdle(3 * short.bodyIdleTimeoutMs); // e.g. a password check against a remote store
        return true;
      }
      override servlet(s: HttpSession) {
        return new (class extends HttpServlet {
          override async processRequest() {
            this.sendDocument(200, "text/plain", `got ${(await this.content()).length}`);
          }
        })(s);
      }
    })();
    await using srv = startDaemon({ "/": slowAuth }, short);
    using c = await RawClient.connect(srv.port);
    const login = Buffer.from("u:p").toString("base64");
    const r = await c.request(`POST /b HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${login}\r\nContent-Length: 5\r\n\r\nhello`);
    expect(r.status).toBe(200);
    expect(r.body).toBe("got 5");
  });

  test("body stalls after the servlet answered: the connection is closed", async () => {
    await using srv = startDaemon({ "/": pathEcho() }, short);
    using c = await RawClient.connect(srv.port);
    c.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhel");
    await c.untilClosed(3000);
    expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([200]);
  });

  test("keep-alive idle connection is closed silently", async () => {
    await using srv = startDaemon({ "/": pathEcho() }, short);
    using c = await RawClient.connect(srv.port);
    await c.request("GET /k HTTP/1.1\r\nHost: x\r\n\r\n");
    const before = c.length;
    await c.untilClosed(3000);
    expect(c.length).toBe(before); // nothing was sent on the idle close
  });

  test("a connection that never sends is closed silently", async () => {
    await using srv = startDaemon({ "/": pathEcho() }, short);
    using c = await RawClient.connect(srv.port);
    await c.untilClosed(3000);
    expect(c.length).toBe(0);
  });

  test("a slow but steady client within the timeout is served", async () => {
    await using srv = startDaemon({ "/": pathEcho() }, { headTimeoutMs: 2000 });
    using c = await RawClient.connect(srv.port);
    for (const piece of ["GET /p", "atient HTTP/1.0\r\n", "\r\n"]) {
      c.send(piece);
      await dawdle(30);
    }
    const [r] = await c.responses(1);
    expect(r!.body).toBe("GET /patient [patient]");
  });
});
