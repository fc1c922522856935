/**
 * Builds client frames for the WebSocket tests (RFC 6455 §5.2): any head a client could send,
 * well-formed or not — unmasked, reserved bits, any opcode, non-minimal or top-bit lengths, a
 * length that differs from the payload — masked with a given or rotating key.
 */

/** How to build one frame. Only `opcode` is required. */
export interface FrameSpec {
  opcode: number;
  /** The payload as a latin1 string or bytes. Default empty. */
  payload?: string | Uint8Array | number[];
  /** FIN. Default true. */
  fin?: boolean;
  /** RSV1..RSV3 as the 3 bits 0b(rsv1)(rsv2)(rsv3). Default 0. */
  rsv?: number;
  /** Set the MASK bit and mask the payload. Default true. */
  masked?: boolean;
  /** The masking key. Default [0x37, 0xfa, 0x21, 0x3d] (RFC 6455 §5.7's example). */
  key?: number[];
  /** The length encoding: "7", "16" or "64"; default the minimal one. */
  form?: "7" | "16" | "64";
  /** The length written in the head, when it must differ from the payload's. */
  length?: number;
  /** Write a 64-bit length with its top bit set (the rest from `length`). */
  topBit?: boolean;
}

/** RFC 6455 §5.7's masking key. */
export const EXAMPLE_KEY = [0x37, 0xfa, 0x21, 0x3d];

/** Bytes of a latin1 string. */
export function latin1Bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** A latin1 string of bytes[start..end). */
export function latin1Of(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** UTF-8 bytes of a string. */
export function utf8Bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function payloadBytes(p: FrameSpec["payload"]): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  if (typeof p === "string") return latin1Bytes(p);
  return p instanceof Uint8Array ? p : Uint8Array.from(p);
}

/** One client frame's bytes. */
export function clientFrame(spec: FrameSpec): Uint8Array {
  const payload = payloadBytes(spec.payload);
  const masked = spec.masked ?? true;
  const key = spec.key ?? EXAMPLE_KEY;
  const length = spec.length ?? payload.length;
  const form = spec.form ?? (length <= 125 ? "7" : length <= 0xffff ? "16" : "64");
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode];
  const maskBit = masked ? 0x80 : 0;
  if (form === "7") head.push(maskBit | length);
  else if (form === "16") head.push(maskBit | 126, (length >>> 8) & 0xff, length & 0xff);
  else {
    head.push(maskBit | 127);
    const high = Math.floor(length / 2 ** 32) | (spec.topBit ? 0x80000000 : 0);
    const low = length >>> 0;
    head.push((high >>> 24) & 0xff, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
    head.push((low >>> 24) & 0xff, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff);
  }
  if (masked) head.push(...key);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  for (let i = 0; i < payload.length; i++) out[head.length + i] = masked ? payload[i]! ^ key[i & 3]! : payload[i]!;
  return out;
}

/** Frames back to back. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `n` bytes of a repeating pattern (latin1 string), for long payloads. */
export function filler(n: number, seed = 0): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x20 + ((i * 7 + seed) % 95));
  return s;
}

/** The cut lists of the house rule: whole, split at every point, byte by byte; above `fullMax` bytes a sample of splits and 64 pieces. */
export function waysToCut(n: number, fullMax = 600): [string, number[]][] {
  const ways: [string, number[]][] = [["whole", [n]]];
  if (n <= fullMax) {
    const each: number[] = [];
    for (let s = 1; s <= n; s++) each.push(s);
    ways.push(["byte by byte", each]);
    for (let s = 1; s < n; s++) ways.push([`split at ${s}`, [s, n]]);
    return ways;
  }
  for (const s of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 100, n >> 1, n - 2, n - 1]) ways.push([`split at ${s}`, [s, n]]);
  const step = Math.ceil(n / 64);
  const pieces: number[] = [];
  for (let s = step; s < n; s += step) pieces.push(s);
  ways.push(["64 pieces", [...pieces, n]]);
  // Byte by byte through the first 40 bytes (every head state), then the rest whole.
  const first: number[] = [];
  for (let s = 1; s <= 40 && s < n; s++) first.push(s);
  ways.push(["byte by byte over the first 40", [...first, n]]);
  return ways;
}

/** Copies data[from..to) into a new buffer at `offset` (junk around it), as a socket's next chunk. */
export function chunkAt(data: Uint8Array, from: number, to: number, offset: number): Uint8Array {
  const buf = new Uint8Array(offset + (to - from) + 7).fill(0x5a);
  buf.set(data.subarray(from, to), offset);
  return buf;
}
