/**
 * HttpConnection: one per accepted socket, and the HTTP/1.x transport of the requests on it (it
 * is their RequestChannel). It owns the connection's lifecycle, its output, the linger and its
 * place in the idle list; its RequestReader parses and decodes what arrives, its Deadlines say
 * which timeout runs, and one RequestCycle (made at the first request, reused for each) is the
 * framework's side of every request. Its state is one machine (Go's conn/ConnState is the model):
 * the lifecycle below, with its transition rules next to its values.
 *
 * Order: one request at a time, strictly in order (SPEC §3). All output produced in one turn goes
 * out in one socket.write.
 *
 * Leaving: a client's FIN or reset while its response is incomplete means it is gone (as Go's
 * net/http cancels the request context): the cycle destroys the servlet and aborts its signal at
 * once. Our own closes are graceful: stop reading requests, send what is queued, half-close, and
 * read and discard the client's input for a short linger before closing, so a client never loses
 * responses already sent to a reset caused by input it sent after them.
 */
import type { Socket } from "bun";
import type { RequestChannel } from "../servers/request-channel.ts";
import { RequestCycle } from "../servers/request-cycle.ts";
import { cannedStatus, type Canned } from "../http/canned.ts";
import { OutputQueue } from "./output.ts";
import { AccessLogQueue, CLIENT_CLOSED_REQUEST } from "./access-log-queue.ts";
import type { ConnectionHost, IdleConnection } from "./daemon-resources.ts";
import {
  DEADLINE_BODY,
  DEADLINE_FIRST_BYTE,
  DEADLINE_HEAD,
  DEADLINE_KEEP_ALIVE,
  DEADLINE_LINGER,
  DEADLINE_SEND,
  Deadlines,
} from "./deadlines.ts";
import { LINGER_MAX_BYTES } from "./limits.ts";
import { type ReaderEvents, RequestReader } from "./request-reader.ts";
import type { RequestHead } from "../parser/index.ts";

/** RFC 9110 §15.2.1: the interim response that invites the client to send its body. */
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
/** Pipelined input held beyond this many heads' worth pauses the socket (the kernel holds the rest). */
const RECV_BACKLOG_HEADS = 4;

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
 * discarded until its FIN, LINGER_MS or LINGER_MAX_BYTES. CLOSING → LINGERING when the queue
 * empties and the client has not closed its side.
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

/** Per-connection state; `socket.data`. */
export class HttpConnection implements RequestChannel, IdleConnection, ReaderEvents {
  readonly output: OutputQueue;
  readonly localPort: number;
  readonly remotePort: number;

  /** Lifecycle (OPEN … CLOSED above). */
  private state = OPEN;
  private readonly deadlines: Deadlines;
  private readonly reader: RequestReader;
  /** The framework's side of the requests on this connection: made at the first request, reused for each. */
  private cycle: RequestCycle | null = null;
  /** The wall clock (ms) when the current read turn began (the Date of the responses it makes); 0 outside one. */
  private turnClock = 0;
  /** A microtask flush is pending. */
  private flushScheduled = false;
  /** The client sent its FIN (or reset): nothing more will be read. */
  private peerEnded = false;
  /** socket.pause() is in force (receive buffer full, or output above its high-water mark). */
  private paused = false;
  /** The daemon counted this connection as lingering (it is uncounted at the close event). */
  private countedLingering = false;
  /** Bytes read and discarded while lingering (past LINGER_MAX_BYTES: close at once). */
  private lingerBytes = 0;
  /**
   * Access-log lines waiting for their responses to reach the socket (see accessQueue): made with
   * the first line, so a connection that never sends a request (an idle flood) holds none.
   */
  private accessLines: AccessLogQueue | null = null;
  /** Callbacks of whenDrained(); null until the first (most connections never wait). */
  private drainWaiters: (() => void)[] | null = null;

