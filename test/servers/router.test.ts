/** Router: pattern matching (a table through find()) and routing over real sockets. */
import { describe, expect, test } from "bun:test";
import { HttpError, Router, type RouteParams } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

const noop = () => {};

function tableRouter(): Router {
  return new Router()
    .get("/", noop)
    .get("/items", noop)
    .post("/items", noop)
    .get("/items/new", noop)
    .get("/items/:id", noop)
    .put("/items/:id", noop)
    .delete("/items/:id", noop)
    .get("/items/:id/parts/:part", noop)
    .get("/users/:user/repos", noop)
    .get("/users/admin/settings", noop)
    .get("/files/*", noop)
    .get("/files/special", noop)
    .on("PROPFIND", "/dav/:name", noop)
    .patch("/a/:x/c", noop)
    .get("/a/b/:y", noop);
}

describe("Router matching", () => {
  const r = tableRouter();
  const cases: [string, string, { pattern: string; params: RouteParams } | { allow: string } | null][] = [
    ["GET", "/", { pattern: "/", params: {} }],
    ["GET", "", { pattern: "/", params: {} }],
    ["GET", "/items", { pattern: "/items", params: {} }],
    ["POST", "/items", { pattern: "/items", params: {} }],
    ["GET", "/items/new", { pattern: "/items/new", params: {} }],
    ["GET", "/items/42", { pattern: "/items/:id", params: { id: "42" } }],
    // the static /items/new has no PUT: the :id branch answers
    ["PUT", "/items/new", { pattern: "/items/:id", params: { id: "new" } }],
    ["HEAD", "/items/7", { pattern: "/items/:id", params: { id: "7" } }],
    ["GET", "/items/7/parts/x", { pattern: "/items/:id/parts/:part", params: { id: "7", part: "x" } }],
    ["GET", "/items/", null], // exact paths: an empty segment is not a parameter
    ["GET", "/items/7/parts", null],
    ["POST", "/items/7", { allow: "GET, HEAD, PUT, DELETE" }],
    ["DELETE", "/items", { allow: "GET, HEAD, POST" }],
    ["GET", "/users/admin/settings", { pattern: "/users/admin/settings", params: {} }],
    // backtracking: static "admin" leads nowhere for /repos, the parameter does
    ["GET", "/users/admin/repos", { pattern: "/users/:user/repos", params: { user: "admin" } }],
    ["GET", "/files", { pattern: "/files/*", params: { "*": "" } }],
    ["GET", "/files/", { pattern: "/files/*", params: { "*": "" } }],
    ["GET", "/files/a/b.txt", { pattern: "/files/*", params: { "*": "a/b.txt" } }],
    ["GET", "/files/special", { pattern: "/files/special", params: {} }],
    ["GET", "/files/special/x", { pattern: "/files/*", params: { "*": "special/x" } }],
    ["PROPFIND", "/dav/x", { pattern: "/dav/:name", params: { name: "x" } }],
    ["GET", "/dav/x", { allow: "PROPFIND" }],
    ["PATCH", "/a/b/c", { pattern: "/a/:x/c", params: { x: "b" } }],
    ["GET", "/a/b/c", { pattern: "/a/b/:y", params: { y: "c" } }],
    ["GET", "/itemsx", null],
    ["GET", "/nothing/here", null],
    ["GET", "/users/é/repos", { pattern: "/users/:user/repos", params: { user: "é" } }],
  ];
  for (const [method, path, want] of cases) {
    test(`${method} ${JSON.stringify(path)}`, () => {
      expect(r.find(method, path)).toEqual(want);
    });
  }

  test("bad patterns and duplicates are TypeErrors naming them", () => {
    const bad = ["items", "/items/", "/a//b", "/a/*/b", "/a/:", "/a/:1x", "/a/x:y", "/a/:id/:id", "/a?b", "/a/../b", "/a/%20"];
    for (const p of bad) expect(() => new Router().get(p, noop)).toThrow(TypeError);
    expect(() => new Router().get("/a/b*", noop)).toThrow(/whole segments/);
    expect(() => new Router().on("BAD METHOD", "/", noop)).toThrow(/not a method name/);
    expect(() => new Router().get("/x", noop).get("/x", noop)).toThrow(/already routed/);
    expect(() => new Router().get("/x", "nope" as never)).toThrow(/not a function/);
  });
});

