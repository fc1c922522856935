/**
 * EventStream: a `text/event-stream` response (server-sent events, WHATWG HTML §9.2) — SPEC §12.
 * A servlet's `this.eventStream()` answers 200 with it and keeps the response open; events go out
 * as they are sent, through the session's flow control, framed by the transport as any body is:
 * HTTP/1.1 chunked, HTTP/1.0 delimited by the close, HTTP/2 a stream.
 *
 * - `send({ event, id, retry, data })`: one event; `data` a string or a value (JSON-encoded),
 *   split into `data:` lines at every line break; false above the high-water mark (as
 *   sendContent): `await drained()`.
 * - a heartbeat comment when the stream was idle for `heartbeatMs`: one sweep timer per distinct
 *   period for every stream, not one per stream;
 * - `subscribe(pattern)`: reports (SPEC §12) as events (`event:` the subject, `data:` the value's
 *   JSON). A stream whose output stays congested past EVENT_STREAM_SLOW_MS, or queues more than
 *   EVENT_STREAM_MAX_BACKLOG of reports while congested, is a slow subscriber: closed at once
 *   (its unsent output dropped) and counted, never allowed to grow memory.
 *
 * Invariants: the stream closes once, whichever comes first — close(), a slow subscriber, the
 * client leaving (the request's signal: noticed at once), the daemon stopping, or the response
 * ending otherwise — and
 * closing releases everything: its subscriptions, its place in the sweep, whoever awaits drained().
 */
import { EVENT_STREAM_HEARTBEAT_MS, EVENT_STREAM_MAX_BACKLOG, EVENT_STREAM_SLOW_MS } from "./limits.ts";
import { defaultReportSource, type ReportSource } from "./report-source.ts";

/** The media type of an event stream (always UTF-8). */
export const EVENT_STREAM_TYPE = "text/event-stream";

/** The heartbeat: a comment line, which clients ignore. */
const HEARTBEAT = ": \n\n";

/** What an EventStream writes through: the request's session (HttpSession is one). */
export interface EventStreamSession {
  readonly signal: AbortSignal;
  header(name: string): string | null;
  isHead(): boolean;
  hasStarted(): boolean;
  isComplete(): boolean;
  isCongested(): boolean;
  sendResponse(code: number): void;
  sendHeader(name: string, value: string | number): void;
  endHeaders(): void;
  sendContent(data: string | Uint8Array): boolean;
  endContent(): void;
  flushContent(): void;
  drained(): Promise<void>;
  shutdown(delayMs?: number): void;
  /** Calls `callback` if the daemon begins to stop while the response is open. */
  whenDaemonStops(callback: () => void): void;
}

/** Options of eventStream(). */
export interface EventStreamOptions {
  /** Idle time (ms) after which a heartbeat comment is sent; 0: none. Default EVENT_STREAM_HEARTBEAT_MS. */
  heartbeatMs?: number;
  /** More header fields of the response (e.g. `X-Accel-Buffering: no` behind nginx). Default none. */
  headers?: [string, string][];
  /** Where subscribe() takes reports from. Default the process-wide `services` (netsvc/services). */
  reports?: ReportSource;
  /**
   * How long (ms) the output may stay congested while reports come before the stream is closed
   * as a slow subscriber. Default EVENT_STREAM_SLOW_MS.
   */
  slowSubscriberMs?: number;
}

/** One event. */
export interface ServerSentEvent {
  /** The event's type (`addEventListener(type)` in the browser); absent: "message". No CR or LF. */
  event?: string;
  /** The event's id: the browser's `lastEventId`, sent back as `Last-Event-ID` on reconnecting. No CR, LF or NUL. */
  id?: string;
  /** How long (ms, a non-negative integer) the browser waits before reconnecting. */
  retry?: number;
  /** A string as it is, anything else as its JSON; split into `data:` lines at CRLF, CR and LF. */
  data: unknown;
}

/** Counters of every event stream in the process (eventStreamStats()). */
export interface EventStreamStats {
  /** Streams opened since the process started. */
  opened: number;
  /** Streams open now. */
  open: number;
  /** Events sent (send() and reports). */
  events: number;
  /** Heartbeat comments sent. */
  heartbeats: number;
  /** Streams closed as slow subscribers (EVENT_STREAM_SLOW_MS, EVENT_STREAM_MAX_BACKLOG). */
  slowDropped: number;
}

const stats: EventStreamStats = { opened: 0, open: 0, events: 0, heartbeats: 0, slowDropped: 0 };

/** A snapshot of the process's event-stream counters. */
export function eventStreamStats(): EventStreamStats {
  return { ...stats };
}

/** Every stream of one heartbeat period, ticked by one timer. */
interface Sweep {
  readonly timer: ReturnType<typeof setInterval>;
  readonly streams: Set<EventStream>;
}

/** Sweeps by period (ms). A sweep's timer stops with its last stream. */
const sweeps = new Map<number, Sweep>();

