/**
 * H2Connection: HTTP/2 on an accepted socket (RFC 9113; SPEC §11) — the connection preface and
 * SETTINGS, the frames, the streams, flow control both ways, and the abuse limits. Its lifecycle,
 * output, linger and idle-list place are SocketConnection's, as HttpConnection's are; each stream
 * is an H2Stream, the RequestChannel of the one request it carries, answered by a RequestCycle from
 * the port's pool like any other request. An HttpConnection hands its socket over when ALPN chose
 * `h2` or the first bytes are the preface (h2c by prior knowledge).
 *
 * Reading: frames are parsed in place in Bun's chunk; a frame cut by the end of a read is copied to
 * a pooled buffer and completed by the next (a frame is at most our SETTINGS_MAX_FRAME_SIZE, so the
 * buffer is bounded). Header blocks are decoded fragment by fragment as they arrive (hpack-decoder
 * keeps a representation cut between fragments), so a CONTINUATION never waits for its block.
 *
 * Writing: streams with something to send are framed at the end of the turn (h2-framer.ts), in the
 * order they became ready, while the connection's output is under its high-water mark; a stream
 * whose window is closed waits for the client's WINDOW_UPDATE.
 *
 * Errors: a stream error resets that stream (RST_STREAM) and the connection goes on; a connection
 * error sends GOAWAY with the code and closes once it is written (RFC 9113 §5.4). Both are counted,
 * never logged: they are the client's doing.
 */
import type { Socket } from "bun";
import {
  CANCEL,
  COMPRESSION_ERROR,
  ENHANCE_YOUR_CALM,
  FLOW_CONTROL_ERROR,
  INCOMPLETE,
  NOT_PREFACE,
  NO_ERROR,
  PROTOCOL_ERROR,
  REFUSED_STREAM,
  STREAM_CLOSED,
  h2ErrorCode,
  isStreamError,
} from "../parser/h2/errors.ts";
import {
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_HEADERS,
  FRAME_HEADER_LENGTH,
  FRAME_PING,
  FRAME_PRIORITY,
  FRAME_PUSH_PROMISE,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  FRAME_WINDOW_UPDATE,
  Frame,
  parseFrame,
  readWindowIncrement,
} from "../parser/h2/frame.ts";
import { CLIENT_PREFACE_LENGTH, matchPreface } from "../parser/h2/preface.ts";
import { MAX_WINDOW_SIZE, PeerSettings, applySettings } from "../parser/h2/settings.ts";
import { HeaderBlock } from "../parser/h2/header-block.ts";
import { HpackDecoder } from "../parser/h2/hpack-decoder.ts";
import { HpackEncoder } from "../http/h2/hpack-encoder.ts";
import { writeGoaway, writePingAck, writeRstStream, writeSettings, writeSettingsAck, writeWindowUpdate } from "../http/h2/frame-writer.ts";
import type { ExchangeRecord } from "../servers/request-channel.ts";
import { CLIENT_CLOSED_REQUEST } from "./access-log-queue.ts";
import type { ConnectionHost, PortResources } from "./daemon-resources.ts";
import { DEADLINE_FIRST_BYTE, DEADLINE_HEAD, DEADLINE_KEEP_ALIVE, DEADLINE_LINGER, DEADLINE_SEND } from "./deadlines.ts";
import { H2Framer } from "./h2-framer.ts";
import { FloodMeter } from "./h2-flood.ts";
import { StreamTable } from "./h2-stream-table.ts";
import { CLOSED_BY_RESET, CLOSED_ENDED, ClosedStreams } from "./h2-closed-streams.ts";
import { fillRequestHead } from "../parser/h2/block-head.ts";
import { H2_CONNECTION_WINDOW, H2_MAX_CONCURRENT_STREAMS, H2_MAX_FRAME_SIZE, H2_MAX_HEADER_BLOCK, H2_MAX_HEADER_LIST_SIZE, H2_STREAM_WINDOW } from "./limits.ts";
import { H2Stream, type StreamHost, STREAM_STATE_CLOSED, STREAM_STATE_HALF_CLOSED_LOCAL, STREAM_STATE_OPEN } from "./h2-stream.ts";
import { CLOSED, CLOSING, type ConnectionInput, ENDED, LINGERING, OPEN, SocketConnection } from "./socket-connection.ts";

/** The connection's own frames are written in place here (the largest is our SETTINGS, 45 bytes). */
const CONTROL_FRAME_BYTES = 64;
/** What our SETTINGS advertise (RFC 9113 §6.5.2; limits.ts). */
const ADVERTISED = {
  maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS,
  initialWindowSize: H2_STREAM_WINDOW,
  maxFrameSize: H2_MAX_FRAME_SIZE,
  maxHeaderListSize: H2_MAX_HEADER_LIST_SIZE,
  headerTableSize: 4096,
};

