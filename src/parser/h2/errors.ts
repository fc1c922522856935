/**
 * HTTP/2 outcomes (RFC 9113 §7, §5.4). Two kinds of number live here:
 *
 * - the error codes of the protocol (§7), the 32-bit values a RST_STREAM or GOAWAY carries;
 * - the frame parser's negative results, each mapped in ONE table (DESIGN rule 3) to the §7 code
 *   it produces, its scope (a connection error ends the connection with GOAWAY, §5.4.1; a stream
 *   error resets one stream with RST_STREAM, §5.4.2) and a reason for the log. The reason is for
 *   operators only: GOAWAY debug data and RST_STREAM never echo the peer's input.
 *
 * The negatives are their own namespace (-2 downwards), separate from the HTTP/1 parser's codes in
 * ../errors.ts; INCOMPLETE (-1, "more bytes needed") is shared with it.
 */
import { INCOMPLETE } from "../errors.ts";

export { INCOMPLETE };

// ── RFC 9113 §7: error codes ────────────────────────────────────────────────────────────────────
/** Graceful shutdown, or no error (§7). */
export const NO_ERROR = 0x0;
/** Unspecific protocol error (§7). */
export const PROTOCOL_ERROR = 0x1;
/** Unexpected internal error (§7). */
export const INTERNAL_ERROR = 0x2;
/** Flow-control protocol violated (§7, §6.9). */
export const FLOW_CONTROL_ERROR = 0x3;
/** SETTINGS sent and not acknowledged in time (§7, §6.5.3). */
export const SETTINGS_TIMEOUT = 0x4;
/** Frame received on a half-closed (remote) or closed stream (§7, §5.1). */
export const STREAM_CLOSED = 0x5;
/** Frame with an invalid size (§7, §4.2). */
export const FRAME_SIZE_ERROR = 0x6;
/** Stream refused before any application processing (§7, §8.7). */
export const REFUSED_STREAM = 0x7;
/** Stream no longer needed (§7). */
export const CANCEL = 0x8;
/** Field-block compression state cannot be maintained (§7, RFC 7541). */
export const COMPRESSION_ERROR = 0x9;
/** Connection for a CONNECT request reset or closed (§7, §8.5). */
export const CONNECT_ERROR = 0xa;
/** The peer exhibits behaviour that might be generating excessive load (§7). */
export const ENHANCE_YOUR_CALM = 0xb;
/** Transport properties below the security requirements (§7, §9.2). */
export const INADEQUATE_SECURITY = 0xc;
/** HTTP/1.1 must be used instead of HTTP/2 (§7). */
export const HTTP_1_1_REQUIRED = 0xd;

const CODE_NAMES = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
] as const;

/** The §7 name of an error code, for logs; unknown codes (§7: not special) as `0x…`. */
export function h2ErrorCodeName(code: number): string {
  return code >= 0 && code < CODE_NAMES.length ? CODE_NAMES[code]! : `0x${code.toString(16)}`;
}

// ── The parser's negative results ──────────────────────────────────────────────────────────────
/** The bytes are not the client connection preface (§3.4): read HTTP/1 instead (or, when h2 was negotiated, PROTOCOL_ERROR). */
export const NOT_PREFACE = -2;
/** Length above the receiver's SETTINGS_MAX_FRAME_SIZE (§4.2). Connection FRAME_SIZE_ERROR. */
export const E_H2_FRAME_TOO_LARGE = -3;
/** DATA, HEADERS, PRIORITY, RST_STREAM, PUSH_PROMISE or CONTINUATION on stream 0 (§6.1–§6.4, §6.6, §6.10). Connection PROTOCOL_ERROR. */
export const E_H2_STREAM_ID_REQUIRED = -4;
/** SETTINGS, PING or GOAWAY on a stream other than 0 (§6.5, §6.7, §6.8). Connection PROTOCOL_ERROR. */
export const E_H2_STREAM_ID_FORBIDDEN = -5;
/** PING whose length is not 8 (§6.7). Connection FRAME_SIZE_ERROR. */
export const E_H2_BAD_PING_LENGTH = -6;
/** RST_STREAM whose length is not 4 (§6.4). Connection FRAME_SIZE_ERROR. */
export const E_H2_BAD_RST_STREAM_LENGTH = -7;
/** WINDOW_UPDATE whose length is not 4 (§6.9). Connection FRAME_SIZE_ERROR. */
export const E_H2_BAD_WINDOW_UPDATE_LENGTH = -8;
/** PRIORITY whose length is not 5 (§6.3). Stream FRAME_SIZE_ERROR. */
export const E_H2_BAD_PRIORITY_LENGTH = -9;
/** SETTINGS whose length is not a multiple of 6 (§6.5). Connection FRAME_SIZE_ERROR. */
export const E_H2_BAD_SETTINGS_LENGTH = -10;
/** SETTINGS with ACK and a payload (§6.5). Connection FRAME_SIZE_ERROR. */
export const E_H2_SETTINGS_ACK_WITH_PAYLOAD = -11;
/** A frame too short for its mandatory fields: Pad Length, priority, Promised Stream ID, GOAWAY's 8 bytes (§4.2). Connection FRAME_SIZE_ERROR. */
export const E_H2_FRAME_TOO_SHORT = -12;
/** Padding as long as the payload or longer (§6.1, §6.2, §6.6). Connection PROTOCOL_ERROR. */
export const E_H2_BAD_PADDING = -13;
/** HEADERS or PRIORITY making a stream depend on itself (§5.3.1). Stream PROTOCOL_ERROR. */
export const E_H2_SELF_DEPENDENCY = -14;
/** WINDOW_UPDATE with increment 0 on a stream (§6.9). Stream PROTOCOL_ERROR. */
export const E_H2_ZERO_WINDOW_INCREMENT = -15;
/** WINDOW_UPDATE with increment 0 on stream 0, the connection's window (§6.9). Connection PROTOCOL_ERROR. */
export const E_H2_ZERO_CONNECTION_WINDOW_INCREMENT = -16;
/** SETTINGS_ENABLE_PUSH other than 0 or 1 (§6.5.2). Connection PROTOCOL_ERROR. */
export const E_H2_BAD_ENABLE_PUSH = -17;
/** SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 (§6.5.2). Connection FLOW_CONTROL_ERROR. */
export const E_H2_INITIAL_WINDOW_TOO_LARGE = -18;
/** SETTINGS_MAX_FRAME_SIZE outside [2^14, 2^24-1] (§6.5.2). Connection PROTOCOL_ERROR. */
export const E_H2_BAD_MAX_FRAME_SIZE = -19;

