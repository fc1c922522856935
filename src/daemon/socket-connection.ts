/**
 * SocketConnection: what every connection on an accepted socket is, whatever protocol it speaks
 * (HTTP/1.x now; TLS underneath and HTTP/2 later): its lifecycle, its output queue and flushing
 * (one socket.write per turn), the lingering close, and its place in the daemon's idle list. The
 * protocol's subclass reads (through its ConnectionInput) and answers requests; this class
 * decides when the socket pauses, half-closes, lingers and closes. The lifecycle is one machine
 * (Go's conn/ConnState is the model), with its transition rules next to its values below.
 *
 * Our closes are graceful: stop reading requests, send what is queued, half-close, and read and
 * discard the client's input for a short linger before closing, so a client never loses
 * responses already sent to a reset caused by input it sent after them (nginx's lingering close).
 */
import type { Socket } from "bun";
import type { CookieKeys } from "../servers/cookie-signing.ts";
import { AccessLogQueue } from "./access-log-queue.ts";
import type { ConnectionHost, IdleConnection } from "./daemon-resources.ts";
import { Deadlines } from "./deadlines.ts";
import { LINGER_MAX_BYTES } from "./limits.ts";
import { OutputQueue } from "./output.ts";
import type { TlsUpgrader } from "./tls-after-proxy.ts";

/**
 * A connection's activity on the metrics page: nginx's stub_status reading / writing / waiting
 * (here "idle"), plus the protocols that are neither (an HTTP/2 connection carries many requests).
 */
export const CONNECTION_STATES = ["reading", "writing", "idle", "http2", "websocket"] as const;
/** One of CONNECTION_STATES. */
export type ConnectionState = (typeof CONNECTION_STATES)[number];

// ── Lifecycle: it only moves forward. ────────────────────────────────────────────────────────
/** Reading and answering requests. */
export const OPEN = 0;
/**
 * No more requests are read (a close was decided: error, `Connection: close`, the request cap, a
 * timeout, the client's FIN); queued output is still sent. OPEN → CLOSING at that decision.
 */
export const CLOSING = 1;
/**
 * Our side half-closed (socket.shutdown) once the output was sent; the client's input is read and
 * discarded until its FIN, LINGER_MS or LINGER_MAX_BYTES. CLOSING → LINGERING when the queue
 * empties and the client has not closed its side.
 */
export const LINGERING = 2;
/**
 * socket.end() (or terminate) was called; Bun's close event follows. CLOSING → ENDED when the
 * queue empties after the client's FIN; LINGERING → ENDED at its FIN or deadline; any → ENDED on
 * abort() or reclaim().
 */
export const ENDED = 3;
/** The close event came; everything pooled was given back. Any → CLOSED. */
export const CLOSED = 4;

/** The reading side of a connection, as its lifecycle asks about it (RequestReader for HTTP/1). */
export interface ConnectionInput {
  /** No request in progress, nothing parsed. */
  isIdle(): boolean;
  /** A request is in progress. */
  hasRequest(): boolean;
  /** Bytes received and not processed yet. */
  buffered(): number;
  /** Inside the read loop. */
  isProcessing(): boolean;
  /** True (once) when reading stopped for congested output. */
  takeStalled(): boolean;
}

/** A connection's lifecycle, output, linger and idle-list place (see the file comment). */
export abstract class SocketConnection implements IdleConnection {
  readonly output: OutputQueue;
  /**
   * The client's address: the peer's, or the client a trusted proxy named (trustProxy: its PROXY
   * header for the whole connection, else each request's forwarded headers).
   */
  remoteAddress: string;

  /** Neighbours in the daemon's list of idle connections (reclaimed oldest first at the limit). */
  idlePrev: IdleConnection | null = null;
  idleNext: IdleConnection | null = null;
  /** True while in that list. */
  idleListed = false;
  /** Chosen to make room at the limit; closed at the end of this turn unless a request arrives. */
  reclaimPending = false;

  /** Lifecycle (OPEN … CLOSED above). */
  protected state = OPEN;
  protected readonly deadlines: Deadlines;
  /** The wall clock (ms) when the current read turn began (the Date of the responses it makes); 0 outside one. */
  protected turnClock = 0;

