/**
 * Limits of the servers layer outside the file server (whose own are in file-limits.ts; the
 * daemon's in daemon/limits.ts, which this layer does not import). Each names what happens past it.
 */

/**
 * RFC 1035 §2.3.4: a host name longer than this is no host. The HTTPS redirect (https-redirect.ts)
 * answers a request naming one 400: it has no host to send the client to.
 */
export const MAX_HOST_LENGTH = 253;
