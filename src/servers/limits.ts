/**
 * Limits of the servers layer outside the file server (whose own are in file-limits.ts; the
 * daemon's in daemon/limits.ts, which this layer does not import). Each names what happens past it.
 */

/**
 * RFC 1035 §2.3.4: a host name longer than this is no host. The HTTPS redirect (https-redirect.ts)
 * answers a request naming one 400: it has no host to send the client to.
 */
export const MAX_HOST_LENGTH = 253;

/** SPEC §12: the largest WebSocket message accepted (the parser's default, defined there). */
export { WS_MAX_MESSAGE } from "../parser/limits.ts";
/** SPEC §12: bytes a WebSocket may have queued; a send past it closes the socket with 1008 (never buffered without bound); the `maxBacklog` upgrade option. */
export const WS_MAX_BACKLOG = 1024 * 1024;
