/**
 * The floor of a WebSocket echo on Bun.listen: the least work any WebSocket server written over
 * `Bun.listen` can do per message (so the most messages it can echo), as
 * bench/server/bare-listen.ts is for HTTP. The handshake is
 * answered from the key alone (no header checks), and every complete client frame on `/echo`
 * goes back at once as one unmasked frame with the same opcode — no UTF-8 check, no message
 * reassembly, no control frames, no limits, no close handshake: what netsvc must do and this
 * does not is the whole difference. `bun bare-ws.ts PORT` (only the echo load: run.ts
 * `--bare` adds it to that table).
 *
 * Per message it does what any Bun.listen server must: one `data` callback with the chunk Bun
 * copied for it, the frame unmasked, one `write`. Client frames here are at most 125 bytes of
 * payload (the benchmark's are 32), so a frame's head is 6 bytes and the echo's 2.
 */
import { createHash } from "node:crypto";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const KEY = "sec-websocket-key:";

interface Conn {
  /** True once the 101 is sent. */
  open: boolean;
  /** Bytes of an incomplete frame (or head) carried to the next read. */
  carry: Uint8Array | null;
  /** Bytes the socket did not take yet (Bun keeps none): written first, and on `drain`. */
  unsent: Uint8Array | null;
}

type Sock = { data: Conn; write(b: Uint8Array | string, o?: number, n?: number): number };

/** Writes b[o, o + n) after anything still unsent, keeping what the socket does not take. */
function send(s: Sock, b: Uint8Array, o: number, n: number): void {
  const c = s.data;
  if (c.unsent !== null) {
    const joined = new Uint8Array(c.unsent.length + n);
    joined.set(c.unsent);
    joined.set(b.subarray(o, o + n), c.unsent.length);
    c.unsent = null;
    return send(s, joined, 0, joined.length);
  }
  const w = s.write(b, o, n);
  if (w >= 0 && w < n) c.unsent = b.slice(o + w, o + n);
}

/** The 101 for `head`'s key, or null when the head has none. */
function accept(head: string): string | null {
  const at = head.toLowerCase().indexOf(KEY);
  if (at < 0) return null;
  const end = head.indexOf("\r\n", at);
  const key = head.slice(at + KEY.length, end).trim();
  const digest = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${digest}\r\n\r\n`;
}

const out = new Uint8Array(64 * 1024);

/** Echoes every complete frame of `b`; returns the offset of the first incomplete one. */
function echo(socket: Sock, b: Uint8Array): number {
  let at = 0;
  let w = 0;
  while (b.length - at >= 6) {
    const len = b[at + 1]! & 0x7f; // ≤ 125 here (see the file comment)
    if (b.length - at < 6 + len) break;
    if (w + 2 + len > out.length) {
      send(socket, out, 0, w);
      w = 0;
    }
    out[w] = b[at]!;
    out[w + 1] = len;
    const m = at + 2;
    for (let i = 0; i < len; i++) out[w + 2 + i] = b[at + 6 + i]! ^ b[m + (i & 3)]!;
    w += 2 + len;
    at += 6 + len;
  }
  if (w > 0) send(socket, out, 0, w);
  return at;
}

Bun.listen<Conn>({
  hostname: "127.0.0.1",
  port: Number(process.argv[2]),
  socket: {
    open(s) {
      s.data = { open: false, carry: null, unsent: null };
    },
    drain(s) {
      const u = s.data.unsent;
      if (u === null) return;
      s.data.unsent = null;
      send(s, u, 0, u.length);
    },
    data(s, chunk) {
      const c = s.data;
      let b: Uint8Array = chunk;
      if (c.carry !== null) {
        const joined = new Uint8Array(c.carry.length + chunk.length);
        joined.set(c.carry);
        joined.set(chunk, c.carry.length);
        b = joined;
        c.carry = null;
      }
      if (!c.open) {
        const text = Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
        const end = text.indexOf("\r\n\r\n");
        if (end < 0) {
          c.carry = b.slice();
          return;
        }
        const answer = accept(text.slice(0, end + 2));
        if (answer === null) {
          s.end("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, world!");
          return;
        }
        const bytes = Buffer.from(answer);
        send(s, bytes, 0, bytes.length);
        c.open = true;
        b = b.subarray(end + 4);
      }
      const used = echo(s, b);
      if (used < b.length) c.carry = b.slice(used);
    },
  },
});
console.log("ready");
