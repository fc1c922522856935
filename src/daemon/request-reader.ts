/**
 * RequestReader: between the parser and the connection (uWebSockets' HttpParser, which emits
 * head / data / error to its handlers, is the model). It owns a connection's receive buffer, the
 * current head and the copy that makes it outlive its read turn, and the body's decoder; it parses
 * heads, decodes bodies (delivering them as the request's cycle wants them, or discarding them
 * once the response is complete) and tells its connection what happened: a head, a body piece,
 * the body's end, or an error. It never writes: answering is the connection's and the cycle's.
 *
 * Reading: a complete head is parsed in place in Bun's data chunk; bytes left over (a head split
 * across reads, pipelined requests behind a pending response) are copied into a pooled receive
 * buffer. If a request is still being answered when the read turn ends, its head bytes are copied
 * to a stable buffer first, so the servlet may read the request lazily later.
 *
 * Order: one request at a time, strictly in order (SPEC §3): the next head is not parsed until
 * the current response is complete and its body consumed. Bodies are read only as fast as the
 * cycle takes them: while it does not want them the bytes stay in the buffer, then the kernel.
 */
import {
  type BodyDecoder,
  INCOMPLETE,
  NOT_PROXY_HEADER,
  ProxyHeader,
  type RequestHead,
  parseHead,
  parseProxyHeader,
  reasonOf,
  statusOf,
} from "../parser/index.ts";
import { matchPreface } from "../parser/h2/preface.ts";
import { CANNED_BY_ERROR, cannedStatus, type Canned } from "../http/canned.ts";
import type { BufferPool } from "./buffer-pool.ts";
import type { Deadlines } from "./deadlines.ts";
import type { ReaderEvents } from "./reader-events.ts";
import type { ResolvedLimits } from "./limits.ts";
import { IDLE_DECODER, IDLE_HEAD, type ParserPool } from "./parser-pool.ts";

const EMPTY = new Uint8Array(0);
/** Where PROXY headers are parsed: one for the process (every daemon's readers), as each is used within the call that parsed it. */
const PROXY = new ProxyHeader();

// ── Request phase: (PROXY_HEADER →) IDLE → HEAD → SERVING → (DISCARDING →) IDLE. ────────────────
/** A trusted proxy's connection, before its first byte: a PROXY header may come (→ IDLE once it is read or is not one). */
const PROXY_HEADER = -1;
/** Between requests: nothing parsed, nothing owed. */
const IDLE = 0;
/** A head is arriving (IDLE → HEAD at its first byte; → IDLE when refused). */
const HEAD = 1;
/** The cycle owns the request; its body is read as the cycle wants it (HEAD → SERVING). */
const SERVING = 2;
/** The response is complete; the rest of the body is read and dropped (SERVING → DISCARDING → IDLE). */
const DISCARDING = 3;

/** The daemon's resources a reader uses. */
export interface ReaderResources {
  readonly limits: ResolvedLimits;
  /** Coarse clock (ms). */
  readonly clock: number;
  readonly buffers: BufferPool;
  readonly parsers: ParserPool;
}

/** A connection's reading side (see the file comment). */
export class RequestReader {
  /** The current request's head: pooled while a request is in progress, IDLE_HEAD between requests. */
  head: RequestHead = IDLE_HEAD;
  /** The bytes the head's spans point into (Bun's chunk during the read turn, then a stable copy). */
  headBytes: Uint8Array = EMPTY;
  /** Requests read on this connection (the per-connection cap). */
  requests = 0;
  /** The current request's body is wholly consumed (true when it has none). */
  bodyDone = true;

  private phase = IDLE;
  /** The current body's decoder: pooled while a request has a body, IDLE_DECODER otherwise. */
  private decoder: BodyDecoder = IDLE_DECODER;
  /** Bytes received but not processed yet: [recvStart, recvEnd). Pooled, held only while it holds bytes. */
  private recv: Buffer | null = null;
  private recvStart = 0;
  private recvEnd = 0;
  /** A stable copy of the current request's head when it outlives its read turn (pooled). */
  private headCopy: Buffer | null = null;
  /** The current head's span in headBytes. */
  private headStart = 0;
  private headEnd = 0;
  /** Body bytes dropped in DISCARDING (past the body limit: close). */
  private discarded = 0;
  /** The current body waits for its cycle; its deadlines are suspended. */
  private bodyHeld = false;
  /** Inside process(): re-entrant calls defer instead. */
  private processing = false;
  /** Inside process(), while it hands a request or a body's end over: the end of what it has read, and of its buffer. */
  private loopRead = 0;
  private loopEnd = 0;
  /** The first bytes were looked at for HTTP/2's preface (only a connection's first request may be one). */
  private prefaceChecked = false;
  /** Reading stopped before a head because the output was congested (resume once it drains). */
  private stalled = false;

