/**
 * The WebSocket reading benchmark's inputs (bench/parser/ws-frames.ts): chunks of masked client
 * frames as a socket delivers them. Each is read again and again in place; the masking keys'
 * bytes are all below 0x80, so unmasking an ASCII payload twice leaves valid ASCII either way
 * (the text cases stay valid UTF-8 on every pass, for us and for the peer).
 */

/** A masking key whose bytes are ASCII: XOR keeps ASCII payloads ASCII. */
const KEY = [0x11, 0x2a, 0x35, 0x4c];

/** One masked client frame (RFC 6455 §5.2) with an ASCII payload of `length` bytes. */
function frame(opcode: number, length: number): number[] {
  const head = [0x80 | opcode];
  if (length <= 125) head.push(0x80 | length);
  else if (length <= 0xffff) head.push(0x80 | 126, length >>> 8, length & 0xff);
  else head.push(0x80 | 127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  head.push(...KEY);
  for (let i = 0; i < length; i++) head.push((0x61 + (i % 26)) ^ KEY[i & 3]!);
  return head;
}

/** One benchmark case: `count` frames of `opcode` with `length`-byte payloads in one chunk. */
export interface WsCase {
  readonly opcode: number;
  readonly length: number;
  readonly count: number;
  readonly label: string;
}

export const WS_CASES = {
  text32: { opcode: 1, length: 32, count: 64, label: "64 × 32 B text per chunk" },
  binary32: { opcode: 2, length: 32, count: 64, label: "64 × 32 B binary per chunk" },
  binary16k: { opcode: 2, length: 16 * 1024, count: 4, label: "4 × 16 KiB binary per chunk" },
  binary1m: { opcode: 2, length: 1024 * 1024, count: 1, label: "1 × 1 MiB binary" },
} as const satisfies Record<string, WsCase>;

export type WsCaseKey = keyof typeof WS_CASES;

/** The chunk of a case: its frames back to back. */
export function wsCaseBuffer(key: WsCaseKey): Uint8Array {
  const c: WsCase = WS_CASES[key];
  const one = frame(c.opcode, c.length);
  const out = new Uint8Array(one.length * c.count);
  for (let i = 0; i < c.count; i++) out.set(one, i * one.length);
  return out;
}