/** What `block` is between header blocks (never decoded into). */
const NO_BLOCK = new HeaderBlock({ maxListSize: 32 });

/** Per-connection state for HTTP/2; `socket.data` (see the file comment). */
export class H2Connection extends SocketConnection implements StreamHost, ConnectionInput {
  protected readonly input: ConnectionInput = this;
  /** The client's settings (RFC 9113 §6.5.2). */
  private readonly peer = new PeerSettings();
  private readonly decoder = new HpackDecoder();
  private readonly encoder = new HpackEncoder();
  private readonly framer: H2Framer;
  private readonly frame = new Frame();
  private readonly control = new Uint8Array(CONTROL_FRAME_BYTES);
  /**
   * Header blocks of refused streams and trailers are decoded here (the dynamic table must follow
   * them); made at the first such block, so an idle connection does not hold it.
   */
  private scratch: HeaderBlock | null = null;
  private readonly streams = new StreamTable();
  /** Streams with something to frame, in the order they became ready. */
  private ready: H2Stream[] = [];
  /** Streams whose window closed with output queued (they wait for WINDOW_UPDATE). */
  private blocked: H2Stream[] = [];
  private readonly flood: FloodMeter;
  /** The streams closed lately, and how: a frame for one of them is told from one for an id never used. */
  private readonly closedIds = new ClosedStreams();
  /** The connection preface and the client's first SETTINGS arrived (RFC 9113 §3.4). */
  private prefaceRead = false;
  private settingsRead = false;
  /** The highest stream id the client opened (GOAWAY's last stream; ids only increase, §5.1.1). */
  private lastStreamId = 0;
  /** Streams open now (a cycle serves each). */
  private active = 0;
  /** What the client may still send on the connection (our receive window). */
  private recvWindow = H2_CONNECTION_WINDOW;
  /** Bytes consumed and not yet given back to the connection window. */
  private recvCredit = 0;
  /** A header block is in progress on this stream (CONTINUATION must follow, §6.10); 0: none. */
  private blockStream = 0;
  /** Its bytes so far (a CONTINUATION flood is bounded by H2_MAX_HEADER_BLOCK). */
  private blockBytes = 0;
  /** Where it is being decoded, and what it is: a new request, trailers, or only followed (refused). */
  private block: HeaderBlock;
  private blockTarget: H2Stream | null = null;
  private blockEndsStream = false;
  /** The block's stream is refused (over the concurrent-stream limit) once the block is read. */
  private blockRefused = false;
  /** GOAWAY was sent: no new stream is taken (NO_ERROR: the ones in flight finish). */
  private goawaySent = false;
  /** Received bytes not yet parsed: a frame cut by the end of a read (pooled; bounded by the frame size). */
  private recv: Buffer | null = null;
  private recvLength = 0;
  private processing = false;
  /** Requests name their client in a forwarded header (a trusted proxy without a PROXY header). */
  private forwarded = false;

  /** Takes over `socket` from an HttpConnection (addresses as it knew them); `port` as HttpConnection's. */
  constructor(
    daemon: ConnectionHost,
    private readonly port: PortResources,
    socket: Socket<unknown>,
    peerAddress: string,
    localAddress: string,
    client: { remoteAddress: string; remotePort: number },
  ) {
    super(daemon, socket, peerAddress, localAddress);
    this.remoteAddress = client.remoteAddress;
    this.remotePort = client.remotePort;
    this.framer = new H2Framer(this.output, this.encoder);
    this.framer.connectionWindow = this.peer.initialWindowSize;
    this.flood = new FloodMeter();
    this.block = NO_BLOCK;
    this.deadlines.head(daemon.clock); // the preface and SETTINGS within the head timeout
    daemon.counters.http2Connections++;
    // RFC 9113 §3.4: our preface is a SETTINGS frame, sent at once; the connection window is
    // opened past its 65,535 default so one slow stream cannot stall the others.
    this.output.append(this.control, 0, writeSettings(this.control, 0, ADVERTISED));
    this.sendWindowUpdate(0, H2_CONNECTION_WINDOW - 65_535);
  }

  /** The peer is a trusted proxy whose PROXY header named no client: each request's forwarded header does. */
  trustForwardedHeaders(): void {
    this.forwarded = true;
  }

  // ── ConnectionInput ──────────────────────────────────────────────────────────────────────────

  isIdle(): boolean {
    return this.active === 0 && this.recvLength === 0 && this.blockStream === 0;
  }

  hasRequest(): boolean {
    return this.active > 0;
  }