  /** Reads for `events`, with the daemon's `resources`, running `deadlines`. */
  constructor(
    private readonly resources: ReaderResources,
    private readonly deadlines: Deadlines,
    private readonly events: ReaderEvents,
  ) {}

  /** No request in progress, nothing parsed (a PROXY header may be arriving). */
  isIdle(): boolean {
    return this.phase <= IDLE;
  }

  /** The peer is a trusted proxy: the connection may begin with a PROXY header (before any byte was read). */
  expectProxyHeader(): void {
    if (this.phase === IDLE && this.requests === 0) this.phase = PROXY_HEADER;
  }

  /** A request is in progress (its cycle serving it, or its body being discarded). */
  hasRequest(): boolean {
    return this.phase >= SERVING;
  }

  /** Its response is complete and the rest of its body is being discarded. */
  isDiscarding(): boolean {
    return this.phase === DISCARDING;
  }

  /** Inside the read loop. */
  isProcessing(): boolean {
    return this.processing;
  }

  /** True (once) when reading stopped before a head for congested output: the caller resumes it when the output drains. */
  takeStalled(): boolean {
    const stalled = this.stalled;
    this.stalled = false;
    return stalled;
  }

  /**
   * Bytes received and not processed yet. Inside the read loop (a response completed while it
   * hands a request over) that is the rest of its buffer: Bun's chunk is kept only once it ends.
   */
  buffered(): number {
    return this.processing ? this.loopEnd - this.loopRead : this.recvEnd - this.recvStart;
  }

  /**
   * A copy of the bytes received after the current request and not read yet (what a client sent
   * behind an upgrade request: its first frames), or null when there are none.
   */
  unread(): Uint8Array | null {
    // A copy, never a view: the buffers are Bun's chunk or pooled (a Buffer's slice() is a view).
    if (this.processing) return this.loopEnd > this.loopRead ? copyOf(this.headBytes, this.loopRead, this.loopEnd) : null;
    return this.recv !== null && this.recvEnd > this.recvStart ? copyOf(this.recv, this.recvStart, this.recvEnd) : null;
  }

  /** Body bytes received so far (the rate deadline counts them). */
  bodyReceived(): number {
    return this.decoder.received;
  }

  /** The rest of the body is longer than the body limit: not worth discarding (SPEC §3). */
  isBodyTooLong(): boolean {
    return !this.bodyDone && this.decoder.remainingLength() > this.resources.limits.maxBody;
  }

  /** Bun `data`: the chunk is valid only during this call. */
  receive(chunk: Uint8Array): void {
    if (this.recvEnd > this.recvStart) {
      this.appendToRecv(chunk);
      this.processBuffered();
    } else {
      this.process(chunk, 0, chunk.length, false);
    }
  }

  /** Processes what is buffered (after an asynchronous completion). */
  processBuffered(): void {
    if (this.recv !== null && this.recvEnd > this.recvStart) this.process(this.recv, this.recvStart, this.recvEnd, true);
  }

  /** The response is complete: the rest of the body, if any, is discarded. */
  responded(): void {
    if (this.phase === SERVING) this.phase = DISCARDING;
  }

  /** The request is over (response complete and body consumed): ready for the next head. */
  finish(): void {
    this.phase = IDLE;
    this.release();
  }

  /** The request is dropped where it stands (its connection is closing): nothing more is read for it. */
  drop(): void {
    this.phase = IDLE;
    this.releaseParsers();
  }

  /** The request is over but its head is still read (its servlet is being destroyed): release() follows. */
  endRequest(): void {
    this.phase = IDLE;
  }

  /** Gives the head, its copy and the decoder back (no request is in progress). */
  release(): void {
    this.releaseParsers();
    this.releaseHeadCopy();
  }

