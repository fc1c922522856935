/**
 * H2Streams: an HTTP/2 connection's streams and what goes out to them — the part of H2Connection
 * (h2-connection.ts, which reads frames and runs the connection's lifecycle) that the streams talk
 * to. It is each stream's StreamHost: it frames what streams queued at the end of a turn
 * (h2-framer.ts), in the order they became ready, while the connection's output is under its
 * high-water mark; holds streams whose window is shut until WINDOW_UPDATE; gives the receive
 * windows back as servlets consume; writes the connection's own frames (RST_STREAM, GOAWAY,
 * WINDOW_UPDATE); and closes, abandons and recycles streams (their cycles back to the port's pool,
 * the streams to the daemon's).
 */
import type { Socket } from "bun";
import { BLOCK_HEAD_TOO_MANY_FIELDS, fillRequestHead } from "../parser/h2/block-head.ts";
import { FLOW_CONTROL_ERROR, NO_ERROR, PROTOCOL_ERROR } from "../parser/h2/errors.ts";
import { MAX_WINDOW_SIZE, PeerSettings } from "../parser/h2/settings.ts";
import { HpackEncoder } from "../http/h2/hpack-encoder.ts";
import { writeGoaway, writeRstStream, writeWindowUpdate } from "../http/h2/frame-writer.ts";
import type { ExchangeRecord } from "../servers/request-channel.ts";
import { CLIENT_CLOSED_REQUEST } from "./access-log-queue.ts";
import type { ConnectionHost, PortResources } from "./daemon-resources.ts";
import { ClosedStreams } from "./h2-closed-streams.ts";
import { FloodMeter } from "./h2-flood.ts";
import { H2Framer } from "./h2-framer.ts";
import { StreamTable } from "./h2-stream-table.ts";
import { type H2Stream, type StreamHost, STREAM_STATE_CLOSED, STREAM_STATE_HALF_CLOSED_LOCAL, STREAM_STATE_OPEN } from "./h2-stream.ts";
import { H2_CONNECTION_WINDOW, H2_STREAM_WINDOW } from "./limits.ts";
import { type ConnectionState, LINGERING, SocketConnection } from "./socket-connection.ts";

/** The connection's own frames are written in place here (the largest is our SETTINGS, 45 bytes). */
const CONTROL_FRAME_BYTES = 64;

/** The streams of one HTTP/2 connection and their output (see the file comment). */
export abstract class H2Streams extends SocketConnection implements StreamHost {
  /** The client's settings (RFC 9113 §6.5.2). */
  protected readonly peer = new PeerSettings();
  protected readonly encoder = new HpackEncoder();
  protected readonly framer: H2Framer;
  /** Where the connection's own frames are written before they are queued. */
  protected readonly control = new Uint8Array(CONTROL_FRAME_BYTES);
  protected readonly streams = new StreamTable();
  /** Streams with something to frame, in the order they became ready. */
  protected ready: H2Stream[] = [];
  /** Streams whose window closed with output queued (they wait for WINDOW_UPDATE). */
  protected blocked: H2Stream[] = [];
  /** The streams closed lately, and how: a frame for one of them is told from one for an id never used. */
  protected readonly closedIds = new ClosedStreams();
  /** The highest stream id the client opened (GOAWAY's last stream; ids only increase, §5.1.1). */
  protected lastStreamId = 0;
  /** Streams open now (a cycle serves each). */
  protected active = 0;
  /** What the client may still send on the connection (our receive window). */
  protected recvWindow = H2_CONNECTION_WINDOW;
  /** Bytes consumed and not yet given back to the connection window. */
  protected recvCredit = 0;
  /** GOAWAY was sent: no new stream is taken (NO_ERROR: the ones in flight finish). */
  protected goawaySent = false;
  /** The client sent GOAWAY: it opens no more streams; the connection closes once the last one ends. */
  protected peerWentAway = false;
  /** Requests name their client in a forwarded header (a trusted proxy without a PROXY header). */
  private forwarded = false;
  /** The client's frames and blocks that cost us work for nothing, counted (h2-flood.ts). */
  protected readonly flood = new FloodMeter();

  /** Streams on `socket`, answered through `port`'s request cycles. */
  constructor(
    daemon: ConnectionHost,
    protected readonly port: PortResources,
    socket: Socket<unknown>,
    peerAddress: string,
  ) {
    super(daemon, socket, peerAddress, port.localPort, port.boundAddress);
    this.framer = new H2Framer(this.output, this.encoder);
    this.framer.connectionWindow = this.peer.initialWindowSize;
  }

