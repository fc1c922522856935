/**
 * The limits the parser enforces itself (SPEC §6), each defined once, next to the status it
 * produces. daemon/limits.ts re-exports them with the daemon's own limits and timeouts.
 */

/** Request line longer than this (bytes, CRLF excluded) → 414. */
export const MAX_REQUEST_LINE = 8 * 1024;
/** Request head larger than this (bytes, leading empty lines and final CRLF included) → 431. */
export const MAX_HEAD = 16 * 1024;
/** More header fields than this → 431 (also the capacity of a RequestHead). */
export const MAX_HEADERS = 100;
/** Chunk extension longer than this per chunk-size line (bytes) → 413. */
export const MAX_CHUNK_EXTENSION = 4 * 1024;
/** A PROXY v1 line longer than this (bytes, CRLF included: proxy-protocol.txt §2.1) → 400. */
export const MAX_PROXY_V1_LINE = 107;
/**
 * A PROXY v2 header whose length field (addresses and TLVs, after the 16 fixed bytes) exceeds
 * this → 400. The protocol allows 65535; HAProxy, nginx and AWS send a few hundred bytes at most,
 * and the header must fit the receive buffer it is parsed in.
 */
export const MAX_PROXY_V2_LENGTH = 2048;

// ── HTTP/2 header blocks (SPEC §11, RFC 7541, RFC 9113 §6.5.2): src/parser/h2/hpack-*.ts. ────────
/**
 * SETTINGS_HEADER_TABLE_SIZE we advertise (bytes, RFC 7541 §4.2): the HPACK decoder's dynamic
 * table holds at most this much (the RFC's default, SPEC §11). A size update above it →
 * COMPRESSION_ERROR.
 */
export const H2_HEADER_TABLE_SIZE = 4096;
/**
 * SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2: names + values + 32 per field, pseudo-headers
 * included): 16 KiB (SPEC §11). A block over it is still decoded (the table stays in step) but its
 * fields are no longer stored: HeaderBlock.tooLarge → 431.
 */
export const H2_MAX_HEADER_LIST = 16 * 1024;
/**
 * A single HPACK representation whose name and value lengths (as sent, Huffman-coded or not) add
 * up to more than this is a connection error (ENHANCE_YOUR_CALM), never a growing buffer: the
 * decoder carries at most one unfinished representation between fragments, in a buffer of this
 * size. Why header list + 4096: no field over the list limit is ever stored, and a peer honouring
 * our SETTINGS_MAX_HEADER_LIST_SIZE never sends one; the 4096 (one table's worth) leaves room for
 * a field just under the limit whose Huffman coding is a little longer than its text.
 */
export const HPACK_MAX_STRINGS = H2_MAX_HEADER_LIST + 4096;
/**
 * RFC 7541 §5.1 leaves integer size to the implementation: more continuation bytes than this
 * after the prefix (4 × 7 bits: 2^28) is E_HPACK_INTEGER_OVERFLOW, so a run of 0x80 bytes (a
 * value padded with zero groups) cannot keep the decoder reading.
 */
export const HPACK_MAX_INTEGER_BYTES = 4;
/** Largest integer accepted in a representation (§5.1): above every index, length and table size we allow. */
export const HPACK_MAX_INTEGER = (1 << 24) - 1;

// ── WebSocket (SPEC §12, RFC 6455, RFC 7692): src/parser/ws/, src/daemon/ws-message-reader.ts. ──
/**
 * Default largest message (bytes, all its fragments together; for a compressed message both the
 * compressed bytes and the inflated result) → close 1009 (RFC 6455 §7.4.1); the `maxMessage`
 * upgrade option. 1 MiB, as MAX_BODY for a request body: a message is gathered whole before it is
 * delivered, so this is memory per socket. (Bun.serve's default is 16 MiB; raise it per upgrade.)
 */
export const WS_MAX_MESSAGE = 1024 * 1024;
/**
 * Default largest payload of one data frame (bytes) a WsFrameReader accepts; a longer frame is
 * refused from its head, before its payload arrives → close 1009 (RFC 6455 §7.4.1). Equal to the
 * message limit by default: a frame can never be larger than the message it belongs to.
 */
export const WS_MAX_FRAME_PAYLOAD = WS_MAX_MESSAGE;
/**
 * A message buffer whose capacity grew beyond this (bytes) is dropped once its message is
 * delivered, so an idle WebSocket keeps at most this much for reassembly (issue 23: ≤ 4 KB per
 * idle WebSocket). Smaller buffers are kept for the next fragmented message.
 */
export const WS_MESSAGE_BUFFER_KEEP = 1024;
/** First capacity of a message buffer (bytes): enough for most fragmented chat-sized messages. */
export const WS_MESSAGE_BUFFER_INITIAL = 256;
