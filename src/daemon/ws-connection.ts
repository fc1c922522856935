/**
 * WsConnection: a socket after a WebSocket upgrade (SPEC §12, RFC 6455). It takes the socket over
 * from the HttpConnection that answered 101 (ws-takeover.ts) — its output queue too, which may
 * still hold the 101 — and from then on reads client frames (WsMessageReader: framing, UTF-8,
 * limits, permessage-deflate) and writes server frames. It is the WsTransport of the servlet's
 * WebSocketSession and tells it of messages and of the close.
 *
 * Lifecycle, on SocketConnection's machine: OPEN while messages flow both ways; our Close sent or
 * the client's received → CLOSING (no data frame is sent after our Close, §5.5.1); once both Close
 * frames are exchanged, and our output is written, the TCP connection is closed — by us first, as
 * §7.1.1 asks of a server. A client that fails the protocol gets our Close with the code (1002,
 * 1007, 1009) and the connection closes without waiting for its answer (§7.1.7). Time (the daemon's
 * sweep): a silent client is pinged every wsPingIntervalMs and dropped when silent for another; a
 * client that does not answer our Close within wsCloseTimeoutMs is closed; output that does not
 * move for sendTimeoutMs ends the socket at once (its Close could not be delivered either).
 *
 * Memory: the output is bounded (a send past maxBacklog closes the socket with 1008, counted);
 * the message reader keeps nothing between messages beyond a small buffer; an idle socket holds
 * this object, its reader and its (shrunk) output queue.
 */
import type { Socket } from "bun";
import { MAX_CONTROL_FRAME, MAX_SERVER_FRAME_HEAD, writeClose, writeFrameHead, writePing, writePong } from "../http/ws/frame-writer.ts";
import { compressMessage, shouldCompress } from "../http/ws/permessage-deflate.ts";
import { isSendableCloseCode } from "../parser/ws/close-payload.ts";
import { CLOSE_ABNORMAL, CLOSE_GOING_AWAY, CLOSE_NO_STATUS, CLOSE_NORMAL, CLOSE_POLICY_VIOLATION } from "../parser/ws/errors.ts";
import { OPCODE_BINARY, OPCODE_TEXT } from "../parser/ws/frame-reader.ts";
import type { FramedMessage, WsEndpoint, WsSettings, WsTransport } from "../servers/websocket-port.ts";
import type { ConnectionHost, PortResources } from "./daemon-resources.ts";
import { DEADLINE_LINGER, DEADLINE_SEND } from "./deadlines.ts";
import { WS_MAX_PINGS_PER_SECOND } from "./limits.ts";
import {
  CLOSED,
  CLOSING,
  type ConnectionState,
  ENDED,
  LINGERING,
  OPEN,
  SocketConnection,
  type ConnectionInput,
} from "./socket-connection.ts";
import { type WsMessageHandler, WsMessageReader } from "./ws-message-reader.ts";

/** Frame heads and control frames are written here, then copied into the output queue (no allocation per frame). */
const scratch = new Uint8Array(MAX_CONTROL_FRAME + MAX_SERVER_FRAME_HEAD);
/** The ping budget's window (ms): WS_MAX_PINGS_PER_SECOND per this. */
const PING_WINDOW_MS = 1000;
/** Turns a text message into bytes when it is to be compressed. */
const encoder = new TextEncoder();
/** UTF-8 bytes per UTF-16 unit, at most (a surrogate pair: 4 bytes for 2 units). */
const MAX_UTF8_PER_UNIT = 3;
/** UTF-16 units of a text that cannot pass 125 UTF-8 bytes: its frame head is 2 bytes, the second its length (§5.2). */
const SHORT_TEXT_UNITS = 41;

/** A WebSocket on an accepted socket (see the file comment). */
export class WsConnection extends SocketConnection implements WsTransport, WsMessageHandler, ConnectionInput {
  /**
   * The reading side as SocketConnection's lifecycle asks about it is this object: a WebSocket is
   * never idle (it is not reclaimed to make room: it is in use until it closes), has no request
   * in progress (so its output gives back a buffer grown for a large message once it is written:
   * an idle socket holds none), and keeps nothing unread — its reader consumes every byte as it
   * arrives. While the application holds reading (a pending onmessage Promise), the output's
   * drain does not resume the socket under it (mayReadAgain).
   */
  protected readonly input: ConnectionInput = this;
  /** Reading is held for the application (pauseReading): the socket stays paused until resumeReading(). */
  private readHeld = false;
  private readonly reader: WsMessageReader;
  /** The servlet's session; told of messages and of the close (once). */
  private endpoint: WsEndpoint | null = null;
  /** Our Close frame is queued: no data frame follows it (§5.5.1). */
  private closeSent = false;
  /** The client's Close frame arrived (or it failed the protocol): nothing more is read. */
  private closeReceived = false;
  /** When our Close went out unanswered, the client's is due by then (0: none awaited). */
  private closeDueAt = 0;
  /** The endpoint was told of the close. */
  private closeReported = false;
  /** The daemon clock when the client last sent anything. */
  private lastHeard: number;
  /** A ping of ours is unanswered since then (0: none). */
  private pingSentAt = 0;
  /** The daemon clock when the current second of the client's ping budget began. */
  private pingWindowStart = -PING_WINDOW_MS;
  /** The client's Pings in that second (each owes a Pong). */
  private pingsInWindow = 0;