  buffered(): number {
    return this.recvLength;
  }

  isProcessing(): boolean {
    return this.processing;
  }

  takeStalled(): boolean {
    return false;
  }

  isReused(): boolean {
    return this.lastStreamId > 0;
  }

  protected becameIdle(): void {}

  protected resumeInput(): void {}

  // ── socket events ────────────────────────────────────────────────────────────────────────────

  /** Bun `data` (and the bytes the HttpConnection had read): the chunk is valid only during this call. */
  onData(chunk: Uint8Array): void {
    if (this.reclaimPending) this.daemon.rescue(this);
    if (this.discardsInput(chunk)) return;
    this.turnClock = Date.now();
    if (this.idleListed) this.daemon.idle.remove(this);
    if (this.recvLength > 0) {
      const buf = this.appendToRecv(chunk);
      const used = this.process(buf, 0, this.recvLength);
      this.keepRest(buf, used, this.recvLength);
    } else {
      const used = this.process(chunk, 0, chunk.length);
      if (used < chunk.length && this.state === OPEN) this.keepRest(chunk, used, chunk.length);
    }
    this.turnClock = 0;
    this.flush();
  }

  /** Bun `end`: the client sends nothing more; its streams still get their answers, then we close. */
  onEnd(): void {
    this.peerEnded = true;
    if (this.state === LINGERING || this.state === ENDED) return this.finishClose(false);
    this.beginClosing();
    // Streams whose request is not whole cannot be: they are abandoned; complete ones are answered.
    for (const s of this.streams.list()) if (!s.remoteEnded) this.abandonStream(s, true);
    this.flush();
  }

  /** Bun `close`: every stream still open is abandoned (its client is gone). */
  onClose(): void {
    if (this.state === CLOSED) return;
    const clientLeft = this.state < ENDED;
    this.leaveLinger();
    this.state = CLOSED;
    for (const s of this.streams.list()) this.abandonStream(s, clientLeft);
    this.accessLines?.close(this.output.written, clientLeft);
    this.daemon.connectionClosed(this);
    this.callDrainWaiters();
    this.releaseRecv();
    this.output.clear();
  }

  /** Frames what streams queued, then writes (SocketConnection.flush). */
  override flush(): void {
    if (this.state < LINGERING) this.frameReady();
    super.flush();
    if (this.blocked.length > 0) this.deadlines.sent(this.daemon.clock, false, true);
  }

  /** Daemon stopping: GOAWAY NO_ERROR, the streams in flight finish, then the connection closes (SPEC §11). */
  override closeIfIdle(): void {
    if (this.state !== OPEN) return;
    this.sendGoaway(NO_ERROR);
    if (this.active === 0) this.beginClosing();
    this.flush();
  }

  /** The daemon's sweep: the preface and idle timeouts, a client that reads nothing or never opens its window. */
  sweep(now: number): void {
    if (this.state === CLOSED) return;
    const busy = this.output.pending > 0 || this.recvLength > 0;
    const due = this.deadlines.due(now, true, 0, busy);
    if (due === DEADLINE_SEND) {
      // Nothing was written (or no window opened) for the send timeout: a stalled reader.
      // A client that keeps its window shut holds our output forever (a slow-read attack): calm.
      this.daemon.counters.timeouts++;
      const stalled = this.blocked.length > 0;
      this.output.clear();
      this.ready = [];
      this.blocked = [];
      this.connectionError(stalled ? ENHANCE_YOUR_CALM : NO_ERROR);
    } else if (due === DEADLINE_FIRST_BYTE || due === DEADLINE_HEAD) {
      this.daemon.counters.timeouts++;
      this.connectionError(NO_ERROR);
    } else if (due === DEADLINE_KEEP_ALIVE) {
      this.connectionError(NO_ERROR); // idle: GOAWAY, then close (nginx does the same)
    } else if (due === DEADLINE_LINGER) {
      this.finishClose(this.state === ENDED);
    }
  }

  // ── StreamHost ───────────────────────────────────────────────────────────────────────────────

  isSecure(): boolean {
    return this.port.secure;
  }

  headerTail(): Uint8Array {
    return this.port.dates.tail(false, this.turnClock || Date.now());
  }

  streamReady(stream: H2Stream): void {
    if (stream.ready || stream.state === STREAM_STATE_CLOSED) return;
    stream.ready = true;
    this.ready.push(stream);
    this.flushSoon();
  }

  sendContinue(stream: H2Stream): void {
    this.framer.writeStatus(stream, 100, false);
    this.flushSoon();
  }

