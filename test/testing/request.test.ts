/**
 * netsvc/testing's request(): a fetch Request served by a daemon or a server object through the
 * real request cycle with no socket, answered as a fetch Response.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpDaemon, HttpError, HttpServer, HttpServlet, type HttpSession, Router } from "../../src/index.ts";
import { request } from "../../src/entry/testing.ts";

/** A daemon that is never started; errors it would log are kept. */
function daemonFor(attach: Record<string, HttpServer>, options: ConstructorParameters<typeof HttpDaemon>[1] = {}) {
  const errors: string[] = [];
  const daemon = new HttpDaemon(0, { errorLog: (m, e) => errors.push(`${m} ${e instanceof Error ? e.message : ""}`), ...options });
  for (const [path, server] of Object.entries(attach)) daemon.attach(path, server);
  return { daemon, errors };
}

/** A server whose servlet `answer` makes per request. */
class FnServer extends HttpServer {
  constructor(private readonly answer: (s: HttpServlet) => void | Promise<void>) {
    super();
  }
  override servlet(session: HttpSession): HttpServlet {
    const answer = this.answer;
    return new (class extends HttpServlet {
      override processRequest() {
        return answer(this);
      }
    })(session);
  }
}

const decoder = new TextDecoder();

describe("routing", () => {
  test("a daemon routes to each of its server objects, 404 outside them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "netsvc-request-"));
    try {
      writeFileSync(join(dir, "a.txt"), "file a");
      const { daemon } = daemonFor({
        "/api": new Router().get("/who", (s) => s.sendJson({ server: "router", path: s.requestPath() })),
        "/files": new FileServer(dir),
        "/echo": new FnServer((s) => s.sendDocument(200, "text/plain", `echo ${s.servletPath()}`)),
      });
      const api = await request(daemon, new Request("http://example.test/api/who"));
      expect([api.status, await api.json()]).toEqual([200, { server: "router", path: "/api/who" }]);
      const file = await request(daemon, new Request("http://example.test/files/a.txt"));
      expect([file.status, await file.text()]).toEqual([200, "file a"]);
      const echo = await request(daemon, new Request("http://example.test/echo/x/y"));
      expect(await echo.text()).toBe("echo x/y");
      const outside = await request(daemon, new Request("http://example.test/elsewhere"));
      expect(outside.status).toBe(404);
      expect(daemon.stats().requests).toBe(4);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("a server object alone is attached at / for the call", async () => {
    const api = new Router().get("/items/:id", (s, { id }) => s.sendJson({ id, path: s.requestPath() }));
    const r = await request(api, new Request("http://x/items/7"));
    expect(await r.json()).toEqual({ id: "7", path: "/items/7" });
    expect((await request(api, new Request("http://x/nothing"))).status).toBe(404);
  });

  test("a target that is neither a daemon nor a server object is a TypeError", async () => {
    await expect(request({} as HttpServer, new Request("http://x/"))).rejects.toThrow(TypeError);
  });
});

describe("bodies", () => {
  test("a Router JSON round trip: a POSTed JSON body comes back with its Content-Length", async () => {
    let declared = -2;
    const api = new Router().post("/items", async (s) => {
      declared = s.contentLength();
      const item = await s.json<{ name: string }>();
      s.sendJson({ id: "1", ...item }, 201);
    });
    const body = JSON.stringify({ name: "ünïcode" });
    const r = await request(api, new Request("http://x/items", { method: "POST", body, headers: { "content-type": "application/json" } }));
    expect(r.status).toBe(201);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(await r.json()).toEqual({ id: "1", name: "ünïcode" });
    expect(declared).toBe(Buffer.byteLength(body));
  });

  test("a FormData body arrives as multipart parts", async () => {
    const api = new Router().post("/upload", async (s) => {
      const seen: unknown[] = [];
      for await (const part of s.parts())
        seen.push({ name: part.name, filename: part.filename, type: part.contentType, text: await part.text() });
      s.sendJson(seen);
    });
    const form = new FormData();
    form.append("note", "a field");
    form.append("file", new Blob(["file bytes"], { type: "application/octet-stream" }), "report.bin");
    const r = await request(api, new Request("http://x/upload", { method: "POST", body: form }));
    expect(await r.json()).toEqual([
      { name: "note", filename: undefined, type: "text/plain", text: "a field" },
      { name: "file", filename: "report.bin", type: "application/octet-stream", text: "file bytes" },
    ]);
  });

  test("a body still streaming is sent chunked, each piece handed over as the servlet takes it", async () => {
    const pieces: string[] = [];
    let chunked = false;
    const firstArrived = Promise.withResolvers<void>();
    class PieceServlet extends HttpServlet {
      override processRequest() {
        chunked = this.isChunked();
      }
      override processContent(b: Uint8Array) {
        pieces.push(decoder.decode(b));
        firstArrived.resolve();
      }
      override contentComplete() {
        this.sendDocument(200, "text/plain", pieces.join("|"));
      }
    }
    const server = new (class extends HttpServer {
      override servlet(session: HttpSession) {
        return new PieceServlet(session);
      }
    })();
    let more!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        more = c;
      },
    });
    const answered = request(server, new Request("http://x/", { method: "POST", body }));
    more.enqueue(new TextEncoder().encode("one"));
    await firstArrived.promise; // the first piece reached the servlet before the second exists
    more.enqueue(new TextEncoder().encode("two"));
    more.close();
    const r = await answered;
    expect([chunked, await r.text()]).toEqual([true, "one|two"]);
  });

  test("a body over the daemon's limit is refused with 413 and counted", async () => {
    const { daemon } = daemonFor(
      { "/": new FnServer(async (s) => s.sendDocument(200, "text/plain", `${(await s.content()).length}`)) },
      { maxBody: 10 },
    );
    const r = await request(daemon, new Request("http://x/", { method: "POST", body: "x".repeat(20) }));
    expect(r.status).toBe(413);
    expect(daemon.stats().badRequests).toEqual({ 413: 1 });
    const ok = await request(daemon, new Request("http://x/", { method: "POST", body: "x".repeat(10) }));
    expect(await ok.text()).toBe("10");
  });

  test("a head the parser refuses gets the daemon's canned answer, counted", async () => {
    const { daemon } = daemonFor({ "/": new FnServer((s) => s.sendDocument(200, "text/plain", "served")) }, { maxHead: 1024 });
    const r = await request(daemon, new Request("http://x/", { headers: { "x-big": "y".repeat(2000) } }));
    expect([r.status, r.headers.get("connection")]).toEqual([431, "close"]);
    expect(await r.text()).toContain("431");
    expect(daemon.stats().badRequests).toEqual({ 431: 1 });
    expect(daemon.stats().requests).toBe(0);
  });
});

