/**
 * A Close frame's payload (RFC 6455 §5.5.1): empty, or a 2-byte big-endian status code followed
 * by a UTF-8 reason. Which codes may appear on the wire is §7.4.1–§7.4.2; the reason's UTF-8 is
 * §8.1. Over offsets; no allocation (the reason stays bytes until someone asks for a string).
 */
import { CLOSE_NO_STATUS, E_WS_BAD_CLOSE_CODE, E_WS_CLOSE_ONE_BYTE, E_WS_CLOSE_REASON_UTF8, type WsError } from "./errors.ts";
import { isValidUtf8 } from "./utf8.ts";

/** §5.5.1: the status code's size at the start of a non-empty Close payload. */
export const CLOSE_CODE_SIZE = 2;

/** The lowest code an endpoint may send (§7.4.2: 0–999 are not used). */
const FIRST_CODE = 1000;
/** §7.4.2: 3000–3999 for libraries and frameworks (IANA-registered), 4000–4999 private use. */
const FIRST_APPLICATION_CODE = 3000;
const LAST_APPLICATION_CODE = 4999;
/**
 * The codes below 3000 an endpoint may put in a Close frame (bit i = code 1000 + i): §7.4.1's
 * 1000–1003 and 1007–1011, and 1012–1014, registered since in IANA's WebSocket Close Code Number
 * Registry (Service Restart, Try Again Later, Bad Gateway; Python's websockets, Node's ws and
 * browsers accept them — the Autobahn testsuite's case 7.9, written before, lists them as
 * invalid: a deliberate difference). Not 1004 (reserved), 1005, 1006 and 1015 (reported only,
 * never sent, §7.4.1), nor 1016–2999 (unassigned).
 */
const SENDABLE_PROTOCOL_CODES = 0b111_1111_1000_1111;
const PROTOCOL_CODE_COUNT = 15;

/** Whether `code` may appear in a Close frame on the wire (§7.4.1, §7.4.2, IANA): 1000–1003, 1007–1014, 3000–4999. */
export function isSendableCloseCode(code: number): boolean {
  if (code >= FIRST_APPLICATION_CODE) return code <= LAST_APPLICATION_CODE;
  const i = code - FIRST_CODE;
  return i >= 0 && i < PROTOCOL_CODE_COUNT && ((SENDABLE_PROTOCOL_CODES >>> i) & 1) === 1;
}

/**
 * Checks the Close payload at bytes[start..end): 0 when it is empty or a sendable code with a
 * valid UTF-8 reason, else E_WS_CLOSE_ONE_BYTE (1002), E_WS_BAD_CLOSE_CODE (1002) or
 * E_WS_CLOSE_REASON_UTF8 (1007). `end - start` ≤ 125 (the frame reader saw to it).
 */
export function checkClosePayload(bytes: Uint8Array, start: number, end: number): 0 | WsError {
  const n = end - start;
  if (n === 0) return 0;
  // §5.5.1: a body, if present, starts with a 2-byte code.
  if (n < CLOSE_CODE_SIZE) return E_WS_CLOSE_ONE_BYTE;
  if (!isSendableCloseCode(closeCode(bytes, start, end))) return E_WS_BAD_CLOSE_CODE;
  // §5.5.1: the reason is UTF-8 (§8.1: invalid → fail the connection).
  return isValidUtf8(bytes, start + CLOSE_CODE_SIZE, end) ? 0 : E_WS_CLOSE_REASON_UTF8;
}

/** The status code of a Close payload: 1005 (CLOSE_NO_STATUS, §7.4.1) when it is shorter than 2 bytes. */
export function closeCode(bytes: Uint8Array, start: number, end: number): number {
  return end - start < CLOSE_CODE_SIZE ? CLOSE_NO_STATUS : (bytes[start]! << 8) | bytes[start + 1]!;
}

/** Where a Close payload's reason starts (it runs to the payload's end; empty for an empty payload). */
export function closeReasonStart(start: number, end: number): number {
  return end - start < CLOSE_CODE_SIZE ? end : start + CLOSE_CODE_SIZE;
}
