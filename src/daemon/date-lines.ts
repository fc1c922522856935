/**
 * DateLines: the `Date` header (RFC 9110 §6.6.1) and the response tails built around it, encoded
 * once per second and true to the second. They used to be refreshed by the daemon's sweep timer,
 * which runs at its own phase: for up to a tick after every second boundary every response named
 * the second before (21 of 25 samples lagged). Now whoever asks for a line checks the wall clock
 * against the end of the second the lines were made for, and rebuilds them when it has passed —
 * one Date.now() and two comparisons per response, no timer.
 */
import { cannedStatus } from "../http/canned.ts";

const encoder = new TextEncoder();
const MS_PER_SECOND = 1000;

/** The Date-bearing bytes a daemon sends, for the current second of the wall clock. */
export class DateLines {
  /** Wall-clock ms where the second the lines name starts, and where the next one starts. */
  private secondStart = 0;
  private secondEnd = 0;
  private dateLine: Uint8Array = new Uint8Array(0);
  private keepAliveTail: Uint8Array = this.dateLine;
  private closeTail: Uint8Array = this.dateLine;
  private refusal: Uint8Array = this.dateLine;

  /** Builds the lines for the current second. */
  constructor() {
    this.refresh(Date.now());
  }

  /** `Date: …\r\n` for now (the canned error responses are split around it). */
  line(): Uint8Array {
    this.current();
    return this.dateLine;
  }

  /**
   * The end of a response head: Date, Server, `Connection: keep-alive` or `close`, and the blank
   * line. Hot path: one clock read and two comparisons; a rebuild once a second.
   */
  tail(keepAlive: boolean): Uint8Array {
    this.current();
    return keepAlive ? this.keepAliveTail : this.closeTail;
  }

  /** The whole 503 sent to a connection refused at the connection limit. */
  refusal503(): Uint8Array {
    this.current();
    return this.refusal;
  }

  /** Rebuilds the lines when the wall clock has left their second (either way: a clock set back too). */
  private current(): void {
    const now = Date.now();
    if (now >= this.secondEnd || now < this.secondStart) this.refresh(now);
  }

  private refresh(now: number): void {
    const second = Math.floor(now / MS_PER_SECOND);
    this.secondStart = second * MS_PER_SECOND;
    this.secondEnd = this.secondStart + MS_PER_SECOND;
    const date = `Date: ${new Date(this.secondStart).toUTCString()}\r\n`;
    this.dateLine = encoder.encode(date);
    this.keepAliveTail = encoder.encode(`${date}Server: netsvc\r\nConnection: keep-alive\r\n\r\n`);
    this.closeTail = encoder.encode(`${date}Server: netsvc\r\nConnection: close\r\n\r\n`);
    const canned = cannedStatus(503);
    this.refusal = Buffer.concat([canned.beforeDate, this.dateLine, canned.afterDate]);
  }
}
