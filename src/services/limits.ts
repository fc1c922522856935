/**
 * Every limit and timing of services/ (SPEC §8) as a named constant, next to what it produces.
 * (The daemon's own limits are in daemon/limits.ts; services/ does not import daemon/.)
 */

/** Largest RPC request body by default (bytes) → 413; same as the daemon's default body limit. */
export const RPC_MAX_BODY = 1024 * 1024;
/**
 * Most members (calls and notifications) in one JSON-RPC batch → one -32600 error with HTTP 413,
 * and no call runs (RFC 9110 §15.5.14: the content is larger than the server is willing to
 * process); most calls in one XML-RPC `system.multicall` → one -32600 fault (HTTP 200, where
 * XML-RPC clients read faults), and no call runs. Bounds the calls one request can make and the
 * answer it can ask for.
 */
export const RPC_MAX_BATCH = 1000;
/**
 * RpcGateway with `endpoint: "single"`: longest `service.method` name looked up (characters);
 * a longer one is answered as an unknown method without a lookup. Bounds the search for the
 * service part (one registry lookup per dot, longest first).
 */
export const RPC_QUALIFIED_NAME_MAX = 256;
/**
 * Most calls of one JSON-RPC batch or XML-RPC multicall started and not yet answered at once. The rest wait their
 * turn, so one request cannot queue a thousand bus calls ahead of other clients' calls; and a
 * member is started only when the answers before it have been handed to the connection, so a
 * client that does not read stops its batch (the answer waits on drained()).
 */
export const RPC_BATCH_CONCURRENCY = 16;
/**
 * A batch's (or multicall's) answer is handed to the connection in pieces of about this many characters
 * (not one write per member); an answer that is complete before reaching it goes out whole with
 * its Content-Length. Well under the daemon's output high-water mark (64 KiB).
 */
export const RPC_BATCH_PIECE = 16 * 1024;
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
/**
 * Exchange: longest wait (ms) for one connection attempt to NATS (TCP, TLS handshake, INFO and
 * CONNECT) before it counts as failed. The client's default is 20 s. A server that refuses the
 * client certificate shows to the NATS client only as this timeout (TLS 1.3 sends its verdict
 * after the client's handshake is done, under Node as under Bun); the Exchange then asks the
 * server itself, within the same bound (nats-tls-refusal.ts), and names the refusal.
 */
export const EXCHANGE_CONNECT_TIMEOUT_MS = 5_000;
/**
 * Longest caller address carried in a call's NATS header (characters): an IPv6 address with a
 * zone fits (45 + the zone). Longer, sent or received: the field is dropped (the callee sees no
 * address) and counted in Exchange.stats().callerFieldsDropped.
 */
export const CALLER_ADDRESS_MAX = 64;
/**
 * Longest caller user name carried in a call's NATS header (characters). Longer, sent or
 * received: the field is dropped (the callee sees no user) and counted in
 * Exchange.stats().callerFieldsDropped.
 */
export const CALLER_USER_MAX = 256;
/**
 * The client-certificate refusal probe (nats-tls-refusal.ts): most bytes of a NATS server's first
 * line (its INFO, which lists the cluster's client URLs: a few KiB) held while waiting for its
 * end; past it the endpoint is no NATS server worth asking, and the probe gives up (no refusal).
 */
export const NATS_INFO_MAX_BYTES = 64 * 1024;
/**
 * Longest report subject or pattern (characters) → a TypeError at publish() or
 * subscribeReports(). NATS sets no bound of its own short of its 4 KiB control line; this one
 * keeps the prefixed subject well inside it.
 */
export const REPORT_SUBJECT_MAX = 256;
/**
 * Largest report, encoded (bytes of its values-codec JSON, values.ts): a bigger one is refused at
 * publish() with a RangeError, and one received from the bus is dropped and counted
 * (ServiceRegistry.reportStats().dropped). Half of NATS's default max_payload (1 MiB, which
 * counts the headers too), so a report within it is never refused by the server instead.
 */
export const REPORT_MAX_BYTES = 512 * 1024;

/** How long (ms) a KvSessionStore's request waits for NATS before the store reports itself unavailable. */
export const KV_SESSION_TIMEOUT_MS = 2_000;
