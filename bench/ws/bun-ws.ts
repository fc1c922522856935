/**
 * Benchmark peer: Bun.serve with its `websocket` handler (uWebSockets inside), the paths of
 * bench/ws/protocol.ts: the fan-out is `ws.subscribe(TOPIC)` in `open` and `server.publish(TOPIC,
 * message)` for each of the publisher's messages. `bun bun-ws.ts PORT [--idle-timeout S]`
 * (`idleTimeout` of the HTTP connections; the WebSocket's own stays Bun's default, 120 s).
 */
import { idleTimeoutFlag, PATHS, SUBSCRIBED, TOPIC } from "./protocol.ts";

interface SocketData {
  path: string;
}

const idleTimeout = idleTimeoutFlag(process.argv);
const server = Bun.serve<SocketData>({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  ...(idleTimeout !== undefined ? { idleTimeout } : {}),
  fetch(req, srv) {
    const path = new URL(req.url).pathname;
    if (path !== PATHS.hello && srv.upgrade(req, { data: { path } })) return undefined;
    return new Response("Hello, world!", { headers: { "Content-Type": "text/plain" } });
  },
  websocket: {
    open(ws) {
      if (ws.data.path === PATHS.fanout) ws.subscribe(TOPIC);
    },
    message(ws, message) {
      switch (ws.data.path) {
        case PATHS.echo:
          ws.send(message);
          break;
        case PATHS.fanout:
          ws.send(SUBSCRIBED);
          break;
        case PATHS.publish:
          server.publish(TOPIC, message);
          break;
      }
    },
  },
});
console.log("ready");
