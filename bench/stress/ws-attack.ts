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
import { type AttackConn, AttackConnections } from "./attack-connections.ts";

/** RFC 6455 §5.2 opcodes the scanner tells apart. */
const OPCODE_CLOSE = 8;
const OPCODE_PONG = 10;
/** The offer Chromium makes (RFC 7692 §7.1). */
const DEFLATE_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits";

/** One attack connection. */
export class WsAttackConn implements AttackConn {
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
export class WsAttack extends AttackConnections<WsAttackConn> {
  upgraded = 0;
  /** Connections the server answered with something other than 101. */
  notUpgraded = 0;
  /** Close codes received from the server, by code. */
  readonly closeCodes: Record<string, number> = {};
  /** Connections the server closed, by the Close code each had received first ("0": none seen — a slow reader never reads it). */
  readonly serverCloses: Record<string, number> = {};
  messages = 0;
  pongs = 0;

  constructor(
    private readonly port: number,
    private readonly behaviour: WsBehaviour,
  ) {
    super();
  }

  /** Opens one WebSocket and waits for its handshake's answer. */
  protected async open(): Promise<void> {
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

  /** The behaviour's next bytes. */
  protected nextPiece(c: WsAttackConn): Uint8Array | null {
    return this.behaviour.next(c);
  }

  /** Frames only once the 101 came. */
  protected override mayWrite(c: WsAttackConn): boolean {
    return c.upgraded;
  }

  /** Counted by the Close code the connection had received first. */
  protected override serverClosed(c: WsAttackConn): void {
    this.serverCloses[c.closeCode] = (this.serverCloses[c.closeCode] ?? 0) + 1;
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
}