  /**
   * Takes over `previous`'s socket (its output and access-log lines included) for a WebSocket
   * agreed as `settings`. The endpoint is attached with attach() before any byte is read.
   */
  constructor(
    daemon: ConnectionHost,
    private readonly port: PortResources,
    socket: Socket<unknown>,
    previous: SocketConnection,
    /** What the handshake agreed and the bounds of this socket. */
    readonly settings: WsSettings,
  ) {
    super(daemon, socket, previous.peerAddress, port.localPort, port.boundAddress, previous);
    this.remoteAddress = previous.remoteAddress;
    this.reader = new WsMessageReader(this, settings.maxMessage);
    this.reader.deflate = settings.deflate;
    this.lastHeard = daemon.clock;
    this.deadlines.clear(); // no request deadline: the ping and close timers below run instead
    daemon.counters.websockets++;
  }

  /** The session the servlet holds: messages and the close go to it. */
  attach(endpoint: WsEndpoint): void {
    this.endpoint = endpoint;
  }

  /** True over TLS. */
  isSecure(): boolean {
    return this.port.secure;
  }

  /** A WebSocket, whatever it is doing. */
  activity(): ConnectionState {
    return "websocket";
  }

  /** A WebSocket never counts as a reused keep-alive connection to reclaim. */
  isReused(): boolean {
    return true;
  }

  // ── WsTransport (what the session drives) ───────────────────────────────────────────────

  /** Queues one message as one frame: text for a string, binary for bytes; compressed when agreed and worth it. */
  sendMessage(data: string | Uint8Array): void {
    if (!this.maySend()) return;
    const text = typeof data === "string";
    const opcode = text ? OPCODE_TEXT : OPCODE_BINARY;
    if (this.settings.deflate) {
      const length = text ? Buffer.byteLength(data, "utf8") : data.length;
      if (shouldCompress(length)) {
        const payload = compressMessage(text ? encoder.encode(data) : data);
        if (!this.reserve(MAX_SERVER_FRAME_HEAD + payload.length)) return;
        this.output.append(scratch, 0, writeFrameHead(scratch, 0, opcode, true, true, payload.length));
        this.output.append(payload);
        return this.flushSoon();
      }
    }
    if (text) {
      // Short enough for a 2-byte head whatever its UTF-8 length: encoded once, straight into the
      // queue, and the head's length byte (§5.2: the length itself, up to 125; the byte just
      // before the payload) set after. The backlog bound is reserve()'s, with the most the text
      // can take: a send refused here goes on to the exact check below.
      if (
        data.length <= SHORT_TEXT_UNITS &&
        this.output.pending + MAX_SERVER_FRAME_HEAD + data.length * MAX_UTF8_PER_UNIT <= this.settings.maxBacklog
      ) {
        this.output.append(scratch, 0, writeFrameHead(scratch, 0, opcode, true, false, 0));
        const n = this.output.appendUtf8(data);
        this.output.setByteBack(n + 1, n);
        return this.flushSoon();
      }
      const length = Buffer.byteLength(data, "utf8");
      if (!this.reserve(MAX_SERVER_FRAME_HEAD + length)) return;
      this.output.append(scratch, 0, writeFrameHead(scratch, 0, opcode, true, false, length));
      this.output.appendUtf8(data);
    } else {
      if (!this.reserve(MAX_SERVER_FRAME_HEAD + data.length)) return;
      this.output.append(scratch, 0, writeFrameHead(scratch, 0, opcode, true, false, data.length));
      this.output.append(data);
    }
    this.flushSoon();
  }

  /** Queues a frame made once for many sockets: the compressed one where deflate was agreed (and worth it). */
  sendFramed(message: FramedMessage): void {
    if (!this.maySend()) return;
    const frame = (this.settings.deflate ? message.compressed() : null) ?? message.plain;
    if (!this.reserve(frame.length)) return;
    this.output.append(frame);
    this.flushSoon();
  }