  bodyConsumed(stream: H2Stream, bytes: number): void {
    // The stream's window opens again once half of it was consumed (one WINDOW_UPDATE per
    // half-window, not per frame); the connection's likewise. A finished stream needs none.
    this.recvCredit += bytes;
    if (this.recvCredit >= H2_CONNECTION_WINDOW / 2) {
      this.sendWindowUpdate(0, this.recvCredit);
      this.recvWindow += this.recvCredit;
      this.recvCredit = 0;
    }
    if (stream.remoteEnded || stream.state === STREAM_STATE_CLOSED) return;
    stream.recvCredit += bytes;
    if (stream.recvCredit >= H2_STREAM_WINDOW / 2) {
      this.sendWindowUpdate(stream.id, stream.recvCredit);
      stream.recvWindow += stream.recvCredit;
      stream.recvCredit = 0;
    }
    this.flushSoon();
  }

  streamResponded(stream: H2Stream, exchange: ExchangeRecord): void {
    this.accessQueue()?.addResponse(exchange, exchange.status, this.outputEnd() + stream.output.pending, true);
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

  // ── reading frames ───────────────────────────────────────────────────────────────────────────

  /** Parses frames in buf[start..end); returns where it stopped (a frame not yet whole). */
  private process(buf: Uint8Array, start: number, end: number): number {
    this.processing = true;
    let p = start;
    if (!this.prefaceRead) {
      const r = matchPreface(buf, p, end);
      if (r === INCOMPLETE) {
        this.processing = false;
        return p;
      }
      if (r === NOT_PREFACE) {
        this.processing = false;
        this.connectionError(PROTOCOL_ERROR);
        return end;
      }
      this.prefaceRead = true;
      p += CLIENT_PREFACE_LENGTH;
    }
    const frame = this.frame;
    while (p < end && this.state === OPEN) {
      const r = parseFrame(buf, p, end, H2_MAX_FRAME_SIZE, frame);
      if (r === INCOMPLETE) break;
      if (r < 0) {
        if (!isStreamError(r)) {
          this.connectionError(h2ErrorCode(r));
          break;
        }
        if (end - p < FRAME_LENGTH_OF(frame)) break; // skipped whole: wait for the rest
        if (this.blockStream !== 0 || !this.settingsRead) {
          this.connectionError(PROTOCOL_ERROR);
          break;
        }
        this.streamError(frame.streamId, h2ErrorCode(r));
        p += FRAME_LENGTH_OF(frame);
        continue;
      }
      this.handleFrame(buf);
      p += r;
    }
    this.processing = false;
    return p;
  }

  /** One whole frame, valid in itself (parseFrame checked what needs no state). */
  private handleFrame(buf: Uint8Array): void {
    const f = this.frame;
    // RFC 9113 §3.4: the client's preface ends with a SETTINGS frame.
    if (!this.settingsRead) {
      if (f.type !== FRAME_SETTINGS || (f.flags & FLAG_ACK) !== 0) return this.connectionError(PROTOCOL_ERROR);
      this.settingsRead = true;
      this.deadlines.keepAlive(this.daemon.clock);
    }
    // §6.10: a header block is a contiguous sequence; anything else in it is a connection error.
    if (this.blockStream !== 0 && (f.type !== FRAME_CONTINUATION || f.streamId !== this.blockStream)) {
      return this.connectionError(PROTOCOL_ERROR);
    }
    switch (f.type) {
      case FRAME_DATA:
        return this.onDataFrame(buf);
      case FRAME_HEADERS:
        return this.onHeaders(buf);
      case FRAME_CONTINUATION:
        return this.onContinuation(buf);
      case FRAME_PRIORITY:
        return; // §5.3.2: deprecated; accepted (checked by the parser) and ignored
      case FRAME_RST_STREAM:
        return this.onRstStream(buf);
      case FRAME_SETTINGS:
        return this.onSettings(buf);
      case FRAME_PING:
        if ((f.flags & FLAG_ACK) !== 0) return;
        if (this.flood.ping(this.daemon.clock)) return this.calm();
        this.output.append(this.control, 0, writePingAck(this.control, 0, buf, f.payloadStart));
        return;
      case FRAME_GOAWAY:
        // The client will open no more streams; those in flight finish, then the connection closes.
        this.goawaySent = true;
        if (this.active === 0) this.beginClosing();
        return;
      case FRAME_WINDOW_UPDATE:
        return this.onWindowUpdate(buf);
      case FRAME_PUSH_PROMISE:
        return this.connectionError(PROTOCOL_ERROR); // §8.4: a client cannot push
      default:
        return; // §4.1: unknown frame types are ignored
    }
  }

  private onDataFrame(buf: Uint8Array): void {
    const f = this.frame;
    const length = f.length;
    // §6.9.1: the whole frame (padding included) counts against both windows.
    if (length > this.recvWindow) return this.connectionError(FLOW_CONTROL_ERROR);
    this.recvWindow -= length;
    const stream = this.streams.get(f.streamId);
    if (stream === undefined) {
      if (f.streamId > this.lastStreamId) return this.connectionError(PROTOCOL_ERROR); // §5.1: idle
      this.giveBackConnectionWindow(length);
      // §5.1: after our RST_STREAM, frames in flight are ignored; on a stream that ended, an error.
      if (this.closedIds.find(f.streamId) === CLOSED_BY_RESET) return;
      return this.streamError(f.streamId, STREAM_CLOSED);
    }
    if (stream.remoteEnded) {
      this.giveBackConnectionWindow(length);
      return this.streamError(f.streamId, STREAM_CLOSED); // §5.1: half-closed (remote)
    }
    if (length > stream.recvWindow) {
      this.giveBackConnectionWindow(length);
      return this.streamError(f.streamId, FLOW_CONTROL_ERROR);
    }
    const data = f.payloadEnd - f.payloadStart;
    const endStream = (f.flags & FLAG_END_STREAM) !== 0;
    if (data === 0 && !endStream && this.flood.emptyFrame(this.daemon.clock)) return this.calm();
    // §8.1.1: a body longer than its Content-Length, or ending shorter, is malformed.
    const declared = stream.head.contentLength;
    if (declared >= 0 && (stream.bodyBytes + data > declared || (endStream && stream.bodyBytes + data !== declared))) {
      this.giveBackConnectionWindow(length);
      return this.streamError(f.streamId, PROTOCOL_ERROR);
    }
    if (length > data) this.bodyConsumed(stream, length - data); // the padding is consumed at once
    stream.recvWindow -= length - data;
    stream.receiveData(buf, f.payloadStart, f.payloadEnd);
    if (endStream) this.remoteEnded(stream);
    else if (stream.state === STREAM_STATE_HALF_CLOSED_LOCAL && this.isBodyTooLong(stream)) this.stopBody(stream);
    else if (stream.output.pending > 0) this.streamReady(stream);
  }

  private onHeaders(buf: Uint8Array): void {
    const f = this.frame;
    const id = f.streamId;
    const endStream = (f.flags & FLAG_END_STREAM) !== 0;
    let target: H2Stream | null = null;
    let block = NO_BLOCK;
    this.blockRefused = false;
    const existing = this.streams.get(id);
    if (existing !== undefined) {
      // §8.1: trailers — a second HEADERS, which must end the stream.
      if (existing.remoteEnded) return this.connectionError(STREAM_CLOSED);
      if (!endStream) return this.connectionError(PROTOCOL_ERROR);
      block = this.scratchBlock();
      block.reset(true);
    } else if (id <= this.lastStreamId || id % 2 === 0) {
      // §5.1: a stream that was closed (STREAM_CLOSED; one we reset may still see frames in
      // flight, ignored — but its block still feeds the dynamic table), or an id the client can
      // no longer open: lower than one it opened, or even (§5.1.1).
      const closed = id % 2 === 0 ? 0 : this.closedIds.find(id);
      if (closed !== CLOSED_BY_RESET) return this.connectionError(closed === CLOSED_ENDED ? STREAM_CLOSED : PROTOCOL_ERROR);
      block = this.scratchBlock();
      block.reset(false);
    } else {
      this.lastStreamId = id;
      if (!this.goawaySent && this.active < H2_MAX_CONCURRENT_STREAMS) {
        target = this.openStream(id);
        block = target.block;
        block.reset(false);
      } else {
        block = this.scratchBlock();
        block.reset(false); // followed for the dynamic table only; the stream is refused below
        this.blockRefused = !this.goawaySent;
      }
    }
    this.block = block;
    this.blockTarget = target ?? existing ?? null;
    this.blockEndsStream = endStream;
    this.blockBytes = 0;
    this.decodeFragment(buf, f.payloadStart, f.payloadEnd, (f.flags & FLAG_END_HEADERS) !== 0, id);
  }

  private onContinuation(buf: Uint8Array): void {
    const f = this.frame;
    if (this.blockStream === 0) return this.connectionError(PROTOCOL_ERROR); // §6.10: no block in progress
    if (f.length === 0 && (f.flags & FLAG_END_HEADERS) === 0 && this.flood.emptyFrame(this.daemon.clock)) return this.calm();
    this.decodeFragment(buf, f.payloadStart, f.payloadEnd, (f.flags & FLAG_END_HEADERS) !== 0, f.streamId);
  }

  /** Decodes a header block fragment; at END_HEADERS the block is finished (a request starts, or trailers end one). */
  private decodeFragment(buf: Uint8Array, start: number, end: number, last: boolean, id: number): void {
    // CVE-2024-27316: a block that never ends, or ends far past the header list limit, is a flood.
    if ((this.blockBytes += end - start) > H2_MAX_HEADER_BLOCK) return this.calm();
    if (this.decoder.decodeFragment(buf, start, end, this.block) < 0) return this.connectionError(COMPRESSION_ERROR);
    if (!last) {
      this.blockStream = id;
      return;
    }
    this.blockStream = 0;
    if (this.decoder.endBlock(this.block) < 0) return this.connectionError(COMPRESSION_ERROR);
    const stream = this.blockTarget;
    this.blockTarget = null;
    if (stream === null) {
      // Refused over the stream limit (§5.1.2); after our GOAWAY (§6.8) or on a stream we reset, ignored.
      if (this.blockRefused) this.streamError(id, REFUSED_STREAM);
      return;
    }
    if (stream.cycle !== null) return this.trailersRead(stream);
    this.startRequest(stream);
  }

  /** A request's trailers (RFC 9113 §8.1): checked, then the body ends. Their fields are not kept (as HTTP/1's). */
  private trailersRead(stream: H2Stream): void {
    if (this.block.malformed !== 0) return this.streamError(stream.id, PROTOCOL_ERROR);
    const declared = stream.head.contentLength;
    if (declared >= 0 && stream.bodyBytes !== declared) return this.streamError(stream.id, PROTOCOL_ERROR);
    this.remoteEnded(stream);
  }

  /** A request's head is whole: checked (§8.2, §8.3), turned into a RequestHead, handed to a cycle. */
  private startRequest(stream: H2Stream): void {
    const block = stream.block;
    if (block.tooLarge) {
      // RFC 9113 §10.5.1 / RFC 6585 §5: 431, without the servlet.
      this.daemon.counters.badRequest(431);
      return this.refuseStream(stream, 431);
    }
    const malformed = block.malformed || block.checkRequest() || fillRequestHead(stream.head, block, this.blockEndsStream);
    if (malformed !== 0) {
      this.daemon.counters.badRequest(400);
      return this.streamError(stream.id, PROTOCOL_ERROR);
    }
    if (this.forwarded) {
      // trustProxy without a PROXY header: each request names its client (RFC 7239; X-Forwarded-For),
      // authorised as HttpConnection authorises it: a refused client ends the connection.
      const client = this.daemon.trustedProxies!.clientOf(stream.head, stream.headBytes, this.peerAddress);
      if (!this.daemon.authoriseClient(client)) {
        this.daemon.counters.denied++;
        return this.abort();
      }
      stream.clientAddress = client;
    }
    this.daemon.counters.requests++;
    stream.cycle = this.port.cycles.take(stream);
    stream.cycle.begin();
    if (this.blockEndsStream && stream.state === STREAM_STATE_OPEN) this.remoteEnded(stream);
    // A head the servlet began without asking for a flush (a deferred answer) goes out this turn.
    if (stream.output.pending > 0) this.streamReady(stream);
  }

  /** END_STREAM from the client. */
  private remoteEnded(stream: H2Stream): void {
    stream.receiveEnd();
    if (stream.endSent) this.closeStream(stream);
  }

  private onRstStream(_buf: Uint8Array): void {
    const f = this.frame;
    const stream = this.streams.get(f.streamId);
    if (stream === undefined) {
      if (f.streamId > this.lastStreamId) this.connectionError(PROTOCOL_ERROR); // §5.1: idle
      return;
    }
    // CVE-2023-44487 (rapid reset): streams the client cancels before their answer cost it budget.
    if (!stream.endSent && this.flood.reset(this.daemon.clock)) return this.calm();
    stream.endSent = true; // nothing more may be sent on it (§6.4)
    this.abandonStream(stream, true);
  }

  private onSettings(buf: Uint8Array): void {
    const f = this.frame;
    if ((f.flags & FLAG_ACK) !== 0) return; // our SETTINGS were applied
    if (this.flood.settings(this.daemon.clock)) return this.calm();
    const peer = this.peer;
    const r = applySettings(buf, f.payloadStart, f.payloadEnd, peer);
    if (r < 0) return this.connectionError(h2ErrorCode(r));
    // §6.9.2: a new initial window moves every open stream's send window by the difference.
    const delta = peer.initialWindowSize - peer.previousInitialWindowSize;
    if (delta !== 0) {
      for (const s of this.streams.list()) {
        if ((s.sendWindow += delta) > MAX_WINDOW_SIZE) return this.connectionError(FLOW_CONTROL_ERROR);
      }
      if (delta > 0) this.unblockAll();
    }
    this.framer.maxFrameSize = peer.maxFrameSize;
    this.encoder.setPeerTableSize(peer.headerTableSize);
    this.framer.forgetHead();
    this.output.append(this.control, 0, writeSettingsAck(this.control, 0));
  }

  private onWindowUpdate(buf: Uint8Array): void {
    const f = this.frame;
    const increment = readWindowIncrement(buf, f.payloadStart);
    if (f.streamId === 0) {
      if ((this.framer.connectionWindow += increment) > MAX_WINDOW_SIZE) return this.connectionError(FLOW_CONTROL_ERROR);
      this.deadlines.sent(this.daemon.clock, true, false);
      return this.unblockAll();
    }
    const stream = this.streams.get(f.streamId);
    if (stream === undefined) {
      if (f.streamId > this.lastStreamId) this.connectionError(PROTOCOL_ERROR); // §5.1: idle
      return; // a closed stream: may still arrive (§6.9)
    }
    if ((stream.sendWindow += increment) > MAX_WINDOW_SIZE) return this.streamError(stream.id, FLOW_CONTROL_ERROR);
    this.deadlines.sent(this.daemon.clock, true, false);
    const i = this.blocked.indexOf(stream);
    if (i >= 0) {
      this.blocked.splice(i, 1);
      this.streamReady(stream);
    }
  }

  private scratchBlock(): HeaderBlock {
    return (this.scratch ??= new HeaderBlock());
  }

  // ── streams ─────────────────────────────────────────────────────────────────────────────────

  private openStream(id: number): H2Stream {
    const stream = this.daemon.h2Streams.take(this);
    stream.open(id, this.peer.initialWindowSize, H2_STREAM_WINDOW);
    this.streams.set(id, stream);
    this.active++;
    this.deadlines.clear();
    return stream;
  }

  /** Answers a stream with a bare status (431), without a servlet, and ends it. */
  private refuseStream(stream: H2Stream, status: number): void {
    stream.discarding = true;
    this.framer.writeStatus(stream, status, true);
    if (!this.blockEndsStream) this.stopBody(stream); // §8.1: the body is not wanted
    else this.closeStream(stream);
  }

  /** The client left, or the stream is reset: its cycle (if any) destroys the servlet now; the line logs 499 or the status cut short. */
  private abandonStream(stream: H2Stream, clientLeft: boolean): void {
    const cycle = stream.cycle;
    if (cycle !== null && !stream.responded) {
      const s = cycle.exchange;
      if (s !== null) {
        this.daemon.counters.abandoned++;
        const status = clientLeft || !s.hasStarted() ? CLIENT_CLOSED_REQUEST : s.status;
        this.accessQueue()?.addResponse(s, status, this.outputEnd(), false);
      }
      stream.responded = true;
      cycle.abandon();
    }
    stream.output.clear();
    this.closeStream(stream);
  }

  /** The stream is over both ways: its cycle goes back to the pool, the stream to the spares. */
  private closeStream(stream: H2Stream): void {
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
      if (this.goawaySent || this.daemon.stopping) this.beginClosing();
      else this.deadlines.keepAlive(this.daemon.clock);
    }
  }

