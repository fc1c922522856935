/**
 * The frames an HTTP/2 server writes about the connection itself (RFC 9113 §6), written in place
 * into the caller's Uint8Array at an offset (hot path: no allocation). Every writer returns the
 * offset just past what it wrote; the caller reserves the *_FRAME_LENGTH bytes named here.
 *
 * Nothing here copies the peer's input into what is sent, except PING's 8 opaque bytes, which
 * §6.7 requires echoed; GOAWAY carries no debug data.
 */
import {
  FLAG_ACK,
  FRAME_GOAWAY,
  FRAME_HEADER_LENGTH,
  FRAME_PING,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  FRAME_WINDOW_UPDATE,
  GOAWAY_MIN_PAYLOAD_LENGTH,
  PING_PAYLOAD_LENGTH,
  RST_STREAM_PAYLOAD_LENGTH,
  SETTING_ENTRY_LENGTH,
  WINDOW_UPDATE_PAYLOAD_LENGTH,
} from "../../parser/h2/frame.ts";
import {
  DEFAULT_INITIAL_WINDOW_SIZE,
  DEFAULT_MAX_FRAME_SIZE,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_MAX_HEADER_LIST_SIZE,
} from "../../parser/h2/settings.ts";
import { H2_HEADER_TABLE_SIZE } from "../../parser/limits.ts";
import { H2_MAX_CONCURRENT_STREAMS, H2_MAX_HEADER_LIST_SIZE } from "./limits.ts";

/** §6.5: a SETTINGS ACK: header only. */
export const SETTINGS_ACK_FRAME_LENGTH = FRAME_HEADER_LENGTH;
/** §6.7: a PING (ACK) frame. */
export const PING_FRAME_LENGTH = FRAME_HEADER_LENGTH + PING_PAYLOAD_LENGTH;
/** §6.9: a WINDOW_UPDATE frame. */
export const WINDOW_UPDATE_FRAME_LENGTH = FRAME_HEADER_LENGTH + WINDOW_UPDATE_PAYLOAD_LENGTH;
/** §6.4: a RST_STREAM frame. */
export const RST_STREAM_FRAME_LENGTH = FRAME_HEADER_LENGTH + RST_STREAM_PAYLOAD_LENGTH;
/** §6.8: a GOAWAY frame without debug data. */
export const GOAWAY_FRAME_LENGTH = FRAME_HEADER_LENGTH + GOAWAY_MIN_PAYLOAD_LENGTH;
/** §4.1, §6.8, §6.9: a 31-bit field, its reserved bit sent as 0. */
const MASK_31 = 0x7fffffff;
/** The settings our SETTINGS frame carries: six entries. */
const OUR_SETTINGS_COUNT = 6;
/** Our SETTINGS frame (writeSettings). */
export const SETTINGS_FRAME_LENGTH = FRAME_HEADER_LENGTH + OUR_SETTINGS_COUNT * SETTING_ENTRY_LENGTH;

/** What our SETTINGS frame advertises (§6.5.2). SETTINGS_ENABLE_PUSH is always 0: a server never receives pushes (§8.4). */
export interface AdvertisedSettings {
  /** SETTINGS_MAX_CONCURRENT_STREAMS: streams the client may open at once. Default 100 (DEFAULT_ADVERTISED). */
  readonly maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window, 0..2^31-1. Default 65535. */
  readonly initialWindowSize: number;
  /** SETTINGS_MAX_FRAME_SIZE: the largest frame payload we accept, 16384..2^24-1. Default 16384. */
  readonly maxFrameSize: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: the decoded header list we accept (§6.5.2 sizing). Default 16384. */
  readonly maxHeaderListSize: number;
  /** SETTINGS_HEADER_TABLE_SIZE: our HPACK decoder's dynamic table. Default 4096. */
  readonly headerTableSize: number;
}

/** The SETTINGS we advertise unless told otherwise. */
export const DEFAULT_ADVERTISED: AdvertisedSettings = Object.freeze({
  maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS,
  initialWindowSize: DEFAULT_INITIAL_WINDOW_SIZE,
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  maxHeaderListSize: H2_MAX_HEADER_LIST_SIZE,
  headerTableSize: H2_HEADER_TABLE_SIZE,
});

/** Writes a 32-bit big-endian value at `at`. */
function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

/**
 * Writes a 9-byte frame header (§4.1) at `at`: 24-bit length, type, flags, stream id with the
 * reserved bit clear. Returns at + 9. The payload (length bytes) is the caller's to write after it.
 */
