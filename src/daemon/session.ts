/**
 * Session: one per connection. Owns the receive buffer, the parser state, the request in
 * progress, the output queue and the connection's deadlines.
 *
 * Reading: a complete head is parsed in place in Bun's data chunk; bytes left over (a head split
 * across reads, pipelined requests behind a pending response) are copied into the session's own
 * buffer. If a request is still being answered when the read turn ends, its head bytes are copied
 * to a stable buffer first, so the servlet may read the request lazily later.
 *
 * Order: one request at a time, strictly in order (SPEC §3): the next head is not parsed until
 * the current response is complete and its body consumed. All output produced in one turn goes
 * out in one socket.write.
 */
import type { Socket } from "bun";
import {
  BodyDecoder,
  INCOMPLETE,
  METHOD_CONNECT,
  RequestHead,
  parseHead,
  reasonOf,
  statusOf,
} from "../parser/index.ts";
import type { Connection } from "../servers/connection.ts";
import { HttpSession } from "../servers/http-session.ts";
import { CANNED_BY_ERROR, cannedStatus, type Canned } from "./canned.ts";
import { OutputQueue } from "./output.ts";
import type { HttpDaemon } from "./daemon.ts";

const EMPTY = new Uint8Array(0);

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

/** Per-connection state; `socket.data`. */
export class Session implements Connection {
  readonly head: RequestHead;
  headBytes: Uint8Array = EMPTY;
  readonly output: OutputQueue;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;

  private readonly decoder: BodyDecoder;
  /** Bytes received but not processed yet: [recvStart, recvEnd). */
  private recv: Buffer;
  private recvStart = 0;
  private recvEnd = 0;
  /** A stable copy of the current request's head when it outlives its read turn. */
  private headCopy: Buffer;

  /** The request being answered, or null between requests. */
  private current: HttpSession | null = null;
  private headInProgress = false;
  private headStart = 0;
  private headEnd = 0;
  private headIsStable = false;
  private bodyDone = true;
  private responseDone = false;
  private responseKeepAlive = false;
  private discarded = 0;
  private authorising = false;
  private requests = 0;

  private processing = false;
  private inReadTurn = false;
  private flushScheduled = false;
  private closing = false;
  /** socket.end() was called; Bun's close event follows. */
  private ended = false;
  private closed = false;
  private peerEnded = false;
  private paused = false;
  /** Buffered requests wait for the output to drain. */
  private stalledOnOutput = false;

  private deadlineKind = DEADLINE_FIRST_BYTE;
  private deadline: number;
  private sendDeadline = 0;
  private drainWaiters: (() => void)[] = [];

  private readonly flushBound = () => {
    this.flushScheduled = false;
    this.flush();
  };
  private readonly resumeBound = () => this.resume();

  /** Creates the session for a newly accepted socket. */
  constructor(
    private readonly daemon: HttpDaemon,
    private readonly socket: Socket<unknown>,
  ) {
    const limits = daemon.limits;
    this.head = new RequestHead(limits);
    this.decoder = new BodyDecoder({ maxChunkExtension: limits.maxChunkExtension, maxTrailerBytes: limits.maxHead, maxTrailers: limits.maxHeaders });
    this.output = new OutputQueue(limits.outputHighWaterMark);
    this.recv = Buffer.allocUnsafe(limits.maxHead + 1024);
    this.headCopy = Buffer.allocUnsafe(Math.min(limits.maxHead, 4096));
    this.localAddress = socket.localAddress;
    this.localPort = socket.localPort;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.deadline = daemon.clock + limits.headTimeoutMs;
  }

  // ── Connection (what requests see) ──────────────────────────────────────────────────────

  /** True while the cap of requests per connection allows another and the daemon is not stopping. */
  mayKeepAlive(): boolean {
    return !this.peerEnded && !this.daemon.stopping && this.requests < this.daemon.limits.maxRequestsPerConnection;
  }

  /** The cached end of a response head: Date, Server, Connection, CRLF. */
  headerTail(keepAlive: boolean): Uint8Array {
    return keepAlive ? this.daemon.keepAliveTail : this.daemon.closeTail;
  }

