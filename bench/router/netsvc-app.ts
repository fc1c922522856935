/**
 * Benchmark peer: a netsvc Router with one middleware (a request id staged on the response, around
 * `await next()`) and one JSON route with a parameter, GET /items/:id → {"id":"…"}.
 * `bun netsvc-app.ts PORT [--bare]`: --bare drops the middleware (the route alone).
 */
import { Dispatcher, HttpDaemon, Router } from "../../src/index.ts";

const bare = process.argv.includes("--bare");
let n = 0;
const app = new Router();
if (!bare)
  app.use(async (s, next) => {
    s.setHeader("X-Request-Id", ++n);
    await next();
  });
app.get("/items/:id", (s, p) => s.sendJson({ id: p.id }));

const daemon = new HttpDaemon(Number(process.argv[2]), { maxRequestsPerConnection: 1e9, accessLog: null });
daemon.attach("/", app);
const dispatcher = new Dispatcher();
dispatcher.monitor("SIGTERM");
daemon.start();
console.log("ready");
await dispatcher.run();