describe("responses", () => {
  test("a thrown HttpError answers with its status, message and headers", async () => {
    const api = new Router().get("/items/:id", (_s, { id }) => {
      throw new HttpError(404, `no item ${id}`, { headers: [["X-Reason", "missing"]] });
    });
    const r = await request(api, new Request("http://x/items/9", { headers: { accept: "application/json" } }));
    expect(r.status).toBe(404);
    expect(r.headers.get("x-reason")).toBe("missing");
    expect(await r.json()).toMatchObject({ status: 404, message: "no item 9" });
  });

  test("a handler's bug is a 500, logged by the daemon with the client, and counted", async () => {
    const { daemon, errors } = daemonFor({
      "/": new Router().get("/bug", () => {
        throw new Error("oops");
      }),
    });
    const r = await request(daemon, new Request("http://x/bug"), { remoteAddress: "192.0.2.9" });
    expect(r.status).toBe(500);
    expect(errors).toEqual([expect.stringMatching(/^192\.0\.2\.9 .*oops$/)]);
    expect(daemon.stats().servletErrors).toBe(1);
  });

  test("Set-Cookie lines stay separate values", async () => {
    const server = new FnServer((s) => {
      s.setHeader("Set-Cookie", "theme=dark; Path=/");
      s.sendResponse(200);
      s.sendHeader("Set-Cookie", "sid=abc; HttpOnly");
      s.sendHeader("Content-Length", 0);
      s.endHeaders();
    });
    const r = await request(server, new Request("http://x/"));
    expect(r.headers.getSetCookie()).toEqual(["sid=abc; HttpOnly", "theme=dark; Path=/"]); // staged lines follow the answer's own
  });

  test("header names match in any case both ways; values keep theirs", async () => {
    const server = new FnServer((s) => {
      s.sendResponse(200);
      s.sendHeader("X-Echo-Id", s.header("x-request-id") ?? "none");
      s.sendHeader("X-MiXeD", "VaLuE");
      s.sendHeader("Content-Length", 0);
      s.endHeaders();
    });
    const r = await request(server, new Request("http://x/", { headers: { "X-REQUEST-ID": "AbC-1" } }));
    expect(r.headers.get("x-echo-id")).toBe("AbC-1");
    expect(r.headers.get("X-MIXED")).toBe("VaLuE");
  });

  test("HEAD gets the GET route's head and no body", async () => {
    const api = new Router().get("/doc", (s) => s.sendDocument(200, "text/plain", "twelve bytes"));
    const r = await request(api, new Request("http://x/doc", { method: "HEAD" }));
    expect([r.status, r.headers.get("content-length"), r.body]).toEqual([200, "12", null]);
  });

  test("204 and 304 have no body", async () => {
    const bare = (status: number) => (s: HttpServlet) => {
      s.sendResponse(status);
      s.endHeaders();
    };
    const api = new Router().get("/none", bare(204)).get("/same", bare(304));
    for (const [path, status] of [
      ["/none", 204],
      ["/same", 304],
    ] as const) {
      const r = await request(api, new Request(`http://x${path}`));
      expect([r.status, r.body]).toEqual([status, null]);
    }
  });

  test("a body larger than the high-water mark holds the servlet back until the test reads", async () => {
    const total = 1024 * 1024;
    let refusedOnce = false;
    const server = new FnServer(async (s) => {
      s.sendResponse(200);
      s.sendHeader("Content-Length", total);
      s.endHeaders();
      const piece = new Uint8Array(16 * 1024).fill(0x61);
      for (let sent = 0; sent < total; sent += piece.length) {
        if (!s.sendContent(piece)) {
          refusedOnce = true;
          await s.drained();
        }
      }
    });
    const r = await request(server, new Request("http://x/"));
    const bytes = new Uint8Array(await r.arrayBuffer());
    expect([bytes.length, bytes.every((b) => b === 0x61), refusedOnce]).toEqual([total, true, true]);
  });

  test("a response cut short fails its body's reader", async () => {
    const server = new FnServer((s) => {
      s.sendResponse(200);
      s.sendHeader("Content-Length", 10);
      s.endHeaders();
      s.sendContent("abc");
      s.flushContent();
      queueMicrotask(() => s.session.shutdown()); // the server ends the exchange mid-body
    });
    const r = await request(server, new Request("http://x/"));
    await expect(r.text()).rejects.toThrow("cut short");
  });
});

