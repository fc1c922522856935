/**
 * destroySession() and bindSession() after the response began (SPEC §13; found by review): a
 * logout inside a streamed answer still deletes the stored record — its cookie can no longer be
 * cleared, so the record must go for the logout to hold — and a bind, whose new id could no longer
 * reach the client, rejects instead of moving the session out of its reach.
 */
import { expect, test } from "bun:test";
import { request } from "../../src/entry/testing.ts";
import { MemorySessionStore, Router, Sessions } from "../../src/index.ts";

function app(store: MemorySessionStore, late: { bindError?: unknown }) {
  return new Router()
    .use(new Sessions({ store }))
    .get("/login", async (s) => {
      (await s.sessionContext()).user = "ada";
      s.sendJson({ ok: true });
    })
    .get("/logout-streamed", async (s) => {
      await s.sessionContext();
      s.sendResponse(200);
      s.sendHeader("Content-Type", "text/plain");
      s.sendContent("bye ");
      s.destroySession();
      s.endContent();
    })
    .get("/bind-streamed", async (s) => {
      await s.sessionContext();
      s.sendResponse(200);
      s.sendContent("late ");
      late.bindError = await s.bindSession().catch((e: Error) => e.message);
      s.endContent();
    });
}

async function login(r: Router): Promise<{ cookie: string; id: string }> {
  const res = await request(r, new Request("http://x/login"));
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  return { cookie, id: cookie.split("=")[1]! };
}

test("a logout inside a streamed answer deletes the record once the answer is complete", async () => {
  const store = new MemorySessionStore();
  const r = app(store, {});
  const { cookie, id } = await login(r);
  expect(await store.get(id)).toEqual({ user: "ada" });
  const out = await request(r, new Request("http://x/logout-streamed", { headers: { cookie } }));
  expect(await out.text()).toBe("bye ");
  expect(await store.get(id)).toBeUndefined();
});

test("a bind after the response began rejects, and the session stays where its cookie points", async () => {
  const store = new MemorySessionStore();
  const late: { bindError?: unknown } = {};
  const r = app(store, late);
  const { cookie, id } = await login(r);
  await (await request(r, new Request("http://x/bind-streamed", { headers: { cookie } }))).text();
  expect(String(late.bindError)).toContain("bindSession() after the response began");
  expect(await store.get(id)).toEqual({ user: "ada" });
});
