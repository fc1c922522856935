/**
 * HttpConnection: one per accepted socket. Owns the receive buffer, the parser state, the request
 * in progress, the output queue and the connection's deadlines. Its state is two small machines
 * (Go's conn/ConnState is the model): the lifecycle of the connection and the phase of the
 * request on it, each with its transition rules next to its values below.
 *
 * Reading: a complete head is parsed in place in Bun's data chunk; bytes left over (a head split
 * across reads, pipelined requests behind a pending response) are copied into the session's own
 * buffer. If a request is still being answered when the read turn ends, its head bytes are copied
 * to a stable buffer first, so the servlet may read the request lazily later.
 *
 * Order: one request at a time, strictly in order (SPEC §3): the next head is not parsed until
 * the current response is complete and its body consumed. All output produced in one turn goes
 * out in one socket.write.
 *
 * Bodies are read only as fast as the servlet takes them: while it is not ready (it has not asked
 * for content() and does not read pieces as they arrive, or a Promise from processContent() is
 * pending) the bytes stay in the receive buffer and then in the kernel.
 *
 * Leaving: a client's FIN or reset while its response is incomplete means it is gone (as Go's
 * net/http cancels the request context): the servlet is destroyed and its signal aborted at once.
 * Our own closes are graceful: stop reading requests, send what is queued, half-close, and read
 * and discard the client's input for a short linger before closing, so a client never loses
 * responses already sent to a reset caused by input it sent after them.
 */
import type { Socket } from "bun";
import { type BodyDecoder, INCOMPLETE, type RequestHead, parseHead, reasonOf, statusOf } from "../parser/index.ts";
import type { RequestChannel } from "../servers/request-channel.ts";
import { RequestCycle } from "../servers/request-cycle.ts";
import { CANNED_BY_ERROR, cannedStatus, type Canned } from "../http/canned.ts";
import { OutputQueue } from "./output.ts";
import { AccessLogQueue, CLIENT_CLOSED_REQUEST } from "./access-log-queue.ts";
import type { ConnectionHost, IdleConnection } from "./connection-host.ts";
import { LINGER_MAX_BYTES } from "./limits.ts";
import { IDLE_DECODER, IDLE_HEAD } from "./parser-pool.ts";

const EMPTY = new Uint8Array(0);
/** RFC 9110 §15.2.1: the interim response that invites the client to send its body. */
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/** Which deadline is running. */
const NO_DEADLINE = 0;
/** New connection, nothing received yet: silent close at the head timeout. */
const DEADLINE_FIRST_BYTE = 1;
/** A head has started arriving: 408 at the head timeout (absolute, not reset by trickling). */
const DEADLINE_HEAD = 2;
/** A body is expected: 408 after this long without body bytes. */
const DEADLINE_BODY = 3;
/** Between requests on a persistent connection: silent close. */
const DEADLINE_KEEP_ALIVE = 4;
/** We half-closed: the client's input is read and discarded until its FIN or this deadline. */
const DEADLINE_LINGER = 5;

// ── Lifecycle: it only moves forward. ────────────────────────────────────────────────────────
/** Reading and answering requests. */
const OPEN = 0;
/**
 * No more requests are read (a close was decided: error, `Connection: close`, the request cap, a
 * timeout, the client's FIN); queued output is still sent. OPEN → CLOSING at that decision.
 */
const CLOSING = 1;
/**
 * Our side half-closed (socket.shutdown) once the output was sent; the client's input is read and
 * discarded until its FIN, LINGER_MS or LINGER_MAX_BYTES. CLOSING → LINGERING when the queue empties and the client
 * has not closed its side.
 */
const LINGERING = 2;
/**
 * socket.end() (or terminate) was called; Bun's close event follows. CLOSING → ENDED when the
 * queue empties after the client's FIN; LINGERING → ENDED at its FIN or deadline; any → ENDED on
 * abort() or reclaim().
 */
const ENDED = 3;
/** The close event came; everything pooled was given back. Any → CLOSED. */
const CLOSED = 4;

// ── Request phase: IDLE → HEAD → SERVING → (DISCARDING →) IDLE. ───────────────────────────────
/** Between requests: nothing parsed, nothing owed. */
const IDLE = 0;
/** A head is arriving (IDLE → HEAD at its first byte; → IDLE when refused). */
const HEAD = 1;
/**
 * The request cycle owns the request; its body is read as the cycle wants it (HEAD → SERVING).
 * → IDLE when the response is complete and the body consumed.
 */
const SERVING = 3;
/** The response is complete; the rest of the body is read and dropped (SERVING → DISCARDING → IDLE). */
const DISCARDING = 4;