describe("the client leaving", () => {
  test("an event stream is read piece by piece; cancelling it aborts the servlet's signal", async () => {
    const aborted = Promise.withResolvers<void>();
    let destroyed = 0;
    const { daemon } = daemonFor({
      "/events": new FnServer((s) => {
        s.signal.addEventListener("abort", () => aborted.resolve());
        const events = s.eventStream({ heartbeatMs: 0 });
        let n = 0;
        const tick = () => {
          if (events.closed) return;
          events.send({ data: `event ${++n}` });
          setImmediate(tick);
        };
        tick();
        s.destroyServlet = () => {
          destroyed++;
        };
      }),
    });
    const r = await request(daemon, new Request("http://x/events"));
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    const reader = r.body!.getReader();
    let text = "";
    while (!text.includes("event 3\n\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`ended early: ${text}`);
      text += decoder.decode(value);
    }
    expect(text.startsWith("data: event 1\n\ndata: event 2\n\n")).toBe(true);
    await reader.cancel();
    await aborted.promise;
    expect(destroyed).toBe(1);
    expect(daemon.stats().abandoned).toBe(1);
  });

  test("aborting the Request's signal before the answer rejects and aborts the servlet's signal", async () => {
    const started = Promise.withResolvers<void>();
    const servletAborted = Promise.withResolvers<void>();
    const { daemon } = daemonFor({
      "/": new FnServer((s) => {
        s.signal.addEventListener("abort", () => servletAborted.resolve());
        started.resolve(); // and no answer: the client gives up first
      }),
    });
    const controller = new AbortController();
    const answered = request(daemon, new Request("http://x/", { signal: controller.signal }));
    await started.promise;
    controller.abort();
    await expect(answered).rejects.toThrow();
    await servletAborted.promise;
    expect(daemon.stats().abandoned).toBe(1);
  });

  test("aborting the Request's signal mid-body fails the body's reader and aborts the servlet's signal", async () => {
    const servletAborted = Promise.withResolvers<void>();
    const server = new FnServer((s) => {
      s.signal.addEventListener("abort", () => servletAborted.resolve());
      s.sendResponse(200);
      s.endHeaders();
      s.sendContent("first");
      s.flushContent(); // and the rest never comes
    });
    const controller = new AbortController();
    const r = await request(server, new Request("http://x/", { signal: controller.signal }));
    const reader = r.body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("first");
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
    await servletAborted.promise;
  });

  test("a request body that fails mid-way is the client leaving: the servlet's signal aborts", async () => {
    const servletAborted = Promise.withResolvers<void>();
    const firstArrived = Promise.withResolvers<void>();
    class Reader extends HttpServlet {
      override processRequest() {
        this.signal.addEventListener("abort", () => servletAborted.resolve());
      }
      override processContent() {
        firstArrived.resolve();
      }
    }
    const server = new (class extends HttpServer {
      override servlet(session: HttpSession) {
        return new Reader(session);
      }
    })();
    let more!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        more = c;
      },
    });
    const answered = request(server, new Request("http://x/", { method: "POST", body }));
    more.enqueue(new TextEncoder().encode("part"));
    await firstArrived.promise;
    more.error(new Error("the upload broke"));
    await expect(answered).rejects.toThrow("the upload broke");
    await servletAborted.promise;
  });

  test("a Request whose signal aborted already is not sent", async () => {
    let served = 0;
    const server = new FnServer((s) => {
      served++;
      s.sendError(204);
    });
    await expect(request(server, new Request("http://x/", { signal: AbortSignal.abort() }))).rejects.toThrow();
    expect(served).toBe(0);
  });
});

