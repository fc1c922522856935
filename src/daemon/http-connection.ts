/**
 * HttpConnection: HTTP/1.x on an accepted socket, and the transport of the requests on it (it is
 * their RequestChannel). Its lifecycle, output, linger and idle-list place are SocketConnection's;
 * its RequestReader parses and decodes what arrives, its Deadlines say which timeout runs, and a
 * RequestCycle from the daemon's pool (held while requests come, given back when idle) is the
 * framework's side of each request. What is HTTP/1's alone is here: the 100 Continue bytes, the
 * `Connection:` tail, keep-alive, one request at a time in order (SPEC §3), the canned refusals,
 * and the hand-over to HTTP/2 (ALPN h2, or the preface) before a first request. Leaving: a client's FIN or reset while its response is incomplete means it is gone (as Go's
 * net/http cancels the request context): the cycle destroys the servlet, aborts its signal at once.
 */
import type { Socket } from "bun";
import { cannedStatus, type Canned } from "../http/canned.ts";
import { type ProxyHeader, type RequestHead, proxySourceText } from "../parser/index.ts";
import type { ExchangeRecord, RequestChannel } from "../servers/request-channel.ts";
import type { WsEndpoint, WsSettings, WsTransport } from "../servers/websocket-port.ts";
import type { RequestCycle } from "../servers/request-cycle.ts";
import { CLIENT_CLOSED_REQUEST } from "./access-log-queue.ts";
import type { ConnectionHost, PortResources } from "./daemon-resources.ts";
import { DEADLINE_BODY, DEADLINE_FIRST_BYTE, DEADLINE_HEAD, DEADLINE_KEEP_ALIVE, DEADLINE_LINGER, DEADLINE_SEND } from "./deadlines.ts";
import type { ReaderEvents } from "./reader-events.ts";
import { RequestReader } from "./request-reader.ts";
import { CLOSED, type ConnectionState, ENDED, LINGERING, OPEN, SocketConnection } from "./socket-connection.ts";
import { handOverToHttp2 } from "./h2-takeover.ts";
import { handOverToWebSocket } from "./ws-takeover.ts";
import { protocolOf } from "./protocols.ts";

/** RFC 9110 §15.2.1: the interim response that invites the client to send its body. */
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
/** Pipelined input held beyond this many heads' worth pauses the socket (the kernel holds the rest). */
const RECV_BACKLOG_HEADS = 4;

/** Per-connection state; `socket.data`. */
export class HttpConnection extends SocketConnection implements RequestChannel, ReaderEvents {
  /** The reading side: receive buffer, head, body decoding. */
  protected readonly input: RequestReader;
  /** The framework's side of its requests: taken from the daemon's pool at a head, given back when idle. */
  private cycle: RequestCycle | null = null;
  /** When the current request's head was parsed (ms, the turn clock): its duration on the metrics page starts there. */
  private requestStartMs = 0;
  /** The peer is a trusted proxy (trustProxy): its PROXY header or forwarded headers name the client. */
  private peerTrusted = false;
  /** Over TLS: the handshake ended (either way), or the head timeout ended it. */
  private handshakeEnded = false;
  /** A PROXY header named the client for the whole connection (forwarded headers are not asked). */
  private proxied = false;
  /** The microtask of scheduleResume(), made on first use (an idle connection should not pay for it). */
  private resumeTask: (() => void) | null = null;
  /** performance.now() when the current request's head was read; noted only for a timed access log (json). */
  private headAt = 0;

  /** Creates the connection for a socket newly accepted on `port` (see SocketConnection). */
  constructor(
    daemon: ConnectionHost,
    /** What is its port's: TLS or not, the response tails, the routing of its requests. */
    private readonly port: PortResources,
    socket: Socket<unknown>,
    remoteAddress: string,
  ) {
    super(daemon, socket, remoteAddress, port.localPort, port.boundAddress);
    this.input = new RequestReader(daemon, this.deadlines, this);
    this.tlsStarted = port.secure && port.tlsUpgrader === null; // a TLS listener's socket: from accept
  }

  // ── RequestChannel (what a request's cycle sees) ────────────────────────────────────────

  /** The current request's head (the reader's). */
  get head(): RequestHead {
    return this.input.head;
  }

  /** The bytes the head's spans point into. */
  get headBytes(): Uint8Array {
    return this.input.headBytes;
  }

  /** True over TLS: the same connection runs over the daemon's TLS socket. */
  isSecure(): boolean {
    return this.port.secure;
  }

  /**
   * Bun `handshake`: the TLS handshake ended. A failure is counted (expected from scanners and old
   * clients), once: a handshake the head timeout already ended (see sweep) is not counted again.
   */
  onHandshake(success: boolean): void {
    if (this.handshakeEnded) return;
    this.handshakeEnded = true;
    if (!success) this.daemon.counters.tlsFailures++;
    else if (this.port.http2 && protocolOf(this.socket.alpnProtocol) === "h2") this.switchToHttp2(null);
  }

