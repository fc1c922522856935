/**
 * A small raw HTTP/2 client for connection tests (RFC 9113), built on the project's frame parser
 * and writer: it connects over loopback (cleartext h2c by prior knowledge, or TLS with ALPN h2),
 * sends the preface and SETTINGS, sends any frame, well-formed or not, sends requests as HEADERS
 * with HPACK literal fields (h2-literal-fields.ts), and collects what the server sends, split
 * however TCP splits it (h2-frame-reader.ts). Every wait is bounded; nothing sleeps.
 *
 * By default it acknowledges the server's SETTINGS and gives back the window each DATA frame
 * uses (connection and stream), as a well-behaved client does; `autoAck: false` and
 * `autoWindowUpdate: false` make it a client that does neither (a slow reader). It does not
 * enforce its own send windows: a test may overrun them on purpose.
 *
 * ```ts
 * await using client = await H2Client.connect(port);             // preface + SETTINGS sent
 * const id = client.request("GET", "/hello");                     // HEADERS, END_STREAM
 * const res = await client.response(id);                          // HEADERS + DATA until END_STREAM
 * expect(new TextDecoder().decode(res.body)).toBe("hello");
 * client.sendFrame(FRAME_PING, 0, 1, new Uint8Array(8));          // PING on stream 1: invalid
 * const goaway = await client.waitForGoaway();
 * expect(goaway.errorCode).toBe(PROTOCOL_ERROR);
 * await client.closed;
 * ```
 *
 * Response fields need an HPACK decoder: pass `decode` (the project's, once it lands), and each
 * HEADERS frame (and `response().headers`) carries the decoded fields; without one, the raw
 * `block` is there.
 */
import type { Socket } from "bun";
import {
  GOAWAY_FRAME_LENGTH,
  PING_FRAME_LENGTH,
  RST_STREAM_FRAME_LENGTH,
  SETTINGS_ACK_FRAME_LENGTH,
  WINDOW_UPDATE_FRAME_LENGTH,
  writeFrameHeader,
  writeGoaway,
  writePingAck,
  writeRstStream,
  writeSettingsAck,
  writeWindowUpdate,
} from "../../src/http/h2/frame-writer.ts";
import {
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_HEADER_LENGTH,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  PING_PAYLOAD_LENGTH,
  SETTING_ENTRY_LENGTH,
} from "../../src/parser/h2/frame.ts";
import { CLIENT_PREFACE } from "../../src/parser/h2/preface.ts";
import { DEFAULT_MAX_FRAME_SIZE, PeerSettings, SETTINGS_MAX_FRAME_SIZE, applySettings } from "../../src/parser/h2/settings.ts";
import { type H2Frame, H2FrameReader, type HeaderDecoder } from "./h2-frame-reader.ts";
import { encodeLiteralFields } from "./h2-literal-fields.ts";

export type { H2Frame, HeaderDecoder };

/** How long a wait lasts unless told otherwise. */
const DEFAULT_WAIT_MS = 5000;

/** Options of H2Client.connect. */
export interface H2ClientOptions {
  /** TLS with ALPN `h2` (and the CA and name to verify), instead of cleartext. */
  tls?: { ca: string; serverName?: string };
  /** The ALPN list offered with TLS, in preference order. Default ["h2"]. */
  alpn?: string[];
  /** Send the preface and SETTINGS on connect. Default true. */
  preface?: boolean;
  /** The SETTINGS entries [id, value] sent after the preface. Default none (the RFC's defaults). */
  settings?: [id: number, value: number][];
  /** Decodes response field blocks (HPACK). Default none: frames carry the raw `block`. */
  decode?: HeaderDecoder;
  /** Answer the server's SETTINGS with an ACK. Default true. */
  autoAck?: boolean;
  /** Send WINDOW_UPDATE (connection and stream) for every non-empty DATA frame received. Default true. */
  autoWindowUpdate?: boolean;
}

/** One response, as `response()` collects it. */
export interface H2Response {
  /** The final (non-1xx) HEADERS frame; `headers` when a decoder was given. */
  head: H2Frame;
  headers?: [string, string][];
  /** DATA payloads concatenated. */
  body: Uint8Array;
  /** A trailing HEADERS frame, if any. */
  trailers?: H2Frame;
  /** Frames of the stream in arrival order (1xx HEADERS included). */
  frames: H2Frame[];
}

