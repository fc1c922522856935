/**
 * H2Connection: HTTP/2 on an accepted socket (RFC 9113; SPEC §11) — the connection preface and
 * SETTINGS, the frames, header blocks becoming requests, the client's side of flow control, the
 * abuse limits, and the connection's lifecycle. Its streams and what goes out to them are
 * H2Streams' (h2-streams.ts); its lifecycle, output, linger and idle-list place are
 * SocketConnection's, as HttpConnection's are. Each stream is an H2Stream, the RequestChannel of
 * the one request it carries, answered by a RequestCycle from the port's pool like any other
 * request. An HttpConnection hands its socket over when ALPN chose `h2` or the first bytes are the
 * preface (h2c by prior knowledge).
 *
 * Reading: frames are parsed in place in Bun's chunk; a frame cut by the end of a read is kept
 * (h2-frame-buffer.ts, bounded by our SETTINGS_MAX_FRAME_SIZE). Header blocks are decoded fragment
 * by fragment as they arrive (h2-header-blocks.ts), so a CONTINUATION never waits for its block.
 *
 * Errors: a stream error resets that stream (RST_STREAM) and the connection goes on; a connection
 * error sends GOAWAY with the code and closes once it is written (RFC 9113 §5.4). Both are counted,
 * never logged: they are the client's doing.
 */
