/**
 * The hand-over of a socket from HTTP/1 to WebSocket (SPEC §12): the HttpConnection that answered
 * 101 gives way to a WsConnection, which takes its place in the daemon's registry and as the
 * socket's data, with its output queue (the 101 may still be in it).
 */
import type { Socket } from "bun";
import type { WsEndpoint, WsSettings } from "../servers/websocket-port.ts";
import type { ConnectionHost, PortResources } from "./daemon-resources.ts";
import type { SocketConnection } from "./socket-connection.ts";
import { WsConnection } from "./ws-connection.ts";

/**
 * Starts a WebSocket on `socket` in `previous`'s place, speaking to `endpoint`. `rest`: what the
 * client sent after its upgrade request (its first frames, a copy), read at the end of this turn
 * — after the servlet that called upgrade() has set its handlers — or null.
 */
export function handOverToWebSocket(
  daemon: ConnectionHost,
  port: PortResources,
  socket: Socket<unknown>,
  previous: SocketConnection,
  settings: WsSettings,
  endpoint: WsEndpoint,
  rest: Uint8Array | null,
): WsConnection {
  const next = new WsConnection(daemon, port, socket, previous, settings);
  next.attach(endpoint);
  socket.data = next;
  daemon.replaced(previous, next);
  if (rest !== null) queueMicrotask(() => next.onData(rest));
  // The 101 goes out now (no flush task made: an idle socket should not hold one).
  next.flush();
  return next;
}
