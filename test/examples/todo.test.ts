/**
 * examples/todo.ts and its hono twin (bench/compare/todo-hono.ts, for the line counts of
 * docs/app-helpers.md) run the same script of requests and give the same answers: JSON routes with
 * params, a 404 from a thrown error, a 422, a query, a cookie remembered, a multipart upload, a route
 * answered by a service, and an event stream that sees a change. Real processes, real fetch.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { codeLines } from "../../scripts/code-lines.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";

/** Reads an event stream until `predicate` holds for its text; the reader is cancelled after. */
async function readUntil(body: ReadableStream<Uint8Array>, predicate: (text: string) => boolean): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!predicate(text)) {
    const r = await reader.read();
    if (r.done) break;
    text += decoder.decode(r.value, { stream: true });
  }
  await reader.cancel();
  return text;
}

/** The script: every answer that matters, in order. */
async function script(base: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  const json = async (path: string, init?: RequestInit) => {
    const r = await fetch(base + path, init);
    const body = r.headers.get("content-type")?.startsWith("application/json") ? await r.json() : await r.text();
    seen.push([init?.method ?? "GET", path, r.status, r.status < 400 ? body : null]);
    return r;
  };
  const events = await fetch(`${base}/events`);
  const post = (title: unknown) => ({ method: "POST", body: JSON.stringify({ title }), headers: { "content-type": "application/json" } });
  await json("/todos", post("buy milk"));
  await json("/todos", post("call the plumber today"));
  await json("/todos", post(""));
  await json("/todos/9");
  await json("/todos/2", { method: "PATCH", body: JSON.stringify({ done: true }), headers: { "content-type": "application/json" } });
  await json("/todos?done=true");
  const sorted = await json("/todos?sort=title");
  const cookie = sorted.headers.getSetCookie().find((c) => c.startsWith("sort="));
  seen.push(cookie?.split(";")[0]);
  await json("/todos", { headers: { cookie: cookie?.split(";")[0] ?? "" } }); // sorted by title, from the cookie
  const form = new FormData();
  form.append("file", new File(["hello"], "note.txt", { type: "text/plain" }));
  await json("/todos/1/file", { method: "POST", body: form });
  await json("/todos/2/words");
  const text = await readUntil(events.body!, (t) => t.includes("note.txt"));
  seen.push(text.includes("event: todos.1") && text.includes("buy milk"));
  return seen;
}

const apps = {
  netsvc: ["examples/todo.ts", "0"],
  hono: ["bench/compare/todo-hono.ts", "0"],
};

describe("the to-do app", () => {
  const results: Record<string, unknown[]> = {};
  for (const [name, args] of Object.entries(apps))
    test(`${name}: the script's answers`, async () => {
      const { child, out } = spawnWithOutput([process.execPath, ...args]);
      try {
        const base = (await out.url()).replace(/\/$/, ""); // …/api
        results[name] = await script(base);
        const milk = { id: 1, title: "buy milk", done: false };
        const plumber = { id: 2, title: "call the plumber today", done: false };
        const plumberDone = { ...plumber, done: true };
        const milkFile = { ...milk, file: { name: "note.txt", bytes: 5 } };
        expect(results[name]).toEqual([
          ["POST", "/todos", 201, milk],
          ["POST", "/todos", 201, plumber],
          ["POST", "/todos", 422, null],
          ["GET", "/todos/9", 404, null],
          ["PATCH", "/todos/2", 200, plumberDone],
          ["GET", "/todos?done=true", 200, [plumberDone]],
          ["GET", "/todos?sort=title", 200, [milk, plumberDone]],
          "sort=title",
          ["GET", "/todos", 200, [milk, plumberDone]],
          ["POST", "/todos/1/file", 200, milkFile],
          ["GET", "/todos/2/words", 200, 4],
          true,
        ]);
      } finally {
        child.kill("SIGKILL");
        await child.exited;
      }
    });
});

test("examples/todo.ts stays within issue 24's 45 code lines; the counter counts code, not comments", () => {
  expect(codeLines("/**\n * doc\n */\nconst a = 1; // note\n\n// only a comment\n/* one line */\nconst b = 2;\n")).toBe(2);
  expect(codeLines(readFileSync("examples/todo.ts", "utf8"))).toBeLessThanOrEqual(45);
});
