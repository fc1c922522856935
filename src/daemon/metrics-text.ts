/**
 * The metrics page (SPEC §14): a daemon's counters in the Prometheus text exposition format
 * (version 0.0.4) — responses by method and status class, a histogram of request durations, bytes
 * in and out, open connections by activity, connections accepted, refused, denied and reclaimed,
 * refused requests by status, and the expected conditions the summary line counts. Made when it is
 * asked for, from numbers the connections keep anyway (request-metrics.ts, stats.ts): serving
 * requests pays nothing for it.
 */
import { METHOD_NAMES } from "../parser/index.ts";
import { DURATION_BUCKETS_S, STATUS_CLASSES } from "./request-metrics.ts";
import { CONNECTION_STATES, type ConnectionState } from "./socket-connection.ts";
import type { Counters } from "./stats.ts";

/** The media type of the text format. */
export const METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** What the page is made of: a daemon's counters and the activity of its open connections. */
export interface MetricsSource {
  counters: Counters;
  activities(): Iterable<ConnectionState>;
  /** The outcomes of the service calls made in this process (CallOutcomes.counts()). */
  calls: [string, number][];
}

/** One metric family's lines. */
class Family {
  readonly lines: string[];
  constructor(name: string, type: "counter" | "gauge" | "histogram", help: string) {
    this.lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  }
  add(sample: string, value: number): this {
    this.lines.push(`${sample} ${Number.isFinite(value) ? value : 0}`);
    return this;
  }
}

/** The page for `source` (see the file comment); `prefix` names the metrics ("netsvc"). */
export function metricsText(source: MetricsSource, prefix = "netsvc"): string {
  const c = source.counters;
  const m = c.metrics;
  const families: Family[] = [];
  const family = (name: string, type: "counter" | "gauge" | "histogram", help: string) => {
    const f = new Family(`${prefix}_${name}`, type, help);
    families.push(f);
    return f;
  };

  const requests = family("requests_total", "counter", "Responses completed, by request method and status class.");
  for (let method = 0; method < METHOD_NAMES.length; method++)
    for (let cls = 0; cls < STATUS_CLASSES; cls++) {
      const n = m.responses[method * STATUS_CLASSES + cls]!;
      if (n > 0) requests.add(`${prefix}_requests_total{method="${METHOD_NAMES[method]}",code="${cls === 0 ? "other" : `${cls}xx`}"}`, n);
    }

  const duration = family("request_duration_seconds", "histogram", "Time from a request's head being read to its response being complete.");
  let cumulative = 0;
  DURATION_BUCKETS_S.forEach((le, i) => {
    cumulative += m.durations[i]!;
    duration.add(`${prefix}_request_duration_seconds_bucket{le="${le}"}`, cumulative);
  });
  cumulative += m.durations[DURATION_BUCKETS_S.length]!;
  duration.add(`${prefix}_request_duration_seconds_bucket{le="+Inf"}`, cumulative);
  duration.add(`${prefix}_request_duration_seconds_sum`, m.durationMs / 1000);
  duration.add(`${prefix}_request_duration_seconds_count`, cumulative);

  family("received_bytes_total", "counter", "Bytes read from clients.").add(`${prefix}_received_bytes_total`, m.bytesIn);
  family("sent_bytes_total", "counter", "Bytes of responses: status lines, headers and content.").add(
    `${prefix}_sent_bytes_total`,
    m.bytesOut,
  );

  const open = new Map<ConnectionState, number>(CONNECTION_STATES.map((s) => [s, 0]));
  for (const state of source.activities()) open.set(state, open.get(state)! + 1);
  const connections = family(
    "open_connections",
    "gauge",
    "Open connections by activity: reading a request, writing a response, idle, HTTP/2, WebSocket.",
  );
  for (const [state, n] of open) connections.add(`${prefix}_open_connections{state="${state}"}`, n);

  const closed = family(
    "connections_total",
    "counter",
    "Connections by what became of them at accept: accepted, refused at the limit, denied by the address lists, or reclaimed (idle, closed for a newcomer).",
  );
  closed.add(`${prefix}_connections_total{outcome="accepted"}`, c.accepted);
  closed.add(`${prefix}_connections_total{outcome="refused"}`, c.refused);
  closed.add(`${prefix}_connections_total{outcome="denied"}`, c.denied);
  closed.add(`${prefix}_connections_total{outcome="reclaimed"}`, c.reclaimed);

  const bad = family("bad_requests_total", "counter", "Requests refused before a servlet saw them (a malformed head or body), by status.");
  for (const [status, n] of [...c.badRequests].sort((a, b) => a[0] - b[0])) bad.add(`${prefix}_bad_requests_total{code="${status}"}`, n);

  const events = family("events_total", "counter", "Expected conditions, counted instead of logged.");
  for (const [kind, n] of [
    ["abandoned", c.abandoned],
    ["timeout", c.timeouts],
    ["servlet_error", c.servletErrors],
    ["servlet_abort", c.servletAborts],
    ["socket_error", c.socketErrors],
    ["tls_failure", c.tlsFailures],
    ["http2_stream_error", c.http2StreamErrors],
    ["http2_connection_error", c.http2ConnectionErrors],
    ["http2_flood", c.http2Floods],
    ["websocket_error", c.websocketErrors],
    ["websocket_overflow", c.websocketOverflows],
    ["websocket_flood", c.websocketFloods],
  ] as const)
    events.add(`${prefix}_events_total{kind="${kind}"}`, n);

  const calls = family(
    "service_calls_total",
    "counter",
    "Service calls made by this server's process (SPEC §8; with --workers, by all of them), by outcome: ok, a service's own failure (\"failed\"), or the framework's.",
  );
  for (const [outcome, n] of source.calls) calls.add(`${prefix}_service_calls_total{outcome="${outcome}"}`, n);

  return `${families.flatMap((f) => f.lines).join("\n")}\n`;
}