  private recycle(stream: H2Stream): void {
    stream.recycle();
    this.daemon.h2Streams.give(stream);
  }

  /** Frames every ready stream while the output has room. */
  private frameReady(): void {
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
    if (i === ready.length) ready.length = 0;
    else this.ready = ready.slice(i);
  }

  private frameStream(stream: H2Stream): void {
    if (!stream.endSent) this.framer.frame(stream);
    const pending = stream.output.pending;
    if (pending > 0) {
      if (this.framer.blocked && !this.blocked.includes(stream)) this.blocked.push(stream);
    } else if (stream.pendingReset >= 0) {
      this.sendReset(stream.id, stream.pendingReset);
      stream.endSent = true;
      this.abandonStream(stream, false);
      return;
    } else if (stream.responded && stream.headSent && !stream.endSent) {
      this.framer.endStream(stream);
    }
    if (!stream.output.isCongested()) stream.callDrainWaiters();
    if (stream.endSent && stream.responded) {
      if (stream.remoteEnded) this.closeStream(stream);
      else if (this.isBodyTooLong(stream)) this.stopBody(stream);
      // Else the rest of the body is read and dropped, as HTTP/1 does (and still checked against
      // its Content-Length, §8.1.1): the stream closes at its END_STREAM.
      else stream.state = STREAM_STATE_HALF_CLOSED_LOCAL;
    }
  }

