/**
 * WebSocket outcomes (RFC 6455 §7.4, RFC 7692). The WebSocket parsers' negative results
 * (`WsError`), each mapped in ONE table (DESIGN rule 3) to the close code the connection is failed
 * with (RFC 6455 §7.1.7: send a Close frame with that code, then close) and a reason for the log.
 * The reason is for operators only: the Close frame we send never echoes the peer's input.
 *
 * The negatives are their own namespace (-2 downwards), separate from the HTTP/1 and HTTP/2
 * parsers' codes; -1 is left unused (INCOMPLETE elsewhere): the frame reader consumes everything
 * it is given and never answers "more bytes needed".
 *
 * This file imports nothing (parser rule: the ws parsers import nothing from the project).
 */

// ── RFC 6455 §7.4.1: close codes ───────────────────────────────────────────────────────────────
/** Normal closure (§7.4.1). */
export const CLOSE_NORMAL = 1000;
/** The endpoint is going away: server shutdown, page navigated away (§7.4.1). */
export const CLOSE_GOING_AWAY = 1001;
/** Protocol error (§7.4.1). */
export const CLOSE_PROTOCOL_ERROR = 1002;
/** A data type the endpoint cannot accept (§7.4.1). */
export const CLOSE_UNSUPPORTED_DATA = 1003;
/** No status code was present in the Close frame (§7.4.1: never sent, reported only). */
export const CLOSE_NO_STATUS = 1005;
/** The connection closed without a Close frame (§7.4.1: never sent, reported only). */
export const CLOSE_ABNORMAL = 1006;
/** Data inconsistent with the message type, e.g. invalid UTF-8 in a text message (§7.4.1, §8.1). */
export const CLOSE_INVALID_PAYLOAD = 1007;
/** A message that violates the endpoint's policy, e.g. a send backlog above its limit (§7.4.1). */
export const CLOSE_POLICY_VIOLATION = 1008;
/** A message too big to process (§7.4.1). */
export const CLOSE_TOO_BIG = 1009;
/** The client expected an extension the server did not negotiate (§7.4.1: sent by clients). */
export const CLOSE_MANDATORY_EXTENSION = 1010;
/** The server met an unexpected condition (§7.4.1). */
export const CLOSE_INTERNAL_ERROR = 1011;

// ── The parsers' negative results (WsError) ────────────────────────────────────────────────────
/** A client frame without the MASK bit (RFC 6455 §5.1: the server MUST close). 1002. */
export const E_WS_UNMASKED = -2;
/** RSV2 or RSV3 set, or RSV1 without permessage-deflate negotiated (§5.2: no extension defines them). 1002. */
export const E_WS_RESERVED_BIT = -3;
/** RSV1 on a continuation or control frame (RFC 7692 §6.1: only a message's first frame carries it). 1002. */
export const E_WS_RSV1_NOT_FIRST = -4;
/** Opcode 3–7 or 11–15 (§5.2: reserved). 1002. */
export const E_WS_RESERVED_OPCODE = -5;
/** A control frame without FIN (§5.5: control frames MUST NOT be fragmented). 1002. */
export const E_WS_CONTROL_FRAGMENTED = -6;
/** A control frame whose payload is longer than 125 bytes (§5.5). 1002. */
export const E_WS_CONTROL_TOO_LONG = -7;
/** A 64-bit payload length with its most significant bit set (§5.2: it MUST be 0). 1002. */
export const E_WS_LENGTH_TOP_BIT = -8;
/** A payload length not in its minimal encoding (§5.2: "the minimal number of bytes MUST be used"). 1002. */
export const E_WS_NON_MINIMAL_LENGTH = -9;
/** A data frame longer than the reader's maxFramePayload (§7.4.1). 1009. */
export const E_WS_FRAME_TOO_BIG = -10;
/** A message (fragments together, or inflated) longer than the message limit (§7.4.1). 1009. */
export const E_WS_MESSAGE_TOO_BIG = -11;
/** A text message that is not valid UTF-8, found as its bytes arrive or at its end (§8.1). 1007. */
export const E_WS_INVALID_UTF8 = -12;
/** A continuation frame with no message open (§5.4). 1002. */
export const E_WS_NO_MESSAGE_TO_CONTINUE = -13;
/** A text or binary frame while a fragmented message is still open (§5.4). 1002. */
export const E_WS_MESSAGE_INTERRUPTED = -14;
/** A Close frame payload of 1 byte (§5.5.1: a body starts with a 2-byte code). 1002. */
export const E_WS_CLOSE_ONE_BYTE = -15;
/** A Close frame code that may not be sent: 1004–1006, 1015, < 1000, 1012–2999, ≥ 5000 (§7.4.1, §7.4.2). 1002. */
export const E_WS_BAD_CLOSE_CODE = -16;
/** A Close frame reason that is not valid UTF-8 (§5.5.1, §8.1). 1007. */
export const E_WS_CLOSE_REASON_UTF8 = -17;
/** A compressed message whose deflate data is corrupt (RFC 7692 §7.2.2). 1007. */
export const E_WS_INFLATE_FAILED = -18;
/** A compressed message that inflates beyond the message limit: a compression bomb (RFC 7692 §8.1). 1009. */
export const E_WS_INFLATE_TOO_BIG = -19;
/** A Sec-WebSocket-Extensions value that does not follow RFC 6455 §9.1's grammar (no extension is accepted). */
export const E_WS_BAD_EXTENSIONS_HEADER = -20;

