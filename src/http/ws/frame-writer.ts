/**
 * The frames a WebSocket server writes (RFC 6455 §5.2), in place into the caller's Uint8Array at
 * an offset (hot path: no allocation). Server frames are never masked (§5.1). Every writer
 * returns the number of bytes it wrote; the caller reserves the *_MAX_* sizes named here.
 *
 * Nothing here echoes the peer's input except a Pong's payload, which §5.5.3 requires to be the
 * Ping's.
 */
import { MAX_CONTROL_PAYLOAD, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG } from "../../parser/ws/frame-reader.ts";

/** The longest head a server frame has: 2 bytes and an 8-byte extended length, no masking key (§5.2). */
export const MAX_SERVER_FRAME_HEAD = 10;
/** The longest control frame we write: a 2-byte head and 125 bytes of payload (§5.5). */
export const MAX_CONTROL_FRAME = 2 + MAX_CONTROL_PAYLOAD;
/** §5.5.1: a Close reason fits in 125 - 2 bytes (after the code). */
export const MAX_CLOSE_REASON = MAX_CONTROL_PAYLOAD - 2;

const FIN_BIT = 0x80;
const RSV1_BIT = 0x40;
/** §5.2: lengths up to 125 fit the 7-bit field. */
const MAX_LENGTH_7 = 125;
const LENGTH_16_FOLLOWS = 126;
const LENGTH_64_FOLLOWS = 127;
const MAX_LENGTH_16 = 0xffff;
/** 2^32: a 64-bit length's high half is length / 2^32 (lengths stay below 2^53). */
const HIGH_HALF_PLACE = 0x100000000;

/** The head's size for a payload of `length` bytes: 2, 4 or 10 (§5.2, minimal encoding). */
export function frameHeadLength(length: number): number {
  return length <= MAX_LENGTH_7 ? 2 : length <= MAX_LENGTH_16 ? 4 : MAX_SERVER_FRAME_HEAD;
}

/**
 * Writes an unmasked frame head at out[at..] for a payload of `length` bytes (0 ≤ length < 2^53)
 * in the minimal length encoding (§5.2). `rsv1` marks a compressed message's first frame (RFC
 * 7692 §6). Returns the bytes written: 2, 4 or 10. out needs MAX_SERVER_FRAME_HEAD bytes free.
 *
 * hot path: no allocation.
 */
export function writeFrameHead(out: Uint8Array, at: number, opcode: number, fin: boolean, rsv1: boolean, length: number): number {
  out[at] = (fin ? FIN_BIT : 0) | (rsv1 ? RSV1_BIT : 0) | opcode;
  if (length <= MAX_LENGTH_7) {
    out[at + 1] = length;
    return 2;
  }
  if (length <= MAX_LENGTH_16) {
    out[at + 1] = LENGTH_16_FOLLOWS;
    out[at + 2] = length >>> 8;
    out[at + 3] = length & 0xff;
    return 4;
  }
  out[at + 1] = LENGTH_64_FOLLOWS;
  const high = Math.floor(length / HIGH_HALF_PLACE);
  const low = length >>> 0;
  out[at + 2] = high >>> 24;
  out[at + 3] = (high >>> 16) & 0xff;
  out[at + 4] = (high >>> 8) & 0xff;
  out[at + 5] = high & 0xff;
  out[at + 6] = low >>> 24;
  out[at + 7] = (low >>> 16) & 0xff;
  out[at + 8] = (low >>> 8) & 0xff;
  out[at + 9] = low & 0xff;
  return MAX_SERVER_FRAME_HEAD;
}

/** A control frame with payload bytes[start..end) (≤ 125 bytes, §5.5; RangeError otherwise). */
function writeControlFrame(out: Uint8Array, at: number, opcode: number, payload: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 0 || n > MAX_CONTROL_PAYLOAD) throw new RangeError(`control frame payload of ${n} bytes (RFC 6455 §5.5: at most 125)`);
  out[at] = FIN_BIT | opcode;
  out[at + 1] = n;
  for (let i = 0; i < n; i++) out[at + 2 + i] = payload[start + i]!;
  return 2 + n;
}

/** Writes a Ping (§5.5.2) carrying payload[start..end) (≤ 125 bytes). Returns the bytes written (2 + length). */
export function writePing(out: Uint8Array, at: number, payload: Uint8Array, start: number, end: number): number {
  return writeControlFrame(out, at, OPCODE_PING, payload, start, end);
}

/** Writes a Pong (§5.5.3) carrying payload[start..end): the Ping's payload when it answers one. Returns 2 + length. */
export function writePong(out: Uint8Array, at: number, payload: Uint8Array, start: number, end: number): number {
  return writeControlFrame(out, at, OPCODE_PONG, payload, start, end);
}

/** U+FFFD, written for a lone surrogate in a reason. */
const REPLACEMENT_CHARACTER = 0xfffd;

/** The UTF-8 length of code point `cp`. */
function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * Writes a Close frame (§5.5.1) with status `code` and `reason` as UTF-8, cut to the whole code
 * points that fit in 123 bytes (never inside one). `code` 0 writes an empty Close (§5.5.1: no
 * body; the peer reports 1005) and ignores the reason. A lone surrogate is written as U+FFFD.
 * Returns the bytes written (≤ MAX_CONTROL_FRAME). The caller chooses a code that may be sent
 * (close-payload.ts isSendableCloseCode).
 *
 * No allocation: the reason is encoded straight into `out`.
 */
export function writeClose(out: Uint8Array, at: number, code: number, reason = ""): number {
  out[at] = FIN_BIT | OPCODE_CLOSE;
  if (code === 0) {
    out[at + 1] = 0;
    return 2;
  }
  out[at + 2] = (code >>> 8) & 0xff;
  out[at + 3] = code & 0xff;
  let p = at + 4;
  const limit = at + 4 + MAX_CLOSE_REASON;
  for (let i = 0; i < reason.length; i++) {
    let cp = reason.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < reason.length) {
      const low = reason.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      } else cp = REPLACEMENT_CHARACTER;
    } else if (cp >= 0xd800 && cp <= 0xdfff) cp = REPLACEMENT_CHARACTER;
    const n = utf8Length(cp);
    if (p + n > limit) break;
    if (n === 1) out[p] = cp;
    else if (n === 2) {
      out[p] = 0xc0 | (cp >>> 6);
      out[p + 1] = 0x80 | (cp & 0x3f);
    } else if (n === 3) {
      out[p] = 0xe0 | (cp >>> 12);
      out[p + 1] = 0x80 | ((cp >>> 6) & 0x3f);
      out[p + 2] = 0x80 | (cp & 0x3f);
    } else {
      out[p] = 0xf0 | (cp >>> 18);
      out[p + 1] = 0x80 | ((cp >>> 12) & 0x3f);
      out[p + 2] = 0x80 | ((cp >>> 6) & 0x3f);
      out[p + 3] = 0x80 | (cp & 0x3f);
    }
    p += n;
  }
  out[at + 1] = p - at - 2;
  return p - at;
}