  /** Neighbours in the daemon's list of idle connections (reclaimed oldest first at the limit). */
  idlePrev: IdleConnection | null = null;
  idleNext: IdleConnection | null = null;
  /** True while in that list. */
  idleListed = false;
  /** Chosen to make room at the limit; closed at the end of this turn unless a request arrives. */
  reclaimPending = false;

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
    this.output = new OutputQueue(daemon.limits.outputHighWaterMark, daemon.buffers);
    this.localPort = socket.localPort;
    this.remotePort = socket.remotePort;
    this.deadlines = new Deadlines(daemon.limits, daemon.clock);
    this.reader = new RequestReader(daemon, this.deadlines, this);
  }

  // ── RequestChannel (what a request's cycle sees) ────────────────────────────────────────

  /** The current request's head (the reader's). */
  get head(): RequestHead {
    return this.reader.head;
  }

  /** The bytes the head's spans point into. */
  get headBytes(): Uint8Array {
    return this.reader.headBytes;
  }

  /** Plain TCP (TLS is a later transport). */
  isSecure(): boolean {
    return false;
  }

  /** True while the cap of requests per connection allows another and the daemon is not stopping. */
  mayKeepAlive(): boolean {
    return (
      this.state === OPEN &&
      !this.peerEnded &&
      // A body longer than the limit is not worth discarding: the response says close (SPEC §3).
      !this.reader.isBodyTooLong() &&
      !this.daemon.stopping &&
      this.reader.requests < this.daemon.limits.maxRequestsPerConnection
    );
  }

  /**
   * The cached end of a response head: Date, Server, Connection, CRLF. Hot path: a response made
   * in a read turn takes the turn's clock reading (one per turn, not per pipelined response).
   */
  headerTail(keepAlive: boolean): Uint8Array {
    return this.daemon.dates.tail(keepAlive, this.turnClock || Date.now());
  }

  /** RFC 9110 §15.2.1: the interim response, queued before the servlet's response. */
  sendContinue(): void {
    this.output.append(CONTINUE);
    this.flushSoon();
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

  /** Reading may go on: the servlet is ready for more of its body. */
  resumeReading(): void {
    if (this.state !== OPEN || this.reader.isProcessing()) return;
    this.scheduleResume();
  }

  /** The current response is complete and its servlet destroyed (the cycle calls this once per request). */
  responseComplete(keepAlive: boolean): void {
    const s = this.cycle?.session;
    const reader = this.reader;
    if (!s || !reader.hasRequest() || reader.isDiscarding()) return;
    reader.responded();
    // Logged once its last byte reaches the socket, or as 499 if the client leaves first.
    this.accessQueue()?.addResponse(s, s.status, this.outputEnd(), true);
    if (!keepAlive || reader.isBodyTooLong()) {
      // Nothing after this response is read (discarding a body that long is not worth it,
      // SPEC §3): close once it is written.
      this.beginClosing();
      reader.drop();
    } else if (reader.bodyDone) this.finishRequest();
    else if (reader.buffered() > 0) this.resumeReading(); // a held body is discarded now
    this.flushSoon();
  }

  /** The body cannot be read (malformed, or over the limit): answer if possible, and close. */
  refuseBody(status: number, reason: string): void {
    if (!this.reader.hasRequest()) return;
    this.daemon.counters.badRequest(status);
    this.beginClosing(); // before the error page, so it says Connection: close
    this.cycle!.fail(status, reason);
    this.abandonCurrent(false);
  }

  /** No request after this one is read: the response in progress says `Connection: close`. */
  closeAfterResponse(): void {
    this.beginClosing();
  }

  /** Stops reading, abandons the current request, sends what is queued, then closes gracefully. */
  close(): void {
    if (this.state === CLOSED) return;
    this.beginClosing();
    this.abandonCurrent(false);
    this.flushSoon();
  }

  /** Closes at once, dropping unsent output (a reset: shutdown(), a stop past its grace). */
  abort(): void {
    if (this.state >= ENDED) return;
    this.output.clear();
    this.endNow();
    this.socket.terminate();
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

  // ── ReaderEvents (what the reader reports) ──────────────────────────────────────────────

  /** Requests are read only while no close was decided. */
  isOpen(): boolean {
    return this.state === OPEN;
  }

  isClosed(): boolean {
    return this.state === CLOSED;
  }

  /** SPEC §6: no request is read while the output is above its mark. */
  mayParseHead(): boolean {
    return !this.output.isCongested();
  }

  /** A head's first byte: the connection is busy, not idle. */
  headStarted(): void {
    if (this.idleListed) this.daemon.idle.remove(this);
  }

  /** Hands the parsed head to the request cycle: the one place a request crosses into servers/. */
  headParsed(): void {
    this.daemon.counters.requests++;
    (this.cycle ??= new RequestCycle(this, this.daemon.mounts, this.daemon.limits.maxBody)).begin();
  }

  /** Bad input is expected: counted by status, never logged line by line. */
  headRefused(canned: Canned): void {
    this.daemon.counters.badRequest(canned.status);
    this.reject(canned);
  }

  wantsBody(): boolean {
    return this.cycle!.wantsBody();
  }

  bodyPiece(chunk: Uint8Array): void {
    this.cycle!.piece(chunk);
  }

  bodyEnded(): void {
    if (this.reader.isDiscarding()) this.finishRequest();
    else this.cycle!.end();
  }

  bodyRefused(status: number, reason: string): void {
    this.refuseBody(status, reason);
  }

  discardOverflow(): void {
    this.beginClosing();
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
    this.turnClock = Date.now();
    this.reader.receive(chunk);
    this.turnClock = 0;
    // Pipelined input piling up behind a pending response: let the kernel hold the rest.
    if (this.reader.buffered() > this.daemon.limits.maxHead * RECV_BACKLOG_HEADS && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
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
    if (this.reader.hasRequest() && !this.reader.isDiscarding()) this.abandonCurrent(true);
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
    this.callDrainWaiters();
    this.reader.close(); // everything pooled goes back
    this.output.clear();
  }

  /** A socket error (a reset and the like): expected when clients leave, so only counted. */
  onError(): void {
    this.daemon.counters.socketErrors++;
  }

  /**
   * The current request's client is gone (`clientLeft`: its FIN or reset) or its connection ends
   * (we close it: a timeout, a cut response, an abort): log it, have the cycle destroy its servlet.
   * Every drained() waiter is released (it resolves; the servlet's signal is already aborted,
   * which is how it tells), so no servlet hangs in a wait.
   */
  private abandonCurrent(clientLeft: boolean): void {
    const reader = this.reader;
    if (!reader.hasRequest()) return;
    const cycle = this.cycle!;
    const s = cycle.session;
    if (!reader.isDiscarding() && s !== null) {
      this.daemon.counters.abandoned++;
      // 499 (nginx's "client closed request") when the client left before the response was
      // complete, or when nothing was sent; else the status of the response we cut short.
      const status = clientLeft || !s.hasStarted() ? CLIENT_CLOSED_REQUEST : s.status;
      this.accessQueue()?.addResponse(s, status, this.outputEnd(), false);
    }
    reader.endRequest();
    cycle.abandon();
    reader.release();
    this.callDrainWaiters();
  }

  /** Called by the daemon's sweep timer: enforces the deadlines. */
  sweep(now: number): void {
    if (this.state === CLOSED) return;
    const reader = this.reader;
    const bodyWanted = !reader.hasRequest() || reader.isDiscarding() || this.cycle!.wantsBody();
    const busy = this.output.pending > 0 || reader.buffered() > 0;
    const due = this.deadlines.due(now, bodyWanted, reader.bodyReceived(), busy);
    if (due === DEADLINE_SEND) {
      // The client reads nothing: drop what it will never take and close gracefully.
      this.daemon.counters.timeouts++;
      this.output.clear();
      this.beginClosing();
      this.abandonCurrent(false);
      this.flush();
    } else if (due === DEADLINE_FIRST_BYTE || due === DEADLINE_KEEP_ALIVE) {
      this.beginClosing();
      this.flush();
    } else if (due === DEADLINE_LINGER) {
      // The linger ran out: close plainly (the kernel still delivers what it holds to a slow
      // reader). An ended socket that still has not closed a linger later is reset.
      this.finishClose(this.state === ENDED);
    } else if (due === DEADLINE_HEAD) {
      this.daemon.counters.timeouts++;
      this.reject(cannedStatus(408));
    } else if (due === DEADLINE_BODY) {
      this.daemon.counters.timeouts++;
      const s = reader.hasRequest() ? this.cycle!.session : null;
      this.beginClosing(); // the body is cut short: nothing after it can be framed
      if (s && !s.hasStarted()) s.sendError(408);
      else this.close();
    }
  }

  /** Closes an idle connection (daemon stopping); a connection with a request in flight finishes it first. */
  closeIfIdle(): void {
    if (this.state === CLOSED || !this.reader.isIdle()) return;
    this.beginClosing();
    this.flush();
  }

  /** True once a request was read on this connection. */
  isReused(): boolean {
    return this.reader.requests > 0;
  }

  /**
   * Closes an idle connection to make room for a new one at the connection limit (nginx reuses
   * idle keep-alive connections the same way): nothing is in flight, so it ends at once. A
   * client that sends a request after this gets our FIN without an answer, the signal on which
   * HTTP/1.1 clients retry an idempotent request on a new connection (RFC 9112 §9.3.1). False when
   * it is no longer idle (closing on its own, or a request arrived).
   */
  reclaim(): boolean {
    if (this.state !== OPEN || !this.reader.isIdle() || this.reader.buffered() > 0) return false;
    this.endNow();
    this.socket.end();
    return true;
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────

  /** The current request is finished (response complete and body consumed). */
  private finishRequest(): void {
    this.reader.finish();
    // A response begun before the daemon began stopping promised keep-alive; now that it is
    // over, the connection closes as an idle one would have at stop(), not at its idle timeout.
    if (this.peerEnded || this.daemon.stopping) {
      this.beginClosing();
      return;
    }
    this.deadlines.keepAlive(this.daemon.clock);
    if (this.reader.buffered() > 0) {
      // An asynchronous completion: pipelined requests may be waiting in the buffer.
      if (!this.reader.isProcessing()) this.scheduleResume();
    } else {
      this.becomeIdleIfQuiet();
    }
  }

  /** Answers a request that cannot be parsed with a canned response, then closes. */
  private reject(canned: Canned): void {
    const dateLine = this.daemon.dates.line(this.turnClock || Date.now());
    this.output.append(canned.beforeDate);
    this.output.append(dateLine);
    this.output.append(canned.afterDate);
    this.accessQueue()?.addRefusal(this.remoteAddress, canned.status, canned.length(dateLine.length), this.outputEnd());
    this.reader.drop();
    this.beginClosing();
    this.flushSoon();
  }

  /** Resumes processing at the end of this job (a microtask). */
  private scheduleResume(): void {
    queueMicrotask((this.resumeTask ??= () => this.resume()));
  }

  /** Resumes processing buffered input after an asynchronous completion. */
  private resume(): void {
    if (this.state === CLOSED || this.reader.isProcessing()) return;
    const outer = this.turnClock;
    if (outer === 0) this.turnClock = Date.now();
    this.reader.processBuffered();
    this.turnClock = outer;
    if (this.paused && !this.output.isCongested() && this.reader.buffered() <= this.daemon.limits.maxHead) {
      this.paused = false;
      this.socket.resume();
    }
    this.flush();
  }

  // ── lifecycle and output ────────────────────────────────────────────────────────────────

  /**
   * Joins the idle list (a candidate for reclaiming) only between requests with nothing queued
   * either way: a response still being written to a slow reader is not idle.
   */
  private becomeIdleIfQuiet(): void {
    if (this.idleListed || this.state !== OPEN || !this.reader.isIdle()) return;
    if (this.output.pending > 0 || this.reader.buffered() > 0) return;
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
    this.deadlines.linger(this.daemon.clock);
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
    this.deadlines.linger(this.daemon.clock);
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
    if (!this.reader.hasRequest()) {
      output.shrink(); // idle: no grown buffer kept
      this.becomeIdleIfQuiet();
    }
    if (this.paused && this.reader.buffered() <= this.daemon.limits.maxHead) {
      this.paused = false;
      this.socket.resume();
    }
    this.callDrainWaiters();
    if (!this.reader.isProcessing() && this.reader.takeStalled()) this.scheduleResume();
  }
}