import type { Socket } from "bun";
import {
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
import { DEFAULT_INITIAL_WINDOW_SIZE, applySettings } from "../parser/h2/settings.ts";
import { DEFAULT_ADVERTISED, writePingAck, writeSettings, writeSettingsAck } from "../http/h2/frame-writer.ts";
import type { ConnectionHost, PortResources } from "./daemon-resources.ts";
import { DEADLINE_FIRST_BYTE, DEADLINE_HEAD, DEADLINE_KEEP_ALIVE, DEADLINE_LINGER, DEADLINE_SEND } from "./deadlines.ts";
import { CLOSED_BY_RESET, CLOSED_ENDED } from "./h2-closed-streams.ts";
import { FrameBuffer } from "./h2-frame-buffer.ts";
import { BLOCK_CONTINUES, BLOCK_TOO_LARGE, BLOCK_UNDECODABLE, HeaderBlocks } from "./h2-header-blocks.ts";
import { STREAM_STATE_HALF_CLOSED_LOCAL } from "./h2-stream.ts";
import { H2Streams } from "./h2-streams.ts";
import { H2_CONNECTION_WINDOW, H2_MAX_CONCURRENT_STREAMS, H2_MAX_FRAME_SIZE } from "./limits.ts";
import { CLOSED, type ConnectionInput, ENDED, LINGERING, OPEN } from "./socket-connection.ts";

/** Per-connection state for HTTP/2; `socket.data` (see the file comment). */
export class H2Connection extends H2Streams implements ConnectionInput {
  protected readonly input: ConnectionInput = this;
  private readonly frame = new Frame();
  private readonly blocks = new HeaderBlocks();
  private readonly pending: FrameBuffer;
  /** The connection preface and the client's first SETTINGS arrived (RFC 9113 §3.4). */
  private prefaceRead = false;
  private settingsRead = false;
  private processing = false;

  /** Takes over `socket` from an HttpConnection (addresses as it knew them); `port` as HttpConnection's. */
  constructor(
    daemon: ConnectionHost,
    port: PortResources,
    socket: Socket<unknown>,
    peerAddress: string,
    client: { remoteAddress: string; remotePort: number },
  ) {
    super(daemon, port, socket, peerAddress);
    this.remoteAddress = client.remoteAddress;
    this.setRemotePort(client.remotePort);
    this.pending = new FrameBuffer(daemon.buffers);
    this.deadlines.head(daemon.clock); // the preface and SETTINGS within the head timeout
    daemon.counters.http2Connections++;
    // RFC 9113 §3.4: our preface is a SETTINGS frame, sent at once; the connection window is
    // opened past its 65,535 default so one slow stream cannot stall the others.
    this.output.append(this.control, 0, writeSettings(this.control, 0, DEFAULT_ADVERTISED));
    this.sendWindowUpdate(0, H2_CONNECTION_WINDOW - DEFAULT_INITIAL_WINDOW_SIZE);
  }

  // ── ConnectionInput ──────────────────────────────────────────────────────────────────────────

  isIdle(): boolean {
    return this.active === 0 && this.pending.length === 0 && this.blocks.streamId === 0;
  }

  hasRequest(): boolean {
    return this.active > 0;
  }

  buffered(): number {
    return this.pending.length;
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
    this.daemon.counters.metrics.bytesIn += chunk.length;
    if (this.idleListed) this.daemon.idle.remove(this);
    const pending = this.pending;
    if (pending.length > 0) {
      const buf = pending.append(chunk);
      const end = pending.length;
      const used = this.process(buf, 0, end);
      if (this.state === OPEN) pending.keep(buf, used, end);
      else pending.release();
    } else {
      const used = this.process(chunk, 0, chunk.length);
      if (used < chunk.length && this.state === OPEN) pending.keep(chunk, used, chunk.length);
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
    this.pending.release();
    this.output.clear();
  }

  /** Daemon stopping: GOAWAY NO_ERROR, the streams in flight finish, then the connection closes (SPEC §11). */
  override closeIfIdle(): void {
    if (this.state !== OPEN) return;
    this.tellStreamsStopping(); // an event stream ends itself, so the connection can
    this.sendGoaway(NO_ERROR);
    if (this.active === 0) this.beginClosing();
    this.flush();
  }

  /** The daemon's sweep: the preface and idle timeouts, a client that reads nothing or never opens its window. */
  sweep(now: number): void {
    if (this.state === CLOSED) return;
    if (this.active > 0) this.sweepStreams(now);
    const busy = this.output.pending > 0 || this.pending.length > 0;
    const due = this.deadlines.due(now, true, 0, busy);
    if (due === DEADLINE_SEND) {
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

  // ── reading frames ───────────────────────────────────────────────────────────────────────────

  /** Parses frames in buf[start..end); returns where it stopped (a frame not yet whole). */
  private process(buf: Uint8Array, start: number, end: number): number {
    let p = start;
    if (!this.prefaceRead) {
      const r = matchPreface(buf, p, end);
      if (r === INCOMPLETE) return p;
      if (r === NOT_PREFACE) {
        this.connectionError(PROTOCOL_ERROR);
        return end;
      }
      this.prefaceRead = true;
      p += CLIENT_PREFACE_LENGTH;
    }
    this.processing = true;
    const frame = this.frame;
    while (p < end && this.state === OPEN) {
      const r = parseFrame(buf, p, end, H2_MAX_FRAME_SIZE, frame);
      if (r === INCOMPLETE) break;
      if (r < 0 && (!isStreamError(r) || this.blocks.streamId !== 0 || !this.settingsRead)) {
        this.connectionError(h2ErrorCode(r));
        break;
      }
      if (r < 0) {
        // A stream error comes once the whole frame is there: it is skipped whole — but a HEADERS
        // frame's block (one depending on its own stream, §5.3.1) is still decoded first, or the
        // dynamic table would leave the client's (§4.3), and its stream id counts as used.
        if (frame.type === FRAME_HEADERS && this.followBlock(buf)) break;
        this.streamError(frame.streamId, h2ErrorCode(r));
        p += FRAME_HEADER_LENGTH + frame.length;
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
    const blockStream = this.blocks.streamId;
    if (blockStream !== 0 && (f.type !== FRAME_CONTINUATION || f.streamId !== blockStream)) return this.connectionError(PROTOCOL_ERROR);
    switch (f.type) {
      case FRAME_DATA:
        return this.onDataFrame(buf);
      case FRAME_HEADERS:
        return this.onHeaders(buf);
      case FRAME_CONTINUATION:
        if (blockStream === 0) return this.connectionError(PROTOCOL_ERROR); // §6.10: no block in progress
        if (f.length === 0 && (f.flags & FLAG_END_HEADERS) === 0 && this.flood.emptyFrame(this.daemon.clock)) return this.calm();
        return this.readFragment(buf);
      case FRAME_PRIORITY:
        return; // §5.3.2: deprecated; accepted (checked by the parser) and ignored
      case FRAME_RST_STREAM:
        return this.onRstStream();
      case FRAME_SETTINGS:
        return this.onSettings(buf);
      case FRAME_PING:
        if ((f.flags & FLAG_ACK) !== 0) return;
        if (this.flood.ping(this.daemon.clock)) return this.calm();
        this.output.append(this.control, 0, writePingAck(this.control, 0, buf, f.payloadStart));
        return;
      case FRAME_GOAWAY:
        // The client will open no more streams; those in flight finish, then the connection closes.
        this.peerWentAway = true;
        if (this.active === 0) this.beginClosing();
        return;
      case FRAME_WINDOW_UPDATE: {
        const error = this.windowUpdated(f.streamId, readWindowIncrement(buf, f.payloadStart));
        return error === 0 ? undefined : this.connectionError(error);
      }
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
    if (stream === undefined || stream.remoteEnded || length > stream.recvWindow) {
      if (stream === undefined && f.streamId > this.lastStreamId) return this.connectionError(PROTOCOL_ERROR); // §5.1: idle
      this.giveBackConnectionWindow(length);
      // §5.1: after our RST_STREAM, frames in flight are ignored; on a stream that ended (or is
      // half-closed), STREAM_CLOSED; past the stream's window, FLOW_CONTROL_ERROR.
      if (stream === undefined && this.closedIds.find(f.streamId) === CLOSED_BY_RESET) return;
      return this.streamError(f.streamId, stream === undefined || stream.remoteEnded ? STREAM_CLOSED : FLOW_CONTROL_ERROR);
    }
    const data = f.payloadEnd - f.payloadStart;
    const endStream = (f.flags & FLAG_END_STREAM) !== 0;
    if (data > 0) stream.bodyDeadline = this.daemon.clock + this.daemon.limits.bodyIdleTimeoutMs;
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
    else if (stream.state === STREAM_STATE_HALF_CLOSED_LOCAL && stream.isBodyTooLong(this.daemon.limits.maxBody)) this.stopBody(stream);
    else if (stream.output.pending > 0) this.streamReady(stream);
  }

  private onHeaders(buf: Uint8Array): void {
    const f = this.frame;
    const id = f.streamId;
    const endStream = (f.flags & FLAG_END_STREAM) !== 0;
    const existing = this.streams.get(id);
    if (existing !== undefined) {
      // §8.1: trailers — a second HEADERS, which must end the stream.
      if (existing.remoteEnded) return this.connectionError(STREAM_CLOSED);
      if (!endStream) return this.connectionError(PROTOCOL_ERROR);
      this.blocks.begin(id, existing, true, true, false);
    } else if (id <= this.lastStreamId || id % 2 === 0) {
      // §5.1: a stream that was closed (STREAM_CLOSED; one we reset may still see frames in
      // flight, ignored — but its block still feeds the dynamic table), or an id the client can
      // no longer open: lower than one it opened, or even (§5.1.1).
      const closed = id % 2 === 0 ? 0 : this.closedIds.find(id);
      if (closed !== CLOSED_BY_RESET) return this.connectionError(closed === CLOSED_ENDED ? STREAM_CLOSED : PROTOCOL_ERROR);
      this.blocks.begin(id, null, false, endStream, false);
    } else {
      this.lastStreamId = id;
      // Past the concurrent-stream limit (§5.1.2) the block is followed and the stream refused;
      // after our GOAWAY (§6.8) it is followed and ignored.
      const open = !this.goawaySent && this.active < H2_MAX_CONCURRENT_STREAMS;
      this.blocks.begin(id, open ? this.openStream(id) : null, false, endStream, !open && !this.goawaySent);
    }
    this.readFragment(buf);
  }

  /** Decodes a refused HEADERS frame's block for HPACK's sake; true when that ended the connection. */
  private followBlock(buf: Uint8Array): boolean {
    const f = this.frame;
    if (f.streamId > this.lastStreamId && f.streamId % 2 === 1) this.lastStreamId = f.streamId;
    this.blocks.begin(f.streamId, null, false, (f.flags & FLAG_END_STREAM) !== 0, false);
    this.readFragment(buf);
    return this.state !== OPEN;
  }

  /** A header block fragment; at END_HEADERS the block is finished (a request starts, or trailers end one). */
  private readFragment(buf: Uint8Array): void {
    const f = this.frame;
    const blocks = this.blocks;
    const r = blocks.fragment(buf, f.payloadStart, f.payloadEnd, (f.flags & FLAG_END_HEADERS) !== 0);
    if (r === BLOCK_CONTINUES) return;
    // CVE-2024-27316: a block that never ends, or ends far past the header list limit, is a flood.
    if (r === BLOCK_TOO_LARGE) return this.calm();
    if (r === BLOCK_UNDECODABLE) return this.connectionError(COMPRESSION_ERROR);
    const stream = blocks.target;
    const refused = blocks.refused;
    const trailers = blocks.block.trailers;
    const malformed = blocks.block.malformed;
    blocks.finish();
    if (stream === null) {
      if (refused) this.streamError(f.streamId, REFUSED_STREAM);
    } else if (trailers) {
      // §8.1: trailers are checked, then the body ends. Their fields are not kept (as HTTP/1's).
      const declared = stream.head.contentLength;
      if (malformed !== 0 || (declared >= 0 && stream.bodyBytes !== declared)) this.streamError(stream.id, PROTOCOL_ERROR);
      else this.remoteEnded(stream);
    } else {
      this.startRequest(stream, blocks.endsStream);
    }
  }

  private onRstStream(): void {
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
    const r = applySettings(buf, f.payloadStart, f.payloadEnd, this.peer);
    if (r < 0) return this.connectionError(h2ErrorCode(r));
    const error = this.settingsChanged();
    if (error !== 0) return this.connectionError(error);
    this.output.append(this.control, 0, writeSettingsAck(this.control, 0));
  }

  // ── ending the connection ────────────────────────────────────────────────────────────────────

  /** ENHANCE_YOUR_CALM: an abusive pattern (floods, rapid reset, endless header blocks). */
  protected calm(): void {
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
}
