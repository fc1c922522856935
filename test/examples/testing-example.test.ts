import { expect, test } from "bun:test";
import { HttpDaemon, HttpError, Router } from "netsvc";
import { request } from "netsvc/testing";

/** The application: a to-do list under /api (in a project, its own module, imported here). */
function todoApp(): HttpDaemon {
  const todos = new Map<string, string>([["1", "write tests"]]);
  const api = new Router()
    .get("/todos/:id", (s, { id }) => {
      const title = todos.get(id!);
      if (title === undefined) throw new HttpError(404, `no to-do ${id}`);
      s.sendJson({ id, title });
    })
    .post("/todos", async (s) => {
      const { title } = await s.json<{ title: string }>();
      const id = String(todos.size + 1);
      todos.set(id, title);
      s.setHeader("Location", `/api/todos/${id}`);
      s.sendJson({ id, title }, 201);
    });
  const daemon = new HttpDaemon(8000);
  daemon.attach("/api", api);
  return daemon;
}

test("the to-do API, served without opening a port", async () => {
  const app = todoApp(); // never started: request() needs no socket
  const made = await request(app, new Request("http://localhost/api/todos", { method: "POST", body: '{"title":"ship it"}' }));
  expect(made.status).toBe(201);
  expect(made.headers.get("location")).toBe("/api/todos/2");

  const read = await request(app, new Request("http://localhost/api/todos/2"));
  expect(await read.json()).toEqual({ id: "2", title: "ship it" });

  const missing = await request(app, new Request("http://localhost/api/todos/9", { headers: { accept: "application/json" } }));
  expect(missing.status).toBe(404);
  expect(await missing.json()).toMatchObject({ message: "no to-do 9" });
});
