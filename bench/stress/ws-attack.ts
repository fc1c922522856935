/**
 * WebSocket attack connections for the ws-* probes (issue 23): cleartext, the RFC 6455 opening
 * handshake (with a permessage-deflate offer when asked), then whatever the probe's behaviour
 * writes — pumped while the socket takes it, a bounded number of pieces per turn so the attacker
 * never starves its own event loop. The server's frames are scanned as they come (a head at a
 * time, nothing kept but a partial frame): its Close code is counted, its messages and pongs
 * too. A slow reader stops reading once upgraded. A connection the server closes is reopened at
 * once, as a determined attacker would, until stop(). Client frames are the tests' own encoder
 * (test/helpers/ws-client.ts), not netsvc's.
 */
import type { Socket } from "bun";
import { handshakeRequest } from "../../test/helpers/ws-client.ts";
import { CONNECT_BATCH } from "./sockets.ts";

/** Pieces written per connection in one turn before yielding to the event loop. */
const PIECES_PER_TURN = 64;
/** RFC 6455 §5.2 opcodes the scanner tells apart. */
const OPCODE_CLOSE = 8;
const OPCODE_PONG = 10;
/** The offer Chromium makes (RFC 7692 §7.1). */
const DEFLATE_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits";

/** One attack connection. */
export class WsAttackConn {
  socket!: Socket<undefined>;
  /** performance.now() when the 101 arrived (or the connection opened, before it). */
  openedAt = performance.now();
  /** The 101 was read: frames follow. */
  upgraded = false;
  closed = false;
  closedByServer = false;
  /** The server's Close code (1005: none in its payload; 0: no Close seen). */
  closeCode = 0;
  /** Where the behaviour is on this connection (its own meaning per probe). */
  step = 0;
  /** Data messages (final frames) and pongs received. */
  messages = 0;
  pongs = 0;
  /** Bytes to write before the behaviour's next ones, and how far they went. */
  pending: Uint8Array | null = null;
  offset = 0;
  /** Received bytes not yet scanned (the 101's head, or a partial frame). */
  partial: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to skip (they arrive in later chunks). */
  skip = 0;
}

/** What a probe does on each connection. */
export interface WsBehaviour {
  /** The request path (the target's /ws or /ws/flood). */
  path: string;
  /** Offer permessage-deflate (default false). */
  deflate?: boolean;
  /** Keep reading after the 101 (default true). False: a client that never reads again. */
  read?: boolean;
  /** The next bytes to write (called while the socket takes them); null: nothing more for now. */
  next(c: WsAttackConn): Uint8Array | null;
  /** A data message's last frame (or a pong) arrived: a behaviour that waits for it writes again. */
  heard?(c: WsAttackConn): void;
}

/** `n` attack WebSockets to 127.0.0.1:port, each reopened when the server closes it. */
export class WsAttack {
  opened = 0;
  upgraded = 0;
  closedByServer = 0;
  refused = 0;
  /** Connections the server answered with something other than 101. */
  notUpgraded = 0;
  bytesWritten = 0;
  longestHeldMs = 0;
  /** Close codes received from the server, by code. */
  readonly closeCodes: Record<string, number> = {};
  /** Connections the server closed, by the Close code each had received first ("0": none seen — a slow reader never reads it). */
  readonly serverCloses: Record<string, number> = {};
  messages = 0;
  pongs = 0;
  readonly held = new Set<WsAttackConn>();
  private running = true;

  constructor(
    private readonly port: number,
    private readonly behaviour: WsBehaviour,
  ) {}