/** The HEADERS (+ CONTINUATION) frames of one field block, split at `maxFrameSize`. */
export function headersFrames(streamId: number, block: Uint8Array, endStream: boolean, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): Uint8Array {
  const count = Math.max(1, Math.ceil(block.length / maxFrameSize));
  const out = new Uint8Array(block.length + count * FRAME_HEADER_LENGTH);
  let p = 0;
  for (let i = 0; i < count; i++) {
    const piece = block.subarray(i * maxFrameSize, (i + 1) * maxFrameSize);
    const type = i === 0 ? FRAME_HEADERS : FRAME_CONTINUATION;
    const flags = (i === count - 1 ? FLAG_END_HEADERS : 0) | (i === 0 && endStream ? FLAG_END_STREAM : 0);
    p = writeFrameHeader(out, p, piece.length, type, flags, streamId);
    out.set(piece, p);
    p += piece.length;
  }
  return out;
}

/** A frame's bytes: header and payload. */
export function frameBytes(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_LENGTH + payload.length);
  out.set(payload, writeFrameHeader(out, 0, payload.length, type, flags, streamId));
  return out;
}

/** A SETTINGS frame carrying `entries`. */
export function settingsFrame(entries: readonly (readonly [number, number])[]): Uint8Array {
  const payload = new Uint8Array(entries.length * SETTING_ENTRY_LENGTH);
  const view = new DataView(payload.buffer);
  entries.forEach(([id, value], i) => {
    view.setUint16(i * SETTING_ENTRY_LENGTH, id);
    view.setUint32(i * SETTING_ENTRY_LENGTH + 2, value);
  });
  return frameBytes(FRAME_SETTINGS, 0, 0, payload);
}

interface Waiter {
  match: (f: H2Frame) => boolean;
  resolve: (f: H2Frame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A connection to the server under test. */
export class H2Client {
  /** Frames received and not yet taken by nextFrame/response, in arrival order (CONTINUATIONs folded into their HEADERS' `block`). */
  readonly queue: H2Frame[] = [];
  /** Every frame received, in order, CONTINUATIONs included (kept after being taken). */
  readonly received: H2Frame[] = [];
  /** The server's SETTINGS as applied so far. */
  readonly serverSettings = new PeerSettings();
  /** The ALPN protocol negotiated over TLS ("" for cleartext). */
  alpnProtocol = "";
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly closedSignal = Promise.withResolvers<void>();
  private readonly reader: H2FrameReader;
  private socket!: Socket<undefined>;
  private unsent: Uint8Array[] = [];
  private waiters: Waiter[] = [];
  private nextStreamId = 1;

  private constructor(private readonly options: H2ClientOptions) {
    this.closed = this.closedSignal.promise;
    const ours = options.settings?.find(([id]) => id === SETTINGS_MAX_FRAME_SIZE);
    this.reader = new H2FrameReader(ours ? ours[1] : DEFAULT_MAX_FRAME_SIZE, options.decode);
  }

  /** Connects to 127.0.0.1:port; resolves once TCP (or the TLS handshake) is up and the preface is sent. */
  static async connect(port: number, options: H2ClientOptions = {}): Promise<H2Client> {
    const c = new H2Client(options);
    const ready = Promise.withResolvers<void>();
    const alpn = Buffer.concat((options.alpn ?? ["h2"]).map((p) => Buffer.from(String.fromCharCode(p.length) + p, "latin1")));
    c.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      tls: options.tls ? { ca: options.tls.ca, serverName: options.tls.serverName ?? "localhost", ALPNProtocols: alpn } : undefined,
      socket: {
        open: () => {
          if (!options.tls) ready.resolve();
        },
        handshake: (s, ok, error) => {
          c.alpnProtocol = typeof s.alpnProtocol === "string" ? s.alpnProtocol : "";
          if (ok) ready.resolve();
          else ready.reject(error);
        },
        data: (_s, chunk) => c.onData(chunk),
        drain: () => c.writeUnsent(),
        close: () => c.onClose(),
        end: () => c.onClose(),
        error: () => c.onClose(),
        connectError: (_s, error) => ready.reject(error),
      },
    });
    const timer = setTimeout(() => ready.reject(new Error("connect: no TCP/TLS in time")), DEFAULT_WAIT_MS);
    try {
      await ready.promise;
    } finally {
      clearTimeout(timer);
    }
    if (options.preface ?? true) c.send(Buffer.concat([CLIENT_PREFACE, settingsFrame(options.settings ?? [])]));
    return c;
  }

