/**
 * Reports (SPEC §12, OSE's publish/subscribe): a registry's publish() and subscribeReports(), in
 * this process, and across the bus when an Exchange is connected (exchange-reports.ts carries
 * them: `<prefix>.report.<subject>`). Subscriptions live in a SubjectTrie, one entry per distinct
 * pattern; a publish walks it once.
 *
 * A process's own reports are delivered to its own subscribers at once, inside publish(), and the
 * copy NATS echoes back is ignored (its origin header names this process). Why not only via NATS:
 * local subscribers then keep working with no Exchange and while NATS is down, as local services
 * do (SPEC §8.2), and a local subscriber gets its report without a round trip to the server and
 * without a decode. Order within one publisher is kept both ways: the bus copy is handed to NATS
 * before the local delivery (so a subscriber that publishes in its callback puts its report on
 * the bus after the one it reacts to), and NATS keeps one connection's messages in order.
 *
 * Invariants: every subscriber matching a report gets it exactly once (a subscriber added while
 * a report is being delivered does not get that one); a subscriber's throw is counted, logged
 * once per subscription, and never stops the others; nothing is encoded when nobody could
 * receive the report (no match here and no Exchange).
 */
import type { ReportCallback } from "../servers/report-source.ts";
import type { Caller } from "./caller.ts";
import { REPORT_MAX_BYTES } from "./limits.ts";
import { checkSubject } from "./report-subject.ts";
import { SubjectTrie } from "./subject-trie.ts";
import { stringifyValue, type ServiceValue } from "./values.ts";

/**
 * A report subscriber: the subject it was published on, its value (shared by every subscriber of
 * the report: read it, never change it), who published it (`{ via: "local" }` for code in this
 * process unless publish() named a caller; `{ via: "bus", … }` from another process, with the
 * caller that process named), and the value's JSON text as the bus carries it (values.ts).
 */
export type ReportSubscriber = (subject: string, value: ServiceValue, from: Caller, json: string) => void;

/** Counters of a registry's reports since it was made (ServiceRegistry.reportStats()). */
export interface ReportStats {
  /** publish() calls that passed their checks. */
  published: number;
  /** Subscriber callbacks called (one report to three subscribers: 3). */
  delivered: number;
  /**
   * Reports received from the bus and not delivered: over REPORT_MAX_BYTES, not readable JSON, or
   * nested deeper than VALUE_MAX_DEPTH. Expected from a hostile or broken peer: counted, not logged.
   */
  dropped: number;
  /** Subscriber callbacks that threw (the first throw of each subscription is logged too). */
  subscriberErrors: number;
}

/** Where a registry's reports go beyond the process (the Exchange, exchange-reports.ts). */
export interface ReportTransport {
  /** Puts a report on the bus: `json` is its encoded value, `caller` who published it. Never throws. */
  publishReport(subject: string, json: string, caller: Caller): void;
  /** `pattern` has its first local subscriber: subscribe to it on the bus. */
  watchPattern(pattern: string): void;
  /** `pattern` lost its last local subscriber: unsubscribe on the bus. */
  unwatchPattern(pattern: string): void;
}

/** One subscription. */
interface Subscription {
  readonly cb: ReportSubscriber;
  /** The report sequence number when it was made: only later reports are delivered to it. */
  readonly since: number;
  /** Its first throw was logged. */
  logged: boolean;
}

/** The subscriptions of one distinct pattern (the trie's entry). */
interface PatternEntry {
  readonly subs: Set<Subscription>;
}

/** A report published while another was being delivered, and what its delivery needs. */
interface QueuedReport {
  hits: PatternEntry[];
  seq: number;
  subject: string;
  value: ServiceValue;
  from: Caller;
  json: string;
}

/** A registry's reports (see the file comment). */
export class ReportHub {
  private readonly trie = new SubjectTrie<PatternEntry>();
  private transport: ReportTransport | null = null;
  /** Reports seen (published here or received), numbering them for Subscription.since. */
  private seq = 0;
  /** Where a publish collects its matches (emptied before delivery: nested publishes reuse it). */
  private readonly scratch: PatternEntry[] = [];
  /** A report is being delivered: one published meanwhile (from a callback) is queued behind it. */
  private delivering = false;
  /** Reports waiting for the one being delivered (see dispatch). */
  private readonly queued: QueuedReport[] = [];
  private readonly counts: ReportStats = { published: 0, delivered: 0, dropped: 0, subscriberErrors: 0 };

  /** @param log where a subscriber's first throw is reported (the registry's errorLog). */
  constructor(private readonly log: (message: string, error: unknown) => void) {}