  /** The time (ms): the turn's clock while a read turn runs (read once per turn), else the wall clock. */
  protected now(): number {
    return this.turnClock || Date.now();
  }
  /** The client sent its FIN (or reset): nothing more will be read. */
  protected peerEnded = false;
  /**
   * The client will send nothing more (it asked to close, RFC 9112 §9.6, and all it sent was
   * read): our close needs no linger, as nothing of it can arrive to turn into a reset.
   */
  protected inputFinished = false;
  /** TLS runs on the socket: from accept on a TLS listener (the subclass sets it), else once startTls ran. */
  protected tlsStarted = false;
  /** socket.pause() is in force (receive buffer full, or output above its high-water mark). */
  protected paused = false;
  /** A microtask flush is pending. */
  private flushScheduled = false;
  /** Bytes read and discarded while lingering (past LINGER_MAX_BYTES: close at once). */
  private lingerBytes = 0;
  /**
   * Access-log lines waiting for their responses to reach the socket (see accessQueue): made with
   * the first line, so a connection that never sends a request (an idle flood) holds none.
   */
  protected accessLines: AccessLogQueue | null = null;
  /** Callbacks of whenDrained(); null until the first (most connections never wait). */
  private drainWaiters: (() => void)[] | null = null;
  /** The microtask of flushSoon(), made on first use (a connection answered within its read turn never needs it). */
  private flushTask: (() => void) | null = null;

  /** The reading side (the protocol's). */
  protected abstract readonly input: ConnectionInput;
  /** Reading stopped for congested output may go on: the output drained. */
  protected abstract resumeInput(): void;
  /** True once a request was read on this connection. */
  abstract isReused(): boolean;
  /** What the connection is doing, for the metrics page (metrics-text.ts): one of CONNECTION_STATES. */
  abstract activity(): ConnectionState;
  /** The connection joined the idle list: what it holds only for requests may go back. */
  protected abstract becameIdle(): void;
  /** Bun `data`: the chunk is valid only during the call. */
  abstract onData(chunk: Uint8Array): void;
  /** Bun `end`: the client will send nothing more. */
  abstract onEnd(): void;
  /** Bun `close`: the connection is gone; everything pooled goes back. */
  abstract onClose(): void;
  /** The daemon's sweep timer: enforce the deadlines due at `now`. */
  abstract sweep(now: number): void;

  /** The local address once read (see localAddress); null until asked. */
  private local: string | null = null;
  /** The client's port once known (see remotePort); -1 until asked or set by a PROXY header. */
  private clientPort = -1;

  /**
   * Creates the connection for a newly accepted socket. Only the peer's address is read at
   * accept (allow/deny need it); every other address is read when first asked (each read is a
   * getsockname/getpeername and a string: about 3-5 µs apiece, 1-2% of a TLS handshake's CPU).
   */
  constructor(
    protected readonly daemon: ConnectionHost,
    /** The accepted socket; replaced by its TLS socket when TLS starts after a PROXY header (startTls). */
    protected socket: Socket<unknown>,
    /** The address of the socket's other end (a trusted proxy's, when remoteAddress is its client's). */
    readonly peerAddress: string,
    /** The port it was accepted on: the listener's, which is every accepted socket's local port. */
    readonly localPort: number,
    /** The address the listener was bound to: localAddress when the socket can no longer tell. */
    private readonly boundAddress: string,
    /**
     * The connection whose socket this one takes over after a response (a WebSocket upgrade):
     * its output queue — the 101 and any response before it may still be queued — and its
     * access-log lines are this one's from now on.
     */
    previous: SocketConnection | null = null,
  ) {
    this.remoteAddress = peerAddress;
    this.output = previous?.output ?? new OutputQueue(daemon.limits.outputHighWaterMark, daemon.buffers);
    this.accessLines = previous?.accessLines ?? null;
    if (previous !== null) {
      this.local = previous.local;
      this.clientPort = previous.clientPort; // a PROXY header's, or the peer's once read
      this.tlsStarted = previous.tlsStarted;
      this.paused = previous.paused; // the socket stays paused until this connection resumes it
    }
    this.deadlines = new Deadlines(daemon.limits, daemon.clock);
  }

  /**
   * The address the client connected to, read from the socket when first asked and the same ever
   * after. Bun has no addresses for a closed socket: asked first after the client reset the
   * connection, it is the address the listener was bound to (which is it, unless that is a
   * wildcard such as 0.0.0.0).
   */
  get localAddress(): string {
    return (this.local ??= this.socket.localAddress ?? this.boundAddress);
  }

  /** Reads localAddress now, while the socket is open (someone will ask after it may have closed). */
  protected readLocalAddress(): void {
    this.local ??= this.socket.localAddress ?? this.boundAddress;
  }

  /**
   * The client's port: what a trusted proxy's PROXY header said, else the peer's, read from the
   * socket when first asked and the same ever after (0 when first asked after the socket closed).
   */
  get remotePort(): number {
    if (this.clientPort < 0) this.clientPort = this.socket.remotePort ?? 0;
    return this.clientPort;
  }