/** Per-connection state; `socket.data`. */
export class HttpConnection implements RequestChannel, IdleConnection {
  /** The current request's head: pooled while a request is in progress, IDLE_HEAD between requests. */
  head: RequestHead = IDLE_HEAD;
  headBytes: Uint8Array = EMPTY;
  readonly output: OutputQueue;
  readonly localPort: number;
  readonly remotePort: number;

  /** The current body's decoder: pooled while a request has a body, IDLE_DECODER otherwise. */
  private decoder: BodyDecoder = IDLE_DECODER;
  /**
   * Bytes received but not processed yet: [recvStart, recvEnd). A pooled buffer, held only while
   * it holds bytes (an idle connection has none).
   */
  private recv: Buffer | null = null;
  private recvStart = 0;
  private recvEnd = 0;
  /** A stable copy of the current request's head when it outlives its read turn (pooled). */
  private headCopy: Buffer | null = null;

  /** Lifecycle (OPEN … CLOSED above). */
  private state = OPEN;
  /** Request phase (IDLE … DISCARDING above). */
  private phase = IDLE;
  /** The framework's side of the requests on this connection: made at the first request, reused for each. */
  private cycle: RequestCycle | null = null;
  /** The current head's span in headBytes. */
  private headStart = 0;
  private headEnd = 0;
  /** headBytes is headCopy (the head survives the read turn it arrived in). */
  private headIsStable = false;
  /** The current request's body is wholly consumed (true when it has none). */
  private bodyDone = true;
  /** The completed response allows another request on this connection. */
  private responseKeepAlive = false;
  /** Body bytes dropped in DISCARDING (past the body limit: close). */
  private discarded = 0;
  /** Requests dispatched on this connection (the per-connection cap). */
  private requests = 0;

  /** Inside process(): re-entrant calls defer to a microtask instead. */
  private processing = false;
  /** Inside a data callback (or resume): output is flushed at its end, not scheduled. */
  private inReadTurn = false;
  /** The wall clock (ms) when the current read turn began: the Date of the responses it makes. */
  private turnClock = 0;
  /** A microtask flush is pending. */
  private flushScheduled = false;
  /** The client sent its FIN (or reset): nothing more will be read. */
  private peerEnded = false;
  /** socket.pause() is in force (receive buffer full, or output above its high-water mark). */
  private paused = false;
  /** The current body waits for its servlet (see isReadyForBody); its deadlines are suspended. */
  private bodyHeld = false;
  /** Minimum-rate window of the body: start time and bytes received by then. */
  private bodyWindowStart = 0;
  private bodyWindowBytes = 0;
  /** The current request's access-log line was queued (once per request). */
  private logged = false;
  /**
   * Access-log lines waiting for their responses to reach the socket (see accessQueue): made with
   * the first line, so a connection that never sends a request (an idle flood) holds none.
   */
  private accessLines: AccessLogQueue | null = null;
  /** Buffered requests wait for the output to drain. */
  private stalledOnOutput = false;

  private deadlineKind = DEADLINE_FIRST_BYTE;
  private deadline: number;
  private sendDeadline = 0;
  /** Callbacks of whenDrained(); null until the first (most connections never wait). */
  private drainWaiters: (() => void)[] | null = null;

  /** Neighbours in the daemon's list of idle connections (reclaimed oldest first at the limit). */
  idlePrev: IdleConnection | null = null;
  idleNext: IdleConnection | null = null;
  /** True while in that list. */
  idleListed = false;
  /** Chosen to make room at the limit; closed at the end of this turn unless a request arrives. */
  reclaimPending = false;
  /** Bytes read and discarded while lingering (past LINGER_MAX_BYTES: close at once). */
  private lingerBytes = 0;
  /** The daemon counted this connection as lingering (it is uncounted at the close event). */
  private countedLingering = false;

  /**
   * The microtasks of flushSoon() and scheduleResume(), made on first use: a connection answered
   * within its read turn (most are) never needs them, and an idle one should not pay for them.
   */
  private flushTask: (() => void) | null = null;
  private resumeTask: (() => void) | null = null;

  /**
   * Creates the connection for a newly accepted socket. The addresses are read once by the
   * daemon (the runtime has none to give in the close event, when a log line may still need them).
   */
  constructor(
    private readonly daemon: ConnectionHost,
    private readonly socket: Socket<unknown>,
    readonly remoteAddress: string,
    readonly localAddress: string,
  ) {
    const limits = daemon.limits;
    this.output = new OutputQueue(limits.outputHighWaterMark, daemon.buffers);
    this.localPort = socket.localPort;
    this.remotePort = socket.remotePort;
    this.deadline = daemon.clock + limits.headTimeoutMs;
  }