/** A text/event-stream response (see the file comment). Made by eventStream(). */
export class EventStream {
  /** The request's `Last-Event-ID` (the id of the last event the browser got before it reconnected), or null. */
  readonly lastEventId: string | null;
  /** Called once when the stream closes, however it closes. */
  onclose: (() => void) | null = null;
  private isClosed = false;
  private readonly heartbeatMs: number;
  private readonly slowMs: number;
  /** Something was written since the last sweep tick (no heartbeat needed). */
  private wrote = false;
  /** When the output was first seen congested while reports came, 0 when it is not. */
  private congestedSince = 0;
  /** Bytes of reports queued since the output was congested. */
  private backlog = 0;
  private readonly unsubscribes = new Set<() => void>();
  private readonly reports: ReportSource | undefined;
  private closedSignal: PromiseWithResolvers<void> | null = null;

  /**
   * Answers `session`'s request with 200, `Content-Type: text/event-stream`, `Cache-Control:
   * no-store` and `options.headers`, and sends the head at once (a browser's EventSource opens on
   * it). Throws an Error when the response has already started (a second eventStream() too). A
   * HEAD request gets the head and a stream that is already closed; so does a request whose
   * client has gone.
   */
  constructor(
    private readonly session: EventStreamSession,
    options: EventStreamOptions = {},
  ) {
    if (session.hasStarted()) throw new Error("eventStream(): the response has already started");
    this.lastEventId = session.header("last-event-id");
    this.heartbeatMs = options.heartbeatMs ?? EVENT_STREAM_HEARTBEAT_MS;
    this.reports = options.reports;
    this.slowMs = options.slowSubscriberMs ?? EVENT_STREAM_SLOW_MS;
    if (!(this.heartbeatMs >= 0)) throw new TypeError("eventStream(): heartbeatMs must be a number ≥ 0");
    if (session.isComplete()) {
      this.isClosed = true; // the client left before the stream was made
      return;
    }
    session.sendResponse(200);
    session.sendHeader("Content-Type", EVENT_STREAM_TYPE);
    session.sendHeader("Cache-Control", "no-store");
    for (const [name, value] of options.headers ?? []) session.sendHeader(name, value);
    session.endHeaders();
    if (session.isHead()) {
      this.isClosed = true;
      session.endContent();
      return;
    }
    session.flushContent();
    stats.opened++;
    stats.open++;
    session.signal.addEventListener("abort", () => this.release(), { once: true });
    // The daemon stopping ends the stream (its last chunk sent): a browser's EventSource would
    // otherwise hold the connection, and stop(), to the end of the grace.
    session.whenDaemonStops(() => this.close());
    if (this.heartbeatMs > 0) joinSweep(this, this.heartbeatMs);
  }

  /** True once closed (by close(), as a slow subscriber, or because the client left). */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Sends one event. Throws a TypeError for an event or id with CR or LF (an id with NUL), a
   * retry that is not a non-negative integer, or data that JSON cannot encode. Returns false
   * above the high-water mark (the event is queued: wait for drained() before more), and when
   * the stream is closed (nothing is sent).
   */
  send(event: ServerSentEvent): boolean {
    const text = formatEvent(event);
    if (this.isClosed) return false;
    stats.events++;
    return this.write(text);
  }

  /** Resolves when the output is below its high-water mark, or once the stream is closed (at once if either). */
  drained(): Promise<void> {
    if (this.isClosed || !this.session.isCongested()) return Promise.resolve();
    this.closedSignal ??= Promise.withResolvers<void>();
    return Promise.race([this.session.drained(), this.closedSignal.promise]);
  }

  /** Ends the response after what is queued (the last chunk on HTTP/1.1); idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.release();
    this.session.endContent();
  }

  /**
   * Makes every report whose subject matches `pattern` (SPEC §12: `*`, `>`) an event of this
   * stream — `event:` the subject, `data:` the value's JSON — until the stream closes or the
   * returned function is called. A bad pattern throws a TypeError. A stream that cannot keep up
   * (its output congested past EVENT_STREAM_SLOW_MS, or EVENT_STREAM_MAX_BACKLOG queued meanwhile)
   * is closed and counted. The source is EventStreamOptions.reports, else `services`.
   */
  subscribe(pattern: string): () => void {
    if (this.isClosed) return () => {};
    const source = this.reports ?? defaultReportSource();
    const off = source.subscribeReports(pattern, (subject, _value, _from, json) => this.onReport(subject, json));
    this.unsubscribes.add(off);
    return () => {
      if (this.unsubscribes.delete(off)) off();
    };
  }

  /**
   * A report for this stream: sent unless the stream is a slow subscriber by now. The slow clock
   * starts when a report leaves the output congested, and stops when it drains.
   */
  private onReport(subject: string, json: string): void {
    if (this.isClosed) return;
    const bytes = reportEvent(subject, json);
    if (this.congestedSince !== 0) {
      this.backlog += bytes.length;
      if (Date.now() - this.congestedSince > this.slowMs || this.backlog > EVENT_STREAM_MAX_BACKLOG) return this.dropSlow();
    }
    stats.events++;
    this.wrote = true;
    this.session.sendContent(bytes);
    this.session.flushContent();
    if (this.congestedSince === 0 && this.session.isCongested()) {
      this.congestedSince = Date.now();
      this.session.drained().then(() => this.relieved());
    }
  }

