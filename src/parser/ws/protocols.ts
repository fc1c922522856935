/**
 * Sec-WebSocket-Protocol (RFC 6455 §4.1, §4.2.2, §11.3.4): the client's subprotocols, a
 * comma-separated token list in its order of preference, read over offsets. The server picks one
 * of them or none; here the server's own order decides (its first choice the client offered),
 * so a server that prefers "v2" over "v1" gets "v2" from any client that speaks both.
 *
 * Names are compared exactly (tokens; RFC 6455 §11.5's registry is case-sensitive). Elements that
 * are not tokens are skipped, never matched, so nothing but a token the server named is echoed
 * back. No allocation: the choices are compared character by character.
 */
import { COMMA, HTAB, SP, TCHAR } from "../chars.ts";

/** `chooseProtocol` found none of the server's choices: answer without Sec-WebSocket-Protocol. */
export const NO_PROTOCOL = -1;

/** Whether bytes[start..end) is exactly `name`. */
function equalsName(bytes: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** Whether the list at bytes[start..end) holds `name` as one of its elements (OWS around commas, RFC 9110 §5.6.1). */
function offers(bytes: Uint8Array, start: number, end: number, name: string): boolean {
  let p = start;
  while (p < end) {
    while (p < end && (bytes[p] === SP || bytes[p] === HTAB || bytes[p] === COMMA)) p++;
    const elementStart = p;
    while (p < end && bytes[p] !== COMMA) p++;
    let elementEnd = p;
    while (elementEnd > elementStart && (bytes[elementEnd - 1] === SP || bytes[elementEnd - 1] === HTAB)) elementEnd--;
    if (elementEnd > elementStart && equalsName(bytes, elementStart, elementEnd, name) && allToken(bytes, elementStart, elementEnd))
      return true;
  }
  return false;
}

/** Whether bytes[start..end) is all tchar (an element with trailing OWS trimmed). */
function allToken(bytes: Uint8Array, start: number, end: number): boolean {
  for (let p = start; p < end; p++) if (TCHAR[bytes[p]!] !== 1) return false;
  return true;
}

/**
 * The index in `choices` (the server's subprotocols, most preferred first) of the first one the
 * client offered in the Sec-WebSocket-Protocol value at bytes[start..end), or NO_PROTOCOL (-1).
 * Several field lines may be joined with ", " first (RFC 9110 §5.3).
 */
export function chooseProtocol(bytes: Uint8Array, start: number, end: number, choices: readonly string[]): number {
  for (let i = 0; i < choices.length; i++) if (offers(bytes, start, end, choices[i]!)) return i;
  return NO_PROTOCOL;
}
