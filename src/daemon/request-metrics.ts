/**
 * RequestMetrics: what the metrics page (metrics-text.ts, SPEC §14) reports of requests — counts
 * by method and status class, a histogram of durations, bytes in and out — kept as numbers in
 * typed arrays the connections add to: no allocation per request, and reading them costs the
 * hot path nothing (a scrape reads the arrays).
 *
 * A request's duration runs from its head being parsed to its response being complete (the
 * servlet's last byte queued), in whole milliseconds of the connection's turn clock: a response
 * answered within the turn its request arrived in reads no clock of its own.
 */
import { METHOD_NAMES } from "../parser/index.ts";

/** Method codes (the parser's METHOD_* numbers) counted apart; 0 is every other method. */
export const METRIC_METHODS = METHOD_NAMES.length;
/** Status classes: 1xx … 5xx at 1 … 5; 0 for a status outside them. */
export const STATUS_CLASSES = 6;
/** Upper bounds of the duration histogram's buckets, in seconds (Prometheus' defaults); +Inf follows. */
export const DURATION_BUCKETS_S: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Request counters of one daemon (see the file comment). */
export class RequestMetrics {
  /** Responses by method code × STATUS_CLASSES + status class. */
  readonly responses = new Float64Array(METRIC_METHODS * STATUS_CLASSES);
  /** Responses whose duration was at most each bound of DURATION_BUCKETS_S (not cumulative; the last is +Inf). */
  readonly durations = new Float64Array(DURATION_BUCKETS_S.length + 1);
  /** The durations' sum, ms. */
  durationMs = 0;
  /** Bytes read from clients (TLS: the decrypted bytes; HTTP/2: whole frames). */
  bytesIn = 0;
  /** Bytes of responses (status line, headers, content; HTTP/2: as HTTP/1 would frame them). */
  bytesOut = 0;

  /** A response to a request of `method` (a METHOD_* code) is complete: `status`, `bytes`, after `ms`. */
  responded(method: number, status: number, bytes: number, ms: number): void {
    const cls = status >= 100 && status < 600 ? (status / 100) | 0 : 0;
    this.responses[(method < METRIC_METHODS ? method : 0) * STATUS_CLASSES + cls]!++;
    this.bytesOut += bytes;
    this.durationMs += ms;
    const s = ms / 1000;
    let i = 0;
    while (i < DURATION_BUCKETS_S.length && s > DURATION_BUCKETS_S[i]!) i++;
    this.durations[i]!++;
  }
}
