/**
 * DateLines: the `Date` header (RFC 9110 §6.6.1) and the response tails built around it, encoded
 * once per second and true to the second. They used to be refreshed by the daemon's sweep timer,
 * which runs at its own phase: for up to a tick after every second boundary every response named
 * the second before (21 of 25 samples lagged). Now whoever asks for a line passes the wall clock,
 * and the lines are rebuilt when it has left the second they were made for: two comparisons per
 * response, no timer. A clock read costs about 40 ns in Bun — 4% of a pipelined response — so a
 * connection reads it once per read turn and passes that reading for every response the turn
 * produces (16 pipelined ones share it); a response made later (a deferred servlet) reads it anew.
 * The reading is taken after the request arrived, so a Date is never earlier than the second in
 * which the client sent it, and never later than the second the response was made.
 */
import { cannedStatus } from "../http/canned.ts";

const encoder = new TextEncoder();
const MS_PER_SECOND = 1000;

/**
 * The Date-bearing bytes a daemon's port sends, for the current second of the wall clock, each
 * followed by the port's constant header lines (HSTS over TLS, `Vary` on the cleartext redirect
 * port): built with the Date line once a second, so they cost nothing per response and reach
 * every answer, the canned errors and the 503 refusal included.
 */
export class DateLines {
  /** Wall-clock ms where the second the lines name starts, and where the next one starts. */
  private secondStart = 0;
  private secondEnd = 0;
  private dateLine: Uint8Array = new Uint8Array(0);
  private keepAliveTail: Uint8Array = this.dateLine;
  private closeTail: Uint8Array = this.dateLine;
  private refusal: Uint8Array = this.dateLine;

  /**
   * Builds the lines for the current second. `fixedLines`: header lines (each ending CRLF) sent
   * after Date in every response of the port; default none.
   */
  constructor(private readonly fixedLines = "") {
    this.refresh(Date.now());
  }

  /** `Date: …\r\n` and the fixed lines at wall-clock time `now` (ms; the canned error responses are split around it). */
  line(now: number): Uint8Array {
    this.at(now);
    return this.dateLine;
  }

  /**
   * The end of a response head at wall-clock time `now` (ms): Date, Server, `Connection:
   * keep-alive` or `close`, and the blank line. Hot path: two comparisons; a rebuild once a second.
   */
  tail(keepAlive: boolean, now: number): Uint8Array {
    this.at(now);
    return keepAlive ? this.keepAliveTail : this.closeTail;
  }

  /** The whole 503 sent to a connection refused at the connection limit, at `now` (ms). */
  refusal503(now: number): Uint8Array {
    this.at(now);
    return this.refusal;
  }

  /** Rebuilds the lines when `now` has left their second (either way: a clock set back too). */
  private at(now: number): void {
    if (now >= this.secondEnd || now < this.secondStart) this.refresh(now);
  }

  private refresh(now: number): void {
    const second = Math.floor(now / MS_PER_SECOND);
    this.secondStart = second * MS_PER_SECOND;
    this.secondEnd = this.secondStart + MS_PER_SECOND;
    const date = `Date: ${new Date(this.secondStart).toUTCString()}\r\n${this.fixedLines}`;
    this.dateLine = encoder.encode(date);
    this.keepAliveTail = encoder.encode(`${date}Server: netsvc\r\nConnection: keep-alive\r\n\r\n`);
    this.closeTail = encoder.encode(`${date}Server: netsvc\r\nConnection: close\r\n\r\n`);
    const canned = cannedStatus(503);
    this.refusal = Buffer.concat([canned.beforeDate, this.dateLine, canned.afterDate]);
  }
}
