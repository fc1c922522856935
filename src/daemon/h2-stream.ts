/**
 * H2Stream: one HTTP/2 stream (RFC 9113 §5), which carries one request — the RequestChannel its
 * RequestCycle answers through, exactly as an HTTP/1 connection is for its one request at a time.
 * The servlet, its session and the cycle cannot tell the difference (SPEC §11): the session writes
 * its response as it always does (status line, header lines, the tail, content) into this stream's
 * own queue, and the connection frames what is queued — the head as one HPACK-encoded HEADERS
 * frame, the content as DATA frames as the send windows allow (h2-framer.ts). So the content a
 * servlet gives waits here while the client's window is closed, and sendContent() turns false at
 * the queue's high-water mark: flow control is the servlet's backpressure.
 *
 * Receiving: DATA goes to the cycle while it wants the body; otherwise it is kept here (bounded by
 * the stream's receive window, which opens only as the servlet consumes: the client can never
 * send more than that ahead) and delivered when the servlet asks again (resumeReading).
 *
 * What the stream needs of its connection is the StreamHost interface below, so the two files
 * depend one way.
 */
import type { RequestHead } from "../parser/index.ts";
import type { HeaderBlock } from "../parser/h2/header-block.ts";
import type { ChannelAddresses, ExchangeRecord, RequestChannel } from "../servers/request-channel.ts";
import type { RequestCycle } from "../servers/request-cycle.ts";
import type { CookieKeys } from "../servers/cookie-signing.ts";
import { BufferPool } from "./buffer-pool.ts";
import { H2_STREAM_BUFFER, H2_STREAM_BUFFER_SPARES } from "./limits.ts";
import { H2StreamOutput, type StreamSink } from "./h2-stream-output.ts";
import type { PendingLine } from "./access-log-queue.ts";

/**
 * Where streams queue their responses: small buffers (most responses are a head and a short body,
 * framed within the turn), enough spares for every stream of a busy server's connections at once.
 */
const STREAM_BUFFERS = new BufferPool(H2_STREAM_BUFFER, H2_STREAM_BUFFER_SPARES);

// ── Stream states (RFC 9113 §5.1), as far as a server sees them. ───────────────────────────────
/** Not in use (pooled), or reserved for the next HEADERS. */
export const STREAM_STATE_IDLE = 0;
/** Both sides may send: the request's body is still arriving. */
export const STREAM_STATE_OPEN = 1;
/** The client sent END_STREAM: only we send (the response). */
export const STREAM_STATE_HALF_CLOSED_REMOTE = 2;
/** We sent END_STREAM; the request body may still arrive (it is read and dropped). */
export const STREAM_STATE_HALF_CLOSED_LOCAL = 3;
/** Both ends are done, or a RST_STREAM was sent or received. */
export const STREAM_STATE_CLOSED = 4;

/** What a stream asks of its HTTP/2 connection. */
export interface StreamHost {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True over TLS. */
  isSecure(): boolean;
  /** The response head's tail (Date, Server and the port's fixed lines; the framer drops what HTTP/2 forbids). */
  headerTail(): Uint8Array;
  /** The stream has output to frame (or its END_STREAM to send): frame it at the end of this turn. */
  streamReady(stream: H2Stream): void;
  /** Frames bytes[start..end) of the stream's content as DATA now, as far as the windows allow; returns how many (0: not now). */
  frameContent(stream: H2Stream, bytes: Uint8Array, start: number, end: number): number;
  /** True while the connection can send no DATA: its send window is shut or its output is above its mark. */
  cannotSend(): boolean;
  /** RFC 9113 §8.1: an interim 100 (Continue) HEADERS frame for the stream, sent now. */
  sendContinue(stream: H2Stream): void;
  /** `bytes` of the stream's body were taken by its servlet (or dropped): the windows may open. */
  bodyConsumed(stream: H2Stream, bytes: number): void;
  /** The stream's response is complete (its servlet destroyed): log it, and finish the stream when framed. */
  streamResponded(stream: H2Stream, exchange: ExchangeRecord): void;
  /** Ends the stream with RST_STREAM `code` after what is queued (`graceful`), or at once. */
  resetStream(stream: H2Stream, code: number, graceful: boolean): void;
  /** The body was refused with `status` (413): counted. */
  bodyRefused(status: number): void;
  logError(message: string, error?: unknown): void;
  contentDropped(status: number): void;
  countServletAbort(): void;
  /** The daemon's cookie keys (cookieSecrets); null without them. */
  readonly cookieKeys: CookieKeys | null;
}