/**
 * A WebSocket parser's negative result: one of the E_WS_* constants above (-2 … -20). Small
 * integers so a hot path returns them without allocating; wsCloseCode / wsErrorReason read them.
 */
export type WsError = number;

/** Every negative result: the close code it fails the connection with, and the log reason. */
const TABLE: readonly (readonly [result: WsError, closeCode: number, reason: string])[] = [
  [E_WS_UNMASKED, CLOSE_PROTOCOL_ERROR, "client frame not masked"],
  [E_WS_RESERVED_BIT, CLOSE_PROTOCOL_ERROR, "reserved bit set (RSV2/RSV3, or RSV1 without permessage-deflate)"],
  [E_WS_RSV1_NOT_FIRST, CLOSE_PROTOCOL_ERROR, "RSV1 on a continuation or control frame"],
  [E_WS_RESERVED_OPCODE, CLOSE_PROTOCOL_ERROR, "reserved opcode"],
  [E_WS_CONTROL_FRAGMENTED, CLOSE_PROTOCOL_ERROR, "fragmented control frame"],
  [E_WS_CONTROL_TOO_LONG, CLOSE_PROTOCOL_ERROR, "control frame payload over 125 bytes"],
  [E_WS_LENGTH_TOP_BIT, CLOSE_PROTOCOL_ERROR, "64-bit payload length with its top bit set"],
  [E_WS_NON_MINIMAL_LENGTH, CLOSE_PROTOCOL_ERROR, "payload length not minimally encoded"],
  [E_WS_FRAME_TOO_BIG, CLOSE_TOO_BIG, "frame larger than the frame limit"],
  [E_WS_MESSAGE_TOO_BIG, CLOSE_TOO_BIG, "message larger than the message limit"],
  [E_WS_INVALID_UTF8, CLOSE_INVALID_PAYLOAD, "text message not valid UTF-8"],
  [E_WS_NO_MESSAGE_TO_CONTINUE, CLOSE_PROTOCOL_ERROR, "continuation frame with no message open"],
  [E_WS_MESSAGE_INTERRUPTED, CLOSE_PROTOCOL_ERROR, "new data frame while a fragmented message is open"],
  [E_WS_CLOSE_ONE_BYTE, CLOSE_PROTOCOL_ERROR, "close frame payload of 1 byte"],
  [E_WS_BAD_CLOSE_CODE, CLOSE_PROTOCOL_ERROR, "close frame code not allowed on the wire"],
  [E_WS_CLOSE_REASON_UTF8, CLOSE_INVALID_PAYLOAD, "close frame reason not valid UTF-8"],
  [E_WS_INFLATE_FAILED, CLOSE_INVALID_PAYLOAD, "compressed message is not valid deflate data"],
  [E_WS_INFLATE_TOO_BIG, CLOSE_TOO_BIG, "compressed message inflates beyond the message limit"],
  [E_WS_BAD_EXTENSIONS_HEADER, CLOSE_PROTOCOL_ERROR, "malformed Sec-WebSocket-Extensions"],
];

/** Number of table slots (index = -result), derived from the table. */
const COUNT = Math.max(...TABLE.map(([result]) => -result)) + 1;
const CLOSE_CODE = new Uint16Array(COUNT).fill(CLOSE_INTERNAL_ERROR);
const REASON: string[] = new Array<string>(COUNT).fill("unknown");
for (const [result, closeCode, reason] of TABLE) {
  CLOSE_CODE[-result] = closeCode;
  REASON[-result] = reason;
}

/** One past the lowest result: the WsErrors run from -2 down to -(WS_RESULT_COUNT - 1). */
export const WS_RESULT_COUNT = COUNT;

/** The close code (RFC 6455 §7.4.1) a negative result fails the connection with; 1011 for a number outside the table. */
export function wsCloseCode(result: WsError): number {
  return result < -1 && -result < COUNT ? CLOSE_CODE[-result]! : CLOSE_INTERNAL_ERROR;
}

/** The log reason of a negative result ("unknown" for a number outside the table). */
export function wsErrorReason(result: WsError): string {
  return result < -1 && -result < COUNT ? REASON[-result]! : "unknown";
}
