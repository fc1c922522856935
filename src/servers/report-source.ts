/**
 * Where WebSockets and event streams (servers/) find reports (SPEC §12): services/ depends on
 * servers/ (its RpcGateway is a server object), so servers/ cannot import the registry. The
 * registry installs itself here instead when netsvc/services is loaded (services/registry.ts), and
 * a subscription made before then (or without it) is a clear error, not a silent nothing.
 */

/** A report's value: the JSON-like values calls carry (services/values.ts). */
export type ReportValue = unknown;

/** Subscribes to reports whose subject matches `pattern` (NATS wildcards `*` and `>`); returns the unsubscribe. */
export type SubscribeReports = (pattern: string, deliver: (subject: string, value: ReportValue) => void) => () => void;

let source: SubscribeReports | null = null;

/** Installs the process's report source (the default ServiceRegistry does, when netsvc/services loads). */
export function useReportSource(subscribe: SubscribeReports): void {
  source = subscribe;
}

/** Subscribes through the installed source; throws when none is (netsvc/services was never imported). */
export function subscribeReports(pattern: string, deliver: (subject: string, value: ReportValue) => void): () => void {
  if (source === null) throw new Error('reports need netsvc/services: import { services } from "netsvc/services" first');
  return source(pattern, deliver);
}
