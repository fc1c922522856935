/** Every example starts, answers one request as its comment says, and stops on SIGINT. */
import { expect, test } from "bun:test";
import { spawnWithOutput } from "./helpers/spawn.ts";

async function runExample(args: string[], path: string, init?: RequestInit): Promise<{ status: number; body: string; headers: Headers }> {
  const { child, out } = spawnWithOutput([process.execPath, ...args]);
  try {
    const base = await out.url();
    const r = await fetch(base + path, { ...init, redirect: "manual" });
    const result = { status: r.status, body: await r.text(), headers: r.headers };
    child.kill("SIGINT");
    expect(await child.exited).toBe(0);
    return result;
  } finally {
    child.kill("SIGKILL");
  }
}

test("hello", async () => {
  expect((await runExample(["examples/hello.ts", "0"], "")).body).toBe("Hello, world!");
});

test("delayed-response", async () => {
  expect((await runExample(["examples/delayed-response.ts", "0"], "?ms=50")).body).toBe("answered after 50 ms\n");
});

test("upload", async () => {
  const r = await runExample(["examples/upload.ts", "0"], "", { method: "POST", body: "abc" });
  expect(JSON.parse(r.body)).toEqual({ bytes: 3, sum: 97 + 98 + 99 });
});

test("json-api", async () => {
  const r = await runExample(["examples/json-api.ts", "0"], "api/items/1");
  expect(JSON.parse(r.body)).toEqual({ id: "1", name: "one" });
  const made = await runExample(["examples/json-api.ts", "0"], "api/items", { method: "POST", body: '{"name":"two"}' });
  expect([made.status, JSON.parse(made.body)]).toEqual([201, { id: "2" }]);
  const bad = await runExample(["examples/json-api.ts", "0"], "api/items", {
    method: "POST",
    body: "{",
    headers: { accept: "application/json" },
  });
  expect([bad.status, JSON.parse(bad.body).message]).toEqual([400, "the request body is not valid JSON"]);
});

test("large-stream", async () => {
  expect((await runExample(["examples/large-stream.ts", "0"], "?mb=3")).body.length).toBe(3 * 1024 * 1024);
});

test("seed", async () => {
  const r = await runExample(["examples/seed.ts", "0"], "debug/echo/x?y=1");
  expect(r.body).toContain("<tr><th>servletPath</th><td>x</td></tr>");
  expect((await runExample(["examples/seed.ts", "0"], "old")).status).toBe(301);
});

test("file-server-auth", async () => {
  expect((await runExample(["examples/file-server-auth.ts", "examples/static-site", "0"], "")).status).toBe(401);
  const ok = await runExample(["examples/file-server-auth.ts", "examples/static-site", "0"], "", {
    headers: { Authorization: "Basic " + btoa("admin:secret") },
  });
  expect(ok.body).toContain("A static site with a servlet page");
});

test("static-site with --plugin .ts", async () => {
  const r = await runExample(["src/cli.ts", "examples/static-site", "--port", "0", "--plugin", ".ts"], "clock.ts/a/b");
  expect(r.body).toContain("servletInfo: a/b");
});