  // ── RequestChannel (what a request's cycle sees) ────────────────────────────────────────

  /** Plain TCP (TLS is a later transport). */
  isSecure(): boolean {
    return false;
  }

  /** True while the cap of requests per connection allows another and the daemon is not stopping. */
  mayKeepAlive(): boolean {
    // A body longer than the limit is not worth discarding: the response says close (SPEC §3).
    const bodyTooLong = !this.bodyDone && this.decoder.remainingLength() > this.daemon.limits.maxBody;
    return (
      this.state === OPEN &&
      !this.peerEnded &&
      !bodyTooLong &&
      !this.daemon.stopping &&
      this.requests < this.daemon.limits.maxRequestsPerConnection
    );
  }

  /**
   * The cached end of a response head: Date, Server, Connection, CRLF. Hot path: a response made
   * in a read turn takes the turn's clock reading (one per turn, not per pipelined response).
   */
  headerTail(keepAlive: boolean): Uint8Array {
    return this.daemon.dates.tail(keepAlive, this.inReadTurn ? this.turnClock : Date.now());
  }

  /** RFC 9110 §15.2.1: the interim response, queued before the servlet's response. */
  sendContinue(): void {
    this.output.append(CONTINUE);
    this.flushSoon();
  }

  /** No request after this one is read: the response in progress says `Connection: close`. */
  closeAfterResponse(): void {
    this.beginClosing();
  }

