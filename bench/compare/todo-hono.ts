/**
 * The to-do API of examples/todo.ts written with hono on Bun.serve, for the line counts in
 * docs/app-helpers.md (the same routes, answers and event stream; hono has no service registry or
 * report bus, so the service is an async function and changes go through an EventEmitter).
 *   bun bench/compare/todo-hono.ts 8000
 */
import { EventEmitter } from "node:events";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { streamSSE } from "hono/streaming";

type Todo = { id: number; title: string; done: boolean; file?: { name: string; bytes: number } };
const todos = new Map<number, Todo>();
const changes = new EventEmitter();

function find(id: string): Todo {
  const todo = todos.get(Number(id));
  if (todo === undefined) throw new HTTPException(404, { message: `no to-do ${id}` });
  return todo;
}
function changed(todo: Todo): Todo {
  changes.emit("change", todo);
  return todo;
}
const countWords = async (text: string) => text.split(/\s+/).filter(Boolean).length;

const api = new Hono()
  .get("/todos", (c) => {
    const sort = c.req.query("sort") ?? getCookie(c, "sort") ?? "id";
    setCookie(c, "sort", sort, { maxAge: 365 * 86_400 });
    const done = c.req.query("done");
    const list = [...todos.values()].filter((t) => done === undefined || String(t.done) === done);
    return c.json(sort === "title" ? list.sort((a, b) => a.title.localeCompare(b.title)) : list);
  })
  .get("/todos/:id", (c) => c.json(find(c.req.param("id"))))
  .post("/todos", async (c) => {
    const { title } = await c.req.json<{ title?: unknown }>().catch(() => ({ title: undefined }));
    if (typeof title !== "string" || title === "") throw new HTTPException(422, { message: "title must be a non-empty string" });
    const todo = { id: todos.size + 1, title, done: false };
    todos.set(todo.id, todo);
    return c.json(changed(todo), 201);
  })
  .patch("/todos/:id", async (c) => {
    const { done } = await c.req.json<{ done?: unknown }>();
    return c.json(changed(Object.assign(find(c.req.param("id")), { done: done === true })));
  })
  .post("/todos/:id/file", async (c) => {
    const todo = find(c.req.param("id"));
    for (const value of Object.values(await c.req.parseBody()))
      if (value instanceof File) todo.file = { name: value.name, bytes: value.size };
    return c.json(changed(todo));
  })
  .get("/todos/:id/words", async (c) => c.json(await countWords(find(c.req.param("id")).title)))
  .get("/events", (c) =>
    streamSSE(c, async (stream) => {
      const send = (todo: Todo) => void stream.writeSSE({ event: `todos.${todo.id}`, data: JSON.stringify(todo) });
      changes.on("change", send);
      stream.onAbort(() => void changes.off("change", send));
      await stream.write(": ready\n\n"); // Bun.serve sends the head with the first bytes
      await new Promise((resolve) => stream.onAbort(() => resolve(undefined)));
    }),
  );

const app = new Hono().route("/api", api);
const server = Bun.serve({ hostname: "127.0.0.1", port: Number(process.argv[2] ?? 8000), fetch: app.fetch });
console.log(`http://127.0.0.1:${server.port}/api/todos`);
