/**
 * The Sessions middleware and the session API (SPEC §13, OSE p116–117), through the real request
 * cycle on a recording transport: sessions made lazily, the cookie's safe defaults, the response
 * held in the server until the store has the session, a store that is down answered 503 (never an
 * empty session), id rotation on bindSession() (session fixation), destroySession(), and the clear
 * error without the middleware.
 */
import { describe, expect, test } from "bun:test";
import { HttpError, HttpServlet, type HttpSession, Sessions, type SessionsOptions } from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { ResponseRecorder } from "../helpers/response-recorder.ts";
import { ControlledStore } from "../helpers/session-stores.ts";

/** A session id's form: 128 bits in base64url. */
const ID = /^[A-Za-z0-9_-]{22}$/;

/** A request line and Host, with a Cookie header when `cookie` is given. */
function request(cookie?: string, method = "GET"): string {
  return `${method} / HTTP/1.1\r\nHost: x\r\n${cookie === undefined ? "" : `Cookie: ${cookie}\r\n`}\r\n`;
}

/** A servlet whose processRequest runs `sessions` as a middleware around `fn`. */
function through(sessions: Sessions | null, fn: (s: HttpServlet) => void | Promise<void>) {
  return (session: HttpSession) =>
    new (class extends HttpServlet {
      override processRequest(): Promise<void> {
        if (sessions === null) return Promise.resolve(fn(this));
        return sessions.handle(this, async () => fn(this));
      }
    })(session);
}

/** Serves one request; resolves with the recorder once the response is complete (the owner heard it). */
async function serve(sessions: Sessions | null, raw: string, fn: (s: HttpServlet) => void | Promise<void>): Promise<ResponseRecorder> {
  const rec = new ResponseRecorder(raw);
  rec.serve(through(sessions, fn));
  await eventually(async () => {
    if (rec.completed === null && !rec.closed) throw new Error("response not complete");
  }, 5_000);
  return rec;
}

/** The session id a Set-Cookie line sets for `sid`, or undefined. */
function cookieId(rec: ResponseRecorder): string | undefined {
  return /(?:^|\r\n)Set-Cookie: sid=([^;\r]*)/i.exec(rec.text())?.[1];
}

function setup(options: Omit<SessionsOptions, "store"> = {}) {
  const store = new ControlledStore();
  return { store, sessions: new Sessions({ ...options, store }) };
}

/**
 * One request whose handler sets `n` in its session and answers `body`, served with the store
 * holding its save; resolves once that save has begun (the response held), before it ends.
 */
async function whileSaveHeld(body: string) {
  const { store, sessions } = setup();
  store.hold();
  const rec = new ResponseRecorder(request());
  rec.serve(
    through(sessions, async (s) => {
      (await s.sessionContext()).n = 1;
      s.sendDocument(200, "text/plain", body);
    }),
  );
  await store.whenSetStarts();
  return { store, rec };
}

/** Waits (bounded) for `rec`'s response to complete. */
async function completed(rec: ResponseRecorder): Promise<void> {
  await eventually(async () => {
    if (rec.completed === null) throw new Error("not complete");
  });
}

