/**
 * The HTTP/2 frame layer (RFC 9113 §4, §6): one frame's 9-byte header and the fixed fields of its
 * payload, read from the caller's Uint8Array into a reused Frame. Bytes in, numbers out, no throw,
 * no allocation (DESIGN rules 1, 2, 4).
 *
 * Only the errors a frame shows by itself are decided here (§4.2 sizes, the stream-0 rules of
 * §6.x, fixed lengths, padding, self-dependency, a zero WINDOW_UPDATE increment). What needs the
 * connection's state — stream states (§5.1), CONTINUATION sequencing (§6.10), flow-control
 * windows (§6.9), SETTINGS acknowledgement — belongs to the connection.
 *
 * Resumable: called again with more bytes (same start, later end) it answers INCOMPLETE until the
 * frame is whole, then the same as a one-shot parse. A connection error decided by the 9-byte
 * header (size, stream id, fixed lengths) is returned as soon as the header is there; every other
 * outcome waits for the whole frame, so a stream error always comes with the frame's length known.
 */
import {
  E_H2_BAD_PADDING,
  E_H2_BAD_PING_LENGTH,
  E_H2_BAD_PRIORITY_LENGTH,
  E_H2_BAD_RST_STREAM_LENGTH,
  E_H2_BAD_SETTINGS_LENGTH,
  E_H2_BAD_WINDOW_UPDATE_LENGTH,
  E_H2_FRAME_TOO_LARGE,
  E_H2_FRAME_TOO_SHORT,
  E_H2_SELF_DEPENDENCY,
  E_H2_SETTINGS_ACK_WITH_PAYLOAD,
  E_H2_STREAM_ID_FORBIDDEN,
  E_H2_STREAM_ID_REQUIRED,
  E_H2_ZERO_CONNECTION_WINDOW_INCREMENT,
  E_H2_ZERO_WINDOW_INCREMENT,
  INCOMPLETE,
} from "./errors.ts";

// ── §6: frame types ────────────────────────────────────────────────────────────────────────────
/** §6.1 */
export const FRAME_DATA = 0x0;
/** §6.2 */
export const FRAME_HEADERS = 0x1;
/** §6.3 (deprecated signalling; parsed and ignored, §5.3.2) */
export const FRAME_PRIORITY = 0x2;
/** §6.4 */
export const FRAME_RST_STREAM = 0x3;
/** §6.5 */
export const FRAME_SETTINGS = 0x4;
/** §6.6 */
export const FRAME_PUSH_PROMISE = 0x5;
/** §6.7 */
export const FRAME_PING = 0x6;
/** §6.8 */
export const FRAME_GOAWAY = 0x7;
/** §6.9 */
export const FRAME_WINDOW_UPDATE = 0x8;
/** §6.10 */
export const FRAME_CONTINUATION = 0x9;

// ── §6: flags (each meaningful only on the types named) ────────────────────────────────────────
/** DATA, HEADERS: the last frame the sender sends on the stream (§6.1, §6.2). */
export const FLAG_END_STREAM = 0x1;
/** SETTINGS, PING: an acknowledgement (§6.5, §6.7). */
export const FLAG_ACK = 0x1;
/** HEADERS, PUSH_PROMISE, CONTINUATION: the field block ends in this frame (§6.2, §6.10). */
export const FLAG_END_HEADERS = 0x4;
/** DATA, HEADERS, PUSH_PROMISE: a Pad Length byte and padding are present (§6.1). */
export const FLAG_PADDED = 0x8;
/** HEADERS: the Exclusive/Stream Dependency/Weight fields are present (§6.2). */
export const FLAG_PRIORITY = 0x20;

/** §4.1: 24-bit length, 8-bit type, 8-bit flags, 1 reserved bit + 31-bit stream identifier. */
export const FRAME_HEADER_LENGTH = 9;
/** §6.1: the Pad Length field. */
const PAD_LENGTH_SIZE = 1;
/** §6.2, §6.3: Exclusive bit + 31-bit Stream Dependency, then Weight. */
const PRIORITY_FIELDS_SIZE = 5;
/** §6.6: the Promised Stream ID. */
const PROMISED_ID_SIZE = 4;
/** §6.7: opaque data of a PING. */
export const PING_PAYLOAD_LENGTH = 8;
/** §6.4: the error code of a RST_STREAM. */
export const RST_STREAM_PAYLOAD_LENGTH = 4;
/** §6.9: the window size increment. */
export const WINDOW_UPDATE_PAYLOAD_LENGTH = 4;
/** §6.3 */
export const PRIORITY_PAYLOAD_LENGTH = 5;
/** §6.8: Last-Stream-ID and Error Code before the optional debug data. */
export const GOAWAY_MIN_PAYLOAD_LENGTH = 8;
/** §6.5.1: a 16-bit identifier and a 32-bit value. */
export const SETTING_ENTRY_LENGTH = 6;
/** §5.3.5: the weight of a stream no priority was given for (RFC 7540's default; kept for logs). */
export const DEFAULT_WEIGHT = 16;
/** §6.2: the E (exclusive) flag, the high bit of the Stream Dependency field. */
const EXCLUSIVE_BIT = 0x80;
/** §4.1, §6.2: the 31 bits of a stream identifier (the high byte's low 7 bits; the reserved or E bit above them is not part of it). */
const HIGH_BYTE_31 = 0x7f;