  /** Schedules a flush at the end of this turn (a no-op inside a read turn, which flushes anyway). */
  flushSoon(): void {
    if (this.inReadTurn || this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    queueMicrotask(this.flushBound);
  }

  /** Calls `callback` once the output drops below its high-water mark. */
  whenDrained(callback: () => void): void {
    if (this.closed) return;
    this.drainWaiters.push(callback);
    this.flushSoon();
  }

  /** Logs a servlet failure with the connection's peer. */
  logError(message: string, error?: unknown): void {
    this.daemon.logError(`${this.remoteAddress}:${this.remotePort} ${message}`, error);
  }

  /** Closes at once, dropping unsent output. */
  abort(): void {
    if (this.closed) return;
    this.output.clear();
    this.closing = true;
    this.socket.terminate();
  }

  /** The current response is complete (HttpSession calls this exactly once per request). */
  responseComplete(keepAlive: boolean): void {
    const s = this.current;
    if (!s || this.responseDone) return;
    this.responseDone = true;
    this.responseKeepAlive = keepAlive;
    this.daemon.logAccess(s);
    s.destroy();
    if (!keepAlive) {
      // Nothing after this response is read: close once it is written.
      this.closing = true;
      this.current = null;
      this.flushSoon();
      return;
    }
    if (!this.bodyDone && this.decoder.remainingLength() > this.daemon.limits.maxBody) {
      // Discarding that much body is not worth it: close instead (SPEC §3).
      this.closing = true;
      this.current = null;
      this.flushSoon();
      return;
    }
    if (this.bodyDone) this.finishRequest();
    this.flushSoon();
  }

  // ── socket events ───────────────────────────────────────────────────────────────────────

  /** Bun `data`: the chunk is valid only during this call. */
  onData(chunk: Uint8Array): void {
    if (this.closing || this.closed) return; // nothing after a rejected request is parsed
    this.inReadTurn = true;
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

  /** Bun `end`: the peer will send nothing more (half-close). */
  onEnd(): void {
    this.peerEnded = true;
    if (!this.current) {
      this.closing = true;
      this.flush();
    }
  }

  /** Bun `close`: the connection is gone. */
  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    const s = this.current;
    this.current = null;
    if (s && !s.isDestroyed()) s.destroy(); // the client went away first
    this.drainWaiters.length = 0;
    this.daemon.sessionClosed(this);
  }

  /** Called by the daemon's sweep timer: enforces the deadlines. */
  sweep(now: number): void {
    if (this.closed) return;
    if (this.sendDeadline > 0 && now >= this.sendDeadline) {
      this.daemon.logError(`${this.remoteAddress}:${this.remotePort} send timeout: no output progress`);
      this.abort();
      return;
    }
    if (this.deadlineKind === NO_DEADLINE || now < this.deadline) return;
    const kind = this.deadlineKind;
    this.deadlineKind = NO_DEADLINE;
    if (kind === DEADLINE_FIRST_BYTE || kind === DEADLINE_KEEP_ALIVE) {
      this.closing = true;
      this.flush();
    } else if (kind === DEADLINE_HEAD) {
      this.reject(cannedStatus(408));
    } else if (kind === DEADLINE_BODY) {
      const s = this.current;
      if (s && !s.hasStarted()) s.sendError(408);
      else this.abort();
    }
  }

  /** Closes an idle connection (daemon stopping); a connection with a request in flight finishes it first. */
  closeIfIdle(): void {
    if (this.closed) return;
    if (!this.current && !this.headInProgress) {
      this.closing = true;
      this.flush();
    }
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────

  private appendToRecv(chunk: Uint8Array): void {
    const pending = this.recvEnd - this.recvStart;
    if (this.recvEnd + chunk.length > this.recv.length) {
      if (this.recvStart > 0 && pending + chunk.length <= this.recv.length) {
        this.recv.copyWithin(0, this.recvStart, this.recvEnd);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(this.recv.length * 2, pending + chunk.length));
        this.recv.copy(grown, 0, this.recvStart, this.recvEnd);
        this.recv = grown;
      }
      // A partial head moved: parseHead rebases its spans from the new start.
      this.recvStart = 0;
      this.recvEnd = pending;
    }
    this.recv.set(chunk, this.recvEnd);
    this.recvEnd += chunk.length;
    // Pipelined input piling up behind a pending response: let the kernel hold the rest.
    if (this.recvEnd - this.recvStart > this.daemon.limits.maxHead * 4 && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private processRecv(): void {
    this.process(this.recv, this.recvStart, this.recvEnd, true);
  }

  /** Resumes processing buffered input after an asynchronous completion. */
  private resume(): void {
    if (this.closed || this.processing) return;
    const wasInTurn = this.inReadTurn;
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
    while (p < end && !this.closing) {
      const s = this.current;
      if (s !== null) {
        if (this.bodyDone || this.authorising) break; // response (or authorisation) pending
        p = this.readBody(s, buf, p, end);
        continue;
      }
      if (this.output.isCongested()) {
        this.stalledOnOutput = true; // SPEC §6: stop reading requests above the mark
        break;
      }
      if (!this.headInProgress) {
        this.head.reset();
        this.headInProgress = true;
        this.deadlineKind = DEADLINE_HEAD;
        this.deadline = this.daemon.clock + this.daemon.limits.headTimeoutMs;
      }
      const r = parseHead(buf, p, end, this.head);
      if (r === INCOMPLETE) break;
      if (r < 0) {
        this.daemon.logError(`${this.remoteAddress}:${this.remotePort} bad request: ${reasonOf(r)}`);
        this.reject(CANNED_BY_ERROR[-r] ?? cannedStatus(statusOf(r) || 400));
        break;
      }
      this.headInProgress = false;
      this.headBytes = buf;
      this.headStart = p;
      this.headEnd = r;
      this.headIsStable = false;
      p = r;
      this.dispatch();
    }
    this.processing = false;
    if (this.closed) return;
    // Whatever is left: keep it for the next turn (a partial head, or requests behind a pending one).
    if (inRecv) {
      this.recvStart = p;
      if (p >= this.recvEnd) this.recvStart = this.recvEnd = 0;
    } else if (p < end && !this.closing) {
      this.recvStart = this.recvEnd = 0;
      this.appendToRecv(buf.subarray(p, end));
    }
    // A request still being answered after this turn reads its head from a stable copy.
    if (this.current !== null && !this.headIsStable) this.stabiliseHead();
  }

  /** Consumes body bytes for the current request; returns the offset reached. */
  private readBody(s: HttpSession, buf: Uint8Array, p: number, end: number): number {
    const decoder = this.decoder;
    const q = decoder.decode(buf, p, end);
    if (q < 0) {
      this.daemon.logError(`${this.remoteAddress}:${this.remotePort} bad body: ${reasonOf(q)}`);
      this.failBody(s, statusOf(q) || 400);
      return end;
    }
    const pieceStart = decoder.pieceStart;
    const pieceEnd = decoder.pieceEnd;
    if (pieceEnd > pieceStart) {
      this.deadline = this.daemon.clock + this.daemon.limits.bodyIdleTimeoutMs;
      if (this.responseDone) {
        this.discarded += pieceEnd - pieceStart;
        if (this.discarded > this.daemon.limits.maxBody) {
          this.closing = true; // SPEC §3: discard up to the body limit, past it close
          return end;
        }
      } else if (decoder.received > s.bodyLimit) {
        this.failBody(s, 413);
        return end;
      } else {
        s.deliverContent(buf.subarray(pieceStart, pieceEnd));
      }
    }
    if (decoder.done) {
      this.bodyDone = true;
      this.deadlineKind = NO_DEADLINE;
      s.contentEnded();
      if (this.responseDone) this.finishRequest();
    }
    return q;
  }

  /** The body cannot be read (malformed or too large): answer if possible, and close. */
  private failBody(s: HttpSession, status: number): void {
    s.contentFailed(new Error(`request body refused with ${status}`));
    if (!s.hasStarted() && !this.responseDone) s.sendError(status);
    this.closing = true;
    this.current = null;
    if (!s.isDestroyed()) s.destroy();
  }

  /** Copies the current head into headCopy and rebases its spans there. */
  private stabiliseHead(): void {
    const n = this.headEnd - this.headStart;
    if (this.headCopy.length < n) this.headCopy = Buffer.allocUnsafe(n);
    this.headCopy.set(this.headBytes.subarray(this.headStart, this.headEnd), 0);
    this.head.rebase(-this.headStart);
    this.headBytes = this.headCopy;
    this.headStart = 0;
    this.headEnd = n;
    this.headIsStable = true;
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────

  /** Hands the parsed head to a server and a servlet. */
  private dispatch(): void {
    const head = this.head;
    this.requests++;
    const s = new HttpSession(this, this.daemon.limits.maxBody);
    this.current = s;
    this.responseDone = false;
    this.discarded = 0;
    this.bodyDone = !head.hasBody();
    if (this.bodyDone) {
      this.deadlineKind = NO_DEADLINE;
    } else {
      this.decoder.start(head.contentLength, head.chunked);
      this.deadlineKind = DEADLINE_BODY;
      this.deadline = this.daemon.clock + this.daemon.limits.bodyIdleTimeoutMs;
    }
    if (head.method === METHOD_CONNECT) return s.sendError(501);
    const server = this.daemon.route(s);
    if (server === undefined) return; // the path was refused (400/403) by route()
    if (server === null) return s.sendError(404);
    s.errorSource = server; // its errorPage() answers the framework's errors from here on
    if (server.requiresAuthorisation()) {
      this.authorising = true;
      this.daemon.authenticate(s, server, (ok) => {
        this.authorising = false;
        if (this.current !== s || s.isDestroyed()) return;
        if (ok) this.daemon.startServlet(s, server);
        this.afterStart(s);
        if (!this.processing) queueMicrotask(this.resumeBound);
      });
      return;
    }
    this.daemon.startServlet(s, server);
    this.afterStart(s);
  }

  /** After processRequest(): a declared body over the (possibly raised) limit is refused. */
  private afterStart(s: HttpSession): void {
    if (!this.bodyDone && this.current === s && !this.responseDone && this.head.contentLength > s.bodyLimit) {
      this.failBody(s, 413);
    }
  }

  /** The current request is finished (response complete and body consumed). */
  private finishRequest(): void {
    this.current = null;
    if (!this.responseKeepAlive || this.peerEnded) {
      this.closing = true;
      return;
    }
    this.deadlineKind = DEADLINE_KEEP_ALIVE;
    this.deadline = this.daemon.clock + this.daemon.limits.keepAliveTimeoutMs;
    // An asynchronous completion: pipelined requests may be waiting in the buffer.
    if (!this.processing && this.recvEnd > this.recvStart) queueMicrotask(this.resumeBound);
  }

  /** Answers a request that cannot be parsed with a canned response, then closes. */
  private reject(canned: Canned): void {
    const dateLine = this.daemon.dateLine;
    this.output.append(canned.beforeDate);
    this.output.append(dateLine);
    this.output.append(canned.afterDate);
    this.daemon.logRejected(this.remoteAddress, canned.status, canned.length(dateLine.length));
    this.headInProgress = false;
    this.closing = true;
    this.flushSoon();
  }

  // ── writing ─────────────────────────────────────────────────────────────────────────────

  private callDrainWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Writes what is queued; closes when closing and empty; manages pause and drain waiters. */
  flush(): void {
    if (this.closed || this.ended) return;
    const before = this.output.written;
    const empty = this.output.flush(this.socket);
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
    if (this.closing) {
      this.ended = true;
      this.socket.end();
      return;
    }
    if (this.paused && this.recvEnd - this.recvStart <= this.daemon.limits.maxHead) {
      this.paused = false;
      this.socket.resume();
    }
    this.callDrainWaiters();
    if (this.stalledOnOutput && !this.processing) {
      this.stalledOnOutput = false;
      queueMicrotask(this.resumeBound);
    }
  }
}