  /** True while the cap of requests per connection allows another and the daemon is not stopping. */
  mayKeepAlive(): boolean {
    return (
      this.state === OPEN &&
      !this.peerEnded &&
      // A body longer than the limit is not worth discarding: the response says close (SPEC §3).
      !this.input.isBodyTooLong() &&
      !this.daemon.stopping &&
      this.input.requests < this.daemon.limits.maxRequestsPerConnection
    );
  }

  /**
   * The cached end of a response head: Date, the port's fixed lines, Server, Connection, CRLF. Hot path: a response made
   * in a read turn takes the turn's clock reading (one per turn, not per pipelined response).
   */
  headerTail(keepAlive: boolean): Uint8Array {
    return this.port.dates.tail(keepAlive, this.now());
  }

  /** RFC 9110 §15.2.1: the interim response, queued before the servlet's response. */
  sendContinue(): void {
    this.output.append(CONTINUE);
    this.flushSoon();
  }

  /** Reading may go on: the servlet is ready for more of its body. */
  resumeReading(): void {
    if (this.state !== OPEN || this.input.isProcessing()) return;
    this.scheduleResume();
  }

  /** The current response is complete and its servlet destroyed (the cycle calls this once per request, handing what the log needs). */
  responseComplete(keepAlive: boolean, s: ExchangeRecord): void {
    const reader = this.input;
    if (!reader.hasRequest() || reader.isDiscarding()) return;
    reader.responded();
    this.daemon.counters.metrics.responded(s.methodCode(), s.status, s.bytesSent, this.now() - this.requestStartMs);
    // Logged once its last byte reaches the socket, or as 499 if the client leaves first.
    this.accessQueue()?.addResponse(s, s.status, this.outputEnd(), true, s.bytesSent, this.headAt);
    if (!keepAlive || reader.isBodyTooLong()) {
      // Nothing after this response is read (discarding a body that long is not worth it,
      // SPEC §3): close once it is written.
      this.beginClosing();
      // A client that asked to close sends no further request (RFC 9112 §9.6): with its whole
      // request read and nothing after it, there is nothing to linger for.
      this.inputFinished = reader.bodyDone && reader.buffered() === 0 && !reader.head.isKeepAliveRequested();
      reader.drop();
    } else if (reader.bodyDone) this.finishRequest();
    else if (reader.buffered() > 0) this.resumeReading(); // a held body is discarded now
    this.flushSoon();
  }

  /** The body cannot be read (malformed, or over the limit): answer if possible, and close. */
  refuseBody(status: number, reason: string): void {
    if (!this.input.hasRequest()) return;
    this.daemon.counters.badRequest(status);
    this.beginClosing(); // before the error page, so it says Connection: close
    this.cycle!.fail(status, reason);
    this.abandonCurrent(false);
  }

  /** No request after this one is read: the response in progress says `Connection: close`. */
  closeAfterResponse(): void {
    this.beginClosing();
  }

  /**
   * The current request became a WebSocket (SPEC §12): `response` (the 101) is queued and logged,
   * and a WsConnection takes the socket, this connection's output and what the client sent after
   * the request (delivered at the end of this turn, once the servlet has set its handlers). This
   * connection retires silently; its cycle goes back to the pool here, and finishes its request
   * as soon as this returns (before anything could take it).
   */
  upgrade(response: Uint8Array, exchange: ExchangeRecord, settings: WsSettings, endpoint: WsEndpoint): WsTransport {
    const reader = this.input;
    const rest = reader.unread();
    this.output.append(response);
    const ms = this.now() - this.requestStartMs;
    this.daemon.counters.metrics.responded(exchange.methodCode(), exchange.status, exchange.bytesSent, ms); // a 101: 1xx
    this.accessQueue()?.addResponse(exchange, exchange.status, this.outputEnd(), true, exchange.bytesSent, this.headAt);
    reader.endRequest();
    this.state = CLOSED;
    const ws = handOverToWebSocket(this.daemon, this.port, this.socket, this, settings, endpoint, rest);
    reader.close();
    this.releaseCycle();
    return ws;
  }