  /** The connection closed: everything pooled goes back. */
  close(): void {
    this.phase = IDLE;
    this.recvStart = this.recvEnd = 0;
    this.releaseRecv();
    this.releaseHeadCopy();
    this.releaseParsers();
  }

  /** The read loop over buf[start..end). */
  private process(buf: Uint8Array, start: number, end: number, inRecv: boolean): void {
    const events = this.events;
    this.processing = true;
    this.loopRead = start; // until a request is handed over: all of it (never fewer than are unread)
    this.loopEnd = end;
    let p = start;
    while (p < end && events.isOpen()) {
      if (this.phase >= SERVING) {
        if (this.bodyDone) break; // response pending
        if (this.phase === SERVING && !events.wantsBody()) {
          this.bodyHeld = true; // kept in the buffer (then the kernel); no deadline meanwhile
          this.deadlines.clear();
          break;
        }
        if (this.bodyHeld) {
          this.bodyHeld = false; // wanted again: the body's idle and rate deadlines start afresh
          this.deadlines.body(this.resources.clock, this.decoder.received);
        }
        p = this.readBody(buf, p, end);
        continue;
      }
      if (this.phase === PROXY_HEADER) {
        // Re-parsed from the connection's first byte until whole (the parser keeps no state).
        const r = parseProxyHeader(buf, p, end, PROXY);
        if (r === INCOMPLETE) break;
        this.phase = IDLE;
        if (r < 0 && r !== NOT_PROXY_HEADER) {
          this.refuseHead(CANNED_BY_ERROR[-r] ?? cannedStatus(400));
          break;
        }
        if (r > 0) {
          p = r;
          if (!events.proxyHeaderRead(PROXY)) break;
        }
        if (events.proxyPhaseEnded(buf.subarray(p, end))) {
          p = end; // TLS took the rest: nothing is left for the HTTP parser on this socket
          break;
        }
        continue;
      }
      if (!events.mayParseHead()) {
        this.stalled = true;
        break;
      }
      if (this.phase === IDLE && this.requests === 0 && !this.prefaceChecked) {
        // h2c by prior knowledge: the preface is known by its first byte (no method starts "PRI").
        const r = matchPreface(buf, p, end);
        if (r === INCOMPLETE) break;
        this.prefaceChecked = true;
        if (r > 0 && events.prefaceReceived(buf.subarray(p, end))) {
          p = end;
          break;
        }
      }
      if (this.phase === IDLE) {
        events.headStarted();
        if (this.head === IDLE_HEAD) this.head = this.resources.parsers.takeHead();
        else this.head.reset();
        this.phase = HEAD;
        this.deadlines.head(this.resources.clock);
      }
      const r = parseHead(buf, p, end, this.head);
      if (r === INCOMPLETE) break;
      if (r > 0 && this.requests > 0 && this.head.isSimpleRequest()) {
        // An HTTP/0.9 request can only open a connection: after an HTTP/1.x exchange a
        // versionless line is a malformed request, not a change of protocol.
        this.refuseHead(cannedStatus(400));
        break;
      }
      if (r < 0) {
        this.refuseHead(CANNED_BY_ERROR[-r] ?? cannedStatus(statusOf(r) || 400));
        break;
      }
      this.headBytes = buf;
      this.headStart = p;
      this.headEnd = this.loopRead = p = r;
      this.loopEnd = end;
      this.startRequest();
    }
    this.processing = false;
    if (events.isClosed()) return;
    // Whatever is left: keep it for the next turn (a partial head, or requests behind a pending one).
    if (inRecv) {
      this.recvStart = p;
      if (p >= this.recvEnd) this.recvStart = this.recvEnd = 0;
    } else if (p < end && events.isOpen()) {
      this.recvStart = this.recvEnd = 0;
      this.appendToRecv(buf.subarray(p, end));
    }
    // A request still being answered after this turn reads its head from a stable copy.
    if (this.phase >= SERVING && this.headBytes !== this.headCopy) this.stabiliseHead();
    this.releaseRecv();
  }

