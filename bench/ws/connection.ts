/**
 * One client WebSocket of the load client over Bun.connect: the handshake, masked frames out
 * (a fresh mask key per frame, from a cheap xorshift: §5.3 asks for unpredictable keys from a
 * browser; a benchmark only needs them to vary), pings answered, a write that did not fit kept
 * for `drain`, and every server frame handed to `onFrame`.
 */
import type { Socket } from "bun";
import {
  acceptsHandshake,
  CLIENT_HEAD,
  handshake,
  OP_CLOSE,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  ServerFrameReader,
  writeClientFrame,
} from "./frames.ts";

/** What a connection tells its owner. */
export interface ConnectionEvents {
  /** A text or binary frame: its payload is `bytes[from, to)` (valid during the call). */
  message(c: ClientWs, opcode: number, bytes: Uint8Array, from: number, to: number): void;
  /** The connection failed or closed before the client closed it (a protocol error, a Close, a reset). */
  failed(c: ClientWs, why: string): void;
}

const HEAD_END = "\r\n\r\n";

/** One client WebSocket (see the file comment). */
export class ClientWs {
  /** The owner's index for it. */
  readonly id: number;
  socket: Socket<ClientWs> | null = null;
  /** The handshake's answer has come and was a 101 with the right accept value. */
  open = false;
  /** The client closed it (what follows is no failure). */
  closing = false;
  private head = "";
  private accept = "";
  private readonly reader: ServerFrameReader;
  private readonly pending: Uint8Array[] = [];
  private readonly frame = new Uint8Array(CLIENT_HEAD + 125);
  private readonly key = new Uint8Array(4);
  private seed: number;
  private opened: PromiseWithResolvers<boolean> = Promise.withResolvers<boolean>();

  constructor(
    id: number,
    private readonly events: ConnectionEvents,
  ) {
    this.id = id;
    this.seed = (id * 2654435761 + 1) | 0 || 1;
    this.reader = new ServerFrameReader((opcode, bytes, from, to) => this.frameIn(opcode, bytes, from, to));
  }

  /** Connects to 127.0.0.1:`port` and upgrades `path`; true once open, false when refused or not a 101. */
  async connect(port: number, path: string): Promise<boolean> {
    const hs = handshake(path, port);
    this.accept = hs.accept;
    try {
      this.socket = await Bun.connect<ClientWs>({ hostname: "127.0.0.1", port, data: this, socket: HANDLERS });
    } catch {
      return false;
    }
    this.write(hs.request);
    return this.opened.promise;
  }

  /** Sends a final masked frame of `opcode` with `payload[from, from+len)` (len ≤ 125). */
  send(opcode: number, payload: Uint8Array, from: number, len: number): void {
    const n = writeClientFrame(this.frame, opcode, payload, from, len, this.nextKey());
    this.write(this.frame.subarray(0, n));
  }

  /**
   * Sends `count` text messages of `len` bytes (≤ 125) each, laid end to end in `payloads`, as
   * `count` frames in one write (one TCP segment where it fits: the server reads them together).
   */
  sendTexts(payloads: Uint8Array, count: number, len: number): void {
    const out = new Uint8Array(count * (CLIENT_HEAD + len));
    for (let i = 0; i < count; i++) {
      const frame = out.subarray(i * (CLIENT_HEAD + len));
      writeClientFrame(frame, OP_TEXT, payloads, i * len, len, this.nextKey());
    }
    this.write(out);
  }

  private nextKey(): Uint8Array {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x;
    this.key[0] = x;
    this.key[1] = x >>> 8;
    this.key[2] = x >>> 16;
    this.key[3] = x >>> 24;
    return this.key;
  }

  /** Closes the TCP connection (the benchmark's end; no closing handshake). */
  end(): void {
    this.closing = true;
    this.socket?.end();
  }

  private write(bytes: Uint8Array): void {
    const s = this.socket;
    if (s === null) return;
    if (this.pending.length > 0) {
      this.pending.push(bytes.slice());
      return;
    }
    const n = s.write(bytes);
    if (n < bytes.length) this.pending.push(bytes.slice(Math.max(0, n)));
  }

  /** @internal The socket can take more. */
  drain(): void {
    const s = this.socket;
    while (s !== null && this.pending.length > 0) {
      const b = this.pending[0]!;
      const n = s.write(b);
      if (n < b.length) {
        this.pending[0] = b.subarray(Math.max(0, n));
        return;
      }
      this.pending.shift();
    }
  }

  /** @internal Bytes arrived. */
  data(chunk: Uint8Array): void {
    if (this.open) {
      if (!this.reader.feed(chunk)) this.fail("a frame the client cannot take");
      return;
    }
    this.head += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    const end = this.head.indexOf(HEAD_END);
    if (end < 0) return;
    const head = this.head.slice(0, end + 2);
    const rest = Buffer.from(this.head.slice(end + HEAD_END.length), "latin1");
    this.head = "";
    if (!acceptsHandshake(head, this.accept)) {
      this.opened.resolve(false);
      this.fail(`not a 101 with the accept value: ${head.split("\r\n")[0]}`);
      return;
    }
    this.open = true;
    this.opened.resolve(true);
    if (rest.length > 0 && !this.reader.feed(rest)) this.fail("a frame the client cannot take");
  }

  /** @internal The connection closed. */
  closed(): void {
    this.socket = null;
    this.opened.resolve(false);
    if (!this.closing) this.events.failed(this, "closed by the server");
    this.closing = true;
  }

  private frameIn(opcode: number, bytes: Uint8Array, from: number, to: number): void {
    if (opcode === OP_PING) return this.send(OP_PONG, bytes, from, to - from); // RFC 6455 §5.5.2
    if (opcode === OP_PONG) return;
    if (opcode === OP_CLOSE) return this.fail("a Close from the server");
    this.events.message(this, opcode, bytes, from, to);
  }

  private fail(why: string): void {
    if (this.closing) return;
    this.closing = true;
    this.events.failed(this, why);
    this.socket?.terminate();
  }
}

const HANDLERS = {
  data: (s: Socket<ClientWs>, chunk: Uint8Array) => s.data.data(chunk),
  drain: (s: Socket<ClientWs>) => s.data.drain(),
  close: (s: Socket<ClientWs>) => s.data.closed(),
  error: (s: Socket<ClientWs>) => s.data.closed(),
};