  /** Schedules a flush at the end of this turn (a no-op inside a read turn, which flushes anyway). */
  flushSoon(): void {
    if (this.inReadTurn || this.flushScheduled || this.state === CLOSED) return;
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

  /** Logs a servlet failure with the connection's peer, and counts it. */
  logError(message: string, error?: unknown): void {
    this.daemon.counters.servletErrors++;
    this.daemon.logError(`${this.remoteAddress}:${this.remotePort} ${message}`, error);
  }

  /** Content a servlet gave a 204 or 304 was dropped: counted, the first one logged (by the daemon). */
  contentDropped(status: number): void {
    this.daemon.contentDropped(status);
  }

  /** A servlet failed because its own signal aborted (its client left): expected, so only counted. */
  countServletAbort(): void {
    this.daemon.counters.servletAborts++;
  }

  /** A socket error (a reset and the like): expected when clients leave, so only counted. */
  onError(): void {
    this.daemon.counters.socketErrors++;
  }

  /** Closes at once, dropping unsent output (a reset: shutdown(), a stop past its grace). */
  abort(): void {
    if (this.state >= ENDED) return;
    this.output.clear();
    this.endNow();
    this.socket.terminate();
  }

  /** Stops reading, abandons the current request, sends what is queued, then closes gracefully. */
  close(): void {
    if (this.state === CLOSED) return;
    this.beginClosing();
    this.abandonCurrent(false);
    this.flushSoon();
  }

  /** Reading may go on: the servlet is ready for more of its body. */
  resumeReading(): void {
    if (this.state !== OPEN || this.processing) return;
    this.scheduleResume();
  }

  /** The current response is complete and its servlet destroyed (the cycle calls this once per request). */
  responseComplete(keepAlive: boolean): void {
    const s = this.cycle?.session;
    if (!s || this.phase !== SERVING) return;
    this.phase = DISCARDING;
    this.responseKeepAlive = keepAlive;
    this.logged = true;
    // Logged once its last byte reaches the socket, or as 499 if the client leaves first.
    this.accessQueue()?.addResponse(s, s.status, this.outputEnd(), true);
    if (!keepAlive || (!this.bodyDone && this.decoder.remainingLength() > this.daemon.limits.maxBody)) {
      // Nothing after this response is read (discarding a body that long is not worth it,
      // SPEC §3): close once it is written.
      this.beginClosing();
      this.phase = IDLE;
      this.releaseParsers();
      this.flushSoon();
      return;
    }
    if (this.bodyDone) this.finishRequest();
    else if (this.recvEnd > this.recvStart) this.resumeReading(); // a held body is discarded now
    this.flushSoon();
  }

  // ── socket events ───────────────────────────────────────────────────────────────────────

  /** Bun `data`: the chunk is valid only during this call. */
  onData(chunk: Uint8Array): void {
    // A request reached a connection chosen to make room: it is not idle, and is served.
    if (this.reclaimPending) this.daemon.rescue(this);
    if (this.state !== OPEN) {
      // Nothing after a close was decided is parsed. Lingering, the input is discarded — but a
      // client that keeps flooding gets closed at once.
      if (this.state === LINGERING && (this.lingerBytes += chunk.length) > LINGER_MAX_BYTES) this.finishClose(true);
      return;
    }
    this.inReadTurn = true;
    this.turnClock = Date.now();
    if (this.recvEnd > this.recvStart) {
      this.appendToRecv(chunk);
      this.processRecv();
    } else {
      this.process(chunk, 0, chunk.length, false);
    }
    this.inReadTurn = false;
    this.flush();
  }

  /** Bun `drain`: the socket takes more. */
  onDrain(): void {
    this.flush();
  }

  /**
   * Bun `end`: the client will send nothing more. If its response is incomplete it is gone for
   * our purposes (it cannot send the rest of a body, and a client that waits for an answer does
   * not close its side): the servlet is destroyed now, not when it next writes.
   */
  onEnd(): void {
    this.peerEnded = true;
    if (this.state === LINGERING || this.state === ENDED) {
      // Both sides are done now (Bun holds a half-open socket until our end() after this FIN).
      this.finishClose(false);
      return;
    }
    this.beginClosing();
    // Responses already complete stay queued and are sent before the close (the client may
    // still read: it only closed its side); the current one is abandoned where it stands.
    if (this.phase === SERVING) this.abandonCurrent(true);
    this.flush();
  }

  /** Bun `close`: the connection is gone. */
  onClose(): void {
    if (this.state === CLOSED) return;
    // Closed before we ended it: the client closed or reset the connection (it left).
    const clientLeft = this.state < ENDED;
    this.state = CLOSED;
    this.abandonCurrent(clientLeft);
    // Before connectionClosed: a stopping daemon flushes its access log once the last one closes.
    this.accessLines?.close(this.output.written, clientLeft);
    this.daemon.connectionClosed(this, this.countedLingering);
    this.releaseDrainWaiters();
    // Everything pooled goes back.
    this.recvStart = this.recvEnd = 0;
    this.releaseRecv();
    this.releaseHeadCopy();
    this.releaseParsers();
    this.output.clear();
  }

  /**
   * The current request's client is gone (`clientLeft`: its FIN or reset) or its connection ends
   * (we close it: a timeout, a cut response, an abort): log it, destroy its servlet.
   */
  private abandonCurrent(clientLeft: boolean): void {
    const phase = this.phase;
    if (phase < SERVING) return;
    this.phase = IDLE;
    const cycle = this.cycle!;
    const s = cycle.session;
    if (!this.logged && s !== null) {
      this.logged = true;
      if (phase !== DISCARDING) this.daemon.counters.abandoned++;
      // 499 (nginx's "client closed request") when the client left before the response was
      // complete, or when nothing was sent; else the status of the response we cut short.
      const status = clientLeft || !s.hasStarted() ? CLIENT_CLOSED_REQUEST : s.status;
      this.accessQueue()?.addResponse(s, status, this.outputEnd(), false);
    }
    cycle.abandon();
    this.releaseParsers();
    this.releaseHeadCopy();
    this.releaseDrainWaiters();
  }

  /** Called by the daemon's sweep timer: enforces the deadlines. */
  sweep(now: number): void {
    if (this.state === CLOSED) return;
    if (this.sendDeadline > 0 && now >= this.sendDeadline && this.state < LINGERING) {
      // The client reads nothing: drop what it will never take and close gracefully.
      this.daemon.counters.timeouts++;
      this.sendDeadline = 0;
      this.output.clear();
      this.beginClosing();
      this.abandonCurrent(false);
      this.flush();
      return;
    }
    if (this.deadlineKind === DEADLINE_BODY && !this.isWaitingForBody()) {
      // Not the client's turn (authorise() pending, or a client told to wait for 100 Continue
      // whose servlet has not asked yet): the body's deadlines start when it is.
      this.startBodyDeadline();
      return;
    }
    if (this.deadlineKind === DEADLINE_BODY && this.isBodyTooSlow(now)) this.deadline = now;
    if (this.deadlineKind === NO_DEADLINE || now < this.deadline) return;
    const kind = this.deadlineKind;
    if (kind === DEADLINE_KEEP_ALIVE && (this.output.pending > 0 || this.recvEnd > this.recvStart)) {
      // Requests or responses are still queued (a slow reader): the connection is not idle.
      this.deadline = now + this.daemon.limits.keepAliveTimeoutMs;
      return;
    }
    this.deadlineKind = NO_DEADLINE;
    if (kind === DEADLINE_FIRST_BYTE || kind === DEADLINE_KEEP_ALIVE) {
      this.beginClosing();
      this.flush();
    } else if (kind === DEADLINE_LINGER) {
      // The linger ran out: close plainly (the kernel still delivers what it holds to a slow
      // reader). An ended socket that still has not closed a linger later is reset.
      this.finishClose(this.state === ENDED);
    } else if (kind === DEADLINE_HEAD) {
      this.daemon.counters.timeouts++;
      this.reject(cannedStatus(408));
    } else if (kind === DEADLINE_BODY) {
      this.daemon.counters.timeouts++;
      const s = this.phase === SERVING ? this.cycle!.session : null;
      this.beginClosing(); // the body is cut short: nothing after it can be framed
      if (s && !s.hasStarted()) s.sendError(408);
      else this.close();
    }
  }

  /**
   * True when the body's bytes are the client's move: the servlet runs and is ready for them (or
   * the response is complete and they are discarded), and a client that asked for 100 Continue
   * has been sent it or is sending anyway.
   */
  private isWaitingForBody(): boolean {
    if (this.phase !== SERVING) return true; // a body left to discard or cut
    return this.cycle!.wantsBody();
  }

  /**
   * A body must keep up a minimum average rate once its first bodyIdleTimeoutMs have passed
   * (nginx's client_body_timeout bounds only the gaps; this also bounds a client that sends one
   * byte just before each gap would expire).
   */
  private isBodyTooSlow(now: number): boolean {
    const limits = this.daemon.limits;
    const elapsed = now - this.bodyWindowStart - limits.bodyIdleTimeoutMs;
    if (elapsed <= 0) return false;
    return this.decoder.received - this.bodyWindowBytes < (elapsed * limits.minBodyRate) / 1000;
  }

  /** Closes an idle connection (daemon stopping); a connection with a request in flight finishes it first. */
  closeIfIdle(): void {
    if (this.state === CLOSED) return;
    if (this.phase === IDLE) {
      this.beginClosing();
      this.flush();
    }
  }

  /** True once a request was read on this connection. */
  isReused(): boolean {
    return this.requests > 0;
  }

  /**
   * Closes an idle connection to make room for a new one at the connection limit (nginx reuses
   * idle keep-alive connections the same way): nothing is in flight, so it ends at once. A
   * client that sends a request after this gets our FIN without an answer, the signal on which
   * HTTP/1.1 clients retry an idempotent request on a new connection (RFC 9112 §9.3.1). False when
   * it is no longer idle (closing on its own, or a request arrived).
   */
  reclaim(): boolean {
    if (this.state !== OPEN || this.phase !== IDLE || this.recvEnd > this.recvStart) return false;
    this.endNow();
    this.socket.end();
    return true;
  }

  /**
   * Joins the idle list (a candidate for reclaiming) only between requests with nothing queued
   * either way: a response still being written to a slow reader is not idle.
   */
  private becomeIdleIfQuiet(): void {
    if (this.idleListed || this.state !== OPEN || this.phase !== IDLE) return;
    if (this.output.pending > 0 || this.recvEnd > this.recvStart) return;
    this.daemon.idle.add(this);
  }

  /** OPEN → CLOSING: no more requests are read. */
  private beginClosing(): void {
    if (this.state === OPEN) this.state = CLOSING;
  }

  /**
   * → ENDED: our side is finished (end or terminate follows at once). A socket that has not
   * closed LINGER_MS later (a client that never answers our FIN) is reset by the sweep.
   */
  private endNow(): void {
    if (this.idleListed) this.daemon.idle.remove(this);
    this.state = ENDED;
    this.deadlineKind = DEADLINE_LINGER;
    this.deadline = this.daemon.clock + this.daemon.limits.lingerMs;
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────

  private appendToRecv(chunk: Uint8Array): void {
    const pending = this.recvEnd - this.recvStart;
    let recv = this.recv;
    if (recv === null) {
      recv = this.recv = this.daemon.buffers.take();
      this.recvStart = this.recvEnd = 0;
    }
    if (this.recvEnd + chunk.length > recv.length) {
      if (this.recvStart > 0 && pending + chunk.length <= recv.length) {
        recv.copyWithin(0, this.recvStart, this.recvEnd);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(recv.length * 2, pending + chunk.length));
        recv.copy(grown, 0, this.recvStart, this.recvEnd);
        this.daemon.buffers.give(recv);
        recv = this.recv = grown;
      }
      // A partial head moved: parseHead rebases its spans from the new start.
      this.recvStart = 0;
      this.recvEnd = pending;
    }
    recv.set(chunk, this.recvEnd);
    this.recvEnd += chunk.length;
    // Pipelined input piling up behind a pending response: let the kernel hold the rest.
    if (this.recvEnd - this.recvStart > this.daemon.limits.maxHead * 4 && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private processRecv(): void {
    if (this.recv !== null) this.process(this.recv, this.recvStart, this.recvEnd, true);
  }

  /** Gives the receive buffer back once it is empty and no current head points into it. */
  private releaseRecv(): void {
    const recv = this.recv;
    if (recv === null || this.recvEnd > this.recvStart || (this.phase >= SERVING && this.headBytes === recv)) return;
    this.recv = null;
    this.recvStart = this.recvEnd = 0;
    this.daemon.buffers.give(recv);
  }

  /**
   * Gives the head and the decoder back to the daemon's pool: no request is in progress (its
   * servlet, if it had one, is destroyed and reads empty values from now on).
   */
  private releaseParsers(): void {
    // The bytes go with the head: Bun's data chunk is not ours past its callback, and an idle
    // connection should not keep it (nor its memory) alive.
    if (this.headBytes !== this.headCopy) this.headBytes = EMPTY;
    const parsers = this.daemon.parsers;
    if (this.head !== IDLE_HEAD) {
      parsers.giveHead(this.head);
      this.head = IDLE_HEAD;
    }
    if (this.decoder !== IDLE_DECODER) {
      parsers.giveDecoder(this.decoder);
      this.decoder = IDLE_DECODER;
    }
  }

  /** Gives the head copy back once no current request reads from it. */
  private releaseHeadCopy(): void {
    const copy = this.headCopy;
    if (copy === null || (this.phase >= SERVING && this.headBytes === copy)) return;
    this.headCopy = null;
    if (this.headBytes === copy) this.headBytes = EMPTY;
    this.daemon.buffers.give(copy);
  }

  /** Resumes processing at the end of this job (a microtask). */
  private scheduleResume(): void {
    queueMicrotask((this.resumeTask ??= () => this.resume()));
  }

  /** Resumes processing buffered input after an asynchronous completion. */
  private resume(): void {
    if (this.state === CLOSED || this.processing) return;
    const wasInTurn = this.inReadTurn;
    if (!wasInTurn) this.turnClock = Date.now();
    this.inReadTurn = true;
    if (this.recvEnd > this.recvStart) this.processRecv();
    this.inReadTurn = wasInTurn;
    if (this.paused && !this.output.isCongested() && this.recvEnd - this.recvStart <= this.daemon.limits.maxHead) {
      this.paused = false;
      this.socket.resume();
    }
    this.flush();
  }

  /** The read loop over buf[start..end). */
  private process(buf: Uint8Array, start: number, end: number, inRecv: boolean): void {
    this.processing = true;
    let p = start;
    while (p < end && this.state === OPEN) {
      if (this.phase >= SERVING) {
        if (this.bodyDone) break; // response pending
        if (!this.cycle!.wantsBody()) {
          this.holdBody();
          break;
        }
        if (this.bodyHeld) this.releaseBody();
        p = this.readBody(this.cycle!, buf, p, end);
        continue;
      }
      if (this.output.isCongested()) {
        this.stalledOnOutput = true; // SPEC §6: stop reading requests above the mark
        break;
      }
      if (this.phase === IDLE) {
        if (this.idleListed) this.daemon.idle.remove(this);
        if (this.head === IDLE_HEAD) this.head = this.daemon.parsers.takeHead();
        else this.head.reset();
        this.phase = HEAD;
        this.deadlineKind = DEADLINE_HEAD;
        this.deadline = this.daemon.clock + this.daemon.limits.headTimeoutMs;
      }
      const r = parseHead(buf, p, end, this.head);
      if (r === INCOMPLETE) break;
      if (r > 0 && this.requests > 0 && this.head.isSimpleRequest()) {
        // An HTTP/0.9 request can only open a connection: after an HTTP/1.x exchange a
        // versionless line is a malformed request, not a change of protocol.
        this.daemon.counters.badRequest(400);
        this.reject(cannedStatus(400));
        break;
      }
      if (r < 0) {
        // Expected (bad input): counted by status, never logged line by line.
        const canned = CANNED_BY_ERROR[-r] ?? cannedStatus(statusOf(r) || 400);
        this.daemon.counters.badRequest(canned.status);
        this.reject(canned);
        break;
      }
      this.headBytes = buf;
      this.headStart = p;
      this.headEnd = r;
      this.headIsStable = false;
      p = r;
      this.dispatch();
    }
    this.processing = false;
    if (this.state === CLOSED) return;
    // Whatever is left: keep it for the next turn (a partial head, or requests behind a pending one).
    if (inRecv) {
      this.recvStart = p;
      if (p >= this.recvEnd) this.recvStart = this.recvEnd = 0;
    } else if (p < end && this.state === OPEN) {
      this.recvStart = this.recvEnd = 0;
      this.appendToRecv(buf.subarray(p, end));
    }
    // A request still being answered after this turn reads its head from a stable copy.
    if (this.phase >= SERVING && !this.headIsStable) this.stabiliseHead();
    this.releaseRecv();
  }

  /** Consumes body bytes for the current request; returns the offset reached. */
  private readBody(cycle: RequestCycle, buf: Uint8Array, p: number, end: number): number {
    const decoder = this.decoder;
    const q = decoder.decode(buf, p, end);
    if (q < 0) {
      this.refuseBody(statusOf(q) || 400, reasonOf(q));
      return end;
    }
    const pieceStart = decoder.pieceStart;
    const pieceEnd = decoder.pieceEnd;
    if (pieceEnd > pieceStart) {
      this.deadline = this.daemon.clock + this.daemon.limits.bodyIdleTimeoutMs;
      if (this.phase === DISCARDING) {
        this.discarded += pieceEnd - pieceStart;
        if (this.discarded > this.daemon.limits.maxBody) {
          this.beginClosing(); // SPEC §3: discard up to the body limit, past it close
          return end;
        }
      } else {
        cycle.piece(buf.subarray(pieceStart, pieceEnd));
        if (this.phase === IDLE) return end; // refused (over the limit), or answered with a close
      }
    }
    if (decoder.done) {
      this.bodyDone = true;
      this.deadlineKind = NO_DEADLINE;
      if (this.phase === DISCARDING) this.finishRequest();
      else cycle.end();
    }
    return q;
  }

  /** The body cannot be read (malformed, or over the limit): answer if possible, and close. */
  refuseBody(status: number, reason: string): void {
    if (this.phase < SERVING) return;
    this.daemon.counters.badRequest(status);
    this.beginClosing(); // before the error page, so it says Connection: close
    this.cycle!.fail(status, reason);
    this.abandonCurrent(false);
  }

  /** The servlet is not ready for its body: keep it in the buffer (then the kernel), no deadline. */
  private holdBody(): void {
    this.bodyHeld = true;
    this.deadlineKind = NO_DEADLINE;
  }

  /** The servlet is ready again: the body's idle and rate deadlines start afresh. */
  private releaseBody(): void {
    this.bodyHeld = false;
    this.startBodyDeadline();
  }

  private startBodyDeadline(): void {
    const now = this.daemon.clock;
    this.deadlineKind = DEADLINE_BODY;
    this.deadline = now + this.daemon.limits.bodyIdleTimeoutMs;
    this.bodyWindowStart = now;
    this.bodyWindowBytes = this.decoder.received;
  }

  /** Copies the current head into headCopy and rebases its spans there. */
  private stabiliseHead(): void {
    const n = this.headEnd - this.headStart;
    let copy = this.headCopy;
    if (copy === null || copy.length < n) {
      if (copy !== null) this.daemon.buffers.give(copy);
      // n ≤ maxHead < the pool's size: a pooled buffer always fits.
      copy = this.headCopy = this.daemon.buffers.take();
    }
    copy.set(this.headBytes.subarray(this.headStart, this.headEnd), 0);
    this.head.rebase(-this.headStart);
    this.headBytes = copy;
    this.headStart = 0;
    this.headEnd = n;
    this.headIsStable = true;
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────

  /** Hands the parsed head to the request cycle: the one place a request crosses into servers/. */
  private dispatch(): void {
    const head = this.head;
    this.requests++;
    this.daemon.counters.requests++;
    this.phase = SERVING;
    this.logged = false;
    this.bodyHeld = false;
    this.discarded = 0;
    this.bodyDone = !head.hasBody();
    if (this.bodyDone) {
      this.deadlineKind = NO_DEADLINE;
    } else {
      if (this.decoder === IDLE_DECODER) this.decoder = this.daemon.parsers.takeDecoder();
      this.decoder.start(head.contentLength, head.chunked);
      this.startBodyDeadline();
    }
    (this.cycle ??= new RequestCycle(this, this.daemon.mounts, this.daemon.limits.maxBody)).begin();
  }

  /** The current request is finished (response complete and body consumed). */
  private finishRequest(): void {
    this.phase = IDLE;
    this.releaseParsers();
    // A response begun before the daemon began stopping promised keep-alive; now that it is
    // over, the connection closes as an idle one would have at stop(), not at its idle timeout.
    if (!this.responseKeepAlive || this.peerEnded || this.daemon.stopping) {
      this.beginClosing();
      return;
    }
    this.deadlineKind = DEADLINE_KEEP_ALIVE;
    this.deadline = this.daemon.clock + this.daemon.limits.keepAliveTimeoutMs;
    this.releaseHeadCopy();
    if (this.recvEnd > this.recvStart) {
      // An asynchronous completion: pipelined requests may be waiting in the buffer.
      if (!this.processing) this.scheduleResume();
    } else {
      this.becomeIdleIfQuiet();
    }
  }

  /** Answers a request that cannot be parsed with a canned response, then closes. */
  private reject(canned: Canned): void {
    const dateLine = this.daemon.dates.line(this.inReadTurn ? this.turnClock : Date.now());
    this.output.append(canned.beforeDate);
    this.output.append(dateLine);
    this.output.append(canned.afterDate);
    this.accessQueue()?.addRefusal(this.remoteAddress, canned.status, canned.length(dateLine.length), this.outputEnd());
    this.phase = IDLE;
    this.releaseParsers();
    this.beginClosing();
    this.flushSoon();
  }

  // ── writing ─────────────────────────────────────────────────────────────────────────────

  /** The connection's access-log queue, made on first use; null without an access log. */
  private accessQueue(): AccessLogQueue | null {
    const log = this.daemon.accessLog;
    return log === null ? null : (this.accessLines ??= new AccessLogQueue(log));
  }

  /** Where the queued output ends, in OutputQueue.written terms (the access log's positions). */
  private outputEnd(): number {
    return this.output.written + this.output.pending;
  }

  private callDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (waiters === null || waiters.length === 0) return;
    this.drainWaiters = null;
    for (const w of waiters) w();
  }

  /**
   * The connection is ending: every drained() waiter is released (it resolves; the servlet's
   * signal is already aborted, which is how it tells), so no servlet hangs in a wait.
   */
  private releaseDrainWaiters(): void {
    this.callDrainWaiters();
  }

  /**
   * Our side is done: half-close and linger (read and discard) until the client closes too, or
   * LINGER_MS pass — a full close with the client's input unread would reset the connection and
   * destroy responses it has not read yet (nginx's lingering close).
   */
  private endGracefully(): void {
    if (this.peerEnded) {
      this.endNow();
      this.socket.end();
      return;
    }
    if (this.idleListed) this.daemon.idle.remove(this);
    this.state = LINGERING;
    this.countedLingering = true;
    this.daemon.lingerStarted();
    this.socket.shutdown();
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    this.deadlineKind = DEADLINE_LINGER;
    this.deadline = this.daemon.clock + this.daemon.limits.lingerMs;
  }

  /**
   * Closes for good: after the client's FIN (both sides done: a plain close), or — `abrupt` —
   * when the linger runs out or the client floods it (a reset is the only way to stop a client
   * still sending). Called for a connection already ENDED, it completes the close Bun held.
   */
  private finishClose(abrupt: boolean): void {
    if (this.state === CLOSED) return;
    this.endNow();
    if (abrupt) this.socket.terminate();
    else this.socket.end();
  }

  /** Writes what is queued; closes when closing and empty; manages pause and drain waiters. */
  flush(): void {
    if (this.state >= LINGERING) return;
    const before = this.output.written;
    const empty = this.output.flush(this.socket);
    // Also when nothing was written now: a response whose last byte went out in an earlier turn
    // (a deferred HEAD's head) completes without adding a byte, and its line is due already.
    this.accessLines?.release(this.output.written);
    if (this.output.written > before || empty) this.sendDeadline = 0;
    if (!empty) {
      if (this.sendDeadline === 0) this.sendDeadline = this.daemon.clock + this.daemon.limits.sendTimeoutMs;
      if (this.output.isCongested()) {
        if (!this.paused) {
          this.paused = true;
          this.socket.pause();
        }
      } else {
        this.callDrainWaiters();
      }
      return;
    }
    if (this.state === CLOSING) {
      this.endGracefully();
      return;
    }
    if (this.phase < SERVING) {
      this.output.shrink(); // idle: no grown buffer kept
      this.becomeIdleIfQuiet();
    }
    if (this.paused && this.recvEnd - this.recvStart <= this.daemon.limits.maxHead) {
      this.paused = false;
      this.socket.resume();
    }
    this.callDrainWaiters();
    if (this.stalledOnOutput && !this.processing) {
      this.stalledOnOutput = false;
      this.scheduleResume();
    }
  }
}
