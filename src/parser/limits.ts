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