  /** The output drained: the slow-subscriber clock stops. */
  private relieved(): void {
    this.congestedSince = 0;
    this.backlog = 0;
  }

  /** @internal the sweep's tick: a heartbeat if idle; a slow subscriber still congested is dropped. */
  tick(now: number): void {
    if (this.isClosed) return;
    if (this.congestedSince !== 0 && now - this.congestedSince > this.slowMs && this.session.isCongested()) return this.dropSlow();
    if (!this.wrote) {
      stats.heartbeats++;
      this.write(HEARTBEAT);
    }
    this.wrote = false;
  }

  private write(text: string): boolean {
    this.wrote = true;
    const ok = this.session.sendContent(text);
    this.session.flushContent();
    return ok;
  }

  /** A slow subscriber: closed at once, its unsent output dropped (a reset, not a graceful end). */
  private dropSlow(): void {
    stats.slowDropped++;
    this.release();
    this.session.shutdown();
  }

  /** Closes: every subscription ends, the sweep forgets the stream, whoever waits is released (once). */
  private release(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    stats.open--;
    for (const off of this.unsubscribes) off();
    this.unsubscribes.clear();
    if (this.heartbeatMs > 0) leaveSweep(this, this.heartbeatMs);
    this.closedSignal?.resolve();
    const cb = this.onclose;
    this.onclose = null;
    cb?.();
  }
}

function joinSweep(stream: EventStream, periodMs: number): void {
  let sweep = sweeps.get(periodMs);
  if (sweep === undefined) {
    const streams = new Set<EventStream>();
    const timer = setInterval(() => {
      const now = Date.now();
      for (const s of streams) s.tick(now);
    }, periodMs);
    timer.unref?.(); // the daemon keeps the process alive, not a stream's heartbeat
    sweeps.set(periodMs, (sweep = { timer, streams }));
  }
  sweep.streams.add(stream);
}

function leaveSweep(stream: EventStream, periodMs: number): void {
  const sweep = sweeps.get(periodMs);
  if (sweep === undefined || !sweep.streams.delete(stream) || sweep.streams.size > 0) return;
  clearInterval(sweep.timer);
  sweeps.delete(periodMs);
}

const utf8 = new TextEncoder();
/** The last report's event (subject, JSON, bytes): every subscriber of a report shares its bytes. */
let lastSubject = "";
let lastJson = "";
let lastEvent = new Uint8Array(0);

/**
 * A report's event, `event: <subject>`, `data:` lines of its JSON, as UTF-8 — made once per report,
 * not once per subscriber: the subscribers of one report are called one after the other with the
 * same strings, so a one-entry cache holds it (hot path: one string comparison per subscriber).
 */
function reportEvent(subject: string, json: string): Uint8Array {
  if (json === lastJson && subject === lastSubject) return lastEvent;
  lastSubject = subject;
  lastJson = json;
  lastEvent = utf8.encode(`event: ${subject}\ndata: ${hasLineBreak(json, false) ? dataLines(json) : json}\n\n`);
  return lastEvent;
}

/** True when `s` has CR or LF (or, `nul`, NUL). */
function hasLineBreak(s: string, nul: boolean): boolean {
  return s.includes("\n") || s.includes("\r") || (nul && s.includes("\0"));
}

/** `text` with every line break (CRLF, CR, LF) turned into the start of another `data:` line. */
function dataLines(text: string): string {
  return text.replace(/\r\n|\r|\n/g, "\ndata: ");
}

/**
 * The wire form of one event (WHATWG HTML §9.2.5 "Parsing an event stream"): its fields, one
 * `data:` line per line of data, and the blank line that dispatches it. Throws a TypeError for a
 * field that would break the framing.
 */
export function formatEvent(e: ServerSentEvent): string {
  if (e === null || typeof e !== "object") throw new TypeError("send(): an event is an object { event?, id?, retry?, data }");
  let out = "";
  if (e.event !== undefined) {
    // §9.2.5: a line break would end the field and start another
    if (typeof e.event !== "string" || hasLineBreak(e.event, false)) throw new TypeError("send(): event must be a string without CR or LF");
    out += `event: ${e.event}\n`;
  }
  if (e.id !== undefined) {
    // §9.2.6: an id with NUL is ignored by the browser
    if (typeof e.id !== "string" || hasLineBreak(e.id, true)) throw new TypeError("send(): id must be a string without CR, LF or NUL");
    out += `id: ${e.id}\n`;
  }
  if (e.retry !== undefined) {
    if (!Number.isSafeInteger(e.retry) || e.retry < 0) throw new TypeError("send(): retry must be an integer ≥ 0 (ms)");
    out += `retry: ${e.retry}\n`;
  }
  const data = typeof e.data === "string" ? e.data : JSON.stringify(e.data);
  if (data === undefined) throw new TypeError("send(): data must be a string or a value JSON can encode");
  return `${out}data: ${hasLineBreak(data, false) ? dataLines(data) : data}\n\n`;
}
