/**
 * SocketlessExchange: one request served without a socket — the transport request() (request.ts)
 * gives a daemon's request cycle in place of a connection. It does what HttpConnection does for
 * one request, minus the bytes on a wire: the head is parsed by the real parser and handed to a
 * cycle from the daemon's port (routing, authentication, the servlet, body delivery, destroy are
 * the cycle's, exactly as on a socket); the body goes in as pieces only while the cycle wants them
 * (the servlet's pace, as TCP would make it); the response goes out through an OutputQueue to a
 * ResponseReader, which makes the fetch Response. The client leaving (the body's reader cancels,
 * the Request's signal aborts, its body fails) is the cycle's abandon(): the servlet is destroyed
 * and its signal aborts, as when a socket resets.
 *
 * Not here: keep-alive (one request per exchange), the access log, timeouts (a test bounds its own
 * waits), 100 Continue (the body is handed over only when wanted, so there is nothing to invite),
 * and WebSocket upgrades (no `upgrade`: the session answers 426, as on an HTTP/2 stream).
 */
import { cannedStatus } from "../http/canned.ts";
import { OutputQueue } from "../daemon/output.ts";
import type { DaemonResources, PortResources, SocketlessRequest } from "../daemon/daemon-resources.ts";
import type { CookieKeys } from "../servers/cookie-signing.ts";
import { ERROR_STATUS, RequestHead, parseHead } from "../parser/index.ts";
import type { ExchangeRecord, RequestChannel } from "../servers/request-channel.ts";
import type { RequestCycle } from "../servers/request-cycle.ts";
import { asBytes, type OutgoingBody } from "./outgoing-request.ts";
import { ResponseReader } from "./response-reader.ts";

/** Where the exchange was made and who it claims the client is. */
export interface ExchangeEnds {
  /** The client's address (the peer, or the proxy when the daemon trusts it). */
  readonly remoteAddress: string;
  /** The port the request was addressed to (the URL's). */
  readonly localPort: number;
  /** The request counts as arriving over TLS. */
  readonly secure: boolean;
}

/** A request served without a socket (see the file comment). */
export class SocketlessExchange implements RequestChannel, SocketlessRequest {
  readonly head: RequestHead;
  readonly headBytes: Uint8Array;
  readonly output: OutputQueue;
  readonly localAddress = "127.0.0.1";
  /** The daemon's cookie secrets (signed cookies, SPEC §13), as its connections have them. */
  get cookieKeys(): CookieKeys | null {
    return this.resources.cookieKeys;
  }
  readonly localPort: number;
  remoteAddress: string;
  /** No socket, no port: 0. */
  readonly remotePort = 0;
  /** The client's side of the response. */
  readonly reader: ResponseReader;

  private readonly secure: boolean;
  private cycle: RequestCycle | null = null;
  /** The transport is over (response complete, closed, aborted, or the client left): the reader ends once the output is written. */
  private over = false;
  /** No request would follow this one (the response says `Connection: close`). */
  private closing = false;
  private flushQueued = false;
  private readonly flushBound = () => this.flush();
  private readonly pumpBound = () => this.pump();
  private drainWaiters: (() => void)[] = [];

  // ── the request's body, as the client sends it ──
  private body: OutgoingBody | null;
  /** Pieces read from the body and not yet handed to the cycle. */
  private held: Uint8Array[];
  /** The body's end was read. */
  private bodyRead: boolean;
  /** Nothing more of the body goes to the cycle: it ended, or the exchange is over. */
  private bodyDone: boolean;
  private reading = false;

  /**
   * Prepares `head` (the request's bytes) with `body` for `resources` and its `port`; `isHead`:
   * the method is HEAD (its answer has no body).
   */
  constructor(
    private readonly resources: DaemonResources,
    private readonly port: PortResources,
    head: Uint8Array,
    body: OutgoingBody | null,
    isHead: boolean,
    ends: ExchangeEnds,
  ) {
    this.headBytes = head;
    this.head = new RequestHead(resources.limits);
    this.output = new OutputQueue(resources.limits.outputHighWaterMark);
    this.remoteAddress = ends.remoteAddress;
    this.localPort = ends.localPort;
    this.secure = ends.secure;
    this.body = body;
    this.held = body?.pieces ?? [];
    this.bodyRead = body === null || body.length >= 0;
    this.bodyDone = body === null;
    this.reader = new ResponseReader(isHead, resources.limits.outputHighWaterMark, {
      pull: () => this.flushSoon(), // not now: a pull may come from inside the reader's own write
      cancel: (reason) => this.leave(reason),
    });
  }

  /**
   * Parses the head and begins the request on a cycle of the port (as HttpConnection.headParsed
   * does): a head the parser refuses gets its canned answer, as on a socket. `trusted`: the peer is
   * a proxy the daemon believes, so the request's forwarded header names the client, who is
   * authorised now. False when the client is refused (nothing was answered).
   */
  begin(trusted: boolean): boolean {
    const r = parseHead(this.headBytes, 0, this.headBytes.length, this.head);
    if (r < 0) {
      this.refuseHead(ERROR_STATUS[-r] || 400);
      return true;
    }
    if (trusted) {
      this.remoteAddress = this.resources.trustedProxies!.clientOf(this.head, this.headBytes, this.remoteAddress);
      if (!this.resources.authoriseClient(this.remoteAddress)) return false;
    }
    this.resources.counters.requests++;
    // Never given back to the pool: a pooled cycle may be bound to a connection while a callback
    // of ours (a body read) is still pending; one cycle per test request costs nothing.
    this.cycle = this.port.cycles.take(this);
    if (!this.over) this.resources.socketless.add(this);
    this.cycle.begin();
    this.pump();
    return true;
  }