  /** Bytes queued and not written yet. */
  backlog(): number {
    return this.output.pending;
  }

  /** True above the output's high-water mark. */
  isCongested(): boolean {
    return this.output.isCongested();
  }

  /**
   * Starts the closing handshake with `code` and `reason` (a code that may not be sent is refused
   * by the session first). The session hears the close when the client answers with its Close,
   * or when the socket ends without one (1006).
   */
  beginClose(code: number, reason: string): void {
    if (this.closeSent || this.state >= ENDED) return;
    this.sendClose(code, reason);
  }

  /**
   * Holds reading until resumeReading() (the session does while an onmessage Promise is pending):
   * what this read already brought is still delivered, nothing more is read — the kernel, then
   * the client's TCP window, hold the rest.
   */
  pauseReading(): void {
    if (this.readHeld || this.state >= ENDED) return;
    this.readHeld = true;
    this.socket.pause();
  }

  /** Reading goes on (unless the output is congested: then it resumes when that drains). */
  resumeReading(): void {
    if (!this.readHeld) return;
    this.readHeld = false;
    if (!this.paused && this.state < ENDED) this.socket.resume();
  }

  // ── ConnectionInput (see `input`) ───────────────────────────────────────────────────────

  /** Never idle: a WebSocket is not reclaimed to make room. */
  isIdle(): boolean {
    return false;
  }

  /** No request in progress (its output shrinks once written). */
  hasRequest(): boolean {
    return false;
  }

  /** Nothing unread: the reader consumes every byte as it arrives. */
  buffered(): number {
    return 0;
  }

  /** The output drained: reading resumes, unless the application holds it (pauseReading). */
  protected override mayReadAgain(): boolean {
    return !this.readHeld;
  }

  /** Never inside a read loop of its own. */
  isProcessing(): boolean {
    return false;
  }

  /** Reading never stalls for a head. */
  takeStalled(): boolean {
    return false;
  }

  // ── WsMessageHandler (what the reader delivers) ─────────────────────────────────────────

  /** A whole text message: to the session (dropped once our Close went out, §5.5.1). */
  text(message: string): void {
    if (!this.closeSent) this.endpoint?.message(message);
  }

  /** A whole binary message (the reader's copy): to the session, as text(). */
  binary(message: Uint8Array): void {
    if (!this.closeSent) this.endpoint?.message(message);
  }

  /**
   * §5.5.2: a Ping is answered with a Pong carrying its payload (not after our Close). Past
   * WS_MAX_PINGS_PER_SECOND in a second the client is flooding (each Ping costs us a Pong, as
   * HTTP/2's PING does): closed with 1008, counted, nothing more read.
   */
  ping(payload: Uint8Array): void {
    if (this.closeSent || this.state !== OPEN) return;
    const now = this.daemon.clock;
    if (now - this.pingWindowStart >= PING_WINDOW_MS) {
      this.pingWindowStart = now;
      this.pingsInWindow = 0;
    }
    if (++this.pingsInWindow > WS_MAX_PINGS_PER_SECOND) {
      this.daemon.counters.websocketFloods++;
      this.closeReceived = true; // §7.1.7: failed, so the rest of its input goes unread
      this.sendClose(CLOSE_POLICY_VIOLATION, "ping flood");
      this.reportClosed(CLOSE_POLICY_VIOLATION, "");
      return this.beginClosing();
    }
    this.output.append(scratch, 0, writePong(scratch, 0, payload, 0, payload.length));
  }

  /** An unsolicited Pong is allowed (§5.5.3) and means nothing more than that the client is there. */
  pong(): void {}

  /** §5.5.1: the client's Close. Answered with ours (its code echoed) unless ours went first; then the connection ends. */
  close(code: number, reason: string): void {
    this.closeReceived = true;
    this.inputFinished = true; // nothing follows a Close: no linger needed
    if (!this.closeSent) this.sendClose(code === CLOSE_NO_STATUS ? 0 : code, "");
    this.reportClosed(code, reason);
    this.beginClosing();
  }

  /** §7.1.7: the client failed the protocol: our Close with `closeCode`, counted, and the connection closes without waiting. */
  failed(closeCode: number, _reason: string): void {
    this.daemon.counters.websocketErrors++;
    this.closeReceived = true;
    if (!this.closeSent) this.sendClose(closeCode, "");
    this.reportClosed(closeCode, "");
    this.beginClosing();
  }

