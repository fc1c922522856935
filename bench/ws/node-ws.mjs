/**
 * Benchmark peer: Node with `ws` (its WebSocketServer on a node:http server), the paths of
 * bench/ws/protocol.ts. `ws` has no topics: the fan-out is a loop of `send(message)` over a Set of
 * subscribers, as its documentation broadcasts. `node node-ws.mjs PORT [--idle-timeout S]`.
 * `ws` is resolved like any package (NODE_PATH included: run.ts can point it at an install
 * outside the repository).
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { WebSocketServer } = require("ws");

// Same values as protocol.ts (a Node script cannot import TypeScript).
const PATHS = new Set(["/echo", "/fanout", "/publish", "/idle"]);
const SUBSCRIBED = "ok";

const argv = process.argv;
const i = argv.indexOf("--idle-timeout");
const idleTimeout = i >= 0 ? Number(argv[i + 1]) : undefined;

const subscribers = new Set();
const http = createServer((_req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 13 });
  res.end("Hello, world!");
});
if (idleTimeout !== undefined) http.keepAliveTimeout = idleTimeout * 1000;
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
http.on("upgrade", (req, socket, head) => {
  const path = req.url ?? "";
  if (!PATHS.has(path)) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (path === "/echo") ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    else if (path === "/fanout") {
      subscribers.add(ws);
      ws.on("close", () => subscribers.delete(ws));
      ws.on("message", () => ws.send(SUBSCRIBED));
    } else if (path === "/publish")
      ws.on("message", (data, isBinary) => {
        for (const s of subscribers) s.send(data, { binary: isBinary });
      });
  });
});
http.listen(Number(argv[2]), "127.0.0.1", () => console.log("ready"));
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
