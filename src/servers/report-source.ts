/**
 * Where the servers layer gets reports (SPEC §12) for an event stream's or a WebSocket's
 * `subscribe(pattern)`: a ReportSource, which the service registry is. servers/ does not import
 * services/ (the layers: services sits beside servers and may import it, not the reverse), so the
 * process-wide registry (`services`) registers itself here when its module loads, and a stream
 * may name another source (another ServiceRegistry) in its options.
 */

/** Who published a report, as the registry's Caller says it (`via` "local", "http" or "bus"). */
export interface ReportFrom {
  readonly via: string;
  readonly address?: string;
  readonly user?: string;
}

/**
 * A report subscriber: the subject it was published on, its value (shared by every subscriber:
 * read it, never change it), who published it, and the value's JSON text as the bus carries it
 * (values.ts's tagged form: bytes as `{"$base64": …}`, dates as `{"$date": …}`), made once per
 * report for every subscriber that sends it on.
 */
export type ReportCallback = (subject: string, value: unknown, from: ReportFrom, json: string) => void;

/** A source of reports: ServiceRegistry implements it. */
export interface ReportSource {
  /** Calls `cb` for every report whose subject matches `pattern` from now on; returns the unsubscribe. */
  subscribeReports(pattern: string, cb: ReportCallback): () => void;
}

let defaultSource: ReportSource | null = null;

/** @internal the process-wide registry (services/registry.ts) registers itself when it loads. */
export function setDefaultReportSource(source: ReportSource): void {
  defaultSource = source;
}

/**
 * The process-wide source: `services` of `netsvc/services`. Throws an Error when that module was
 * never loaded — nothing in the process could publish a report then, so a subscription would
 * wait for nothing.
 */
export function defaultReportSource(): ReportSource {
  if (defaultSource === null) throw new Error('no report source: import { services } from "netsvc/services" to subscribe to reports');
  return defaultSource;
}