  /** The rest of a body whose response is complete is longer than is worth discarding (SPEC §3, maxBody). */
  private isBodyTooLong(stream: H2Stream): boolean {
    const declared = stream.head.contentLength;
    const limit = this.daemon.limits.maxBody;
    return declared >= 0 ? declared - stream.bodyBytes > limit : stream.bodyBytes > limit;
  }

  /** §8.1: the response is complete and the rest of the request is not wanted: RST_STREAM NO_ERROR. */
  private stopBody(stream: H2Stream): void {
    this.sendReset(stream.id, NO_ERROR);
    this.closeStream(stream);
    this.closedIds.reset(stream.id);
  }

  private unblockAll(): void {
    const blocked = this.blocked;
    if (blocked.length === 0) return;
    this.blocked = [];
    for (const s of blocked) this.streamReady(s);
  }

  // ── errors and control frames ─────────────────────────────────────────────────────────────────

  /** A stream error (RFC 9113 §5.4.2): RST_STREAM, the stream abandoned; the connection goes on. */
  private streamError(id: number, code: number): void {
    this.daemon.counters.http2StreamErrors++;
    this.sendReset(id, code);
    const stream = this.streams.get(id);
    if (stream !== undefined) {
      stream.endSent = true;
      this.abandonStream(stream, false);
    }
    this.closedIds.reset(id);
  }