  /** Opens the first `n` connections, in batches, and waits for their handshakes. */
  async start(n: number): Promise<void> {
    for (let i = 0; i < n; i += CONNECT_BATCH) await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, () => this.open()));
  }

  private async open(): Promise<void> {
    const c = new WsAttackConn();
    const upgraded = Promise.withResolvers<void>();
    try {
      c.socket = await Bun.connect({
        hostname: "127.0.0.1",
        port: this.port,
        socket: {
          data: (_s, chunk) => {
            this.receive(c, chunk);
            if (c.upgraded || c.closed) upgraded.resolve();
          },
          drain: () => this.pump(c),
          close: () => {
            this.closed(c);
            upgraded.resolve();
          },
          error: () => {},
        },
      });
    } catch {
      this.refused++;
      return;
    }
    this.opened++;
    this.held.add(c);
    if (!this.running) return this.close(c);
    c.socket.write(handshakeRequest(this.behaviour.path, this.behaviour.deflate ? [DEFLATE_OFFER] : []));
    await upgraded.promise;
  }

  /** Writes while the socket takes it: the pending bytes, then the behaviour's next ones. */
  private pump(c: WsAttackConn): void {
    for (let pieces = 0; this.running && !c.closed && c.upgraded; ) {
      if (c.pending === null) {
        if (pieces++ >= PIECES_PER_TURN) {
          setImmediate(() => this.pump(c));
          return;
        }
        c.offset = 0;
        c.pending = this.behaviour.next(c);
        if (c.pending === null) return;
      }
      const n = c.socket.write(c.pending, c.offset, c.pending.length - c.offset);
      if (n <= 0) return;
      this.bytesWritten += n;
      c.offset += n;
      if (c.offset < c.pending.length) return;
      c.pending = null;
    }
  }

  private receive(c: WsAttackConn, chunk: Uint8Array): void {
    let bytes = c.partial.length > 0 ? Buffer.concat([c.partial, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    c.partial = Buffer.alloc(0);
    if (!c.upgraded) {
      const end = bytes.indexOf("\r\n\r\n");
      if (end < 0) {
        c.partial = Buffer.from(bytes);
        return;
      }
      if (!bytes.subarray(0, 12).toString("latin1").startsWith("HTTP/1.1 101")) {
        this.notUpgraded++;
        return this.close(c);
      }
      c.upgraded = true;
      c.openedAt = performance.now();
      this.upgraded++;
      bytes = bytes.subarray(end + 4);
      if (this.behaviour.read === false) c.socket.pause();
    }
    this.scan(c, bytes);
    this.pump(c);
  }

  /** Scans server frames: heads are read, payloads skipped (a Close's code kept). */
  private scan(c: WsAttackConn, bytes: Buffer): void {
    let p = 0;
    if (c.skip > 0) {
      const n = Math.min(c.skip, bytes.length);
      c.skip -= n;
      p = n;
    }
    while (p < bytes.length) {
      if (p + 2 > bytes.length) break;
      const b0 = bytes[p]!;
      let length = bytes[p + 1]! & 0x7f;
      let at = p + 2;
      if (length === 126) {
        if (at + 2 > bytes.length) break;
        length = bytes.readUInt16BE(at);
        at += 2;
      } else if (length === 127) {
        if (at + 8 > bytes.length) break;
        length = Number(bytes.readBigUInt64BE(at));
        at += 8;
      }
      const opcode = b0 & 0x0f;
      if (opcode === OPCODE_CLOSE) {
        if (at + length > bytes.length) break; // ≤ 125 bytes: wait for it whole
        c.closeCode = length >= 2 ? bytes.readUInt16BE(at) : 1005;
        this.closeCodes[c.closeCode] = (this.closeCodes[c.closeCode] ?? 0) + 1;
      } else if (opcode === OPCODE_PONG) {
        c.pongs++;
        this.pongs++;
      } else if ((b0 & 0x80) !== 0 && opcode < 8) {
        c.messages++;
        this.messages++;
      }
      if (opcode === OPCODE_PONG || ((b0 & 0x80) !== 0 && opcode < 8)) this.behaviour.heard?.(c);
      if (at + length > bytes.length) {
        c.skip = at + length - bytes.length;
        return;
      }
      p = at + length;
    }
    if (p < bytes.length) c.partial = Buffer.from(bytes.subarray(p));
  }

  private closed(c: WsAttackConn): void {
    if (!c.closed) c.closedByServer = true;
    c.closed = true;
    this.held.delete(c);
    if (!c.closedByServer) return;
    this.closedByServer++;
    this.serverCloses[c.closeCode] = (this.serverCloses[c.closeCode] ?? 0) + 1;
    this.longestHeldMs = Math.max(this.longestHeldMs, performance.now() - c.openedAt);
    if (this.running) void this.open();
  }

  private close(c: WsAttackConn): void {
    if (c.closed) return;
    c.closed = true;
    this.held.delete(c);
    c.socket.terminate();
  }

  /** Connections open now that have been open longer than `ms`. */
  openLongerThan(ms: number): number {
    const now = performance.now();
    let n = 0;
    for (const c of this.held) if (!c.closed && now - c.openedAt > ms) n++;
    return n;
  }

  /** Close frames received with `code`. */
  closesWith(code: number): number {
    return this.closeCodes[code] ?? 0;
  }

  /** Connections the server closed after a Close frame with `code` (0: without one we saw). */
  serverClosedWith(code: number): number {
    return this.serverCloses[code] ?? 0;
  }

  /** The figures every ws probe reports. */
  notes(): Record<string, number | string> {
    const codes = Object.entries(this.closeCodes)
      .map(([k, v]) => `${k} ×${v}`)
      .join(", ");
    return {
      "connections opened (101)": `${this.opened} (${this.upgraded})`,
      "closed by the server (then reopened)": this.closedByServer,
      "Close codes received": codes || "none",
      "MiB written": +(this.bytesWritten / 2 ** 20).toFixed(1),
      "longest held before the server closed it (ms)": Math.round(this.longestHeldMs),
      ...(this.notUpgraded > 0 ? { "answered without 101": this.notUpgraded } : {}),
      ...(this.refused > 0 ? { "connects refused": this.refused } : {}),
    };
  }

  /** Stops reopening and closes every connection still open. */
  stop(): void {
    this.running = false;
    for (const c of [...this.held]) this.close(c);
  }
}
