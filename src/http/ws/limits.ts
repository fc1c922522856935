/**
 * What the WebSocket encoders decide by size (SPEC §12), each defined once. The parsers' limits
 * (frame and message sizes) are in parser/limits.ts.
 */

/**
 * Messages shorter than this (bytes) are sent uncompressed even when permessage-deflate was
 * negotiated (RFC 7692 §6: compression is per message, RSV1 says which): deflate's block
 * overhead and a zlib stream's set-up cost more than a short message saves.
 */
export const WS_DEFLATE_MIN_MESSAGE = 64;
