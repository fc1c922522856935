/**
 * Every limit and timing of services/ (SPEC §8) as a named constant, next to what it produces.
 * (The daemon's own limits are in daemon/limits.ts; services/ does not import daemon/.)
 */

/** Largest RPC request body by default (bytes) → 413; same as the daemon's default body limit. */
export const RPC_MAX_BODY = 1024 * 1024;
/** XML-RPC: deepest element nesting accepted → 400 beyond (bounds recursion and memory). */
export const XML_MAX_DEPTH = 64;
/** Deepest nesting of arrays and objects in a call's values (JSON-RPC, NATS): deeper is refused, never recursed into. */
export const VALUE_MAX_DEPTH = 64;
/** XML-RPC: most elements in one request → 400 beyond. */
export const XML_MAX_ELEMENTS = 200_000;
/** Exchange: how often (ms) a process re-announces its services (its heartbeat). */
export const EXCHANGE_HEARTBEAT_MS = 500;
/**
 * Exchange: a process silent this long (ms) is taken for dead; its services disappear, the calls
 * it acknowledged fail with INSTANCE_LOST and the unacknowledged calls to its services with
 * CALL_OUTCOME_UNKNOWN. Judged only after this process has read what NATS had delivered to it
 * (a round trip to the server), so a busy event loop never makes a live process look silent.
 */
export const EXCHANGE_DEAD_AFTER_MS = 2_000;
/**
 * Exchange: bound (ms) of a call served here whose caller set none (a plain NATS request, not an
 * Exchange, which always sends its timeout).
 */
export const EXCHANGE_FOREIGN_CALL_TIMEOUT_MS = 1_000;
/** Longest bound a remote caller may set on a call this process serves (ms): 10 minutes. */
export const EXCHANGE_MAX_CALL_TIMEOUT_MS = 10 * 60_000;
/** Exchange: wait between connection attempts while NATS is unreachable (ms). */
export const EXCHANGE_RECONNECT_WAIT_MS = 250;