  /** Ends the connection with GOAWAY ENHANCE_YOUR_CALM (an abusive pattern), counted. */
  protected abstract calm(): void;

  // ── StreamHost ───────────────────────────────────────────────────────────────────────────────

  isSecure(): boolean {
    return this.port.secure;
  }

  headerTail(): Uint8Array {
    return this.port.dates.tail(false, this.now());
  }

  streamReady(stream: H2Stream): void {
    if (stream.ready || stream.state === STREAM_STATE_CLOSED) return;
    stream.ready = true;
    this.ready.push(stream);
    this.flushSoon();
  }

  frameContent(stream: H2Stream, bytes: Uint8Array, start: number, end: number): number {
    // Only content behind the stream's HEADERS, with nothing of it queued (H2StreamOutput asks
    // only then), on a stream that is not ending: its bytes stay in order.
    if (this.state >= LINGERING || !stream.headSent || stream.endSent || stream.pendingReset >= 0 || stream.state === STREAM_STATE_CLOSED)
      return 0;
    const framed = this.framer.frameData(stream, bytes, start, end);
    if (framed > 0) this.flushSoon();
    return framed;
  }

  cannotSend(): boolean {
    return this.framer.connectionWindow <= 0 || this.output.isCongested();
  }

  sendContinue(stream: H2Stream): void {
    this.framer.writeStatus(stream, 100, false);
    this.flushSoon();
  }

  bodyConsumed(stream: H2Stream, bytes: number): void {
    // The stream's window opens again once half of it was consumed (one WINDOW_UPDATE per
    // half-window, not per frame); the connection's likewise. A finished stream needs none.
    this.giveBackConnectionWindow(bytes);
    if (stream.remoteEnded || stream.state === STREAM_STATE_CLOSED) return;
    stream.recvCredit += bytes;
    if (stream.recvCredit >= H2_STREAM_WINDOW / 2) {
      this.sendWindowUpdate(stream.id, stream.recvCredit);
      stream.recvWindow += stream.recvCredit;
      stream.recvCredit = 0;
    }
    this.flushSoon();
  }

  /** An HTTP/2 connection, however many of its streams are open. */
  activity(): ConnectionState {
    return "http2";
  }

  /**
   * The response is complete: counted on the metrics page, and its log line is made now (the
   * request can still be read) and placed when its END_STREAM is framed (then its place in the
   * output and its bytes are known).
   */
  streamResponded(stream: H2Stream, exchange: ExchangeRecord): void {
    const ms = this.now() - stream.startMs;
    this.daemon.counters.metrics.responded(exchange.methodCode(), exchange.status, exchange.bytesSent, ms);
    stream.logLine = this.accessQueue()?.makeUnplaced(exchange, exchange.status, stream.headAt) ?? null;
  }

  resetStream(stream: H2Stream, code: number, graceful: boolean): void {
    if (graceful && stream.output.pending > 0) {
      stream.pendingReset = code;
      this.streamReady(stream);
      return;
    }
    this.sendReset(stream.id, code);
    stream.endSent = true;
    this.abandonStream(stream, false);
    this.flushSoon();
  }

  bodyRefused(status: number): void {
    this.daemon.counters.badRequest(status);
  }

  /** The peer is a trusted proxy whose PROXY header named no client: each request's forwarded header does. */
  trustForwardedHeaders(): void {
    this.forwarded = true;
  }

  // ── streams ─────────────────────────────────────────────────────────────────────────────────