test("daemon.stop() reaches a request() in progress: an open event stream ends, as on a socket", async () => {
  const { daemon } = daemonFor({
    "/events": new FnServer((s) => {
      const events = s.eventStream({ heartbeatMs: 0 });
      events.send({ data: "first" });
    }),
  });
  const r = await request(daemon, new Request("http://x/events"));
  const reader = r.body!.getReader();
  const first = await reader.read();
  expect(decoder.decode(first.value)).toBe("data: first\n\n");
  await daemon.stop();
  // The stream closes on whenDaemonStops(): the body ends (before, this read waited for ever).
  expect(await reader.read()).toEqual({ done: true, value: undefined });
});

describe("the client", () => {
  test("the remote address is 127.0.0.1 unless given; the daemon's allow/deny judge it", async () => {
    const { daemon } = daemonFor({ "/": new FnServer((s) => s.sendDocument(200, "text/plain", s.clientHost())) }, { deny: ["10.0.0.0/8"] });
    expect(await (await request(daemon, new Request("http://x/"))).text()).toBe("127.0.0.1");
    expect(await (await request(daemon, new Request("http://x/"), { remoteAddress: "192.0.2.7" })).text()).toBe("192.0.2.7");
    await expect(request(daemon, new Request("http://x/"), { remoteAddress: "10.1.2.3" })).rejects.toThrow("refused the client 10.1.2.3");
    expect(daemon.stats().denied).toBe(1);
  });

  test("a proxy the daemon trusts names the client in X-Forwarded-For", async () => {
    const { daemon } = daemonFor(
      { "/": new FnServer((s) => s.sendDocument(200, "text/plain", s.clientHost())) },
      { trustProxy: ["10.0.0.1"], deny: ["203.0.113.0/24"] },
    );
    const via = { remoteAddress: "10.0.0.1" };
    const r = await request(daemon, new Request("http://x/", { headers: { "x-forwarded-for": "198.51.100.4" } }), via);
    expect(await r.text()).toBe("198.51.100.4");
    await expect(request(daemon, new Request("http://x/", { headers: { "x-forwarded-for": "203.0.113.9" } }), via)).rejects.toThrow(
      "refused",
    );
  });

  test("isSecure() follows the URL's scheme unless the option says otherwise", async () => {
    const server = new FnServer((s) => s.sendDocument(200, "text/plain", `${s.isSecure()} ${s.url()}`));
    expect(await (await request(server, new Request("https://shop.test/a?b=1"))).text()).toBe("true https://shop.test/a?b=1");
    expect(await (await request(server, new Request("http://shop.test:8080/a"))).text()).toBe("false http://shop.test:8080/a");
    expect(await (await request(server, new Request("http://shop.test/a"), { secure: true })).text()).toBe("true https://shop.test/a");
  });

  test("a server object's authentication runs: 401 with its challenge, then the user", async () => {
    class Guarded extends FnServer {
      override realm = "staff";
      override authorise(login: string, password: string) {
        return Promise.resolve(login === "ada" && password === "s3cret");
      }
    }
    const { daemon } = daemonFor({ "/staff": new Guarded((s) => s.sendDocument(200, "text/plain", `hello ${s.remoteUser()}`)) });
    const refused = await request(daemon, new Request("http://x/staff/"));
    expect([refused.status, refused.headers.get("www-authenticate")]).toEqual([401, 'Basic realm="staff"']);
    const basic = `Basic ${btoa("ada:s3cret")}`;
    const r = await request(
      daemon,
      new Request("http://x/staff/", { method: "POST", body: "held until authorised", headers: { authorization: basic } }),
    );
    expect(await r.text()).toBe("hello ada");
  });

  test("a WebSocket upgrade is refused with 426: request() has no socket to hand over", async () => {
    const server = new FnServer((s) => {
      expect(s.upgrade()).toBeNull();
    });
    const r = await request(
      server,
      new Request("http://x/ws", {
        headers: {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-version": "13",
        },
      }),
    );
    expect([r.status, r.headers.get("upgrade")]).toEqual([426, "websocket"]);
  });
});