  /** A request retired on this connection still reports it: a connection is never another client's (RequestChannel). */
  retiredAddresses(): this {
    return this;
  }

  /** A trusted proxy's PROXY header named the client's port (proxy-protocol.txt §2.1, §2.2). */
  protected setRemotePort(port: number): void {
    this.clientPort = port;
  }

  /**
   * Input after a close was decided is never parsed. Lingering, it is discarded — but a client
   * that keeps flooding gets closed at once. False when the connection is open (the caller reads).
   */
  protected discardsInput(chunk: Uint8Array): boolean {
    if (this.state === OPEN) return false;
    if (this.state === LINGERING && (this.lingerBytes += chunk.length) > LINGER_MAX_BYTES) this.finishClose(true);
    return true;
  }

  /**
   * TLS starts on this connection's cleartext socket (tls-after-proxy.ts): at accept, or after a
   * trusted proxy's PROXY header with `initial`, the bytes read past it. From now on every write
   * and close goes to the TLS socket.
   */
  startTls(upgrader: TlsUpgrader, initial: Uint8Array | null): void {
    this.tlsStarted = true;
    this.socket = upgrader.upgrade(this.socket, this, initial);
  }

  /** Schedules a flush at the end of this turn (a no-op inside a read turn, which flushes anyway). */
  flushSoon(): void {
    if (this.turnClock > 0 || this.flushScheduled || this.state === CLOSED) return;
    this.flushScheduled = true;
    queueMicrotask(
      (this.flushTask ??= () => {
        this.flushScheduled = false;
        this.flush();
      }),
    );
  }

  /** Calls `callback` once the output drops below its high-water mark. */
  whenDrained(callback: () => void): void {
    if (this.state === CLOSED) return;
    (this.drainWaiters ??= []).push(callback);
    this.flushSoon();
  }

  /** Closes at once, dropping unsent output (a reset: shutdown(), a stop past its grace). */
  abort(): void {
    if (this.state >= ENDED) return;
    this.output.clear();
    this.endNow();
    this.socket.terminate();
  }

  /** Logs a servlet failure with the connection's peer (its port when known: see remotePort), and counts it. */
  logError(message: string, error?: unknown): void {
    this.daemon.counters.servletErrors++;
    const port = this.remotePort;
    this.daemon.logError(`${this.remoteAddress}${port > 0 ? `:${port}` : ""} ${message}`, error);
  }

  /** Content a servlet gave a 204 or 304 was dropped: counted, the first one logged (by the daemon). */
  contentDropped(status: number): void {
    this.daemon.contentDropped(status);
  }

  /** A servlet failed because its own signal aborted (its client left): expected, so only counted. */
  countServletAbort(): void {
    this.daemon.counters.servletAborts++;
  }

  /** The daemon's cookie keys (cookieSecrets) for the requests this connection carries; null without them. */
  get cookieKeys(): CookieKeys | null {
    return this.daemon.cookieKeys;
  }

  /** Bun `drain`: the socket takes more. */
  onDrain(): void {
    this.flush();
  }

  /** A socket error (a reset and the like): expected when clients leave, so only counted. */
  onError(): void {
    this.daemon.counters.socketErrors++;
  }

  /**
   * Closes an idle connection to make room for a new one at the connection limit (nginx reuses
   * idle keep-alive connections the same way): nothing is in flight, so it ends at once. A
   * client that sends a request after this gets our FIN without an answer, the signal on which
   * HTTP/1.1 clients retry an idempotent request on a new connection (RFC 9112 §9.3.1). False when
   * it is no longer idle (closing on its own, or a request arrived).
   */
  reclaim(): boolean {
    if (this.state !== OPEN || !this.input.isIdle() || this.input.buffered() > 0) return false;
    this.endNow();
    this.socket.end();
    return true;
  }

  /**
   * Joins the idle list (a candidate for reclaiming) only between requests with nothing queued
   * either way: a response still being written to a slow reader is not idle.
   */
  protected becomeIdleIfQuiet(): void {
    if (this.idleListed || this.state !== OPEN || !this.input.isIdle()) return;
    if (this.output.pending > 0 || this.input.buffered() > 0) return;
    this.daemon.idle.add(this);
    this.becameIdle();
  }

  /** OPEN → CLOSING: no more requests are read. */
  protected beginClosing(): void {
    if (this.state === OPEN) this.state = CLOSING;
  }