  /** The daemon began to stop (its stop() or drain()): a response still open hears it, as on a connection. */
  daemonStopping(): void {
    if (!this.over) this.cycle?.stopping();
  }

  /** The transport is over: the daemon's stop() need not tell it anything more. */
  private ended(): void {
    this.over = true;
    this.resources.socketless.delete(this);
  }

  /**
   * The client leaves (its body's reader cancelled, its signal aborted, its body failed): the
   * cycle abandons the request if its response is incomplete; what is unread of it is dropped.
   */
  leave(reason?: unknown): void {
    this.stopBody();
    this.output.clear(); // what the client would still have read
    if (!this.over) {
      this.ended();
      this.abandon();
    }
    this.reader.end(reason ?? new Error("request(): the client left"));
  }

  // ── RequestChannel ────────────────────────────────────────────────────────────────────────

  /** An exchange serves one request: it reports itself. */
  retiredAddresses(): this {
    return this;
  }

  isSecure(): boolean {
    return this.secure;
  }

  mayKeepAlive(): boolean {
    return !this.closing && !this.resources.stopping;
  }

  headerTail(keepAlive: boolean): Uint8Array {
    return this.port.dates.tail(keepAlive, Date.now());
  }

  /** Nothing to send: the body is handed over only while the cycle wants it, which is what 100 Continue invites. */
  sendContinue(): void {}

  flushSoon(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushBound);
  }

  whenDrained(callback: () => void): void {
    this.drainWaiters.push(callback);
  }

  /** The servlet is ready for more of its body: handed over at the end of this job, as a connection resumes reading. */
  resumeReading(): void {
    if (!this.bodyDone) queueMicrotask(this.pumpBound);
  }

  responseComplete(_keepAlive: boolean, _exchange: ExchangeRecord): void {
    this.stopBody();
    this.ended();
    this.flushSoon();
  }

  /** The body cannot be taken (over the limit): counted, as a connection does; the cycle answers and the exchange ends. */
  refuseBody(status: number, reason: string): void {
    this.resources.counters.badRequest(status);
    this.closing = true;
    this.stopBody();
    this.cycle?.fail(status, reason);
    this.close();
  }

  closeAfterResponse(): void {
    this.closing = true;
  }

  close(): void {
    if (this.over) return;
    this.closing = true;
    this.stopBody();
    this.ended();
    this.abandon();
    this.flushSoon();
  }

  abort(): void {
    if (this.over) return;
    this.stopBody();
    this.ended();
    this.output.clear();
    this.abandon();
    this.flushSoon();
  }

  logError(message: string, error?: unknown): void {
    this.resources.counters.servletErrors++;
    this.resources.logError(`${this.remoteAddress} ${message}`, error);
  }

  contentDropped(status: number): void {
    this.resources.contentDropped(status);
  }

  countServletAbort(): void {
    this.resources.counters.servletAborts++;
  }

  // ── inside ────────────────────────────────────────────────────────────────────────────────

  /** Writes what is queued to the reader (as far as its body's reader keeps up); at the end of the transport, ends it. */
  private flush(): void {
    this.flushQueued = false;
    this.output.flush(this.reader);
    if (!this.output.isCongested() && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
    if (this.over && this.output.pending === 0) this.reader.end();
  }

  /** The request's head was refused by the parser: its canned answer, counted, as on a socket. */
  private refuseHead(status: number): void {
    this.resources.counters.badRequest(status);
    const canned = cannedStatus(status);
    this.output.append(canned.beforeDate);
    this.output.append(this.port.dates.line(Date.now()));
    this.output.append(canned.afterDate);
    this.stopBody();
    this.ended();
    this.flushSoon();
  }

  /** The cycle gives up the request where it stands; counted as abandoned when its response was incomplete. */
  private abandon(): void {
    const cycle = this.cycle;
    if (cycle === null) return;
    if (cycle.exchange !== null) this.resources.counters.abandoned++;
    cycle.abandon();
  }

  /** Hands the cycle what it wants of the body: held pieces, then its end; reads on when it has none. */
  private pump(): void {
    const cycle = this.cycle;
    while (!this.bodyDone && cycle !== null && cycle.wantsBody()) {
      const piece = this.held.shift();
      if (piece !== undefined) {
        cycle.piece(piece);
        continue;
      }
      if (this.bodyRead) {
        this.bodyDone = true;
        cycle.end();
        return;
      }
      return this.readBody();
    }
  }

  /** Reads the body's next piece (once at a time: the client sends no faster than the servlet takes). */
  private readBody(): void {
    const body = this.body;
    if (this.reading || body === null || body.reader === null) return;
    this.reading = true;
    const next = body.next ?? body.reader.read();
    this.body = { ...body, next: null };
    next.then(
      (r) => {
        this.reading = false;
        if (this.bodyDone) return;
        if (r.done) this.bodyRead = true;
        else this.held.push(asBytes(r.value));
        this.pump();
      },
      // The client could not send its body: it is gone (its connection would be).
      (e) => {
        this.reading = false;
        if (!this.bodyDone) this.leave(e);
      },
    );
  }

  /** No more of the body goes to the cycle; what the client still has is cancelled. */
  private stopBody(): void {
    if (this.bodyDone && this.body?.reader == null) return;
    this.bodyDone = true;
    this.held = [];
    const reader = this.body?.reader;
    this.body = null;
    reader?.cancel().catch(() => {});
  }
}
