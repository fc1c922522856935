/**
 * Router middleware (SPEC §13) over real sockets: order (the onion), answering early, acting after
 * the handler, turning a throw into a response, the 404 and 405 inside the chain, a header staged
 * before the handler answered, next() twice refused, and unanswered routes (sync and async) → 500.
 */
import { describe, expect, test } from "bun:test";
import { HttpError, type Next, Router, type RouteServlet } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

describe("Router middleware", () => {
  test("runs in the order added, around the handler (before and after next())", async () => {
    const trace: string[] = [];
    const api = new Router()
      .use(async (_s, next) => {
        trace.push("a>");
        await next();
        trace.push("<a");
      })
      .use(async (_s, next) => {
        trace.push("b>");
        await next();
        trace.push("<b");
      })
      .get("/x", (s) => {
        trace.push("handler");
        s.sendJson(1);
      });
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r.status).toBe(200);
    expect(trace).toEqual(["a>", "b>", "handler", "<b", "<a"]);
  });

  test("a staged header from before next() goes out with the handler's answer, the 404 and a throw's 500", async () => {
    let n = 0;
    const api = new Router()
      .use((s, next) => {
        s.setHeader("X-Request-Id", `r${++n}`);
        return next();
      })
      .get("/ok", (s) => s.sendJson("ok"))
      .get("/boom", () => {
        throw new Error("boom");
      });
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    const ok = await c.request("GET /api/ok HTTP/1.1\r\nHost: x\r\n\r\n");
    expect([ok.status, ok.headers["x-request-id"]]).toEqual([200, "r1"]);
    const missing = await c.request("GET /api/none HTTP/1.1\r\nHost: x\r\n\r\n");
    expect([missing.status, missing.headers["x-request-id"]]).toEqual([404, "r2"]);
    using c2 = await RawClient.connect(srv.port);
    const boom = await c2.request("GET /api/boom HTTP/1.1\r\nHost: x\r\n\r\n");
    expect([boom.status, boom.headers["x-request-id"]]).toEqual([500, "r3"]);
    expect(srv.errors.length).toBe(1);
  });

  test("answers early: the handler never runs", async () => {
    let ran = false;
    const api = new Router()
      .use((s, next) => {
        if (s.header("authorization") === null) throw new HttpError(401, "log in first");
        return next();
      })
      .get("/secret", (s) => {
        ran = true;
        s.sendJson("secret");
      });
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/secret HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n");
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).message).toBe("log in first");
    expect(ran).toBe(false);
    using c2 = await RawClient.connect(srv.port);
    const r2 = await c2.request("GET /api/secret HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n");
    expect(r2.body).toBe('"secret"');
  });

  test("turns a handler's throw into its own response", async () => {
    const api = new Router()
      .use(async (s, next) => {
        try {
          await next();
        } catch (e) {
          s.sendJson({ caught: e instanceof Error ? e.message : String(e) }, 503);
        }
      })
      .get("/fails", async () => {
        await Promise.resolve();
        throw new Error("database down");
      });
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/fails HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ caught: "database down" });
    expect(srv.errors).toEqual([]);
  });

  test("sees the 405 (with Allow) and the 404 inside the chain, and their status after next()", async () => {
    const seen: number[] = [];
    const api = new Router()
      .use(async (s, next) => {
        await next();
        seen.push(s.session.status);
      })
      .get("/only-get", (s) => s.sendJson(1));
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("DELETE /api/only-get HTTP/1.1\r\nHost: x\r\n\r\n");
    expect([r.status, r.headers.allow]).toEqual([405, "GET, HEAD"]);
    using c2 = await RawClient.connect(srv.port);
    const r2 = await c2.request("GET /api/nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r2.status).toBe(404);
    expect(seen).toEqual([405, 404]);
  });

  test("an object with handle() is a middleware; anything else is a TypeError", async () => {
    class Stamp {
      constructor(private readonly value: string) {}
      handle(s: RouteServlet, next: Next) {
        s.setHeader("X-Stamp", this.value);
        return next();
      }
    }
    const api = new Router().use(new Stamp("v1")).get("/", (s) => s.sendJson(0));
    expect(() => new Router().use({} as never)).toThrow(TypeError);
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r.headers["x-stamp"]).toBe("v1");
  });

  test("next() twice rejects (the handler runs once)", async () => {
    let runs = 0;
    let second: unknown = null;
    const api = new Router()
      .use(async (_s, next) => {
        await next();
        second = await next().catch((e: Error) => e.message);
      })
      .get("/", (s) => {
        runs++;
        s.sendJson(runs);
      });
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r.body).toBe("1");
    await c.request("GET /api HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(runs).toBe(2);
    expect(second).toBe("a middleware called next() twice");
  });
});

describe("an unanswered route (SPEC §13)", () => {
  test("sync and async handlers that forget to answer get a 500 each, logged once each; defer() waits", async () => {
    let later: (() => void) | null = null;
    const api = new Router()
      .get("/sync", () => {})
      .get("/async", async () => {
        await Promise.resolve();
      })
      .get("/deferred", (s) => {
        s.defer();
        later = () => s.sendJson("at last");
      });
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    expect((await c.request("GET /api/sync HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(500);
    using c2 = await RawClient.connect(srv.port);
    expect((await c2.request("GET /api/async HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(500);
    expect(srv.errors.length).toBe(2);
    expect(srv.errors.every((e) => e.includes("no defer()"))).toBe(true);
    using c3 = await RawClient.connect(srv.port);
    c3.send("GET /api/deferred HTTP/1.1\r\nHost: x\r\n\r\n");
    await c3.until(() => later !== null);
    later!();
    const [r] = await c3.responses(1);
    expect(r!.body).toBe('"at last"');
    expect(srv.daemon.stats().servletErrors).toBe(2);
  });

  test("with middleware too: the chain settling with nothing answered is a 500", async () => {
    const api = new Router().use((_s, next) => next()).get("/none", () => {});
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    expect((await c.request("GET /api/none HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(500);
    expect(srv.errors.length).toBe(1);
  });
});
