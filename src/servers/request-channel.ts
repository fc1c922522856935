/**
 * RequestChannel: the transport port. One request (an HTTP/1.x exchange on a connection; later
 * one HTTP/2 stream, or one exchange over TLS) as the framework's side of it — the RequestCycle,
 * its HttpSession and the servlet — sees its transport. The cycle talks to the transport only
 * through this interface; the transport talks to the cycle through RequestCycle's handful of calls
 * (begin, piece, end, fail, abandon, and the one question wantsBody). So the dependency points
 * daemon → servers, and a new transport is a new implementation of this port, never a branch in
 * the cycle, the session or a servlet (DESIGN: "a request's data crosses into servers/ once").
 *
 * What a transport must provide, per request stream (not per socket: HTTP/2 runs many at once):
 * - the parsed head and the bytes its spans point into, stable for the request's life;
 * - an output sink for this stream's response bytes, with its own high-water mark (its flow
 *   control: a TCP socket's send buffer for HTTP/1, the stream's window for HTTP/2), and drain
 *   notification;
 * - the response framing the protocol owns: whether this response may keep the transport open,
 *   the cached tail of every response head (Date, Server; HTTP/1 adds `Connection`), and the
 *   interim 100 Continue (HTTP/1: the status line's bytes; HTTP/2: a HEADERS frame);
 * - reading on demand: the cycle asks for body bytes only when its servlet is ready
 *   (resumeReading), so a slow servlet slows the client (TCP or stream window, not memory);
 * - the ends of a request: the response is complete, the body is refused, no more requests after
 *   this one, close gracefully, abort; and whether the transport is secure (TLS);
 * - the host's logs and counters for what application code does wrong.
 * A WebSocket upgrade is a cycle that hands its transport over (upgrade(), answered by each
 * transport that can do it: HTTP/1.1; not an HTTP/2 stream).
 */
import type { RequestHead } from "../parser/index.ts";
import type { ChannelAddresses } from "./channel-addresses.ts";
import type { CookieKeys } from "./cookie-signing.ts";
import type { WsEndpoint, WsSettings, WsTransport } from "./websocket-port.ts";

export type { ChannelAddresses };

/** The output side of a request's transport: a byte queue with a high-water mark. */
export interface OutputSink {
  append(bytes: Uint8Array, start?: number, end?: number): void;
  appendLatin1(s: string): void;
  /** Appends `s` as UTF-8; returns the bytes appended. */
  appendUtf8(s: string): number;
  /** Drops the last `n` appended bytes, none of them written yet. */
  dropTail(n: number): void;
  isCongested(): boolean;
  mark(): number;
  rollback(mark: number): boolean;
  /** Keeps bytes from `mark` on unwritten until unhold() (a response head being built). */
  holdFrom(mark: number): void;
  unhold(): void;
}

/**
 * What a transport may read of a request it carried, to log it (the access-log line): a read-only
 * view of the session, handed over by the cycle (responseComplete, RequestCycle.exchange). The
 * transport never calls into the session: anything it wants done to a request goes through the cycle.
 */
export interface ExchangeRecord {
  /** The response's status once sent, 0 before. */
  readonly status: number;
  /** Bytes produced for the response (status line, headers, content). */
  readonly bytesSent: number;
  /** True once the response's status line was produced. */
  hasStarted(): boolean;
  clientHost(): string;
  /** The login that passed authentication, "" without one. */
  remoteUser(): string;
  requestMethod(): string;
  /** The method as a parser METHOD_* number (METHOD_OTHER for the rest). */
  methodCode(): number;
  url(): string;
  protocolVersion(): string;
  /** A request field's value (case-insensitive name; repeated fields joined with ", "), or null: the access log's Referer and User-Agent. */
  header(name: string): string | null;
}

/** A request's transport as the request cycle and its session see it (see the file comment). */
export interface RequestChannel extends ChannelAddresses {
  /** The parsed head of the current request. */
  readonly head: RequestHead;
  /** The bytes the head's spans point into; valid while the request is current. */
  readonly headBytes: Uint8Array;
  /** Where responses go. */
  readonly output: OutputSink;
  /**
   * What a retired request's session reports of its addresses from now on: the channel itself
   * when it is never another client's (an HTTP/1 connection), a copy when it is reused (a pooled
   * HTTP/2 stream), so a servlet asking after its client left never gets someone else's.
   */
  retiredAddresses(): ChannelAddresses;
  /** True when this response may keep the transport for another request (cap not reached, not stopping). */
  mayKeepAlive(): boolean;
  /** The end of every response head: `Date`, `Server` (HTTP/1: and `Connection`) and the final CRLF, cached per second. */
  headerTail(keepAlive: boolean): Uint8Array;
  /** RFC 9110 §10.1.1: the interim `100 Continue` that invites the client to send its body. */
  sendContinue(): void;
  /** Ask for the queued output to be written soon (at the end of the current turn). */
  flushSoon(): void;
  /** Calls `callback` once when the output queue drops below its high-water mark. */
  whenDrained(callback: () => void): void;
  /**
   * The request's servlet is ready for (more of) its body again: content() was asked for late, or
   * a Promise returned by processContent() settled. Reading resumes at the end of this turn.
   */
  resumeReading(): void;
  /** The response for the current request is complete (its servlet is destroyed); `exchange` is what the transport logs of it. */
  responseComplete(keepAlive: boolean, exchange: ExchangeRecord): void;
  /**
   * The body cannot be taken (`status`: 413 over the body limit): the transport counts it, reads
   * no more requests after this one, and has the cycle fail (RequestCycle.fail).
   */
  refuseBody(status: number, reason: string): void;
  /** No request after this one is read (a target that cannot be routed, CONNECT): the response says so. */
  closeAfterResponse(): void;
  /**
   * Ends the transport after what is queued: no more requests are read, the queued output is
   * sent, then it closes gracefully. The current request, if any, is abandoned.
   */
  close(): void;
  /** Close at once, dropping unsent output (a reset). */
  abort(): void;
  /** Logs a failure of application code (a bug: logged with its stack, and counted). */
  logError(message: string, error?: unknown): void;
  /**
   * The current request becomes a WebSocket (SPEC §12): `response` (the 101, all of it) is
   * queued and logged as `exchange`, and the transport from now on carries the socket's frames
   * for `endpoint`. Absent on a transport that cannot (an HTTP/2 stream).
   */
  upgrade?(response: Uint8Array, exchange: ExchangeRecord, settings: WsSettings, endpoint: WsEndpoint): WsTransport;
  /**
   * A servlet gave content to a response whose status has none (204, 304): it was not sent.
   * Counted; the first one per daemon is logged, with the stack of the call that gave it.
   */
  contentDropped(status: number): void;
  /**
   * Counts a servlet callback that failed because the request's own signal aborted (its client
   * left): expected, so counted (DaemonStats.servletAborts) and never logged.
   */
  countServletAbort(): void;
  /**
   * The daemon's cookie secrets (HttpDaemonOptions.cookieSecrets), which sign and verify signed
   * cookies; null or absent when it has none (a transport that carries no daemon's requests).
   */
  readonly cookieKeys?: CookieKeys | null;
}
