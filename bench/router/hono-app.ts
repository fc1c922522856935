/**
 * Benchmark peer: hono on Bun.serve with the same app as netsvc-app.ts — one middleware (a request
 * id header around `await next()`) and GET /items/:id → {"id":"…"} with c.json().
 * `bun hono-app.ts PORT [--bare]`: --bare drops the middleware.
 */
import { Hono } from "hono";

const bare = process.argv.includes("--bare");
let n = 0;
const app = new Hono();
if (!bare)
  app.use(async (c, next) => {
    c.header("X-Request-Id", String(++n));
    await next();
  });
app.get("/items/:id", (c) => c.json({ id: c.req.param("id") }));

Bun.serve({ hostname: "127.0.0.1", port: Number(process.argv[2]), fetch: app.fetch });
console.log("ready");
