/**
 * A to-do API (issue 24's yardstick; docs/app-helpers.md sets it beside hono's): JSON routes with
 * params, a thrown HttpError, a multipart upload, a route answered by a service, a query and a
 * cookie, an event stream of changes. Every handler still gets its request's servlet.
 *   bun examples/todo.ts 8000      curl -d '{"title":"milk"}' http://127.0.0.1:8000/api/todos
 */
import { HttpDaemon, HttpError, Router } from "netsvc";
import { Service, services } from "netsvc/services";

type Todo = { id: number; title: string; done: boolean; file?: { name: string; bytes: number } };
const todos = new Map<number, Todo>();

function find(id: string): Todo {
  const todo = todos.get(Number(id));
  if (todo === undefined) throw new HttpError(404, `no to-do ${id}`);
  return todo;
}
function changed(todo: Todo): Todo {
  services.publish(`todos.${todo.id}`, todo); // to every event stream (and process) subscribed
  return todo;
}
// A service (here in process; with an Exchange, in any process on the bus) answers one route.
new Service("words").exportMethod((text: string) => text.split(/\s+/).filter(Boolean).length, "count");

const api = new Router()
  .get("/todos", (s) => {
    const sort = s.query().get("sort") ?? s.cookie("sort") ?? "id";
    s.setCookie("sort", sort, { maxAge: 365 * 86_400 }); // remembered for the next visit
    const done = s.query().get("done");
    const list = [...todos.values()].filter((t) => done === null || String(t.done) === done);
    s.sendJson(sort === "title" ? list.sort((a, b) => a.title.localeCompare(b.title)) : list);
  })
  .get("/todos/:id", (s, p) => s.sendJson(find(p.id)))
  .post("/todos", async (s) => {
    const { title } = await s.json<{ title?: unknown }>();
    if (typeof title !== "string" || title === "") throw new HttpError(422, "title must be a non-empty string");
    const todo = { id: todos.size + 1, title, done: false }; // no route deletes one
    todos.set(todo.id, todo);
    s.sendJson(changed(todo), 201);
  })
  .patch("/todos/:id", async (s, p) => {
    const { done } = await s.json<{ done?: unknown }>();
    s.sendJson(changed(Object.assign(find(p.id), { done: done === true })));
  })
  .post("/todos/:id/file", async (s, p) => {
    const todo = find(p.id);
    for await (const part of s.parts()) if (part.filename) todo.file = { name: part.filename, bytes: (await part.bytes()).length };
    s.sendJson(changed(todo));
  })
  .get("/todos/:id/words", async (s, p) => s.sendJson(await services.call("words", "count", [find(p.id).title], { signal: s.signal })))
  .get("/events", (s) => void s.eventStream().subscribe("todos.*"));

const daemon = new HttpDaemon(Number(process.argv[2] ?? 8000));
daemon.attach("/api", api);
daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/api/todos`);
