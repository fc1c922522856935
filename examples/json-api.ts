/**
 * A JSON API with a Router: items in memory, path parameters, a JSON body, HttpError.
 *   bun examples/json-api.ts [port]     (default 8000; 0 picks a free port)
 *   curl localhost:8000/api/items/1
 *   curl -d '{"name":"two"}' localhost:8000/api/items
 */
import { Dispatcher, HttpDaemon, HttpError, Router } from "netsvc";

const items = new Map<string, { name: string }>([["1", { name: "one" }]]);

const api = new Router()
  .get("/items", (s) => s.sendJson([...items].map(([id, item]) => ({ id, ...item }))))
  .get("/items/:id", (s, { id }) => {
    const item = items.get(id!);
    if (!item) throw new HttpError(404, `no item ${id}`);
    s.sendJson({ id, ...item });
  })
  .post("/items", async (s) => {
    const body = await s.json<{ name?: unknown }>();
    if (typeof body?.name !== "string") throw new HttpError(422, "name must be a string");
    const id = String(items.size + 1);
    items.set(id, { name: body.name });
    s.sendJson({ id }, 201);
  })
  .delete("/items/:id", (s, { id }) => {
    if (!items.delete(id!)) throw new HttpError(404, `no item ${id}`);
    s.sendJson({ deleted: id });
  });

const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
const daemon = new HttpDaemon(Number(process.argv[2] ?? 8000));
daemon.attach("/api", api);
daemon.start();
console.log(`http://127.0.0.1:${daemon.port()}/  (routes under /api)`);
await dispatcher.run();