  /** ENHANCE_YOUR_CALM: an abusive pattern (floods, rapid reset, endless header blocks). */
  private calm(): void {
    this.daemon.counters.http2Floods++;
    this.connectionError(ENHANCE_YOUR_CALM);
  }

  /** A connection error (RFC 9113 §5.4.1), or an orderly end (NO_ERROR): GOAWAY, then close once it is written. */
  private connectionError(code: number): void {
    if (this.state !== OPEN) return;
    if (code !== NO_ERROR) this.daemon.counters.http2ConnectionErrors++;
    this.sendGoaway(code);
    this.beginClosing();
    for (const s of this.streams.list()) {
      if (code !== NO_ERROR || !s.remoteEnded) this.abandonStream(s, false);
    }
    if (!this.processing) this.flush();
  }

  private sendGoaway(code: number): void {
    if (this.goawaySent && code === NO_ERROR) return;
    this.goawaySent = true;
    this.output.append(this.control, 0, writeGoaway(this.control, 0, this.lastStreamId, code));
  }

  private sendReset(id: number, code: number): void {
    this.output.append(this.control, 0, writeRstStream(this.control, 0, id, code));
  }

  private sendWindowUpdate(id: number, increment: number): void {
    if (increment > 0) this.output.append(this.control, 0, writeWindowUpdate(this.control, 0, id, increment));
  }

