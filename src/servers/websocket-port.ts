/**
 * The WebSocket port (SPEC §12): what a WebSocketSession (servers/) and the connection that carries
 * it (daemon/ws-connection.ts) see of each other. An upgrade is a request whose cycle hands its
 * transport over (RequestChannel.upgrade): from then on the socket speaks RFC 6455 frames, the
 * daemon's WsConnection reads and writes them, and the session is the servlet's handle. Like
 * RequestChannel, the dependency points daemon → servers: the connection implements WsTransport,
 * the session implements WsEndpoint, and neither knows the other's class.
 */
import type { ChannelAddresses } from "./channel-addresses.ts";

/** What was agreed in the handshake, and the bounds the connection keeps for this socket. */
export interface WsSettings {
  /** The subprotocol chosen (Sec-WebSocket-Protocol), "" for none. */
  readonly protocol: string;
  /** permessage-deflate was negotiated (RFC 7692), without context takeover either way. */
  readonly deflate: boolean;
  /** Largest message accepted, in bytes after decompression (1009 beyond). */
  readonly maxMessage: number;
  /** Bytes queued past which send() closes the socket with 1008 instead of buffering more. */
  readonly maxBacklog: number;
}

/** A message framed once for many sockets. */
export interface FramedMessage {
  /** The uncompressed frame. */
  readonly plain: Uint8Array;
  /** The permessage-deflate frame (RSV1), made on first demand; null when not worth compressing. */
  compressed(): Uint8Array | null;
}

/** The socket as a WebSocketSession drives it (implemented by daemon/ws-connection.ts). */
export interface WsTransport extends ChannelAddresses {
  /** Queues one message: text (a string) or binary, compressed when negotiated and worth it. */
  sendMessage(data: string | Uint8Array): void;
  /** Queues a message framed once for many sockets (a report): its compressed frame where deflate was agreed. */
  sendFramed(message: FramedMessage): void;
  /** Bytes queued and not written yet. */
  backlog(): number;
  /** True above the output's high-water mark (send() answers false). */
  isCongested(): boolean;
  /** Calls `callback` once when the output drops below its high-water mark, or the socket closes. */
  whenDrained(callback: () => void): void;
  /** Starts the closing handshake (RFC 6455 §7.1.2): our Close frame, then the client's. */
  beginClose(code: number, reason: string): void;
  /** Reading pauses until resumeReading() (the session's onmessage Promise has not settled). */
  pauseReading(): void;
  /** Reading goes on. */
  resumeReading(): void;
  /** Logs a failure of application code (a handler's), with the client's address, and counts it. */
  logError(message: string, error?: unknown): void;
}

/** What the connection tells the session (implemented by servers/websocket.ts). */
export interface WsEndpoint {
  /** A whole message: a string for text, a Uint8Array (the session's own copy) for binary. */
  message(data: string | Uint8Array): void;
  /** Our Close was queued for a reason of the connection's (a backlog past its limit, the daemon stopping): no more sends. */
  closing(): void;
  /**
   * The socket closed: `code` as RFC 6455 §7.1.5 (1005 when the client's Close had none, 1006
   * when no Close frame was exchanged: the client vanished, or we cut it off), `reason` its text.
   */
  closed(code: number, reason: string): void;
}