const CONNECTION = false;
const STREAM = true;

/** Every negative result: its §7 code, whether it is a stream error, and the log reason. */
const TABLE: readonly (readonly [result: number, code: number, stream: boolean, reason: string])[] = [
  [INCOMPLETE, NO_ERROR, CONNECTION, "incomplete"],
  [NOT_PREFACE, PROTOCOL_ERROR, CONNECTION, "not the HTTP/2 connection preface"],
  [E_H2_FRAME_TOO_LARGE, FRAME_SIZE_ERROR, CONNECTION, "frame larger than SETTINGS_MAX_FRAME_SIZE"],
  [E_H2_STREAM_ID_REQUIRED, PROTOCOL_ERROR, CONNECTION, "stream frame on stream 0"],
  [E_H2_STREAM_ID_FORBIDDEN, PROTOCOL_ERROR, CONNECTION, "connection frame on a stream other than 0"],
  [E_H2_BAD_PING_LENGTH, FRAME_SIZE_ERROR, CONNECTION, "PING length not 8"],
  [E_H2_BAD_RST_STREAM_LENGTH, FRAME_SIZE_ERROR, CONNECTION, "RST_STREAM length not 4"],
  [E_H2_BAD_WINDOW_UPDATE_LENGTH, FRAME_SIZE_ERROR, CONNECTION, "WINDOW_UPDATE length not 4"],
  [E_H2_BAD_PRIORITY_LENGTH, FRAME_SIZE_ERROR, STREAM, "PRIORITY length not 5"],
  [E_H2_BAD_SETTINGS_LENGTH, FRAME_SIZE_ERROR, CONNECTION, "SETTINGS length not a multiple of 6"],
  [E_H2_SETTINGS_ACK_WITH_PAYLOAD, FRAME_SIZE_ERROR, CONNECTION, "SETTINGS ACK with a payload"],
  [E_H2_FRAME_TOO_SHORT, FRAME_SIZE_ERROR, CONNECTION, "frame too short for its mandatory fields"],
  [E_H2_BAD_PADDING, PROTOCOL_ERROR, CONNECTION, "padding as long as the payload or longer"],
  [E_H2_SELF_DEPENDENCY, PROTOCOL_ERROR, STREAM, "stream depends on itself"],
  [E_H2_ZERO_WINDOW_INCREMENT, PROTOCOL_ERROR, STREAM, "WINDOW_UPDATE increment 0 on a stream"],
  [E_H2_ZERO_CONNECTION_WINDOW_INCREMENT, PROTOCOL_ERROR, CONNECTION, "WINDOW_UPDATE increment 0 on the connection"],
  [E_H2_BAD_ENABLE_PUSH, PROTOCOL_ERROR, CONNECTION, "SETTINGS_ENABLE_PUSH not 0 or 1"],
  [E_H2_INITIAL_WINDOW_TOO_LARGE, FLOW_CONTROL_ERROR, CONNECTION, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1"],
  [E_H2_BAD_MAX_FRAME_SIZE, PROTOCOL_ERROR, CONNECTION, "SETTINGS_MAX_FRAME_SIZE outside 2^14..2^24-1"],
];

/** Number of table slots (index = -result), derived from the table. */
const COUNT = Math.max(...TABLE.map(([result]) => -result)) + 1;
const ERROR_CODE = new Uint8Array(COUNT).fill(INTERNAL_ERROR);
const IS_STREAM = new Uint8Array(COUNT);
const REASON: string[] = new Array<string>(COUNT).fill("unknown");
for (const [result, code, stream, reason] of TABLE) {
  ERROR_CODE[-result] = code;
  IS_STREAM[-result] = stream ? 1 : 0;
  REASON[-result] = reason;
}

/** The highest table index: the parser's results run from -2 down to -(H2_RESULT_COUNT - 1). */
export const H2_RESULT_COUNT = COUNT;

/** The §7 error code a negative parser result produces (INTERNAL_ERROR for an unknown one, NO_ERROR for INCOMPLETE). */
export function h2ErrorCode(result: number): number {
  return result < 0 && -result < COUNT ? ERROR_CODE[-result]! : INTERNAL_ERROR;
}

/**
 * Whether a negative parser result is a stream error (§5.4.2: RST_STREAM that stream, skip the
 * frame, keep the connection) rather than a connection error (§5.4.1: GOAWAY and close). The
 * parser returns stream errors only once the whole frame is buffered, with the Frame filled, so
 * the caller can skip `FRAME_HEADER_LENGTH + frame.length` bytes. An unknown result is a connection error.
 */
export function isStreamError(result: number): boolean {
  return result < 0 && -result < COUNT && IS_STREAM[-result] === 1;
}

/** The log reason of a negative parser result ("unknown" for one outside the table). */
export function h2ErrorReason(result: number): string {
  return result < 0 && -result < COUNT ? REASON[-result]! : "unknown";
}