  private giveBackConnectionWindow(bytes: number): void {
    this.recvCredit += bytes;
    if (this.recvCredit >= H2_CONNECTION_WINDOW / 2) {
      this.sendWindowUpdate(0, this.recvCredit);
      this.recvWindow += this.recvCredit;
      this.recvCredit = 0;
    }
  }

  // ── the receive buffer ──────────────────────────────────────────────────────────────────────

  private appendToRecv(chunk: Uint8Array): Buffer {
    let buf = this.recv;
    const need = this.recvLength + chunk.length;
    if (buf === null) buf = this.recv = this.daemon.buffers.takeAtLeast(need);
    else if (buf.length < need) {
      const grown = this.daemon.buffers.takeAtLeast(need);
      buf.copy(grown, 0, 0, this.recvLength);
      this.daemon.buffers.give(buf);
      buf = this.recv = grown;
    }
    buf.set(chunk, this.recvLength);
    this.recvLength = need;
    return buf;
  }

  /** Keeps src[from..end) (a frame not yet whole) for the next read. */
  private keepRest(src: Uint8Array, from: number, end: number): void {
    if (this.state !== OPEN || from >= end) {
      this.recvLength = 0;
      this.releaseRecv();
      return;
    }
    if (src === this.recv) {
      if (from > 0) this.recv.copyWithin(0, from, end);
      this.recvLength = end - from;
      return;
    }
    this.recvLength = 0;
    this.appendToRecv(src.subarray(from, end));
  }

  private releaseRecv(): void {
    if (this.recv !== null && this.recvLength === 0) {
      this.daemon.buffers.give(this.recv);
      this.recv = null;
    }
  }
}

/** The bytes a frame takes on the wire. */
function FRAME_LENGTH_OF(frame: Frame): number {
  return FRAME_HEADER_LENGTH + frame.length;
}

// CANCEL and CLOSING are used by later steps (graceful shutdown, resets); keep the imports honest.
void CANCEL;
void CLOSING;
void FLAG_END_HEADERS;