/** One frame, as its header and fixed fields said. Reused; the fields are meaningful after a parse returned > 0 (or a stream error). */
export class Frame {
  /** Payload length from the header (§4.1), padding and fixed fields included. */
  length = 0;
  /** FRAME_* (any 0..255: unknown types are parsed and left to the connection to ignore, §4.1). */
  type = 0;
  /** The header's flag bits as sent (undefined ones included; the connection ignores them, §4.1). */
  flags = 0;
  /** 31-bit stream identifier, reserved bit removed (§4.1). */
  streamId = 0;
  /**
   * The payload without padding and fixed fields: DATA's data, HEADERS' and PUSH_PROMISE's field
   * block fragment; for the other types the whole payload. Offsets into the parsed buffer.
   */
  payloadStart = 0;
  /** End of that span (exclusive). */
  payloadEnd = 0;
  /** Padding bytes after the data or fragment (0 without FLAG_PADDED); flow control counts them (§6.9.1). */
  padLength = 0;
  /** HEADERS with FLAG_PRIORITY, PRIORITY: the stream depended on (§5.3.1); 0 otherwise. */
  dependency = 0;
  /** HEADERS with FLAG_PRIORITY, PRIORITY: the exclusive bit; false otherwise. */
  exclusive = false;
  /** HEADERS with FLAG_PRIORITY, PRIORITY: weight 1..256 (the byte + 1); DEFAULT_WEIGHT otherwise. */
  weight = DEFAULT_WEIGHT;
  /** PUSH_PROMISE: the promised stream's id (§6.6); 0 otherwise. */
  promisedStreamId = 0;
}

/** 2^24, the place value of a 32-bit field's high byte: multiplied, not shifted, so values of 2^31 and above stay positive. */
const HIGH_BYTE_PLACE = 0x1000000;

/** A 31-bit value (reserved bit ignored) at buf[p..p+4): stream ids, Last-Stream-ID, increments. */
export function readUint31(buf: Uint8Array, p: number): number {
  return (buf[p]! & HIGH_BYTE_31) * HIGH_BYTE_PLACE + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
}

/** An unsigned 32-bit value at buf[p..p+4) (error codes, setting values). */
export function readUint32(buf: Uint8Array, p: number): number {
  return buf[p]! * HIGH_BYTE_PLACE + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!);
}

/** WINDOW_UPDATE's increment at the payload start `p` (§6.9: 31 bits, reserved bit ignored). */
export function readWindowIncrement(buf: Uint8Array, p: number): number {
  return readUint31(buf, p);
}

/** The 32-bit error code of RST_STREAM (at the payload start) or GOAWAY (payload start + 4) (§6.4, §6.8). */
export function readErrorCode(buf: Uint8Array, p: number): number {
  return readUint32(buf, p);
}

/**
 * Parses the frame at buf[start..end) into `frame`. Returns FRAME_HEADER_LENGTH + length when the
 * whole frame is there, INCOMPLETE when it is not yet, or a negative E_H2_* (errors.ts; use
 * isStreamError / h2ErrorCode). `maxFrameSize` is the SETTINGS_MAX_FRAME_SIZE we advertised (§4.2).
 *
 * hot path: no allocation.
 */
export function parseFrame(buf: Uint8Array, start: number, end: number, maxFrameSize: number, frame: Frame): number {
  if (end - start < FRAME_HEADER_LENGTH) return INCOMPLETE;
  const length = (buf[start]! << 16) | (buf[start + 1]! << 8) | buf[start + 2]!;
  const type = buf[start + 3]!;
  const flags = buf[start + 4]!;
  const streamId = readUint31(buf, start + 5);
  frame.length = length;
  frame.type = type;
  frame.flags = flags;
  frame.streamId = streamId;
  frame.padLength = 0;
  frame.dependency = 0;
  frame.exclusive = false;
  frame.weight = DEFAULT_WEIGHT;
  frame.promisedStreamId = 0;
  const payload = start + FRAME_HEADER_LENGTH;
  frame.payloadStart = payload;
  frame.payloadEnd = payload + length;

  // §4.2: larger than we allow: known from the header, before the payload arrives.
  if (length > maxFrameSize) return E_H2_FRAME_TOO_LARGE;
  const headerError = checkHeader(length, type, flags, streamId);
  if (headerError !== 0) return headerError;
  if (end - payload < length) return INCOMPLETE;

  switch (type) {
    case FRAME_DATA:
      return parsePadded(buf, payload, length, flags, 0, frame);
    case FRAME_HEADERS: {
      const fixed = (flags & FLAG_PRIORITY) !== 0 ? PRIORITY_FIELDS_SIZE : 0;
      const r = parsePadded(buf, payload, length, flags, fixed, frame);
      if (r < 0 || fixed === 0) return r;
      return readPriority(buf, frame.payloadStart - fixed, frame);
    }
    case FRAME_PRIORITY:
      return readPriority(buf, payload, frame);
    case FRAME_PUSH_PROMISE: {
      const r = parsePadded(buf, payload, length, flags, PROMISED_ID_SIZE, frame);
      if (r > 0) frame.promisedStreamId = readUint31(buf, frame.payloadStart - PROMISED_ID_SIZE);
      return r;
    }
    case FRAME_WINDOW_UPDATE:
      // §6.9: an increment of 0 is an error on the window it names.
      if (readWindowIncrement(buf, payload) !== 0) break;
      return streamId === 0 ? E_H2_ZERO_CONNECTION_WINDOW_INCREMENT : E_H2_ZERO_WINDOW_INCREMENT;
  }
  return FRAME_HEADER_LENGTH + length;
}