describe("Router over sockets", () => {
  function api(gate: Promise<void> = Promise.resolve()): Router {
    const items = new Map<string, unknown>([["1", { name: "one" }]]);
    return new Router()
      .get("/items/:id", (s, p) => {
        const item = items.get(p.id!);
        if (!item) throw new HttpError(404, `no item ${p.id}`);
        s.sendJson(item);
      })
      .post("/items", async (s) => {
        const body = await s.json<{ name?: unknown }>();
        if (typeof body.name !== "string") throw new HttpError(422, "name must be a string");
        items.set(String(items.size + 1), body);
        s.sendJson({ id: String(items.size) }, 201);
      })
      .get("/later/:what", async (s, p) => {
        // answers after the function's first await, as after a database query
        await gate;
        s.sendDocument(200, "text/plain", `waited for ${p.what}`);
      })
      .get("/files/*", (s, p) => s.sendDocument(200, "text/plain", `file ${p["*"]}`))
      .put("/locked", (s) => s.sendError(405)) // the handler refuses: Allow still lists the path's methods
      .post("/locked", (s) => s.sendJson({}))
      .get("/boom", () => {
        throw new Error("internal detail");
      });
  }

  test("GET with a parameter, keep-alive, under the attach point", async () => {
    await using srv = startDaemon({ "/api": api() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/items/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(r.body)).toEqual({ name: "one" });
    expect(r.headers.connection).toBe("keep-alive");
    const r2 = await c.request("GET /api/files/a/b%20c.txt HTTP/1.0\r\n\r\n");
    expect(r2.body).toBe("file a/b c.txt"); // parameters are percent-decoded
    using c2 = await RawClient.connect(srv.port);
    const r3 = await c2.request("GET /api/items/a%2Fb HTTP/1.0\r\n\r\n");
    expect(r3.status).toBe(400); // an encoded "/" never reaches a parameter (SPEC §4.1)
  });

  test("HEAD is served by the GET route, without a body", async () => {
    await using srv = startDaemon({ "/api": api() });
    using c = await RawClient.connect(srv.port);
    c.send("HEAD /api/items/1 HTTP/1.0\r\n\r\n");
    await c.untilClosed();
    expect(c.text()).toStartWith("HTTP/1.0 200 OK\r\n");
    expect(c.text()).toContain("Content-Length: 14\r\n");
    expect(c.text()).toEndWith("\r\n\r\n");
  });

  test("405 with Allow for another method, 404 for no route; the connection closes", async () => {
    await using srv = startDaemon({ "/api": api() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("DELETE /api/items/1 HTTP/1.0\r\n\r\n");
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("GET, HEAD");
    await c.untilClosed();
    using c3 = await RawClient.connect(srv.port);
    const r3 = await c3.request("PUT /api/locked HTTP/1.0\r\n\r\n");
    expect([r3.status, r3.headers.allow]).toEqual([405, "POST, PUT"]);
    using c2 = await RawClient.connect(srv.port);
    const r2 = await c2.request("GET /api/nothing HTTP/1.0\r\nAccept: application/json\r\n\r\n");
    expect(r2.status).toBe(404);
    expect(JSON.parse(r2.body)).toEqual({ status: 404, error: "Not Found" });
    await c2.untilClosed();
  });

  test("a thrown HttpError answers with its status and message (JSON when accepted, HTML otherwise)", async () => {
    await using srv = startDaemon({ "/api": api() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/items/%3Cb%3E9 HTTP/1.0\r\nAccept: application/json\r\n\r\n");
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({ status: 404, error: "Not Found", message: "no item <b>9" });
    using c2 = await RawClient.connect(srv.port);
    const r2 = await c2.request("GET /api/items/%3Cb%3E9 HTTP/1.0\r\nAccept: text/html, */*\r\n\r\n");
    expect(r2.status).toBe(404);
    expect(r2.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r2.body).toContain("no item &#60;b&#62;9");
    expect(r2.body).not.toContain("<b>9");
    expect(srv.errors).toEqual([]); // an HttpError is an answer, not logged
  });

  test("another throw is a 500 that does not leak its message, and is logged", async () => {
    await using srv = startDaemon({ "/api": api() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/boom HTTP/1.0\r\nAccept: application/json\r\n\r\n");
    expect(r.status).toBe(500);
    expect(r.body).not.toContain("internal detail");
    expect(srv.errors.length).toBe(1);
  });

  test("an async route answers later; other connections are served meanwhile", async () => {
    const gate = Promise.withResolvers<void>();
    await using srv = startDaemon({ "/api": api(gate.promise) });
    using slow = await RawClient.connect(srv.port);
    slow.send("GET /api/later/db HTTP/1.0\r\n\r\n");
    using fast = await RawClient.connect(srv.port);
    const r = await fast.request("GET /api/items/1 HTTP/1.0\r\n\r\n");
    expect(r.status).toBe(200);
    expect(slow.length).toBe(0);
    gate.resolve();
    const [late] = await slow.responses(1);
    expect(late!.body).toBe("waited for db");
  });

  test("POST a JSON body: created, then readable", async () => {
    await using srv = startDaemon({ "/api": api() });
    using c = await RawClient.connect(srv.port);
    const body = JSON.stringify({ name: "two" });
    const r = await c.request(`POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body)).toEqual({ id: "2" });
    const r2 = await c.request("GET /api/items/2 HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(JSON.parse(r2.body)).toEqual({ name: "two" });
  });
});