describe("Sessions", () => {
  test("a request that never asks for its session costs no store call and gets no cookie", async () => {
    const { store, sessions } = setup();
    const rec = await serve(sessions, request("sid=AAAAAAAAAAAAAAAAAAAAAA"), (s) => s.sendJson({ ok: true }));
    expect(rec.response().status).toBe(200);
    expect(rec.text()).not.toMatch(/set-cookie/i);
    expect(store.calls).toEqual([]);
  });

  test("a first visit that stores something gets a new 128-bit id in a cookie with the safe defaults, saved before the response", async () => {
    const { store, sessions } = setup();
    const rec = await serve(sessions, request(), async (s) => {
      expect(s.sessionId()).toBeNull();
      const ctx = await s.sessionContext();
      expect(ctx).toEqual({});
      ctx.user = "ada";
      s.sendJson({ id: s.sessionId() });
    });
    const id = cookieId(rec);
    expect(id).toMatch(ID);
    expect(JSON.parse(rec.response().body)).toEqual({ id });
    const line = /Set-Cookie: [^\r]*/i.exec(rec.text())![0];
    expect(line).toContain("HttpOnly");
    expect(line).toContain("SameSite=Lax");
    expect(line).toContain("Path=/");
    expect(line).not.toContain("Secure"); // the request was not over TLS
    expect(line).not.toContain("Max-Age");
    expect(await store.memory.get(id!)).toEqual({ user: "ada" });
  });

  test("a new session left empty is neither saved nor given a cookie", async () => {
    const { store, sessions } = setup();
    const rec = await serve(sessions, request(), async (s) => {
      await s.sessionContext();
      s.sendJson({});
    });
    expect(rec.text()).not.toMatch(/set-cookie/i);
    expect(store.calls.filter((c) => c.startsWith("set"))).toEqual([]);
  });

  test("the response is held in the server until the store has the session: no byte goes before", async () => {
    const { store, rec } = await whileSaveHeld("saved first");
    expect(rec.text()).toBe("");
    expect(rec.completed).toBeNull();
    store.release();
    await completed(rec);
    expect(rec.response().body).toBe("saved first");
    expect(await store.memory.get(cookieId(rec)!)).toEqual({ n: 1 });
  });

  test("a store that is down when the session is read answers 503, never an empty session", async () => {
    const { store, sessions } = setup();
    await store.memory.set("AAAAAAAAAAAAAAAAAAAAAA", { user: "ada" }, 60_000);
    store.down = true;
    let ran = false;
    const rec = await serve(sessions, request("sid=AAAAAAAAAAAAAAAAAAAAAA"), async (s) => {
      await s.sessionContext();
      ran = true;
      s.sendJson({});
    });
    expect(ran).toBe(false);
    expect(rec.response().status).toBe(503);
    expect(rec.errors).toEqual([]); // an answer, not a failure: counted, not logged
    expect(sessions.stats().storeFailures).toBe(1);
  });

  test("a store that fails the save: the held response is replaced by a 503", async () => {
    const { store, rec } = await whileSaveHeld("never seen");
    store.down = true;
    store.release();
    await completed(rec);
    const r = rec.response();
    expect(r.status).toBe(503);
    expect(rec.text()).not.toContain("never seen");
    expect(rec.text().match(/HTTP\/1\.1 /g)?.length).toBe(1);
  });

  test("a failed save's 503 carries no cookie change: a new session's cookie is withdrawn", async () => {
    const { store, sessions } = setup();
    store.failing.add("set");
    const rec = await serve(sessions, request(), async (s) => {
      (await s.sessionContext()).user = "ada";
      s.sendJson({});
    });
    expect(rec.response().status).toBe(503);
    expect(rec.text()).not.toMatch(/set-cookie/i);
  });

  test("a logout whose delete fails: 503, the cookie is not cleared and the session is still there", async () => {
    const { store, sessions } = setup();
    const id = "HHHHHHHHHHHHHHHHHHHHHH";
    await store.memory.set(id, { user: "ada" }, 60_000);
    store.failing.add("delete");
    const rec = await serve(sessions, request(`sid=${id}`), (s) => {
      s.destroySession();
      s.sendJson({ ok: true });
    });
    expect(rec.response().status).toBe(503);
    expect(rec.text()).not.toMatch(/set-cookie/i); // the client keeps its cookie and may log out again
    expect(await store.memory.get(id)).toEqual({ user: "ada" });
  });

  test("a login whose save fails: 503, the old session intact under the cookie the client keeps", async () => {
    const { store, sessions } = setup();
    const old = "IIIIIIIIIIIIIIIIIIIIII";
    await store.memory.set(old, { cart: [1] }, 60_000);
    store.failing.add("set");
    const rec = await serve(sessions, request(`sid=${old}`), async (s) => {
      await s.bindSession();
      (await s.sessionContext()).user = "ada";
      s.sendJson({});
    });
    expect(rec.response().status).toBe(503);
    expect(rec.text()).not.toMatch(/set-cookie/i);
    expect(await store.memory.get(old)).toEqual({ cart: [1] });
    expect(store.calls.filter((c) => c.startsWith("delete"))).toEqual([]);
  });

  test("a cookie naming a stored session reads it; its save slides it and sets no new cookie", async () => {
    const { store, sessions } = setup();
    const id = "BBBBBBBBBBBBBBBBBBBBBB";
    await store.memory.set(id, { user: "ada", visits: 1 }, 60_000);
    const rec = await serve(sessions, request(`theme=dark; sid=${id}`), async (s) => {
      expect(s.sessionId()).toBe(id);
      const ctx = await s.sessionContext();
      (ctx.visits as number)++;
      s.sendJson(ctx);
    });
    expect(JSON.parse(rec.response().body)).toEqual({ user: "ada", visits: 2 });
    expect(rec.text()).not.toMatch(/set-cookie/i);
    expect(store.calls).toEqual([`get ${id}`, `set ${id} {"user":"ada","visits":2}`]);
  });

  test("an id the store does not know is never adopted (session fixation): a new one is made", async () => {
    const { sessions } = setup();
    const planted = "CCCCCCCCCCCCCCCCCCCCCC";
    const rec = await serve(sessions, request(`sid=${planted}`), async (s) => {
      (await s.sessionContext()).user = "ada";
      s.sendJson({});
    });
    const id = cookieId(rec);
    expect(id).toMatch(ID);
    expect(id).not.toBe(planted);
  });

  test("cookie values that are not an id's form are ignored, never thrown on", async () => {
    for (const value of ["", "short", "x".repeat(200), "AAAAAAAAAAAAAAAAAAAA!!", "%00%0d%0a"]) {
      const { store, sessions } = setup();
      const rec = await serve(sessions, request(`sid=${value}`), async (s) => {
        expect(s.sessionId()).toBeNull();
        await s.sessionContext();
        s.sendJson({});
      });
      expect(rec.response().status).toBe(200);
      expect(store.calls).toEqual([]);
    }
  });

  test("bindSession() moves the data to a new id, deletes the old record, and sends the new cookie", async () => {
    const { store, sessions } = setup();
    const old = "DDDDDDDDDDDDDDDDDDDDDD";
    await store.memory.set(old, { cart: [1] }, 60_000);
    const rec = await serve(sessions, request(`sid=${old}`), async (s) => {
      const id = await s.bindSession();
      expect(s.sessionId()).toBe(id);
      (await s.sessionContext()).user = "ada";
      s.sendJson({});
    });
    const id = cookieId(rec)!;
    expect(id).toMatch(ID);
    expect(id).not.toBe(old);
    expect(await store.memory.get(old)).toBeUndefined();
    expect(await store.memory.get(id)).toEqual({ cart: [1], user: "ada" });
  });

  test("destroySession() deletes the record before the response goes and clears the cookie", async () => {
    const { store, sessions } = setup();
    const id = "EEEEEEEEEEEEEEEEEEEEEE";
    await store.memory.set(id, { user: "ada" }, 60_000);
    const rec = await serve(sessions, request(`sid=${id}`), async (s) => {
      await s.sessionContext();
      s.destroySession();
      expect(s.sessionId()).toBeNull();
      s.sendJson({});
    });
    expect(await store.memory.get(id)).toBeUndefined();
    expect(rec.text()).toMatch(/Set-Cookie: sid=; [^\r]*Max-Age=0/i);
  });

  test("a 5xx answer commits nothing: the stored session stays as it was", async () => {
    const { store, sessions } = setup();
    const id = "FFFFFFFFFFFFFFFFFFFFFF";
    await store.memory.set(id, { n: 1 }, 60_000);
    const rec = await serve(sessions, request(`sid=${id}`), async (s) => {
      (await s.sessionContext()).n = 2;
      throw new HttpError(500, "failed half-way");
    });
    expect(rec.response().status).toBe(500);
    expect(await store.memory.get(id)).toEqual({ n: 1 });
  });

  test("changes made after a streamed response started are saved when it completes; completion waits for them", async () => {
    const { store, sessions } = setup();
    const id = "GGGGGGGGGGGGGGGGGGGGGG";
    await store.memory.set(id, { n: 1 }, 60_000);
    const rec = await serve(sessions, request(`sid=${id}`), async (s) => {
      const ctx = await s.sessionContext();
      s.sendResponse(200);
      s.sendHeader("Content-Type", "text/plain");
      s.sendContent("part 1;");
      await s.drained();
      ctx.n = 2;
      s.sendContent("part 2");
      s.endContent();
    });
    expect(rec.text()).toMatch(/part 1;\r\n6\r\npart 2\r\n0\r\n\r\n$/); // chunked (HTTP/1.1 with no length)
    expect(await store.memory.get(id)).toEqual({ n: 2 });
    expect(store.calls.filter((c) => c.startsWith("set"))).toEqual([`set ${id} {"n":1}`, `set ${id} {"n":2}`]);
  });

  test("a record the store refuses (too large) is the application's bug: 500, logged once", async () => {
    const store = new ControlledStore();
    const sessions = new Sessions({ store });
    const big = "x".repeat(70_000);
    const rec = await serve(sessions, request(), async (s) => {
      (await s.sessionContext()).big = big;
      s.sendJson({ ok: true });
    });
    expect(rec.response().status).toBe(500);
    expect(rec.errors.length).toBe(1);
    expect(rec.errors[0]).toMatch(/saving the user session/);
  });

  test("the client leaving while the save runs is no error; the save completes", async () => {
    const { store, rec } = await whileSaveHeld("left before it");
    rec.leave();
    store.release();
    await eventually(async () => {
      if (store.memory.stats().sessions !== 1) throw new Error("not saved");
    });
    expect(rec.errors).toEqual([]);
  });

  test("cookie settings: name, path, domain, maxAge, sameSite and secure go out as set", async () => {
    const { sessions } = setup({
      cookie: { name: "app", path: "/app", domain: "example.com", maxAge: 3600, sameSite: "Strict", secure: true },
    });
    const rec = await serve(sessions, request(), async (s) => {
      (await s.sessionContext()).n = 1;
      s.sendJson({});
    });
    const line = /Set-Cookie: [^\r]*/i.exec(rec.text())![0];
    expect(line).toMatch(/^Set-Cookie: app=[A-Za-z0-9_-]{22};/i);
    for (const part of ["Path=/app", "Domain=example.com", "Max-Age=3600", "SameSite=Strict", "Secure", "HttpOnly"])
      expect(line).toContain(part);
  });

  test("cookie settings a browser would refuse are refused at construction", () => {
    expect(() => new Sessions({ cookie: { name: "bad name" } })).toThrow(TypeError);
    expect(() => new Sessions({ cookie: { sameSite: "None" } })).toThrow(/SameSite=None needs/);
    expect(() => new Sessions({ cookie: { name: "__Host-sid" } })).toThrow(/secure: true/);
    expect(() => new Sessions({ cookie: { name: "__Host-sid", secure: true, path: "/app" } })).toThrow(TypeError);
    expect(() => new Sessions({ cookie: { name: "__Secure-sid" } })).toThrow(TypeError);
    expect(() => new Sessions({ cookie: { maxAge: -1 } })).toThrow(RangeError);
    expect(() => new Sessions({ ttlMs: 0 })).toThrow(RangeError);
    expect(new Sessions({ cookie: { name: "__Host-sid", secure: true } })).toBeInstanceOf(Sessions);
    expect(new Sessions().ttlMs).toBe(30 * 60_000);
  });

  test("without the middleware: sessionId() is null and the other calls name the fix", async () => {
    const errors: unknown[] = [];
    const rec = await serve(null, request("sid=AAAAAAAAAAAAAAAAAAAAAA"), async (s) => {
      expect(s.sessionId()).toBeNull();
      await s.sessionContext().catch((e) => errors.push(e));
      await s.bindSession().catch((e) => errors.push(e));
      try {
        s.destroySession();
      } catch (e) {
        errors.push(e);
      }
      s.sendJson({});
    });
    expect(rec.response().status).toBe(200);
    expect(errors.length).toBe(3);
    for (const e of errors) expect((e as Error).message).toContain("router.use(new Sessions())");
  });
});
