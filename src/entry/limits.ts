/**
 * `netsvc/limits` (SPEC §6): every limit's default, as named in the limits file of its layer —
 * the daemon's (request line, head, headers, body, timeouts, connections; HttpDaemon's options
 * override them) and the services' (RPC bodies and batches, XML depth, the Exchange's timings).
 * Re-exports only: a limit added to either file appears here by itself.
 */
export * from "../daemon/limits.ts";
export * from "../services/limits.ts";
export { WS_MAX_MESSAGE, WS_MAX_BACKLOG } from "../servers/limits.ts";