/** One stream of an HTTP/2 connection (see the file comment); pooled by the daemon (H2StreamPool). */
export class H2Stream implements RequestChannel, StreamSink {
  /** The stream identifier (odd: opened by the client); 0 while pooled. */
  id = 0;
  /** STREAM_* above. */
  state = STREAM_STATE_IDLE;
  /** The response as the session writes it (HTTP/1 bytes; the framer turns them into frames). */
  readonly output: H2StreamOutput;
  /** What we may still send on this stream (RFC 9113 §6.9: may go negative after a SETTINGS change). */
  sendWindow = 0;
  /** What the client may still send on this stream before we open the window again. */
  recvWindow = 0;
  /** Body bytes consumed and not yet given back to the client's window (a WINDOW_UPDATE batches them). */
  recvCredit = 0;
  /** Body bytes received (a Content-Length must match them, RFC 9113 §8.1.1). */
  bodyBytes = 0;
  /** The response head's length: it is the first bytes of the stream's queue (set as its tail is asked for). */
  headEnd = 0;
  /** The framing of this stream's response: its HEADERS went out. */
  headSent = false;
  /** END_STREAM (or RST_STREAM) went out: nothing more is sent on the stream. */
  endSent = false;
  /** The response is complete (the session said so); END_STREAM goes with its last bytes. */
  responded = false;
  /** The request (its body) is over: END_STREAM arrived, or the stream was reset. */
  remoteEnded = false;
  /** Body bytes that arrive are dropped (the response is complete, or the body was refused). */
  discarding = false;
  /** When the request's body must next show progress (ms, the daemon's clock); 0: no body is awaited. */
  bodyDeadline = 0;
  /** When the request's head was parsed (ms, the connection's turn clock): its duration on the metrics page starts there. */
  startMs = 0;
  /** The body did not come in time: the stream ends after its response (408 if none was begun). */
  bodyTimedOut = false;
  /** When the stream's send window last shut with output waiting (ms); reset as it is framed again. */
  blockedSince = 0;
  /** Queued in its connection's list of streams to frame. */
  ready = false;
  /** A RST_STREAM to send once the queued output is framed (close() after an error mid-response); 0: none. */
  pendingReset = -1;
  /** The client a trusted proxy's forwarded header named for this request; null: the connection's. */
  clientAddress: string | null = null;
  /** Bytes of frames written for this stream's response (HEADERS, DATA): what its log line counts. */
  wireBytes = 0;
  /** The complete response's log line, placed once its END_STREAM is framed; null before, and after. */
  logLine: PendingLine | null = null;
  /** performance.now() when the request's head was read; noted only for a timed access log (json). */
  headAt = 0;
  /** The request's cycle, while it has one. */
  cycle: RequestCycle | null = null;
  /** Body pieces received while the servlet was not ready for them (copies), in order. */
  private held: Uint8Array[] | null = null;
  /** END_STREAM arrived behind held pieces: the body's end is delivered after them. */
  private endHeld = false;
  /** Callbacks of whenDrained(); null until the first. */
  private drainWaiters: (() => void)[] | null = null;

  /** The connection the stream belongs to while in use (H2StreamPool.take sets it). */
  host: StreamHost = DETACHED_HOST;

  /**
   * A stream reading its requests into `head` from the decoded `block`; its queue turns
   * congested above `highWaterMark` bytes.
   */
  constructor(
    readonly head: RequestHead,
    readonly block: HeaderBlock,
    highWaterMark: number,
  ) {
    this.output = new H2StreamOutput(highWaterMark, STREAM_BUFFERS, this);
  }

  /** The bytes the head's spans point into: the decoded header block. */
  get headBytes(): Uint8Array {
    return this.block.bytes;
  }

  get localAddress(): string {
    return this.host.localAddress;
  }

  get localPort(): number {
    return this.host.localPort;
  }

  /** The client's address: the connection's, or the one a trusted proxy named for this request (trustProxy). */
  get remoteAddress(): string {
    return this.clientAddress ?? this.host.remoteAddress;
  }

  get remotePort(): number {
    return this.host.remotePort;
  }

