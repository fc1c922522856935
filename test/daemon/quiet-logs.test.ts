/**
 * Logs an attacker cannot use as a lever (issue 9, item 7): bad input and refused bodies are
 * counted, not logged one line each; servlet bugs are logged with their stack; the access log
 * stays parseable whatever the request line holds.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet } from "../../src/index.ts";
import { escapeLogField } from "../../src/daemon/access-log.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, pathEcho, startDaemon } from "../helpers/servers.ts";

const BAD = [
  "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
  "GET / HTTP/1.1\r\n\r\n",
  "GET /\x01 HTTP/1.0\r\n\r\n",
  "GET / HTTP/9.9\r\n\r\n",
  "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
];

describe("quiet logs", () => {
  test("a hundred bad requests write nothing to the error log and are counted by status", async () => {
    await using srv = startDaemon({ "/": pathEcho() });
    for (let i = 0; i < 100; i++) {
      using c = await RawClient.connect(srv.port);
      c.send(BAD[i % BAD.length]!);
      await c.untilClosed();
    }
    expect(srv.errors).toEqual([]);
    const bad = srv.daemon.stats().badRequests;
    expect(Object.values(bad).reduce((a, b) => a + b, 0)).toBe(100);
    expect(bad[505]).toBe(20);
  });

  test("a refused body is counted, not logged, even when the servlet awaited content()", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest(): Promise<void> {
            const body = await this.content(); // rejects: the body is over the limit
            this.sendDocument(200, "text/plain", String(body.length));
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server }, { maxBody: 10 });
    for (const body of ["x".repeat(11), "5\r\nxxxxx\r\n6\r\nxxxxxx\r\n0\r\n\r\n"]) {
      using c = await RawClient.connect(srv.port);
      const framing = body.startsWith("x") ? `Content-Length: ${body.length}` : "Transfer-Encoding: chunked";
      c.send(`POST / HTTP/1.1\r\nHost: x\r\n${framing}\r\n\r\n${body}`);
      await c.untilClosed();
      expect(c.text()).toStartWith("HTTP/1.1 413");
    }
    expect(srv.errors).toEqual([]);
    expect(srv.daemon.stats().badRequests[413]).toBe(2);
  });

  test("a servlet bug is logged once, with its stack", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            throw new Error("a real bug");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    expect((await c.request("GET / HTTP/1.0\r\n\r\n")).status).toBe(500);
    expect(srv.errors.length).toBe(1);
    expect(srv.errors[0]).toContain("a real bug");
    expect(srv.errors[0]).toContain("at ");
    expect(srv.daemon.stats().servletErrors).toBe(1);
  });

  test("a servlet whose fetch the client's leaving aborted is counted, not logged; a bug after the leaving still is", async () => {
    // A peer that takes the request and never answers: the servlet's fetch waits until its signal aborts.
    const reached = Promise.withResolvers<void>();
    using peer = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => reached.resolve() } });
    const caughtUp = Promise.withResolvers<void>();
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override async processRequest(): Promise<void> {
            if (this.servletPath() === "fetch") {
              const r = await fetch(`http://127.0.0.1:${peer.port}/`, { signal: this.signal });
              return this.sendDocument(200, "text/plain", await r.text());
            }
            await new Promise((resolve) => this.signal.addEventListener("abort", resolve));
            caughtUp.resolve();
            throw new Error("a real bug after the client left");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    const fetching = await RawClient.connect(srv.port);
    fetching.send("GET /fetch HTTP/1.1\r\nHost: x\r\n\r\n");
    await reached.promise;
    fetching.terminate();
    const buggy = await RawClient.connect(srv.port);
    buggy.send("GET /bug HTTP/1.1\r\nHost: x\r\n\r\n");
    await buggy.until(() => srv.daemon.stats().requests === 2, 5000, "the second request");
    buggy.terminate();
    await caughtUp.promise;
    await fetching.until(() => srv.daemon.stats().servletAborts + srv.daemon.stats().servletErrors === 2, 5000, "both failures");
    expect(srv.daemon.stats().servletAborts).toBe(1);
    expect(srv.errors.length).toBe(1);
    expect(srv.errors[0]).toContain("a real bug after the client left");
    expect(srv.daemon.stats().servletErrors).toBe(1);
  });

  test("quotes, backslashes and control bytes in a request line are escaped as Apache does", () => {
    expect(escapeLogField('GET http://h/a"b\\c\x1b HTTP/1.0')).toBe('GET http://h/a\\"b\\\\c\\x1b HTTP/1.0');
    expect(escapeLogField("GET http://h/caf\xe9 HTTP/1.0")).toBe("GET http://h/caf\\xe9 HTTP/1.0");
    // The parser refuses `"`, `\\`, CTLs and bytes above 0x7f in the target and in Host, so over
    // a socket these cannot reach the log today; the escaping keeps it one parseable line if
    // that ever changes (absolute-form hosts, a laxer target rule).
  });
});