  /** A request's head is whole: checked (§8.2, §8.3), turned into a RequestHead, handed to a cycle. */
  protected startRequest(stream: H2Stream, endsStream: boolean): void {
    const block = stream.block;
    const problem = block.tooLarge
      ? BLOCK_HEAD_TOO_MANY_FIELDS
      : block.malformed || block.checkRequest() || fillRequestHead(stream.head, block, endsStream);
    if (problem === BLOCK_HEAD_TOO_MANY_FIELDS) {
      // RFC 9113 §10.5.1 / RFC 6585 §5: 431, without the servlet — but a client that keeps sending
      // blocks past the limit we advertised (an HPACK bomb, each costing a whole decode) is calmed.
      if (this.flood.oversized(this.daemon.clock)) return this.calm();
      this.daemon.counters.badRequest(431);
      return this.refuseStream(stream, 431, endsStream);
    }
    if (problem !== 0) {
      this.daemon.counters.badRequest(400);
      return this.streamError(stream.id, PROTOCOL_ERROR);
    }
    if (this.forwarded) {
      // trustProxy without a PROXY header: each request names its client (RFC 7239; X-Forwarded-For),
      // authorised as HttpConnection authorises it: a refused client ends the connection.
      const client = this.daemon.trustedProxies!.clientOf(stream.head, stream.headBytes, this.peerAddress);
      if (!this.daemon.authoriseClient(client)) {
        // One client of the proxy is refused: its stream, not the others sharing the connection.
        this.daemon.counters.denied++;
        return this.refuseStream(stream, 403, endsStream);
      }
      stream.clientAddress = client;
    }
    // A JSON access line's duration runs from here to the response's last byte handed to the socket.
    if (this.daemon.accessLog?.timed) stream.headAt = performance.now();
    this.daemon.counters.requests++;
    stream.startMs = this.now();
    stream.cycle = this.port.cycles.take(stream);
    if (!endsStream) stream.bodyDeadline = this.daemon.clock + this.daemon.limits.bodyIdleTimeoutMs;
    stream.cycle.begin();
    if (endsStream && stream.state === STREAM_STATE_OPEN) this.remoteEnded(stream);
    // A head the servlet began without asking for a flush (a deferred answer) goes out this turn.
    if (stream.output.pending > 0) this.streamReady(stream);
  }

  /** Answers a stream with a bare status (431) without a servlet, and ends it. */
  protected refuseStream(stream: H2Stream, status: number, requestEnded: boolean): void {
    stream.discarding = true;
    this.framer.writeStatus(stream, status, true);
    this.accessQueue()?.addRefusal(stream.remoteAddress, status, stream.wireBytes, this.outputEnd());
    if (!requestEnded)
      this.stopBody(stream); // §8.1: the body is not wanted
    else this.closeStream(stream);
  }

  /** END_STREAM from the client. */
  protected remoteEnded(stream: H2Stream): void {
    stream.receiveEnd();
    if (stream.endSent) this.closeStream(stream);
  }

  protected openStream(id: number): H2Stream {
    const stream = this.daemon.h2Streams.take(this);
    stream.open(id, this.peer.initialWindowSize, H2_STREAM_WINDOW);
    this.streams.set(id, stream);
    this.active++;
    this.deadlines.clear();
    return stream;
  }

  /** The client left, or the stream is reset: its cycle (if any) destroys the servlet now; the line logs 499 or the status cut short. */
  protected abandonStream(stream: H2Stream, clientLeft: boolean): void {
    const cycle = stream.cycle;
    const line = stream.logLine;
    if (line !== null) {
      // Complete, but its END_STREAM never went out: the client left first (499), or we cut it.
      stream.logLine = null;
      this.accessQueue()!.place(line, this.outputEnd(), stream.wireBytes, clientLeft ? CLIENT_CLOSED_REQUEST : line.status);
    } else if (cycle !== null && !stream.responded) {
      const s = cycle.exchange;
      if (s !== null) {
        this.daemon.counters.abandoned++;
        const status = clientLeft || !s.hasStarted() ? CLIENT_CLOSED_REQUEST : s.status;
        this.accessQueue()?.addResponse(s, status, this.outputEnd(), false, stream.wireBytes, stream.headAt);
      }
      stream.responded = true;
      cycle.abandon();
    }
    stream.output.clear();
    this.closeStream(stream);
  }

  /** The stream is over both ways: its cycle goes back to the pool, the stream to the spares. */
  protected closeStream(stream: H2Stream): void {
    if (stream.state === STREAM_STATE_CLOSED) return;
    stream.state = STREAM_STATE_CLOSED;
    this.streams.delete(stream.id);
    this.closedIds.add(stream.id);
    this.active--;
    stream.callDrainWaiters();
    if (stream.cycle !== null) {
      this.port.cycles.give(stream.cycle);
      stream.cycle = null;
    }
    const i = this.blocked.indexOf(stream);
    if (i >= 0) this.blocked.splice(i, 1);
    // A stream still in the ready list is recycled when the list is next walked.
    if (!stream.ready) this.recycle(stream);
    if (this.active === 0) {
      if (this.goawaySent || this.peerWentAway || this.daemon.stopping) this.beginClosing();
      else this.deadlines.keepAlive(this.daemon.clock);
    }
  }

  protected recycle(stream: H2Stream): void {
    stream.recycle();
    this.daemon.h2Streams.give(stream);
  }