  /**
   * → ENDED: our side is finished (end or terminate follows at once). A socket that has not
   * closed LINGER_MS later (a client that never answers our FIN) is reset by the sweep.
   */
  protected endNow(): void {
    if (this.idleListed) this.daemon.idle.remove(this);
    this.leaveLinger();
    this.state = ENDED;
    this.deadlines.linger(this.daemon.clock);
  }

  /**
   * Our side is done: half-close and linger (read and discard) until the client closes too, or
   * LINGER_MS pass — a full close with the client's input unread would reset the connection and
   * destroy responses it has not read yet (nginx's lingering close). A client that closed its
   * side, or that will send nothing more (inputFinished), is closed at once.
   */
  protected endGracefully(): void {
    if (this.peerEnded || this.inputFinished) {
      this.endNow();
      // RFC 8446 §6.1: the side that closes need not wait for the other's close_notify. Bun's
      // TLS end() on a half-open socket does wait for it (a wake-up, a read and a decryption
      // more per connection); shutdown() first sends ours and the FIN, and end() then closes.
      if (this.tlsStarted && !this.peerEnded) this.socket.shutdown();
      this.socket.end();
      return;
    }
    if (this.idleListed) this.daemon.idle.remove(this);
    this.state = LINGERING;
    this.daemon.lingerStarted();
    this.socket.shutdown();
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    this.deadlines.linger(this.daemon.clock);
  }

  /** Leaving LINGERING (to ENDED, or CLOSED by the client): the daemon counts it toward the limit again. */
  protected leaveLinger(): void {
    if (this.state === LINGERING) this.daemon.lingerEnded();
  }

  /**
   * Closes for good: after the client's FIN (both sides done: a plain close), or — `abrupt` —
   * when the linger runs out or the client floods it (a reset is the only way to stop a client
   * still sending). Called for a connection already ENDED, it completes the close Bun held.
   */
  protected finishClose(abrupt: boolean): void {
    if (this.state === CLOSED) return;
    this.endNow();
    if (abrupt) this.socket.terminate();
    else this.socket.end();
  }

  /** The connection's access-log queue, made on first use; null without an access log. */
  protected accessQueue(): AccessLogQueue | null {
    const log = this.daemon.accessLog;
    return log === null ? null : (this.accessLines ??= new AccessLogQueue(log));
  }

  /** Where the queued output ends, in OutputQueue.written terms (the access log's positions). */
  protected outputEnd(): number {
    return this.output.written + this.output.pending;
  }

  protected callDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (waiters === null || waiters.length === 0) return;
    this.drainWaiters = null;
    for (const w of waiters) w();
  }

  /** Writes what is queued; closes when closing and empty; manages pause and drain waiters. */
  flush(): void {
    if (this.state >= LINGERING) return;
    const output = this.output;
    const before = output.written;
    const empty = output.flush(this.socket);
    // Also when nothing was written now: a response whose last byte went out in an earlier turn
    // (a deferred HEAD's head) completes without adding a byte, and its line is due already.
    this.accessLines?.release(output.written);
    this.deadlines.sent(this.daemon.clock, output.written > before || empty, !empty);
    if (!empty) {
      if (!output.isCongested()) this.callDrainWaiters();
      else if (!this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      return;
    }
    if (this.state === CLOSING) return this.endGracefully();
    if (!this.input.hasRequest()) {
      output.shrink(); // idle: no grown buffer kept
      this.becomeIdleIfQuiet();
    }
    if (this.paused && this.mayReadAgain()) {
      this.paused = false;
      this.socket.resume();
    }
    // "Nothing writable" is not "drained" while bytes are held (a response waiting for its
    // session's save): a producer honouring drained() waits for them to go, or memory grows.
    if (!output.isCongested()) this.callDrainWaiters();
    if (!this.input.isProcessing() && this.input.takeStalled()) this.resumeInput();
  }

  /**
   * The output drained: may the socket be read again? Yes unless the protocol still holds more
   * input than it wants (HTTP/1: a head's worth buffered; a WebSocket: its application holds reading).
   */
  protected mayReadAgain(): boolean {
    return this.input.buffered() <= this.daemon.limits.maxHead;
  }

  /**
   * Closes an idle connection (daemon stopping); a connection with a request in flight finishes it
   * first. `draining` (HttpDaemon.drain): an idle HTTP/1 connection is left to its next request
   * (answered, then closed) or its keep-alive timeout; other protocols close gracefully as ever.
   */
  closeIfIdle(_draining = false): void {
    if (this.state === CLOSED || !this.input.isIdle()) return;
    this.beginClosing();
    this.flush();
  }
}
