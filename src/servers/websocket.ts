/**
 * WebSocketSession: a servlet's WebSocket (SPEC §12), what `this.upgrade()` returns. The request
 * that asked for it is complete once the 101 is answered (its servlet is destroyed then, and its
 * `signal` aborts): from then on this object is the handle — messages in (`onmessage`), messages
 * out (`send`, bounded: `false` above the high-water mark, `await drained()`, a close with 1008
 * past the backlog limit), report subscriptions (`subscribe`), the close (`close`, `onclose`,
 * `signal`). The connection that carries it is the daemon's (WsTransport); nothing here knows
 * sockets.
 *
 * Reports: `subscribe(pattern)` delivers every matching report as a text message
 * `{"subject":…,"value":…}`. The frame is made once per report for all the sockets that receive
 * it (report-frames.ts), so a fan-out to thousands costs one JSON encoding.
 */
import { CLOSE_INTERNAL_ERROR, CLOSE_NORMAL } from "../parser/ws/errors.ts";
import { isSendableCloseCode } from "../parser/ws/close-payload.ts";
import { joinReports, leaveReports, type ReportFrame, type ReportReceiver } from "./report-frames.ts";
import type { ChannelAddresses } from "./channel-addresses.ts";
import type { WsEndpoint, WsTransport } from "./websocket-port.ts";

/** readyState: open (messages flow), closing (a Close was sent or received), closed. */
export type WsReadyState = "open" | "closing" | "closed";

/** A servlet's WebSocket (see the file comment). */
export class WebSocketSession implements WsEndpoint, ReportReceiver {
  /**
   * Called with every message: a string for a text message, a Uint8Array (its own copy) for a
   * binary one. Returning a Promise holds reading until it settles (backpressure to the client).
   * A throw or a rejection is logged once per socket and closes it with 1011.
   */
  onmessage: ((data: string | Uint8Array) => void | Promise<void>) | null = null;
  /** Called once when the socket closes: the code (RFC 6455 §7.4; 1006 when it was cut) and reason. */
  onclose: ((code: number, reason: string) => void) | null = null;
  /** The subprotocol agreed in the handshake, "" for none. */
  readonly protocol: string;
  /** True when permessage-deflate was agreed. */
  readonly compressed: boolean;

  private transport: WsTransport | null = null;
  private state: WsReadyState = "open";
  private controller: AbortController | null = null;
  /** The patterns of its report subscriptions. */
  private subscriptions: Set<string> | null = null;
  private failureLogged = false;
  /** onmessage Promises not settled yet (reading is held while any is). */
  private pendingHandlers = 0;
  /** The client's address as the request knew it (a trusted proxy's client included). */
  readonly clientHost: string;

  /** Made by HttpSession.upgrade(); bound to its transport by the daemon's hand-over. */
  constructor(protocol: string, compressed: boolean, clientHost: string) {
    this.protocol = protocol;
    this.compressed = compressed;
    this.clientHost = clientHost;
  }

  /** The framework binds the transport once the socket is handed over. */
  bind(transport: WsTransport): void {
    this.transport = transport;
  }

  /** Where the socket came from and arrived (the transport's addresses). */
  get addresses(): ChannelAddresses | null {
    return this.transport;
  }

  /** open, closing or closed. */
  get readyState(): WsReadyState {
    return this.state;
  }

  /** Aborted when the socket closes (any way): pass it to work done for this socket. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.state === "closed") this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Bytes queued for the client and not written yet. */
  get bufferedAmount(): number {
    return this.transport?.backlog() ?? 0;
  }

  /**
   * Sends a message: a string as text, bytes as binary. Returns false when it was not sent (the
   * socket is closing or closed) or when the output is now above its high-water mark (it was
   * queued; wait for `drained()` before sending more). Past the backlog limit the socket is closed
   * with 1008 instead of buffering without bound. Anything else than a string or a Uint8Array
   * (an ArrayBuffer, another typed array: wrap it, `new Uint8Array(buffer)`) is a TypeError.
   */
  send(data: string | Uint8Array): boolean {
    // Only a string or bytes: another view would go out as its elements' numbers cut to bytes.
    if (typeof data !== "string" && !(data instanceof Uint8Array)) throw new TypeError("send(): a string or a Uint8Array");
    const t = this.transport;
    if (t === null || this.state !== "open") return false;
    t.sendMessage(data);
    return this.state === "open" && !t.isCongested();
  }