  /** Takes stream `id` into use with the peer's and our initial windows. */
  open(id: number, sendWindow: number, recvWindow: number): void {
    this.id = id;
    this.state = STREAM_STATE_OPEN;
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
    this.recvCredit = this.bodyBytes = this.headEnd = this.wireBytes = this.bodyDeadline = this.blockedSince = 0;
    this.bodyTimedOut = false;
    this.logLine = null;
    this.headSent = this.endSent = this.responded = this.remoteEnded = this.discarding = this.endHeld = false;
    this.pendingReset = -1;
    this.held = null;
  }

  /** Back to the pool: nothing of the request is kept. */
  recycle(): void {
    this.id = 0;
    this.state = STREAM_STATE_IDLE;
    this.cycle = null;
    this.held = null;
    this.drainWaiters = null;
    this.clientAddress = null;
    this.host = DETACHED_HOST;
    this.output.clear();
  }

  /** True while a request is in progress on the stream (a cycle owns it). */
  isActive(): boolean {
    return this.cycle !== null;
  }

  // ── RequestChannel ─────────────────────────────────────────────────────────────────────────

  /** A copy: the stream is pooled and will carry other clients' requests (RequestChannel). */
  retiredAddresses(): ChannelAddresses {
    const secure = this.isSecure();
    return {
      localAddress: this.localAddress,
      localPort: this.localPort,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      isSecure: () => secure,
    };
  }

  isSecure(): boolean {
    return this.host.isSecure();
  }

  /** A stream is never kept for another request: each request is its own stream. */
  mayKeepAlive(): boolean {
    return false;
  }

  /**
   * The head's tail; the framer drops `Connection` and the other fields HTTP/2 forbids (RFC 9113
   * §8.2.2). The session appends it next, as the head's last bytes: where the head ends is known
   * here, so the framer never scans for it.
   */
  headerTail(_keepAlive: boolean): Uint8Array {
    const tail = this.host.headerTail();
    // The head is the queue's first bytes and none is written before it is whole (it is held).
    this.headEnd = this.output.pending + tail.length;
    return tail;
  }

  sendContinue(): void {
    if (!this.headSent && !this.endSent) this.host.sendContinue(this);
  }

  flushSoon(): void {
    if (this.output.pending > 0 || this.responded) this.host.streamReady(this);
  }

  whenDrained(callback: () => void): void {
    if (this.state === STREAM_STATE_CLOSED) return;
    (this.drainWaiters ??= []).push(callback);
    this.host.streamReady(this);
  }

  /** The servlet takes body pieces again: what was held is delivered now (its window given back). */
  resumeReading(): void {
    this.deliverHeld();
  }

  responseComplete(_keepAlive: boolean, exchange: ExchangeRecord): void {
    if (this.responded) return;
    this.responded = true;
    // The rest of the body is not wanted: what is held and what still comes is dropped (and
    // given back to the connection's window, so other streams are not starved by it).
    this.discarding = true;
    this.dropHeld();
    this.host.streamResponded(this, exchange);
    this.host.streamReady(this);
  }

  refuseBody(status: number, reason: string): void {
    if (this.cycle === null) return;
    this.host.bodyRefused(status);
    this.discarding = true;
    this.dropHeld();
    this.cycle.fail(status, reason);
  }

  /** Nothing to do: a stream never carries another request. */
  closeAfterResponse(): void {}

  /**
   * The response cannot be finished (a servlet failed after its head was sent): what is queued is
   * sent, then RST_STREAM INTERNAL_ERROR says the response was cut (no END_STREAM).
   */
  close(): void {
    if (this.state === STREAM_STATE_CLOSED) return;
    this.host.resetStream(this, INTERNAL_ERROR_CODE, true);
  }

  /** A reset at once (HttpResponse.shutdown): queued output dropped, RST_STREAM CANCEL. */
  abort(): void {
    if (this.state === STREAM_STATE_CLOSED) return;
    this.output.clear();
    this.host.resetStream(this, CANCEL_CODE, false);
  }

  logError(message: string, error?: unknown): void {
    this.host.logError(message, error);
  }

  contentDropped(status: number): void {
    this.host.contentDropped(status);
  }

  countServletAbort(): void {
    this.host.countServletAbort();
  }

  /** The daemon's cookie keys, through the stream's connection (RequestChannel.cookieKeys). */
  get cookieKeys(): CookieKeys | null {
    return this.host.cookieKeys;
  }

  // ── StreamSink (the queue's questions) ───────────────────────────────────────────────────────

  frameContent(bytes: Uint8Array, start: number, end: number): number {
    return this.host.frameContent(this, bytes, start, end);
  }

