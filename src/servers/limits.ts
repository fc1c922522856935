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
/**
 * An event stream's heartbeat (ms): a comment line (`: `) is sent when nothing else was in the
 * last period, so proxies and clients do not take an idle stream for a dead one (the WHATWG
 * HTML standard suggests one every 15 s or so). EventStreamOptions.heartbeatMs overrides it.
 */
export const EVENT_STREAM_HEARTBEAT_MS = 15_000;
/**
 * An event stream fed by report subscriptions whose output stays above the connection's
 * high-water mark this long (ms) is a slow subscriber: closed at once (its unsent output
 * dropped) and counted (eventStreamStats().slowDropped). Never allowed to grow memory.
 */
export const EVENT_STREAM_SLOW_MS = 5_000;
/**
 * Most bytes of report events queued for an event stream while
 * its output stays above the high-water mark: past it the stream is a slow subscriber at once,
 * whatever the time (a fast publisher would otherwise fill memory within EVENT_STREAM_SLOW_MS).
 */
export const EVENT_STREAM_MAX_BACKLOG = 1024 * 1024;

/**
 * Cookie pairs read from a request's Cookie header(s) at most (cookie-header.ts): the rest are
 * ignored, never an error. Browsers keep about 180 cookies per domain (RFC 6265bis §5.7: at least
 * 50), so a legitimate header stays well under it; a crafted one costs at most this many strings.
 */
export const MAX_COOKIE_PAIRS = 256;
/**
 * Characters of the Cookie header(s) read at most: a pair that does not end within them is
 * ignored whole (never cut into a wrong value). Above the default head limit (16 KiB), so it bounds
 * only a daemon whose maxHead was raised.
 */
export const MAX_COOKIE_HEADER = 64 * 1024;
/**
 * RFC 6265bis §5.7: a user agent ignores a cookie whose name and value together exceed this
 * (octets), so setCookie() refuses one with a TypeError instead of sending it to be dropped.
 */
export const MAX_COOKIE_NAME_VALUE = 4096;
/** RFC 6265bis §5.7: a user agent ignores an attribute value (Path, Domain) longer than this (octets); setCookie() refuses it. */
export const MAX_COOKIE_ATTRIBUTE = 1024;
/**
 * SPEC §13 sessions: a session's idle timeout (ms) when neither the Sessions middleware nor its
 * store names one — 30 minutes after its last save (every request that reads it saves it).
 */
export const SESSION_TTL_MS = 30 * 60_000;
/** SPEC §13: sessions a MemorySessionStore keeps at most; past it the least recently used is evicted. */
export const SESSION_MAX_COUNT = 10_000;
/** SPEC §13: bytes (ids and records' JSON) a MemorySessionStore keeps at most; past it the least recently used are evicted. */
export const SESSION_MAX_BYTES = 64 * 1024 * 1024;
/**
 * SPEC §13: the largest record's JSON (bytes) a session store accepts: a larger save rejects
 * (the request gets a 500 and one log line: the application put too much in its session).
 */
export const SESSION_MAX_RECORD_BYTES = 64 * 1024;

/** The longest time (ms) between two sweeps of a MemorySessionStore's expired records. */
export const SESSION_SWEEP_MAX_MS = 60_000;
