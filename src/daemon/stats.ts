/**
 * The daemon's counters. Expected conditions — bad input, clients that leave, timeouts, refused
 * connections — are counted here instead of logged one line each (a log line per bad request is a
 * disk-filling lever for anyone who can connect); `summary()` turns what changed into one line
 * that the daemon writes at most once per SUMMARY_INTERVAL_MS.
 */

import { RequestMetrics } from "./request-metrics.ts";

/** Expected conditions are summarised in the error log at most this often (ms). */
export const SUMMARY_INTERVAL_MS = 60_000;

/** A snapshot of a daemon's counters since it was created (see HttpDaemon.stats()). */
export interface DaemonStats {
  /** Connections accepted. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Connections refused with 503 at the connection limit. */
  refused: number;
  /** Idle connections closed to make room for a new one at the limit. */
  reclaimed: number;
  /** Connections dropped by authorise(host) or the allow/deny lists. */
  denied: number;
  /** Requests handed to a server object. */
  requests: number;
  /** Requests refused before a servlet saw them (malformed head or body), by status code. */
  badRequests: Record<number, number>;
  /** Requests whose client left before the response was complete. */
  abandoned: number;
  /** Connections closed by a timeout (head, body, send). */
  timeouts: number;
  /** Servlet callbacks that threw or rejected (each logged with its stack). */
  servletErrors: number;
  /**
   * Responses with a status that has no content (204, 304) to which a servlet gave content
   * anyway: it was dropped, never sent. The first is logged with its stack; the count is in the
   * summary line.
   */
  droppedContent: number;
  /**
   * Servlet callbacks that failed because their own signal aborted — the client left (or the
   * response was complete) while, say, `services.call(…, { signal: this.signal })` was pending.
   * Expected: counted here and in the summary line, never logged one by one, not in
   * servletErrors (the leaving itself is in `abandoned`).
   */
  servletAborts: number;
  /** Socket errors reported by the runtime (resets and the like). */
  socketErrors: number;
  /**
   * TLS handshakes that failed (an old protocol, no shared cipher, a client that does not trust
   * the certificate, garbage on the port) or were not finished by the head timeout (a client that
   * sends nothing or part of a ClientHello and holds): expected on a public port, so counted,
   * never logged one by one.
   */
  tlsFailures: number;
  /** Connections that spoke HTTP/2 (ALPN `h2`, or the preface on cleartext). */
  http2Connections: number;
  /** HTTP/2 streams we reset for the client's error (RST_STREAM with an error code: a malformed request, a window overrun). */
  http2StreamErrors: number;
  /** HTTP/2 connections we ended for the client's error (GOAWAY with an error code), floods included. */
  http2ConnectionErrors: number;
  /** Of those, the ones ended for abuse (ENHANCE_YOUR_CALM: rapid reset, SETTINGS/PING/empty-frame floods, endless header blocks). */
  http2Floods: number;
  /** Connections upgraded to WebSocket (RFC 6455; 101 answered). */
  websockets: number;
  /** WebSockets we closed for the client's error: a protocol error (1002), bad UTF-8 (1007), a message over the limit (1009). */
  websocketErrors: number;
  /** WebSockets closed with 1008 because their backlog passed its limit (a slow reader, a slow report subscriber). */
  websocketOverflows: number;
  /** WebSockets closed with 1008 for a flood: more Pings a second than WS_MAX_PINGS_PER_SECOND. */
  websocketFloods: number;
}

/** Mutable counters behind DaemonStats. */
export class Counters {
  /** Requests by method and status class, durations, bytes (the metrics page's; not in DaemonStats). */
  readonly metrics = new RequestMetrics();
  accepted = 0;
  open = 0;
  refused = 0;
  reclaimed = 0;
  denied = 0;
  requests = 0;
  readonly badRequests = new Map<number, number>();
  abandoned = 0;
  timeouts = 0;
  servletErrors = 0;
  droppedContent = 0;
  servletAborts = 0;
  socketErrors = 0;
  tlsFailures = 0;
  http2Connections = 0;
  http2StreamErrors = 0;
  http2ConnectionErrors = 0;
  http2Floods = 0;
  websockets = 0;
  websocketErrors = 0;
  websocketOverflows = 0;
  websocketFloods = 0;

  private reported = new Map<string, number>();

  /** Counts one request refused with `status`. */
  badRequest(status: number): void {
    this.badRequests.set(status, (this.badRequests.get(status) ?? 0) + 1);
  }

  /** A copy for callers. */
  snapshot(): DaemonStats {
    return {
      accepted: this.accepted,
      open: this.open,
      refused: this.refused,
      reclaimed: this.reclaimed,
      denied: this.denied,
      requests: this.requests,
      badRequests: Object.fromEntries(this.badRequests),
      abandoned: this.abandoned,
      timeouts: this.timeouts,
      servletErrors: this.servletErrors,
      droppedContent: this.droppedContent,
      servletAborts: this.servletAborts,
      socketErrors: this.socketErrors,
      tlsFailures: this.tlsFailures,
      http2Connections: this.http2Connections,
      http2StreamErrors: this.http2StreamErrors,
      http2ConnectionErrors: this.http2ConnectionErrors,
      http2Floods: this.http2Floods,
      websockets: this.websockets,
      websocketErrors: this.websocketErrors,
      websocketOverflows: this.websocketOverflows,
      websocketFloods: this.websocketFloods,
    };
  }

  /**
   * One line naming the expected conditions counted since the last summary, or "" when none
   * changed. Never contains request data.
   */
  summary(): string {
    const now: [string, number][] = [
      ["refused", this.refused],
      ["reclaimed", this.reclaimed],
      ["denied", this.denied],
      ["abandoned", this.abandoned],
      ["timeouts", this.timeouts],
      ["servlet aborts", this.servletAborts],
      // A servlet bug logged once (the first); its repeats are only counted, and show here.
      ["responses with dropped content", this.droppedContent],
      ["socket errors", this.socketErrors],
      ["failed TLS handshakes", this.tlsFailures],
      ["HTTP/2 stream errors", this.http2StreamErrors],
      ["HTTP/2 connection errors", this.http2ConnectionErrors],
      ["HTTP/2 floods", this.http2Floods],
      ["WebSocket errors", this.websocketErrors],
      ["WebSocket overflows", this.websocketOverflows],
      ["WebSocket floods", this.websocketFloods],
    ];
    for (const [status, n] of this.badRequests) now.push([`bad requests ${status}`, n]);
    const parts: string[] = [];
    for (const [name, n] of now) {
      const delta = n - (this.reported.get(name) ?? 0);
      if (delta > 0) parts.push(`${delta} ${name}`);
      this.reported.set(name, n);
    }
    return parts.length === 0 ? "" : `since the last summary: ${parts.join(", ")}`;
  }
}
