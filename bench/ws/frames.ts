/**
 * The load client's side of RFC 6455, by hand over raw TCP: the opening handshake (§4.1), masked
 * client frames (§5.3) and an incremental reader of the server's unmasked frames (§5.2) that
 * resumes at any split. Written for the benchmark, not for the framework: it trusts the peers it
 * measures beyond the checks that count errors (a bad handshake, a frame it cannot use).
 */
import { createHash, randomBytes } from "node:crypto";

/** RFC 6455 §5.2 opcodes the client meets. */
export const OP_TEXT = 1;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;
/** RFC 6455 §1.3: appended to the key before hashing it into Sec-WebSocket-Accept. */
const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** Head of a masked client frame with a payload ≤ 125 bytes: two bytes and the 4-byte key (§5.2). */
export const CLIENT_HEAD = 6;

/** The handshake request for `path` and the Sec-WebSocket-Accept its answer must carry. */
export function handshake(path: string, port: number): { request: Uint8Array; accept: string } {
  const key = randomBytes(16).toString("base64");
  const request =
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  const accept = createHash("sha1")
    .update(key + ACCEPT_GUID)
    .digest("base64");
  return { request: new TextEncoder().encode(request), accept };
}

/** True when `head` (the response head, up to its blank line) is a 101 carrying `accept`. */
export function acceptsHandshake(head: string, accept: string): boolean {
  return /^HTTP\/1\.1 101 /.test(head) && new RegExp(`\r\nsec-websocket-accept: *${accept.replace(/[+/=]/g, "\\$&")}\r\n`, "i").test(head);
}

/**
 * Writes a final, masked frame of `opcode` with `payload[from, from+len)` (len ≤ 125, §5.2) into
 * `out` at 0 with mask key `key` (4 bytes, §5.3); returns its length.
 */
export function writeClientFrame(out: Uint8Array, opcode: number, payload: Uint8Array, from: number, len: number, key: Uint8Array): number {
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | len;
  out[2] = key[0]!;
  out[3] = key[1]!;
  out[4] = key[2]!;
  out[5] = key[3]!;
  for (let i = 0; i < len; i++) out[CLIENT_HEAD + i] = payload[from + i]! ^ key[i & 3]!;
  return CLIENT_HEAD + len;
}

/** Called with each whole server frame: its opcode and its payload as `bytes[from, to)` (valid during the call). */
export type FrameHandler = (opcode: number, bytes: Uint8Array, from: number, to: number) => void;

/**
 * Reads the server's frames from the chunks of one connection, resuming at any split: whole
 * frames are handed over in place, a partial one is copied and kept for the next chunk. A masked
 * server frame or a length over 2^32 is a protocol error (§5.1): `feed` answers false.
 */
export class ServerFrameReader {
  private rest: Uint8Array | null = null;

  constructor(private readonly onFrame: FrameHandler) {}

  /** Reads `chunk`; false on a frame the client cannot take. */
  feed(chunk: Uint8Array): boolean {
    let bytes = chunk;
    if (this.rest !== null) {
      bytes = new Uint8Array(this.rest.length + chunk.length);
      bytes.set(this.rest);
      bytes.set(chunk, this.rest.length);
      this.rest = null;
    }
    let at = 0;
    const end = bytes.length;
    while (end - at >= 2) {
      const b1 = bytes[at + 1]!;
      if (b1 & 0x80) return false; // §5.1: a server never masks
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (end - at < 4) break;
        len = (bytes[at + 2]! << 8) | bytes[at + 3]!;
        head = 4;
      } else if (len === 127) {
        if (end - at < 10) break;
        if (bytes[at + 2] || bytes[at + 3] || bytes[at + 4] || bytes[at + 5]) return false;
        len = ((bytes[at + 6]! << 24) >>> 0) + ((bytes[at + 7]! << 16) | (bytes[at + 8]! << 8) | bytes[at + 9]!);
        head = 10;
      }
      if (end - at < head + len) break;
      this.onFrame(bytes[at]! & 0x0f, bytes, at + head, at + head + len);
      at += head + len;
    }
    if (at < end) this.rest = bytes.slice(at);
    return true;
  }
}