  /** Stops reading, abandons the current request, sends what is queued, then closes gracefully. */
  close(): void {
    if (this.state === CLOSED) return;
    this.beginClosing();
    this.abandonCurrent(false);
    this.flushSoon();
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

  /** The peer is a trusted proxy (set at accept, before any byte): see HttpDaemonOptions.trustProxy. */
  trustPeer(): void {
    this.peerTrusted = true;
    this.input.expectProxyHeader();
  }

  /** The PROXY header names the client for the whole connection (LOCAL or UNKNOWN: the peer stays), authorised now. */
  proxyHeaderRead(header: ProxyHeader): boolean {
    if (header.family !== 0) {
      this.proxied = true;
      this.remoteAddress = proxySourceText(header);
      this.setRemotePort(header.sourcePort);
    }
    return this.authoriseClient();
  }

  /** The PROXY phase ended: TLS starts here when the daemon speaks it after the header (tls-after-proxy.ts). */
  proxyPhaseEnded(rest: Uint8Array): boolean {
    const upgrader = this.port.tlsUpgrader;
    if (upgrader === null) return false;
    this.startTls(upgrader, rest);
    return true;
  }

  /** The first bytes are HTTP/2's connection preface (h2c by prior knowledge): HTTP/2 takes the socket if it is spoken here. */
  prefaceReceived(rest: Uint8Array): boolean {
    if (this.port.http2) this.switchToHttp2(rest);
    return this.port.http2;
  }

  /** ALPN chose h2, or the preface came, before any request: HTTP/2 takes the socket (h2-takeover.ts); this one retires silently. */
  private switchToHttp2(initial: Uint8Array | null): void {
    this.state = CLOSED;
    handOverToHttp2(this.daemon, this.port, this.socket, this, this.peerTrusted && !this.proxied, initial);
    this.input.close(); // after: `initial` may be a view of the reader's buffer
    this.releaseCycle();
  }

  /** The client (as now known) may be served; else the connection is dropped at once, counted as at accept. */
  private authoriseClient(): boolean {
    if (this.daemon.authoriseClient(this.remoteAddress)) return true;
    this.daemon.counters.denied++;
    this.input.drop(); // a head just parsed is no request of ours: nothing to abandon
    this.abort();
    return false;
  }

  /** Hands the parsed head to the request cycle: the one place a request crosses into servers/. */
  headParsed(): void {
    if (this.peerTrusted && !this.proxied) {
      // Each request from a trusted proxy names its own client (RFC 7239; X-Forwarded-For).
      this.remoteAddress = this.daemon.trustedProxies!.clientOf(this.input.head, this.input.headBytes, this.peerAddress);
      if (!this.authoriseClient()) return;
    }
    // A request naming no host (HTTP/1.0 without Host) makes its URL and log line from the local
    // address: read it while the socket can tell (the line may be written after a reset).
    if (this.input.head.hostIndex < 0) this.readLocalAddress();
    // A JSON access line's duration runs from here to the response's last byte handed to the socket.
    if (this.daemon.accessLog?.timed) this.headAt = performance.now();
    this.daemon.counters.requests++;
    this.requestStartMs = this.now();
    (this.cycle ??= this.port.cycles.take(this)).begin();
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
    if (this.input.isDiscarding()) this.finishRequest();
    else this.cycle!.end();
  }

  // ── socket events ───────────────────────────────────────────────────────────────────────

  /** Bun `data`: the chunk is valid only during this call. */
  onData(chunk: Uint8Array): void {
    // A request reached a connection chosen to make room: it is not idle, and is served.
    if (this.reclaimPending) this.daemon.rescue(this);
    if (this.discardsInput(chunk)) return;
    this.turnClock = Date.now();
    this.daemon.counters.metrics.bytesIn += chunk.length;
    this.input.receive(chunk);
    this.turnClock = 0;
    // Pipelined input piling up behind a pending response: let the kernel hold the rest.
    if (this.input.buffered() > this.daemon.limits.maxHead * RECV_BACKLOG_HEADS && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
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
    if (this.input.hasRequest() && !this.input.isDiscarding()) this.abandonCurrent(true);
    this.flush();
  }

  /** Bun `close`: the connection is gone. */
  onClose(): void {
    if (this.state === CLOSED) return;
    // Closed before we ended it: the client closed or reset the connection (it left).
    const clientLeft = this.state < ENDED;
    this.leaveLinger();
    this.state = CLOSED;
    this.abandonCurrent(clientLeft);
    // Before connectionClosed: a stopping daemon flushes its access log once the last one closes.
    this.accessLines?.close(this.output.written, clientLeft);
    this.daemon.connectionClosed(this);
    this.callDrainWaiters();
    this.input.close(); // everything pooled goes back
    this.releaseCycle();
    this.output.clear();
  }

  /**
   * The daemon is stopping: an idle connection closes (unless draining); one answering a request
   * tells that request (RequestCycle.stopping: an event stream ends itself) and closes after its response.
   */
  override closeIfIdle(draining = false): void {
    if (this.state === OPEN && this.input.hasRequest() && !this.input.isDiscarding()) this.cycle?.stopping();
    // Draining: no close under a request the client may already have sent; the next one is
    // answered with Connection: close (the daemon is stopping), or the keep-alive timeout ends it.
    if (!draining) super.closeIfIdle();
  }

  /** Idle now: the cycle goes back to the daemon's pool (a burst of pipelined requests keeps one). */
  protected becameIdle(): void {
    this.releaseCycle();
  }

  /** Gives the cycle back to the daemon's pool; it is finished (no request is in progress). */
  private releaseCycle(): void {
    if (this.cycle === null) return;
    this.port.cycles.give(this.cycle);
    this.cycle = null;
  }

  /**
   * The current request's client is gone (`clientLeft`: its FIN or reset) or its connection ends
   * (we close it: a timeout, a cut response, an abort): log it, have the cycle destroy its servlet.
   * Every drained() waiter is released (it resolves; the servlet's signal is already aborted,
   * which is how it tells), so no servlet hangs in a wait.
   */
  private abandonCurrent(clientLeft: boolean): void {
    const reader = this.input;
    if (!reader.hasRequest()) return;
    const cycle = this.cycle!;
    const s = cycle.exchange;
    if (!reader.isDiscarding() && s !== null) {
      this.daemon.counters.abandoned++;
      // 499 (nginx's "client closed request") when the client left before the response was
      // complete, or when nothing was sent; else the status of the response we cut short.
      const status = clientLeft || !s.hasStarted() ? CLIENT_CLOSED_REQUEST : s.status;
      this.accessQueue()?.addResponse(s, status, this.outputEnd(), false, s.bytesSent, this.headAt);
    }
    reader.endRequest();
    cycle.abandon();
    reader.release();
    this.callDrainWaiters();
  }

  /** Called by the daemon's sweep timer: enforces the deadlines. */
  sweep(now: number): void {
    if (this.state === CLOSED) return;
    const reader = this.input;
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
      // A TLS handshake not finished by the head timeout (nothing, or part of a ClientHello, sent
      // and held) failed: counted as one, so a flood of stalled handshakes shows in stats(). A
      // trusted proxy's connection still in its PROXY phase (a TCP health check) started none.
      if (this.tlsStarted && !this.handshakeEnded) this.onHandshake(false);
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
      this.beginClosing(); // the body is cut short: nothing after it can be framed
      // RFC 9110 §15.5.9: the cycle answers 408 if nothing of the response was sent; either way
      // whoever waits for the body hears it will not come, and what is left is abandoned.
      if (reader.hasRequest()) this.cycle!.fail(408, "the body timed out");
      this.close();
    }
  }

  /** True once a request was read on this connection. */
  isReused(): boolean {
    return this.input.requests > 0;
  }

  /** Idle between requests, reading one (its head, or its body before an answer began), or writing its answer. */
  activity(): ConnectionState {
    const exchange = this.cycle?.exchange ?? null;
    if (exchange === null) return this.input.buffered() > 0 ? "reading" : "idle";
    return exchange.hasStarted() ? "writing" : "reading";
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────

  /** The current request is finished (response complete and body consumed). */
  private finishRequest(): void {
    this.input.finish();
    // A response begun before the daemon began stopping promised keep-alive; now that it is
    // over, the connection closes as an idle one would have at stop(), not at its idle timeout.
    if (this.peerEnded || this.daemon.stopping) {
      this.beginClosing();
      return;
    }
    this.deadlines.keepAlive(this.daemon.clock);
    if (this.input.buffered() > 0) {
      // An asynchronous completion: pipelined requests may be waiting in the buffer.
      if (!this.input.isProcessing()) this.scheduleResume();
    } else {
      this.becomeIdleIfQuiet();
    }
  }

  /** Answers a request that cannot be parsed with a canned response, then closes. */
  private reject(canned: Canned): void {
    const dateLine = this.port.dates.line(this.now());
    this.output.append(canned.beforeDate);
    this.output.append(dateLine);
    this.output.append(canned.afterDate);
    this.accessQueue()?.addRefusal(this.remoteAddress, canned.status, canned.length(dateLine.length), this.outputEnd());
    this.input.drop();
    this.beginClosing();
    this.flushSoon();
  }

  /** The output drained: the requests waiting in the buffer are read again. */
  protected resumeInput(): void {
    this.scheduleResume();
  }

  /** Resumes processing at the end of this job (a microtask). */
  private scheduleResume(): void {
    queueMicrotask((this.resumeTask ??= () => this.resume()));
  }

  /** Resumes processing buffered input after an asynchronous completion. */
  private resume(): void {
    if (this.state === CLOSED || this.input.isProcessing()) return;
    const outer = this.turnClock;
    if (outer === 0) this.turnClock = Date.now();
    this.input.processBuffered();
    this.turnClock = outer;
    if (this.paused && !this.output.isCongested() && this.input.buffered() <= this.daemon.limits.maxHead) {
      this.paused = false;
      this.socket.resume();
    }
    this.flush();
  }
}
