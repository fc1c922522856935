/**
 * Body delivery (issue 9, items 3–4): contentComplete() for every request (empty bodies too),
 * content() after an await, processContent() backpressure, and servlet callbacks that throw.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

/** Counts body bytes and answers the count from contentComplete() (the README's UploadServlet). */
class Upload extends HttpServlet {
  bytes = 0;
  override processRequest(): void {}
  override processContent(chunk: Uint8Array): void {
    this.bytes += chunk.length;
  }
  override contentComplete(): void {
    this.sendDocument(200, "text/plain", `${this.bytes}\n`);
  }
}

/** Lets a turn of the event loop pass (the body's read turn included) before asking for the body. */
class LateContent extends HttpServlet {
  override async processRequest(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const body = await this.content();
    this.sendDocument(200, "text/plain", `${body.length}:${new TextDecoder().decode(body.subarray(0, 5))}`);
  }
}

describe("contentComplete() and content()", () => {
  for (const [what, request] of [
    ["no body at all", "POST /u HTTP/1.0\r\n\r\n"],
    ["Content-Length: 0", "POST /u HTTP/1.0\r\nContent-Length: 0\r\n\r\n"],
    ["an empty chunked body", "POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
  ] as const) {
    test(`contentComplete() is called for ${what}`, async () => {
      await using srv = startDaemon({ "/": new FnServer((s) => new Upload(s)) });
      using c = await RawClient.connect(srv.port);
      const r = await c.request(request);
      expect(r.status).toBe(200);
      expect(r.body).toBe("0\n");
    });
  }

  test("contentComplete() follows the last piece of a body", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new Upload(s)) });
    using c = await RawClient.connect(srv.port);
    c.send("POST /u HTTP/1.0\r\nContent-Length: 10\r\n\r\n12345");
    c.send("67890");
    expect((await c.responses(1))[0]!.body).toBe("10\n");
  });

  test("content() called after another await still gets the whole body", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new LateContent(s)) });
    using c = await RawClient.connect(srv.port);
    const body = "hello" + "x".repeat(200_000);
    const r = await c.request(`POST /late HTTP/1.0\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(r.body).toBe(`${body.length}:hello`);
  });

  test("content() after pieces went to processContent() rejects and says why", async () => {
    let message = "";
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processContent(): void {}
          override async processRequest(): Promise<void> {
            await new Promise((resolve) => setImmediate(resolve)); // the pieces went by meanwhile
            try {
              await this.content();
            } catch (e) {
              message = (e as Error).message;
            }
            this.sendDocument(200, "text/plain", "done");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    expect((await c.request("POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc")).body).toBe("done");
    expect(message).toMatch(/content\(\) .*processContent/);
  });
});

describe("processContent() backpressure", () => {
  test("a Promise from processContent() pauses delivery until it settles; every byte arrives once", async () => {
    const TOTAL = 4 * 1024 * 1024;
    let overlapping = 0;
    let busy = false;
    let received = 0;
    let release: (() => void) | null = null;
    const server = new FnServer(
      (s: HttpSession) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.session.bodyLimit = TOTAL;
          }
          override processContent(chunk: Uint8Array): Promise<void> {
            if (busy) overlapping++;
            busy = true;
            received += chunk.length;
            return new Promise<void>((resolve) => {
              release = () => {
                busy = false;
                resolve();
              };
            });
          }
          override contentComplete(): void {
            this.sendDocument(200, "text/plain", String(received));
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    c.send(`POST /slow HTTP/1.0\r\nContent-Length: ${TOTAL}\r\n\r\n`);
    c.send(new Uint8Array(TOTAL).fill(0x7a));
    // The sink takes one piece at a time, after a turn of the event loop.
    while (c.length === 0) {
      await c.until(() => release !== null || c.length > 0, 5000, "a piece");
      const r = release as (() => void) | null;
      release = null;
      if (r) setImmediate(r);
    }
    const [response] = await c.responses(1);
    expect(response!.body).toBe(String(TOTAL));
    expect(overlapping).toBe(0);
  });
});

describe("servlet callbacks that throw", () => {
  for (const where of ["processContent", "contentComplete"] as const) {
    test(`a throw in ${where} gets a 500, is logged once, and others are served`, async () => {
      const server = new FnServer((s) =>
        s.requestPath() === "/ok"
          ? new (class extends HttpServlet {
              override processRequest(): void {
                this.sendDocument(200, "text/plain", "fine");
              }
            })(s)
          : new (class extends HttpServlet {
              override processRequest(): void {}
              override processContent(): void {
                if (where === "processContent") throw new Error("boom in processContent");
              }
              override contentComplete(): void {
                throw new Error("boom in contentComplete");
              }
            })(s),
      );
      await using srv = startDaemon({ "/": server });
      using c = await RawClient.connect(srv.port);
      c.send("POST /bad HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nabcd");
      const [r] = await c.responses(1, 2000);
      expect(r!.status).toBe(500);
      await c.untilClosed(2000);
      expect(srv.errors.filter((e) => e.includes("boom")).length).toBe(1);
      using d = await RawClient.connect(srv.port);
      expect((await d.request("GET /ok HTTP/1.0\r\n\r\n")).body).toBe("fine");
    });
  }

  test("an async contentComplete that rejects after the response started closes the connection", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {}
          override async contentComplete(): Promise<void> {
            this.sendResponse(200);
            this.sendHeader("Content-Length", 100);
            this.endHeaders();
            this.sendContent("partial");
            this.flushContent();
            await new Promise((resolve) => setImmediate(resolve)); // the partial response is written
            throw new Error("boom later");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    c.send("POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx");
    await c.untilClosed(2000);
    expect(c.text()).toStartWith("HTTP/1.0 200");
    expect(c.text()).toEndWith("partial");
    expect(srv.errors.filter((e) => e.includes("boom later")).length).toBe(1);
  });
});

describe("bodies the servlet ignores", () => {
  test("a response to a request whose unread body is over the limit says close, and is complete", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.sendDocument(200, "text/plain", "ignored the body");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server }, { maxBody: 1000 });
    using c = await RawClient.connect(srv.port);
    c.send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    await c.untilClosed(2000);
    const text = c.text();
    expect(text).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(text).toContain("Connection: close\r\n");
    expect(text).toEndWith("ignored the body");
  });

  test("a small unread body is discarded and the connection kept", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.sendDocument(200, "text/plain", "ok");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    const first = await c.request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    expect(first.headers.connection).toBe("keep-alive");
    expect((await c.request("GET /again HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("ok");
  });
});