  /** Frames every ready stream while the output has room. */
  protected frameReady(): void {
    const ready = this.ready;
    if (ready.length === 0) return;
    let i = 0;
    for (; i < ready.length && !this.output.isCongested(); i++) {
      const stream = ready[i]!;
      stream.ready = false;
      if (stream.state === STREAM_STATE_CLOSED) {
        this.recycle(stream);
        continue;
      }
      this.frameStream(stream);
    }
    // The rest waits for room, in order, in the same array (no copy per congested pass).
    ready.copyWithin(0, i);
    ready.length -= i;
  }

  protected frameStream(stream: H2Stream): void {
    const sent = stream.wireBytes;
    if (!stream.endSent) this.framer.frame(stream);
    // Waiting for WINDOW_UPDATE: bytes queued past a shut window, or a servlet waiting in
    // drained() to produce more while a window is shut (it holds nothing meanwhile).
    let waiting = stream.output.pending > 0 && this.framer.blocked;
    if (stream.output.pending === 0) {
      if (stream.pendingReset >= 0) {
        this.sendReset(stream.id, stream.pendingReset);
        stream.endSent = true;
        this.abandonStream(stream, false);
        return;
      }
      if (stream.responded && stream.headSent && !stream.endSent) this.framer.endStream(stream);
    }
    if (!stream.output.isCongested()) stream.callDrainWaiters();
    else if (stream.hasDrainWaiters() && !stream.endSent) {
      if (stream.sendWindow <= 0 || this.framer.connectionWindow <= 0) waiting = true;
      // Only the connection's output is full: the waiters go on once it drained (flush).
      else if (stream.output.pending === 0) this.streamReady(stream);
    }
    if (waiting) {
      if (!this.blocked.includes(stream)) {
        this.blocked.push(stream);
        // The stall's clock restarts only when this stream's bytes moved (not another's window).
        if (stream.wireBytes > sent || stream.blockedSince === 0) stream.blockedSince = this.daemon.clock;
      }
    } else stream.blockedSince = 0;
    if (stream.endSent && stream.responded) {
      const line = stream.logLine;
      if (line !== null) {
        // Its END_STREAM is in the output now: the line is written once the output reaches here.
        stream.logLine = null;
        this.accessQueue()!.place(line, this.outputEnd(), stream.wireBytes, line.status);
      }
      if (stream.remoteEnded) this.closeStream(stream);
      else if (stream.isBodyTooLong(this.daemon.limits.maxBody) || stream.bodyTimedOut) this.stopBody(stream);
      // Else the rest of the body is read and dropped, as HTTP/1 does (and still checked against
      // its Content-Length, §8.1.1): the stream closes at its END_STREAM.
      else stream.state = STREAM_STATE_HALF_CLOSED_LOCAL;
    }
  }

  /** The daemon is stopping: every request in progress hears it (RequestCycle.stopping). */
  protected tellStreamsStopping(): void {
    for (const s of this.streams.list()) s.cycle?.stopping();
  }

  /**
   * The daemon's sweep, per stream: a body that shows no progress for bodyIdleTimeoutMs while the
   * servlet waits for it (SPEC §6: 408, as over HTTP/1), and a stream whose window the client
   * keeps shut with output waiting for sendTimeoutMs, whatever the other streams do (SPEC §11:
   * GOAWAY ENHANCE_YOUR_CALM).
   */
  protected sweepStreams(now: number): void {
    for (const s of this.streams.list()) {
      if (s.bodyDeadline > 0 && now >= s.bodyDeadline && !s.isHolding()) this.bodyTimedOut(s);
      else if (s.blockedSince > 0 && now - s.blockedSince >= this.daemon.limits.sendTimeoutMs && this.blocked.includes(s)) {
        this.daemon.counters.timeouts++;
        return this.calm(); // SPEC §11: a zero-window stall ends the connection
      }
    }
  }

  private bodyTimedOut(stream: H2Stream): void {
    this.daemon.counters.timeouts++;
    stream.bodyDeadline = 0;
    stream.bodyTimedOut = true;
    if (stream.responded || stream.cycle === null) return this.stopBody(stream);
    // RFC 9110 §15.5.9: 408 if nothing of the response was sent; the stream ends after it.
    stream.cycle.fail(408, "the body timed out");
    this.streamReady(stream);
  }

  /** §8.1: the response is complete and the rest of the request is not wanted: RST_STREAM NO_ERROR. */
  protected stopBody(stream: H2Stream): void {
    this.sendReset(stream.id, NO_ERROR);
    this.closeStream(stream);
    this.closedIds.reset(stream.id);
  }