  /** Resolves when the output is below its high-water mark again (at once if it is), or the socket closed. */
  drained(): Promise<void> {
    const t = this.transport;
    if (t === null || this.state === "closed" || !t.isCongested()) return Promise.resolve();
    return new Promise((resolve) => t.whenDrained(resolve));
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2): `code` 1000 by default (a code that may not be
   * sent — 1005, 1006, 1015, or outside 1000–4999 — throws a RangeError), `reason` cut to 123 bytes.
   */
  close(code: number = CLOSE_NORMAL, reason = ""): void {
    if (!isSendableCloseCode(code)) throw new RangeError(`close(): ${code} is not a close code that may be sent`);
    if (this.state !== "open") return;
    this.state = "closing";
    this.transport?.beginClose(code, reason);
  }

  /**
   * Subscribes the socket to reports whose subject matches `pattern` (`*` one token, `>` the
   * rest): each arrives as a text message `{"subject":…,"value":…}`. Needs netsvc/services
   * loaded (its registry is the source). A subscriber that cannot keep up is closed with 1008.
   * Again for the same pattern: nothing more. Undone by unsubscribe() and at close.
   */
  subscribe(pattern: string): void {
    if (this.state !== "open") return;
    const subs = (this.subscriptions ??= new Set());
    if (subs.has(pattern)) return;
    joinReports(pattern, this);
    subs.add(pattern);
  }

  /** Ends the subscription to `pattern` (see subscribe). */
  unsubscribe(pattern: string): void {
    if (this.subscriptions?.delete(pattern)) leaveReports(pattern, this);
  }

  /** @internal A report for one of its patterns, framed once for every socket. */
  receiveReport(report: ReportFrame): void {
    const t = this.transport;
    if (t !== null && this.state === "open") t.sendFramed(report);
  }

  // ── WsEndpoint (what the connection tells) ──────────────────────────────────────────────

  /**
   * @internal A message arrived. A handler's Promise holds reading until it settles (as
   * processContent's does for a body): what the current read brought is still delivered, nothing
   * more is read meanwhile — so a client cannot pile up work faster than the handler finishes it.
   */
  message(data: string | Uint8Array): void {
    const handler = this.onmessage;
    if (handler === null) return;
    try {
      const r = handler.call(this, data);
      if (r instanceof Promise) {
        if (this.pendingHandlers++ === 0) this.transport?.pauseReading();
        r.then(
          () => this.handlerSettled(),
          (e) => {
            this.handlerSettled();
            this.handlerFailed(e);
          },
        );
      }
    } catch (e) {
      this.handlerFailed(e);
    }
  }

  /** A handler's Promise settled: reading goes on once none is pending. */
  private handlerSettled(): void {
    if (--this.pendingHandlers === 0) this.transport?.resumeReading();
  }

  /** @internal The connection began closing on its own (overflow, stop). */
  closing(): void {
    if (this.state === "open") this.state = "closing";
  }

  /** @internal The socket closed (the first close is the one told). */
  closed(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    const subs = this.subscriptions;
    if (subs !== null) {
      this.subscriptions = null;
      for (const pattern of subs) leaveReports(pattern, this);
    }
    this.controller?.abort();
    const handler = this.onclose;
    if (handler === null) return;
    try {
      handler.call(this, code, reason);
    } catch (e) {
      this.noteFailure("onclose threw", e);
    }
  }

  /** onmessage failed: logged once, and the socket closes with 1011 (RFC 6455 §7.4.1: an unexpected condition). */
  private handlerFailed(e: unknown): void {
    this.noteFailure("onmessage threw", e);
    if (this.state !== "open") return;
    this.state = "closing";
    this.transport?.beginClose(CLOSE_INTERNAL_ERROR, "");
  }

  private noteFailure(what: string, e: unknown): void {
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.transport?.logError(`WebSocket ${what}`, e);
  }
}