/** The errors the 9-byte header shows (§6.x stream-0 rules and fixed lengths), or 0. */
function checkHeader(length: number, type: number, flags: number, streamId: number): number {
  switch (type) {
    case FRAME_DATA: // §6.1
    case FRAME_HEADERS: // §6.2
    case FRAME_PRIORITY: // §6.3 (a wrong length is a stream error, reported once the frame is whole)
    case FRAME_PUSH_PROMISE: // §6.6
    case FRAME_CONTINUATION: // §6.10
      return streamId === 0 ? E_H2_STREAM_ID_REQUIRED : 0;
    case FRAME_RST_STREAM: // §6.4
      if (streamId === 0) return E_H2_STREAM_ID_REQUIRED;
      return length === RST_STREAM_PAYLOAD_LENGTH ? 0 : E_H2_BAD_RST_STREAM_LENGTH;
    case FRAME_SETTINGS: // §6.5
      if (streamId !== 0) return E_H2_STREAM_ID_FORBIDDEN;
      if ((flags & FLAG_ACK) !== 0) return length === 0 ? 0 : E_H2_SETTINGS_ACK_WITH_PAYLOAD;
      return length % SETTING_ENTRY_LENGTH === 0 ? 0 : E_H2_BAD_SETTINGS_LENGTH;
    case FRAME_PING: // §6.7
      if (streamId !== 0) return E_H2_STREAM_ID_FORBIDDEN;
      return length === PING_PAYLOAD_LENGTH ? 0 : E_H2_BAD_PING_LENGTH;
    case FRAME_GOAWAY: // §6.8
      if (streamId !== 0) return E_H2_STREAM_ID_FORBIDDEN;
      return length >= GOAWAY_MIN_PAYLOAD_LENGTH ? 0 : E_H2_FRAME_TOO_SHORT;
    case FRAME_WINDOW_UPDATE: // §6.9: on any stream, 0 being the connection
      return length === WINDOW_UPDATE_PAYLOAD_LENGTH ? 0 : E_H2_BAD_WINDOW_UPDATE_LENGTH;
  }
  return 0;
}

/**
 * The whole frame is at buf[payload..payload+length). Sets padLength and the payload span past
 * Pad Length and `fixed` bytes of fixed fields, before the padding (§6.1, §6.2, §6.6).
 */
function parsePadded(buf: Uint8Array, payload: number, length: number, flags: number, fixed: number, frame: Frame): number {
  let p = payload;
  let padLength = 0;
  if ((flags & FLAG_PADDED) !== 0) {
    if (length < PAD_LENGTH_SIZE + fixed) return E_H2_FRAME_TOO_SHORT;
    padLength = buf[p]!;
    p += PAD_LENGTH_SIZE;
    // §6.1: padding the length of the payload or more is PROTOCOL_ERROR; §6.2, §6.6: padding
    // that leaves no room for the fixed fields is the same error.
    if (padLength > length - PAD_LENGTH_SIZE - fixed) return E_H2_BAD_PADDING;
  } else if (length < fixed) {
    return E_H2_FRAME_TOO_SHORT;
  }
  frame.padLength = padLength;
  frame.payloadStart = p + fixed;
  frame.payloadEnd = payload + length - padLength;
  return FRAME_HEADER_LENGTH + length;
}

/** Reads Exclusive/Stream Dependency/Weight at p (§6.2, §6.3), after a PRIORITY's length check. */
function readPriority(buf: Uint8Array, p: number, frame: Frame): number {
  if (frame.type === FRAME_PRIORITY && frame.length !== PRIORITY_PAYLOAD_LENGTH) return E_H2_BAD_PRIORITY_LENGTH;
  frame.exclusive = (buf[p]! & EXCLUSIVE_BIT) !== 0;
  frame.dependency = readUint31(buf, p);
  frame.weight = buf[p + 4]! + 1;
  // §5.3.1: a stream cannot depend on itself.
  if (frame.dependency === frame.streamId) return E_H2_SELF_DEPENDENCY;
  return FRAME_HEADER_LENGTH + frame.length;
}
