/**
 * The opening handshake's key check (RFC 6455 §4.2.1 item 5, §4.2.2 item 5.4): the client's
 * Sec-WebSocket-Key and the Sec-WebSocket-Accept the server answers with.
 */

/** §1.3, §4.2.2: the GUID appended to the client's key before hashing. */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * §4.1: the key is the base64 of 16 random bytes: 22 base64 characters, the last of which carries
 * only 2 bits (so it is one of A, Q, g, w), then "==". Canonical form only.
 */
const CLIENT_KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/**
 * Whether `key` (the Sec-WebSocket-Key value, OWS already trimmed) is the base64 encoding of 16
 * bytes (§4.2.1 item 5: otherwise the handshake is refused with 400).
 */
export function isValidClientKey(key: string): boolean {
  return CLIENT_KEY.test(key);
}

/**
 * The Sec-WebSocket-Accept value for a client key (§4.2.2 item 5.4): base64 of the SHA-1 of the
 * key (as sent, not decoded) followed by WEBSOCKET_GUID. 28 characters.
 */
export function acceptKey(secWebSocketKey: string): string {
  // Bun's one-shot SHA-1: no hash object per handshake (the key is ASCII: its encoding is moot).
  return Bun.SHA1.hash(secWebSocketKey + WEBSOCKET_GUID, "base64");
}
