/**
 * HTTP/2 attack connections for the h2 probes (issue 22 item 3): TLS with ALPN h2 (both servers
 * speak HTTP/2 there: netsvc by ALPN, nginx by `listen … ssl http2`), the connection preface and
 * SETTINGS, then whatever the probe's behaviour writes — batches written while the socket takes
 * them (resumed on drain, a bounded number per turn so the attacker never starves its own event
 * loop), or a few frames and then nothing (a slow reader). The server's frames are read with the
 * tests' frame reader: its SETTINGS are acknowledged, its GOAWAY's error code is counted. A
 * connection the server closes is reopened at once, as a determined attacker would, until stop().
 */
import type { Socket } from "bun";
import { h2ErrorCodeName } from "../../src/parser/h2/errors.ts";
import { FLAG_ACK, FRAME_GOAWAY, FRAME_SETTINGS } from "../../src/parser/h2/frame.ts";
import { CLIENT_PREFACE } from "../../src/parser/h2/preface.ts";
import { settingsFrame } from "../../test/helpers/h2-client.ts";
import { type H2Frame, H2FrameReader, type HeaderDecoder } from "../../test/helpers/h2-frame-reader.ts";
import {
  SETTINGS_ACK_FRAME_LENGTH,
  WINDOW_UPDATE_FRAME_LENGTH,
  writeSettingsAck,
  writeWindowUpdate,
} from "../../src/http/h2/frame-writer.ts";
import { SETTINGS_INITIAL_WINDOW_SIZE } from "../../src/parser/h2/settings.ts";
import { type AttackConn, AttackConnections } from "./attack-connections.ts";

/** RFC 9113 §6.5.3: the acknowledgement of the server's SETTINGS. */
const SETTINGS_ACK = new Uint8Array(SETTINGS_ACK_FRAME_LENGTH);
writeSettingsAck(SETTINGS_ACK, 0);
/** ALPN offer: h2 only (wire format). */
const ALPN_H2 = Buffer.from("\x02h2", "latin1");
/** RFC 9113 §6.9.1: the largest window, and §6.9.2 the initial one. */
const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65_535;
/** The largest frame the attacker accepts (the RFC's default). */
const MAX_FRAME = 16_384;
/** One attack connection. */
export class H2AttackConn implements AttackConn {
  socket!: Socket<undefined>;
  /** The next client stream id this connection opens (odd). */
  nextStreamId = 1;
  /** performance.now() at the TLS handshake. */
  openedAt = performance.now();
  closed = false;
  closedByServer = false;
  /** The error code of the GOAWAY received, or -1. */
  goaway = -1;
  /** Where the behaviour is on this connection (its own meaning per probe). */
  step = 0;
  /** Bytes to write before the behaviour's next ones, and how far they went. */
  pending: Uint8Array | null = null;
  offset = 0;
  /** SETTINGS of the server not yet acknowledged (§6.5.3): written before the next bytes. */
  acksOwed = 0;
  readonly reader: H2FrameReader;

  constructor(decode: HeaderDecoder | undefined) {
    this.reader = new H2FrameReader(MAX_FRAME, decode);
  }

  /** Takes the next odd stream id. */
  takeStreamId(): number {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    return id;
  }
}

/** What a probe does on each connection. */
export interface H2Behaviour {
  /** SETTINGS entries sent after the preface (default none). */
  settings?: [number, number][];
  /**
   * Open the connection's receive window wide at once (default true), so the server's answers
   * never stall on our window: the attack is the frames, not a slow read. False for a slow reader.
   */
  openWindow?: boolean;
  /** A decoder per connection for the server's field blocks (f.headers then carries them). */
  decoder?: () => HeaderDecoder;
  /** The next bytes to write (called while the socket takes them); null: nothing more for now. */
  next(c: H2AttackConn): Uint8Array | null;
  /** A frame from the server (after the connection's own handling of SETTINGS and GOAWAY). */
  frame?(c: H2AttackConn, f: H2Frame): void;
}

/** `n` attack connections to 127.0.0.1:port over TLS (ALPN h2), each reopened when the server closes it. */
export class H2Attack extends AttackConnections<H2AttackConn> {
  /** Connections whose TLS handshake did not select h2. */
  notH2 = 0;
  /** GOAWAY error codes received, by name. */
  readonly goaways: Record<string, number> = {};

  constructor(
    private readonly port: number,
    private readonly behaviour: H2Behaviour,
  ) {
    super();
  }

  protected async open(): Promise<void> {
    const c = new H2AttackConn(this.behaviour.decoder?.());
    const handshaken = Promise.withResolvers<boolean>();
    try {
      c.socket = await Bun.connect({
        hostname: "127.0.0.1",
        port: this.port,
        tls: { rejectUnauthorized: false, ALPNProtocols: ALPN_H2 },
        socket: {
          handshake: (s, ok) => handshaken.resolve(ok && s.alpnProtocol === "h2"),
          data: (_s, chunk) => this.receive(c, chunk),
          drain: () => this.pump(c),
          close: () => this.closed(c),
          error: () => {},
          connectError: () => handshaken.resolve(false),
        },
      });
    } catch {
      this.refused++;
      return;
    }
    if (!(await handshaken.promise)) {
      this.notH2++;
      c.closed = true;
      c.socket.terminate();
      return;
    }
    c.openedAt = performance.now();
    this.opened++;
    this.held.add(c);
    if (!this.running) return this.close(c);
    const window = new Uint8Array(WINDOW_UPDATE_FRAME_LENGTH);
    writeWindowUpdate(window, 0, 0, MAX_WINDOW - DEFAULT_WINDOW);
    const open = this.behaviour.openWindow ?? true;
    const settings: [number, number][] = [
      ...(open ? [[SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW] as [number, number]] : []),
      ...(this.behaviour.settings ?? []),
    ];
    c.pending = Buffer.concat([CLIENT_PREFACE, settingsFrame(settings), ...(open ? [window] : [])]);
    this.pump(c);
  }

  /** The server's SETTINGS acknowledged first (§6.5.3), then the behaviour's next bytes. */
  protected nextPiece(c: H2AttackConn): Uint8Array | null {
    if (c.acksOwed === 0) return this.behaviour.next(c);
    c.acksOwed--;
    return SETTINGS_ACK;
  }

  private receive(c: H2AttackConn, chunk: Uint8Array): void {
    for (const f of c.reader.receive(chunk)) {
      if (f.type === FRAME_SETTINGS && (f.flags & FLAG_ACK) === 0) c.acksOwed++;
      if (f.type === FRAME_GOAWAY && c.goaway < 0) {
        c.goaway = f.errorCode ?? -1;
        const name = h2ErrorCodeName(c.goaway);
        this.goaways[name] = (this.goaways[name] ?? 0) + 1;
      }
      this.behaviour.frame?.(c, f);
    }
    this.pump(c);
  }

  /** GOAWAYs received with `code`'s name. */
  goawaysOf(name: string): number {
    return this.goaways[name] ?? 0;
  }

  /** The figures every h2 probe reports. */
  notes(): Record<string, number | string> {
    const goaways = Object.entries(this.goaways)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    return {
      "connections opened (h2 by ALPN)": this.opened,
      "closed by the server (then reopened)": this.closedByServer,
      "GOAWAY received": goaways || "none",
      "MiB written": +(this.bytesWritten / 2 ** 20).toFixed(1),
      "longest held before the server closed it (ms)": Math.round(this.longestHeldMs),
      ...(this.notH2 > 0 ? { "handshakes without h2": this.notH2 } : {}),
      ...(this.refused > 0 ? { "connects refused": this.refused } : {}),
    };
  }
}