  private onData(chunk: Uint8Array): void {
    for (const f of this.reader.receive(chunk)) {
      this.received.push(f);
      // A CONTINUATION's fragment is already in its HEADERS' block: only `received` keeps it.
      if (f.type === FRAME_CONTINUATION) continue;
      this.autoAnswer(f);
      const w = this.waiters.findIndex((x) => x.match(f));
      if (w < 0) {
        this.queue.push(f);
        continue;
      }
      const [waiter] = this.waiters.splice(w, 1);
      clearTimeout(waiter!.timer);
      waiter!.resolve(f);
    }
    if (this.reader.error) this.failWaiters(this.reader.error);
  }

  private autoAnswer(f: H2Frame): void {
    if (f.type === FRAME_SETTINGS && (f.flags & FLAG_ACK) === 0) {
      applySettings(f.payload, 0, f.payload.length, this.serverSettings);
      if (this.options.autoAck ?? true) this.sendSettingsAck();
    }
    if (f.type === FRAME_DATA && f.length > 0 && (this.options.autoWindowUpdate ?? true)) {
      this.sendWindowUpdate(0, f.length);
      if ((f.flags & FLAG_END_STREAM) === 0) this.sendWindowUpdate(f.streamId, f.length);
    }
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.failWaiters("connection closed");
    this.closedSignal.resolve();
  }

