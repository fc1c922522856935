/**
 * Route parameters are typed from the pattern (SPEC §13): `tsc --noEmit` (npm test's first step)
 * checks this file, and each `@ts-expect-error` line must be an error — were the parameters a
 * plain string record again, the directive would be unused and the type check would fail.
 */
import { expect, test } from "bun:test";
import { Router, type RouteParams } from "../../src/index.ts";

test("params are typed from the pattern; a wrong name does not compile", () => {
  const r = new Router();
  r.get("/items/:id", (s, params) => {
    const id: string = params.id; // a string, not string | undefined
    // @ts-expect-error: the pattern has no `name`
    s.sendJson(params.name);
    s.sendJson(id);
  });
  r.get("/users/:user/repos/:repo", (_s, params) => {
    const both: [string, string] = [params.user, params.repo];
    // @ts-expect-error: `id` belongs to another route
    void params.id;
    void both;
  });
  r.get("/files/*", (_s, params) => {
    const rest: string = params["*"];
    void rest;
  });
  r.get("/static", (_s, params) => {
    // @ts-expect-error: a static pattern has no parameters
    void params.id;
  });
  r.on("PROPFIND", "/dav/:name", (_s, params) => void params.name);

  // The type itself, for code that names it.
  const p: RouteParams<"/a/:x/b/:y/*"> = { x: "1", y: "2", "*": "rest" };
  // @ts-expect-error: `z` is not a parameter of the pattern
  const q: RouteParams<"/a/:x"> = { x: "1", z: "2" };
  const loose: RouteParams = { anything: "goes" };
  expect([p.x, p.y, p["*"], q.x, loose.anything]).toEqual(["1", "2", "rest", "1", "goes"]);
  expect(r.find("GET", "/items/7")).toEqual({ pattern: "/items/:id", params: { id: "7" } });
});