  /**
   * RFC 9113 §6.9: nothing more can go out while the stream's window or the connection's is shut
   * (or the connection's output is full): the servlet is told to wait (drained()) rather than
   * produce bytes that would only be held here. A stream that is over can always "send" (its
   * servlet's writes are dropped), so nobody waits on it.
   */
  cannotSend(): boolean {
    if (this.endSent || this.state === STREAM_STATE_CLOSED) return false;
    return this.sendWindow <= 0 || this.host.cannotSend();
  }

  // ── what the connection tells the stream ─────────────────────────────────────────────────────

  /**
   * A DATA frame's payload (valid during the call). Delivered now if the servlet wants it, held
   * otherwise; dropped once the response is complete. The connection checked the window.
   */
  receiveData(payload: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.bodyBytes += n;
    this.recvWindow -= n;
    if (this.discarding || this.cycle === null) {
      this.host.bodyConsumed(this, n);
      return;
    }
    if (n === 0) return;
    if (this.held === null && this.cycle.wantsBody()) {
      this.cycle.piece(payload.subarray(start, end));
      this.host.bodyConsumed(this, n);
      return;
    }
    // A copy: the payload is a view of a read buffer the next read overwrites (Buffer#slice is a view too).
    (this.held ??= []).push(Uint8Array.prototype.slice.call(payload, start, end));
  }

  /** The rest of a body whose response is complete is longer than `maxBody`: not worth discarding (SPEC §3). */
  isBodyTooLong(maxBody: number): boolean {
    const declared = this.head.contentLength;
    return declared >= 0 ? declared - this.bodyBytes > maxBody : this.bodyBytes > maxBody;
  }

  /** True while body pieces wait for the servlet (its own pace, not the client's: no body deadline runs). */
  isHolding(): boolean {
    return this.held !== null;
  }

  /** END_STREAM: the body is whole (after any held pieces). */
  receiveEnd(): void {
    this.remoteEnded = true;
    this.bodyDeadline = 0;
    if (this.state === STREAM_STATE_OPEN) this.state = STREAM_STATE_HALF_CLOSED_REMOTE;
    if (this.cycle === null || this.discarding) return;
    if (this.held !== null) this.endHeld = true;
    else this.cycle.end();
  }

  /** Delivers held pieces while the servlet takes them; then the end, if it came. */
  private deliverHeld(): void {
    const cycle = this.cycle;
    const held = this.held;
    if (cycle === null || held === null) return;
    while (held.length > 0 && this.cycle === cycle && !this.discarding && cycle.wantsBody()) {
      const piece = held.shift()!;
      cycle.piece(piece);
      this.host.bodyConsumed(this, piece.length);
    }
    if (held.length > 0 || this.cycle !== cycle) return;
    this.held = null;
    if (this.endHeld && !this.discarding) {
      this.endHeld = false;
      cycle.end();
    }
  }

  /** Held pieces are dropped and their bytes given back. */
  private dropHeld(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    let n = 0;
    for (const piece of held) n += piece.length;
    if (n > 0) this.host.bodyConsumed(this, n);
  }

  /** True while a servlet waits in drained() (or whenDrained). */
  hasDrainWaiters(): boolean {
    return this.drainWaiters !== null && this.drainWaiters.length > 0;
  }

  /** The queue drained below its mark (or the stream ended): waiters of drained() go on. */
  callDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (waiters === null || waiters.length === 0) return;
    this.drainWaiters = null;
    for (const w of waiters) w();
  }
}

/** RFC 9113 §7 INTERNAL_ERROR. */
const INTERNAL_ERROR_CODE = 0x2;
/** RFC 9113 §7 CANCEL. */
const CANCEL_CODE = 0x8;

/**
 * What a pooled stream points at: no connection. A session retired long ago may still call its
 * transport (a servlet failing after its client left): those calls do nothing here, never throw.
 */
const DETACHED_HOST: StreamHost = {
  localAddress: "",
  localPort: 0,
  remoteAddress: "",
  remotePort: 0,
  isSecure: () => false,
  headerTail: () => new Uint8Array(0),
  streamReady() {},
  frameContent: () => 0,
  cannotSend: () => false,
  sendContinue() {},
  bodyConsumed() {},
  streamResponded() {},
  resetStream() {},
  bodyRefused() {},
  logError() {},
  contentDropped() {},
  countServletAbort() {},
  cookieKeys: null,
};