test("docs/testing.md's example is test/examples/testing-example.test.ts, word for word", () => {
  const repo = join(import.meta.dir, "..", "..");
  const doc = readFileSync(join(repo, "docs", "testing.md"), "utf8");
  const example = readFileSync(join(repo, "test", "examples", "testing-example.test.ts"), "utf8");
  expect(doc).toContain("```ts\n" + example + "```\n");
});

test("signed cookies through request(): the daemon's cookieSecrets sign and verify", async () => {
  const { HttpDaemon, Router } = await import("../../src/index.ts");
  const { request } = await import("../../src/entry/testing.ts");
  const daemon = new HttpDaemon(0, { cookieSecrets: ["s3cret"], accessLog: null });
  daemon.attach(
    "/",
    new Router()
      .get("/set", (s) => {
        s.setCookie("uid", "42", { signed: true });
        s.sendJson("set");
      })
      .get("/get", (s) => s.sendJson(s.cookie("uid", { signed: true }) ?? null)),
  );
  const set = await request(daemon, new Request("http://x/set"));
  const cookie = set.headers.getSetCookie()[0]!.split(";")[0]!;
  expect(cookie.startsWith("uid=42.")).toBe(true);
  expect(await (await request(daemon, new Request("http://x/get", { headers: { cookie } }))).json()).toBe("42");
  expect(await (await request(daemon, new Request("http://x/get", { headers: { cookie: "uid=42.forged" } }))).json()).toBeNull();
});