  protected unblockAll(): void {
    const blocked = this.blocked;
    if (blocked.length === 0) return;
    this.blocked = [];
    for (const s of blocked) this.streamReady(s);
  }

  // ── the client's side of flow control ──────────────────────────────────────────────────────────

  /**
   * The client's SETTINGS were applied to `peer`: the send windows, the frame size and the HPACK
   * table follow them. Returns 0, or FLOW_CONTROL_ERROR (a connection error).
   */
  protected settingsChanged(): number {
    const peer = this.peer;
    // §6.9.2: a new initial window moves every open stream's send window by the difference.
    const delta = peer.initialWindowSize - peer.previousInitialWindowSize;
    if (delta !== 0) {
      for (const s of this.streams.list()) if ((s.sendWindow += delta) > MAX_WINDOW_SIZE) return FLOW_CONTROL_ERROR;
      if (delta > 0) this.unblockAll();
    }
    this.framer.maxFrameSize = peer.maxFrameSize;
    this.encoder.setPeerTableSize(peer.headerTableSize);
    this.framer.forgetHead();
    return 0;
  }

  /**
   * WINDOW_UPDATE (§6.9) of `increment` for stream `id` (0: the connection). Returns 0, or the code
   * of a connection error (a window past 2^31-1 on the connection, an update for an idle stream);
   * a stream's window overflowing resets that stream.
   */
  protected windowUpdated(id: number, increment: number): number {
    if (id === 0) {
      if ((this.framer.connectionWindow += increment) > MAX_WINDOW_SIZE) return FLOW_CONTROL_ERROR;
      this.deadlines.sent(this.daemon.clock, true, false);
      this.unblockAll();
      return 0;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) return id > this.lastStreamId ? PROTOCOL_ERROR : 0; // §5.1: idle; a closed one may still see it
    if ((stream.sendWindow += increment) > MAX_WINDOW_SIZE) {
      this.streamError(id, FLOW_CONTROL_ERROR);
      return 0;
    }
    this.deadlines.sent(this.daemon.clock, true, false);
    const i = this.blocked.indexOf(stream);
    if (i >= 0) {
      this.blocked.splice(i, 1);
      this.streamReady(stream);
    }
    return 0;
  }

  // ── the connection's own frames ──────────────────────────────────────────────────────────────

  /** A stream error (RFC 9113 §5.4.2): RST_STREAM, the stream abandoned; the connection goes on. */
  protected streamError(id: number, code: number): void {
    this.daemon.counters.http2StreamErrors++;
    this.sendReset(id, code);
    const stream = this.streams.get(id);
    this.closedIds.reset(id);
    if (stream === undefined) return;
    const cut = !stream.endSent;
    stream.endSent = true;
    this.abandonStream(stream, false);
    // CVE-2025-8671 ("MadeYouReset"): a client that makes us reset its streams (a bad frame on an
    // open stream) frees their slots as a reset of its own would: the same budget (rapid reset).
    if (cut && this.flood.reset(this.daemon.clock)) this.calm();
  }

  protected sendGoaway(code: number): void {
    if (this.goawaySent && code === NO_ERROR) return;
    this.goawaySent = true;
    this.output.append(this.control, 0, writeGoaway(this.control, 0, this.lastStreamId, code));
  }

  protected sendReset(id: number, code: number): void {
    this.output.append(this.control, 0, writeRstStream(this.control, 0, id, code));
  }

  protected sendWindowUpdate(id: number, increment: number): void {
    if (increment > 0) this.output.append(this.control, 0, writeWindowUpdate(this.control, 0, id, increment));
  }

  protected giveBackConnectionWindow(bytes: number): void {
    this.recvCredit += bytes;
    if (this.recvCredit >= H2_CONNECTION_WINDOW / 2) {
      this.sendWindowUpdate(0, this.recvCredit);
      this.recvWindow += this.recvCredit;
      this.recvCredit = 0;
    }
  }

  /**
   * Frames what streams queued, then writes (SocketConnection.flush). Streams left in the ready
   * list because the output was full are framed once the write made room — at the end of this
   * job, so a fast reader is fed in output-sized steps and nothing waits for an event that will
   * not come (the output emptied by this very write).
   */
  override flush(): void {
    if (this.state < LINGERING) this.frameReady();
    super.flush();
    if (this.blocked.length > 0) this.deadlines.sent(this.daemon.clock, false, true);
    if (this.ready.length > 0 && this.state < LINGERING && !this.output.isCongested()) this.flushSoon();
  }
}