export function writeFrameHeader(out: Uint8Array, at: number, length: number, type: number, flags: number, streamId: number): number {
  out[at] = length >>> 16;
  out[at + 1] = length >>> 8;
  out[at + 2] = length;
  out[at + 3] = type;
  out[at + 4] = flags;
  writeUint32(out, at + 5, streamId & MASK_31);
  return at + FRAME_HEADER_LENGTH;
}

/** Writes one SETTINGS entry (§6.5.1). */
function writeSetting(out: Uint8Array, at: number, id: number, value: number): number {
  out[at] = id >>> 8;
  out[at + 1] = id;
  writeUint32(out, at + 2, value);
  return at + SETTING_ENTRY_LENGTH;
}

/** Writes our SETTINGS frame (SETTINGS_FRAME_LENGTH bytes, §6.5) advertising `values`. Returns the offset past it. */
export function writeSettings(out: Uint8Array, at: number, values: AdvertisedSettings = DEFAULT_ADVERTISED): number {
  let p = writeFrameHeader(out, at, OUR_SETTINGS_COUNT * SETTING_ENTRY_LENGTH, FRAME_SETTINGS, 0, 0);
  p = writeSetting(out, p, SETTINGS_MAX_CONCURRENT_STREAMS, values.maxConcurrentStreams);
  p = writeSetting(out, p, SETTINGS_INITIAL_WINDOW_SIZE, values.initialWindowSize);
  p = writeSetting(out, p, SETTINGS_MAX_FRAME_SIZE, values.maxFrameSize);
  p = writeSetting(out, p, SETTINGS_MAX_HEADER_LIST_SIZE, values.maxHeaderListSize);
  p = writeSetting(out, p, SETTINGS_ENABLE_PUSH, 0);
  return writeSetting(out, p, SETTINGS_HEADER_TABLE_SIZE, values.headerTableSize);
}

/** Writes a SETTINGS frame with ACK and no payload (§6.5.3). Returns at + 9. */
export function writeSettingsAck(out: Uint8Array, at: number): number {
  return writeFrameHeader(out, at, 0, FRAME_SETTINGS, FLAG_ACK, 0);
}

/** Writes the PING ACK answering the PING whose 8 opaque bytes are at src[srcAt..srcAt+8) (§6.7). Returns at + 17. */
export function writePingAck(out: Uint8Array, at: number, src: Uint8Array, srcAt: number): number {
  const p = writeFrameHeader(out, at, PING_PAYLOAD_LENGTH, FRAME_PING, FLAG_ACK, 0);
  for (let i = 0; i < PING_PAYLOAD_LENGTH; i++) out[p + i] = src[srcAt + i]!;
  return p + PING_PAYLOAD_LENGTH;
}

/** Writes a WINDOW_UPDATE (§6.9) for `streamId` (0: the connection); `increment` 1..2^31-1. Returns at + 13. */
export function writeWindowUpdate(out: Uint8Array, at: number, streamId: number, increment: number): number {
  const p = writeFrameHeader(out, at, WINDOW_UPDATE_PAYLOAD_LENGTH, FRAME_WINDOW_UPDATE, 0, streamId);
  writeUint32(out, p, increment & MASK_31);
  return p + WINDOW_UPDATE_PAYLOAD_LENGTH;
}

/** Writes a RST_STREAM (§6.4) for `streamId` (never 0) with a §7 error code. Returns at + 13. */
export function writeRstStream(out: Uint8Array, at: number, streamId: number, errorCode: number): number {
  const p = writeFrameHeader(out, at, RST_STREAM_PAYLOAD_LENGTH, FRAME_RST_STREAM, 0, streamId);
  writeUint32(out, p, errorCode);
  return p + RST_STREAM_PAYLOAD_LENGTH;
}

/**
 * Writes a GOAWAY (§6.8): the last peer-initiated stream we processed or may process, and a §7
 * error code; no debug data (never the peer's input). Returns at + 17.
 */
export function writeGoaway(out: Uint8Array, at: number, lastStreamId: number, errorCode: number): number {
  const p = writeFrameHeader(out, at, GOAWAY_MIN_PAYLOAD_LENGTH, FRAME_GOAWAY, 0, 0);
  writeUint32(out, p, lastStreamId & MASK_31);
  writeUint32(out, p + 4, errorCode);
  return p + GOAWAY_MIN_PAYLOAD_LENGTH;
}