  /** A head is parsed: the body (if any) is set up, then the connection hands the request over. */
  private startRequest(): void {
    const head = this.head;
    this.requests++;
    this.phase = SERVING;
    this.bodyHeld = false;
    this.discarded = 0;
    this.bodyDone = !head.hasBody();
    if (this.bodyDone) {
      this.deadlines.clear();
    } else {
      if (this.decoder === IDLE_DECODER) this.decoder = this.resources.parsers.takeDecoder();
      this.decoder.start(head.contentLength, head.chunked);
      this.deadlines.body(this.resources.clock, 0);
    }
    this.events.headParsed();
  }

  /** A head that cannot be parsed: the parsers go back, and the connection answers and closes. */
  private refuseHead(canned: Canned): void {
    this.phase = IDLE;
    this.releaseParsers();
    this.events.headRefused(canned);
  }

  /** Consumes body bytes for the current request; returns the offset reached. */
  private readBody(buf: Uint8Array, p: number, end: number): number {
    const decoder = this.decoder;
    const q = decoder.decode(buf, p, end);
    if (q < 0) {
      this.events.refuseBody(statusOf(q) || 400, reasonOf(q));
      return end;
    }
    const pieceStart = decoder.pieceStart;
    const pieceEnd = decoder.pieceEnd;
    if (pieceEnd > pieceStart) {
      this.deadlines.bodyProgress(this.resources.clock);
      if (this.phase === DISCARDING) {
        this.discarded += pieceEnd - pieceStart;
        if (this.discarded > this.resources.limits.maxBody) {
          this.events.closeAfterResponse(); // SPEC §3: discard up to the body limit, past it close
          return end;
        }
      } else {
        this.events.bodyPiece(buf.subarray(pieceStart, pieceEnd));
        if (this.phase === IDLE) return end; // refused (over the limit), or answered with a close
      }
    }
    if (decoder.done) {
      this.bodyDone = true;
      this.deadlines.clear();
      this.loopRead = q;
      this.loopEnd = end;
      this.events.bodyEnded();
    }
    return q;
  }

  /** Copies the current head into headCopy and rebases its spans there. */
  private stabiliseHead(): void {
    const n = this.headEnd - this.headStart;
    let copy = this.headCopy;
    if (copy === null || copy.length < n) {
      if (copy !== null) this.resources.buffers.give(copy);
      // n ≤ maxHead < the pool's size: a pooled buffer always fits.
      copy = this.headCopy = this.resources.buffers.take();
    }
    copy.set(this.headBytes.subarray(this.headStart, this.headEnd), 0);
    this.head.rebase(-this.headStart);
    this.headBytes = copy;
    this.headStart = 0;
    this.headEnd = n;
  }

  private appendToRecv(chunk: Uint8Array): void {
    const pending = this.recvEnd - this.recvStart;
    const buffers = this.resources.buffers;
    let recv = this.recv;
    if (recv === null) {
      recv = this.recv = buffers.take();
      this.recvStart = this.recvEnd = 0;
    }
    if (this.recvEnd + chunk.length > recv.length) {
      if (this.recvStart > 0 && pending + chunk.length <= recv.length) {
        recv.copyWithin(0, this.recvStart, this.recvEnd);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(recv.length * 2, pending + chunk.length));
        recv.copy(grown, 0, this.recvStart, this.recvEnd);
        buffers.give(recv);
        recv = this.recv = grown;
      }
      // A partial head moved: parseHead rebases its spans from the new start.
      this.recvStart = 0;
      this.recvEnd = pending;
    }
    recv.set(chunk, this.recvEnd);
    this.recvEnd += chunk.length;
  }

  /** Gives the receive buffer back once it is empty and no current head points into it. */
  private releaseRecv(): void {
    const recv = this.recv;
    if (recv === null || this.recvEnd > this.recvStart || (this.phase >= SERVING && this.headBytes === recv)) return;
    this.recv = null;
    this.recvStart = this.recvEnd = 0;
    this.resources.buffers.give(recv);
  }

  /**
   * Gives the head and the decoder back to the daemon's pool: no request is in progress (its
   * servlet, if it had one, is destroyed and reads empty values from now on).
   */
  private releaseParsers(): void {
    // The bytes go with the head: Bun's data chunk is not ours past its callback, and an idle
    // connection should not keep it (nor its memory) alive.
    if (this.headBytes !== this.headCopy) this.headBytes = EMPTY;
    const parsers = this.resources.parsers;
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
    this.resources.buffers.give(copy);
  }
}

/** A new array holding bytes[start..end). */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}
