/**
 * A raw WebSocket client for network tests (RFC 6455 by hand, independent of netsvc's own frame
 * code): sends the opening handshake and masked frames exactly as a test writes them, and reads
 * the server's frames back. Built on RawClient, so every wait is bounded and none is a sleep.
 */
import { RawClient } from "./raw-client.ts";

/** One frame from the server. */
export interface ServerFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: Uint8Array;
}

/** Options of one client frame. */
export interface FrameOptions {
  fin?: boolean;
  rsv1?: boolean;
  /** Client frames are masked (RFC 6455 §5.1); false sends one unmasked (a protocol error). */
  mask?: boolean;
  /** Claim this length in the head instead of the payload's (for malformed-frame cases). */
  length?: number;
}

/** A test's valid client key (base64 of 16 bytes). */
export const TEST_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** The opening handshake for `path` with `extra` header lines ("Name: value"). */
export function handshakeRequest(path: string, extra: string[] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    "Host: localhost",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${TEST_KEY}`,
    "Sec-WebSocket-Version: 13",
    ...extra,
    "",
    "",
  ].join("\r\n");
}

/** Encodes a client frame (masked unless told otherwise). */
export function clientFrame(opcode: number, payload: Uint8Array | string, o: FrameOptions = {}): Uint8Array {
  const data = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const length = o.length ?? data.length;
  const mask = o.mask !== false;
  const head: number[] = [(o.fin === false ? 0 : 0x80) | (o.rsv1 ? 0x40 : 0) | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  }
  const key = [0x37, 0xfa, 0x21, 0x3d];
  if (mask) head.push(...key);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  for (let i = 0; i < data.length; i++) out[head.length + i] = mask ? data[i]! ^ key[i & 3]! : data[i]!;
  return out;
}

/** Parses the server frames in `bytes` (complete ones only). */
export function parseServerFrames(bytes: Uint8Array): ServerFrame[] {
  const out: ServerFrame[] = [];
  let p = 0;
  while (p + 2 <= bytes.length) {
    const b0 = bytes[p]!;
    const b1 = bytes[p + 1]!;
    if (b1 & 0x80) throw new Error("a server frame was masked (RFC 6455 §5.1 forbids it)");
    let length = b1 & 0x7f;
    let at = p + 2;
    if (length === 126) {
      if (at + 2 > bytes.length) break;
      length = (bytes[at]! << 8) | bytes[at + 1]!;
      at += 2;
    } else if (length === 127) {
      if (at + 8 > bytes.length) break;
      length = Number(new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0));
      at += 8;
    }
    if (at + length > bytes.length) break;
    out.push({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, payload: bytes.slice(at, at + length) });
    p = at + length;
  }
  return out;
}

/** The code and reason of a Close frame's payload (1005 for an empty one). */
export function closeOf(frame: ServerFrame): { code: number; reason: string } {
  if (frame.payload.length < 2) return { code: 1005, reason: "" };
  return { code: (frame.payload[0]! << 8) | frame.payload[1]!, reason: new TextDecoder().decode(frame.payload.subarray(2)) };
}

/** A WebSocket connection to the server under test, made by hand. */
export class WsTestClient {
  private constructor(
    readonly raw: RawClient,
    /** The handshake response's head (status line and fields), as text. */
    readonly responseHead: string,
    private readonly headLength: number,
  ) {}

  /** Connects and sends the handshake for `path`; resolves once the response head arrived (whatever its status). */
  static async open(port: number, path = "/", extra: string[] = []): Promise<WsTestClient> {
    const raw = await RawClient.connect(port, true);
    raw.send(handshakeRequest(path, extra));
    await raw.until(() => raw.text().includes("\r\n\r\n") || raw.closed, 5000, "the handshake response");
    const text = raw.text();
    if (!text.includes("\r\n\r\n")) throw new Error(`the connection closed before a handshake response (${text.length} bytes)`);
    const end = text.indexOf("\r\n\r\n") + 4;
    return new WsTestClient(raw, text.slice(0, end - 4), end);
  }

  /** The handshake response's status code. */
  get status(): number {
    return Number(this.responseHead.split(" ")[1]);
  }

  /** A response field's value (case-insensitive name), or undefined. */
  header(name: string): string | undefined {
    for (const line of this.responseHead.split("\r\n").slice(1)) {
      const i = line.indexOf(":");
      if (line.slice(0, i).toLowerCase() === name.toLowerCase()) return line.slice(i + 1).trim();
    }
    return undefined;
  }

  /** Sends one frame. */
  send(opcode: number, payload: Uint8Array | string = "", o: FrameOptions = {}): void {
    this.raw.send(clientFrame(opcode, payload, o));
  }

  /** Sends raw bytes. */
  sendBytes(bytes: Uint8Array): void {
    this.raw.send(bytes);
  }

  /** Every complete server frame received after the handshake response. */
  frames(): ServerFrame[] {
    return parseServerFrames(Buffer.from(this.raw.text().slice(this.headLength), "latin1"));
  }

  /** Waits for at least `n` frames. */
  async untilFrames(n: number, ms = 5000): Promise<ServerFrame[]> {
    await this.raw.until(() => this.frames().length >= n, ms, `${n} frames`);
    return this.frames();
  }

  /** Waits for a Close frame from the server; returns its code and reason. */
  async untilClose(ms = 5000): Promise<{ code: number; reason: string }> {
    await this.raw.until(() => this.frames().some((f) => f.opcode === 8), ms, "a Close frame");
    return closeOf(this.frames().find((f) => f.opcode === 8)!);
  }

  /** Waits for the server to close the TCP connection. */
  untilClosed(ms = 5000): Promise<void> {
    return this.raw.untilClosed(ms);
  }

  /** Ends our side too (the server may be lingering for our FIN after its own). */
  [Symbol.dispose](): void {
    this.raw.close();
  }
}