  /** See ServiceRegistry.publish. */
  publish(subject: string, value: ServiceValue, caller: Caller): void {
    checkSubject(subject, false, "publish");
    const transport = this.transport;
    if (transport === null && this.trie.size === 0) {
      this.counts.published++;
      return; // nobody anywhere: nothing encoded
    }
    const scratch = this.scratch;
    this.trie.collect(subject, scratch);
    if (transport === null && scratch.length === 0) {
      this.counts.published++;
      return;
    }
    // a copy: a subscriber publishing from its callback reuses the scratch array
    const hits = scratch.length === 0 ? null : scratch.slice();
    scratch.length = 0;
    const json = encodeReport(value);
    this.counts.published++;
    const seq = ++this.seq;
    // The bus first: a subscriber publishing from its callback must not overtake this report there.
    transport?.publishReport(subject, json, caller);
    if (hits !== null) this.dispatch(hits, seq, subject, value, caller, json);
  }

  /** See ServiceRegistry.subscribeReports. */
  subscribe(pattern: string, cb: ReportSubscriber | ReportCallback): () => void {
    checkSubject(pattern, true, "subscribeReports");
    if (typeof cb !== "function") throw new TypeError("subscribeReports: the callback is not a function");
    let entry = this.trie.get(pattern);
    if (entry === undefined) {
      entry = { subs: new Set() };
      this.trie.add(pattern, entry);
      this.transport?.watchPattern(pattern);
    }
    const sub: Subscription = { cb: cb as ReportSubscriber, since: this.seq, logged: false };
    entry.subs.add(sub);
    const owner = entry;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      owner.subs.delete(sub);
      if (owner.subs.size > 0 || this.trie.get(pattern) !== owner) return;
      this.trie.delete(pattern);
      this.transport?.unwatchPattern(pattern);
    };
  }

  /** A snapshot of the counters. */
  stats(): ReportStats {
    return { ...this.counts };
  }

  /** The distinct patterns subscribed to here. */
  patterns(): string[] {
    return [...this.trie.patterns()];
  }

  /** Sets (or, null, removes) where reports go beyond the process; a new one is told every pattern. */
  setTransport(t: ReportTransport | null): void {
    this.transport = t;
    if (t !== null) for (const p of this.trie.patterns()) t.watchPattern(p);
  }

  /**
   * A report from the bus, received on the subscription of `pattern`: delivered to that pattern's
   * subscribers only (a report matching two patterns arrives once on each of their subscriptions).
   */
  deliverFromBus(pattern: string, subject: string, value: ServiceValue, from: Caller, json: string): void {
    const entry = this.trie.get(pattern);
    if (entry !== undefined) this.dispatch([entry], ++this.seq, subject, value, from, json);
  }

  /** A report from the bus that cannot be delivered (see ReportStats.dropped). */
  countDropped(): void {
    this.counts.dropped++;
  }

  /**
   * Delivers a report to the subscribers of `hits`, in publish order: a report published (or
   * arriving) while another is being delivered — a subscriber publishing from its callback — waits
   * until that one reached every subscriber, as NATS keeps one connection's messages in order.
   */
  private dispatch(hits: PatternEntry[], seq: number, subject: string, value: ServiceValue, from: Caller, json: string): void {
    if (this.delivering) {
      this.queued.push({ hits, seq, subject, value, from, json });
      return;
    }
    this.delivering = true;
    try {
      for (const e of hits) this.deliver(e, seq, subject, value, from, json);
      for (let q = this.queued.shift(); q !== undefined; q = this.queued.shift())
        for (const e of q.hits) this.deliver(e, q.seq, q.subject, q.value, q.from, q.json);
    } finally {
      this.delivering = false;
    }
  }

  private deliver(entry: PatternEntry, seq: number, subject: string, value: ServiceValue, from: Caller, json: string): void {
    // hot path: the count is kept in a local and added once
    let delivered = 0;
    for (const s of entry.subs) {
      if (s.since >= seq) continue; // subscribed while this report was being delivered
      delivered++;
      try {
        s.cb(subject, value, from, json);
      } catch (e) {
        this.counts.subscriberErrors++;
        if (!s.logged) {
          s.logged = true;
          this.log(`a subscriber of reports on ${subject} threw (its later throws are counted in reportStats(), not logged)`, e);
        }
      }
    }
    this.counts.delivered += delivered;
  }
}

/**
 * The JSON text of a report's value (values.ts), checked against REPORT_MAX_BYTES. A value that
 * cannot be encoded (a cycle, nested deeper than VALUE_MAX_DEPTH) is a TypeError, one too large a
 * RangeError: the publisher's bug, thrown at publish().
 */
function encodeReport(value: ServiceValue): string {
  let json: string | undefined;
  try {
    json = stringifyValue(value);
  } catch (e) {
    throw new TypeError(`publish: the value cannot be encoded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (json === undefined) throw new TypeError("publish: the value cannot be encoded (undefined or a function)");
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count only when it could be over.
  if (json.length * 3 > REPORT_MAX_BYTES) {
    const bytes = Buffer.byteLength(json);
    if (bytes > REPORT_MAX_BYTES)
      throw new RangeError(`publish: the report is ${bytes} bytes encoded, over REPORT_MAX_BYTES (${REPORT_MAX_BYTES})`);
  }
  return json;
}
