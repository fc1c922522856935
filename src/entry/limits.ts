/**
 * `netsvc/limits` (SPEC §6): every limit's default, as named in the limits file of its layer —
 * the daemon's (request line, head, headers, body, timeouts, connections; HttpDaemon's options
 * override them), the services' (RPC bodies and batches, XML depth, the Exchange's timings,
 * reports) and the servers layer's (event streams).
 * Re-exports only: a limit added to either file appears here by itself.
 */
export * from "../daemon/limits.ts";
export * from "../services/limits.ts";
export * from "../servers/limits.ts";