  private failWaiters(why: string): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(`${why}; received: ${this.summary()}`));
    }
  }

  /** The frames received so far, as short text for failure messages. */
  summary(): string {
    return (
      this.received.map((f) => `${f.type}/${f.flags}@${f.streamId}${f.errorCode !== undefined ? `!${f.errorCode}` : ""}`).join(" ") ||
      "nothing"
    );
  }

  /** Sends raw bytes; what the socket cannot take now follows on drain, in order. */
  send(bytes: Uint8Array): void {
    this.unsent.push(bytes);
    this.writeUnsent();
  }

  private writeUnsent(): void {
    while (this.unsent.length > 0) {
      const head = this.unsent[0]!;
      const n = this.socket.write(head);
      if (n < 0) return; // closed: onClose reports it
      if (n < head.length) {
        this.unsent[0] = head.subarray(n);
        return;
      }
      this.unsent.shift();
    }
  }

  /** Sends one frame with any type, flags, stream and payload (no validation: tests send bad ones). */
  sendFrame(type: number, flags: number, streamId: number, payload?: Uint8Array): void {
    this.send(frameBytes(type, flags, streamId, payload));
  }

  /** A SETTINGS frame with `entries` [id, value] (any values: a test may send invalid ones). */
  sendSettings(entries: [number, number][]): void {
    this.send(settingsFrame(entries));
  }

  /** A SETTINGS ACK (§6.5.3). Sent by itself for each server SETTINGS unless `autoAck: false`. */
  sendSettingsAck(): void {
    const out = new Uint8Array(SETTINGS_ACK_FRAME_LENGTH);
    writeSettingsAck(out, 0);
    this.send(out);
  }

  /** A PING (a PING ACK with `ack`) carrying the first 8 bytes of `data` (§6.7). Default 8 zero bytes. */
  sendPing(data: Uint8Array = new Uint8Array(PING_PAYLOAD_LENGTH), ack = false): void {
    const out = new Uint8Array(PING_FRAME_LENGTH);
    if (ack) writePingAck(out, 0, data, 0);
    else out.set(data.subarray(0, PING_PAYLOAD_LENGTH), writeFrameHeader(out, 0, PING_PAYLOAD_LENGTH, FRAME_PING, 0, 0));
    this.send(out);
  }

  /** A WINDOW_UPDATE for `streamId` (0: the connection) (§6.9); an increment of 0 is sent as asked. */
  sendWindowUpdate(streamId: number, increment: number): void {
    const out = new Uint8Array(WINDOW_UPDATE_FRAME_LENGTH);
    writeWindowUpdate(out, 0, streamId, increment);
    this.send(out);
  }

  /** A RST_STREAM with a §7 error code (§6.4). */
  sendRstStream(streamId: number, errorCode: number): void {
    const out = new Uint8Array(RST_STREAM_FRAME_LENGTH);
    writeRstStream(out, 0, streamId, errorCode);
    this.send(out);
  }

  /** A GOAWAY with Last-Stream-ID and a §7 error code, no debug data (§6.8). */
  sendGoaway(lastStreamId: number, errorCode: number): void {
    const out = new Uint8Array(GOAWAY_FRAME_LENGTH);
    writeGoaway(out, 0, lastStreamId, errorCode);
    this.send(out);
  }

  /** DATA on a stream (no flow-control check). */
  sendData(streamId: number, data: Uint8Array | string, endStream = false): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    this.sendFrame(FRAME_DATA, endStream ? FLAG_END_STREAM : 0, streamId, bytes);
  }

  /** A field block of literal fields as HEADERS (+ CONTINUATION past the server's max frame size). */
  sendHeaders(streamId: number, fields: [string, string][], endStream: boolean): void {
    this.send(headersFrames(streamId, encodeLiteralFields(fields), endStream, this.serverSettings.maxFrameSize));
  }

  /**
   * Sends a request on the next client stream (1, 3, 5, …) and returns its id: the pseudo-header
   * fields (§8.3.1: :method, :scheme, :authority, :path), then `headers`, then `body` as one DATA
   * frame. END_STREAM goes on the last frame sent.
   */
  request(
    method: string,
    path: string,
    init: { headers?: [string, string][]; body?: Uint8Array | string; authority?: string } = {},
  ): number {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const fields: [string, string][] = [
      [":method", method],
      [":scheme", this.options.tls ? "https" : "http"],
      [":authority", init.authority ?? "localhost"],
      [":path", path],
      ...(init.headers ?? []),
    ];
    this.sendHeaders(id, fields, init.body === undefined);
    if (init.body !== undefined) this.sendData(id, init.body, true);
    return id;
  }

  /**
   * The first frame (of `type`, and on `streamId` when given) not yet taken, waiting up to
   * `timeoutMs`; rejects with what was received when the time runs out or the connection closes.
   */
  nextFrame(type?: number, timeoutMs = DEFAULT_WAIT_MS, streamId?: number): Promise<H2Frame> {
    const match = (f: H2Frame) => (type === undefined || f.type === type) && (streamId === undefined || f.streamId === streamId);
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    if (this.isClosed || this.reader.error)
      return Promise.reject(new Error(`${this.reader.error || "connection closed"}; received: ${this.summary()}`));
    const { promise, resolve, reject } = Promise.withResolvers<H2Frame>();
    const waiter: Waiter = {
      match,
      resolve,
      reject,
      timer: setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no frame of type ${type ?? "any"} within ${timeoutMs} ms; received: ${this.summary()}`));
      }, timeoutMs),
    };
    this.waiters.push(waiter);
    return promise;
  }

  /** The server's GOAWAY: its Last-Stream-ID, error code and debug text. */
  async waitForGoaway(timeoutMs = DEFAULT_WAIT_MS): Promise<{ lastStreamId: number; errorCode: number; debug: string }> {
    const f = await this.nextFrame(FRAME_GOAWAY, timeoutMs);
    return { lastStreamId: f.lastStreamId!, errorCode: f.errorCode!, debug: f.debug! };
  }

  /**
   * Collects the response on `streamId`: HEADERS (skipping 1xx ones), DATA, optional trailers,
   * until END_STREAM; rejects on RST_STREAM of that stream (its code in the message), on close or
   * when `timeoutMs` runs out.
   */
  async response(streamId: number, timeoutMs = DEFAULT_WAIT_MS): Promise<H2Response> {
    const deadline = Date.now() + timeoutMs;
    const frames: H2Frame[] = [];
    const body: Uint8Array[] = [];
    let head: H2Frame | undefined;
    let trailers: H2Frame | undefined;
    for (;;) {
      const f = await this.nextFrame(undefined, Math.max(1, deadline - Date.now()), streamId);
      frames.push(f);
      if (f.type === FRAME_RST_STREAM) throw new Error(`stream ${streamId} reset with code ${f.errorCode}; received: ${this.summary()}`);
      if (f.type === FRAME_HEADERS) {
        if (!head && !isInformational(f)) head = f;
        else if (head) trailers = f;
      }
      if (f.type === FRAME_DATA) body.push(f.payload);
      if ((f.type === FRAME_HEADERS || f.type === FRAME_DATA) && (f.flags & FLAG_END_STREAM) !== 0) break;
    }
    if (!head) throw new Error(`stream ${streamId} ended without a final HEADERS; received: ${this.summary()}`);
    return { head, headers: head.headers, body: Buffer.concat(body), trailers, frames };
  }

  /** Closes the connection (a FIN) and waits for it to be closed. */
  async close(): Promise<void> {
    if (!this.isClosed) this.socket.end();
    const timer = setTimeout(() => this.socket.terminate(), DEFAULT_WAIT_MS);
    await this.closed;
    clearTimeout(timer);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A 1xx HEADERS (only known with a decoder; without one every HEADERS is taken as final). */
function isInformational(f: H2Frame): boolean {
  const status = f.headers?.find(([n]) => n === ":status")?.[1];
  return status !== undefined && status.length === 3 && status[0] === "1";
}
