/**
 * Reports across the bus (SPEC §12; the protocol is described with the others in exchange.ts):
 * a report is published on `<prefix>.report.<subject>`, its body the value's JSON as calls carry
 * it (values.ts), its headers `Netsvc-Origin: <process id>` and the caller fields of caller-fields.ts
 * (who published). Each process subscribes once per distinct pattern its registry has
 * (`<prefix>.report.<pattern>`, no queue group: every process gets every report), made with the
 * pattern's first local subscriber and ended with its last (reports.ts counts them).
 *
 * A process ignores its own reports coming back from NATS: the registry delivered them to its
 * subscribers when they were published (reports.ts says why). A report that is over
 * REPORT_MAX_BYTES, unreadable or too deeply nested is dropped and counted, never a throw inside
 * the client's message reader.
 */
import { headers, type Msg, type Subscription } from "@nats-io/transport-node";
import type { Caller } from "./caller.ts";
import type { CallerFields } from "./caller-fields.ts";
import { decoder, encoder, type ExchangeLink } from "./exchange-link.ts";
import { REPORT_MAX_BYTES } from "./limits.ts";
import { isSubject } from "./report-subject.ts";
import type { ReportHub, ReportTransport } from "./reports.ts";
import { fromTagged, type ServiceValue } from "./values.ts";

/** NATS header naming the process that published a report (its Exchange.pid). */
export const REPORT_ORIGIN_HEADER = "Netsvc-Origin";

/** The bus side of one Exchange's reports (see the file comment). */
export class ExchangeReports implements ReportTransport {
  private readonly subs = new Map<string, Subscription>();
  /** Reports put on the bus. */
  sent = 0;
  /** Reports from other processes handed to the registry (once per matching pattern). */
  received = 0;
  /**
   * Reports not put on the bus: published while NATS was down (they reached this process's
   * subscribers only), or when the connection had closed for good.
   */
  unsent = 0;

  /**
   * @param hub the registry's reports, which this carries while started.
   * @param callerFields writes and reads who published, as for calls.
   */
  constructor(
    private readonly link: ExchangeLink,
    private readonly hub: ReportHub,
    private readonly callerFields: CallerFields,
  ) {}

  /** Carries the registry's reports from now on (connected): subscribes to every pattern it has. */
  start(): void {
    this.hub.setTransport(this);
  }

  /** Stops (closing): reports stay in the process again, and every report subscription ends. */
  stop(): void {
    this.hub.setTransport(null);
    for (const sub of this.subs.values()) sub.unsubscribe();
    this.subs.clear();
  }

  /**
   * See ReportTransport.publishReport. While NATS is down a report is not sent, only counted: the
   * client would hold it for the reconnection in a buffer with no bound (a busy publisher during
   * an outage would grow memory without end), and a report is news, not a queue — what is
   * published during the outage reached this process's subscribers only.
   */
  publishReport(subject: string, json: string, caller: Caller): void {
    const nc = this.link.nc;
    if (nc === null || !this.link.connected || this.link.closing) {
      this.unsent++;
      return;
    }
    const h = headers();
    h.set(REPORT_ORIGIN_HEADER, this.link.pid);
    this.callerFields.addTo(h, caller);
    try {
      nc.publish(`${this.link.prefix}.report.${subject}`, encoder.encode(json), { headers: h });
      this.sent++;
    } catch {
      this.unsent++; // the connection closed for good: nobody on the bus can get it now
    }
  }

  /** See ReportTransport.watchPattern. */
  watchPattern(pattern: string): void {
    const nc = this.link.nc;
    if (nc === null || this.link.closing || this.subs.has(pattern)) return;
    this.subs.set(
      pattern,
      nc.subscribe(`${this.link.prefix}.report.${pattern}`, {
        callback: (err, msg) => {
          if (!err) this.onReport(pattern, msg);
        },
      }),
    );
  }

  /** See ReportTransport.unwatchPattern. */
  unwatchPattern(pattern: string): void {
    const sub = this.subs.get(pattern);
    if (sub === undefined) return;
    this.subs.delete(pattern);
    sub.unsubscribe();
  }

  /** A report on the subscription of `pattern`: to that pattern's subscribers, unless it is this process's own or bad. */
  private onReport(pattern: string, msg: Msg): void {
    let origin: string | undefined;
    try {
      origin = msg.headers?.get(REPORT_ORIGIN_HEADER); // decoded on first access; a bad header throws
    } catch {
      return this.hub.countDropped();
    }
    if (origin === this.link.pid) return; // delivered here when published
    if (msg.data.length > REPORT_MAX_BYTES) return this.hub.countDropped();
    let json: string;
    let value: ServiceValue;
    try {
      json = decoder.decode(msg.data);
      value = fromTagged(JSON.parse(json)) as ServiceValue;
    } catch {
      return this.hub.countDropped(); // not JSON, or nested deeper than VALUE_MAX_DEPTH
    }
    const subject = msg.subject.slice(this.link.prefix.length + ".report.".length);
    // Another bus client's subject is input: one our own publish() would refuse (a control
    // character: an event stream writes the subject on an `event:` line) is dropped and counted.
    if (!isSubject(subject)) return this.hub.countDropped();
    this.received++;
    this.hub.deliverFromBus(pattern, subject, value, this.callerFields.callerOf(msg), json);
  }
}
