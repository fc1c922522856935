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