  // ── socket events ───────────────────────────────────────────────────────────────────────

  /** Bun `data`: the client's frames (unmasked in place: the chunk is ours during the call). */
  onData(chunk: Uint8Array): void {
    if (this.discardsInput(chunk) || this.closeReceived) return;
    this.lastHeard = this.daemon.clock;
    this.pingSentAt = 0;
    this.turnClock = Date.now();
    this.reader.read(chunk, 0, chunk.length);
    this.turnClock = 0;
    this.flush();
  }

  /** Bun `end`: the client sent its FIN. Without a Close first it vanished (1006); either way we end too. */
  onEnd(): void {
    this.peerEnded = true;
    if (this.state === LINGERING || this.state === ENDED) return this.finishClose(false);
    this.reportClosed(CLOSE_ABNORMAL, "");
    this.beginClosing();
    this.flush();
  }

  /** Bun `close`: the connection is gone. */
  onClose(): void {
    if (this.state === CLOSED) return;
    this.leaveLinger();
    this.state = CLOSED;
    this.reportClosed(CLOSE_ABNORMAL, "");
    this.accessLines?.close(this.output.written, false);
    this.daemon.connectionClosed(this);
    this.callDrainWaiters();
    this.output.clear();
  }

  /** Never idle: nothing to give back. */
  protected becameIdle(): void {}

  /** Reading resumes with the output (SocketConnection.flush): nothing is held here. */
  protected resumeInput(): void {}

  /** The daemon is stopping: §7.4.1 1001 "going away", then the close handshake as usual. */
  override closeIfIdle(): void {
    if (this.state === OPEN) this.beginClose(CLOSE_GOING_AWAY, "server stopping");
  }

  /** The daemon's sweep: output that does not move, the close awaited, the pings. */
  sweep(now: number): void {
    if (this.state === CLOSED) return;
    const due = this.deadlines.due(now, false, 0, false);
    if (due === DEADLINE_SEND) {
      // The client reads nothing: no Close could reach it either.
      this.daemon.counters.timeouts++;
      this.reportClosed(CLOSE_ABNORMAL, "");
      return this.abort();
    }
    if (due === DEADLINE_LINGER) return this.finishClose(this.state === ENDED);
    if (this.state !== OPEN && this.state !== CLOSING) return;
    if (this.closeDueAt > 0 && now >= this.closeDueAt) {
      this.closeDueAt = 0;
      this.inputFinished = true; // its Close never came: end without waiting for more
      this.beginClosing();
      return this.flush();
    }
    if (this.state !== OPEN) return;
    const interval = this.daemon.limits.wsPingIntervalMs;
    if (this.pingSentAt > 0) {
      if (now - this.pingSentAt >= interval) {
        // Silent through a whole interval after our ping: the peer is gone (no FIN ever came).
        this.daemon.counters.timeouts++;
        this.reportClosed(CLOSE_ABNORMAL, "");
        this.abort();
      }
    } else if (now - this.lastHeard >= interval) {
      this.pingSentAt = now;
      this.output.append(scratch, 0, writePing(scratch, 0, scratch, 0, 0));
      this.flush();
    }
  }

  // ── inside ──────────────────────────────────────────────────────────────────────────────

  /** Data frames may be queued: open, and our Close not sent. */
  private maySend(): boolean {
    return this.state === OPEN && !this.closeSent;
  }

  /**
   * Room for `bytes` more within maxBacklog; else the socket is closed with 1008 (SPEC §12: never
   * buffered without bound), counted, and nothing is queued.
   */
  private reserve(bytes: number): boolean {
    if (this.output.pending + bytes <= this.settings.maxBacklog) return true;
    this.daemon.counters.websocketOverflows++;
    this.beginClose(CLOSE_POLICY_VIOLATION, "backlog over its limit");
    return false;
  }

  /** Queues our Close (`code` 0: an empty one); the client's answer is awaited for wsCloseTimeoutMs. */
  private sendClose(code: number, reason: string): void {
    this.closeSent = true;
    this.endpoint?.closing();
    const sendable = code === 0 || isSendableCloseCode(code) ? code : CLOSE_NORMAL;
    this.output.append(scratch, 0, writeClose(scratch, 0, sendable, reason));
    if (!this.closeReceived) this.closeDueAt = this.daemon.clock + this.daemon.limits.wsCloseTimeoutMs;
    else this.beginClosing();
    this.flushSoon();
  }

  /** Tells the session once: the first close (ours, the client's, or the socket's end) is the one it hears. */
  private reportClosed(code: number, reason: string): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.endpoint?.closed(code, reason);
  }
}
