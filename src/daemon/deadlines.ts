/**
 * Deadlines: the one deadline a connection's reading side runs at a time, and the send deadline
 * beside it. The daemon's sweep timer advances a coarse clock and asks each connection's
 * Deadlines which one has passed (due()); the connection acts on the answer. Six kinds (SPEC §6):
 * first byte, head, body (idle gaps and a minimum rate), keep-alive, linger — one at a time,
 * by what the connection waits for — and send, which runs whenever output waits for the client.
 */
import type { ResolvedLimits } from "./limits.ts";

/** Nothing is awaited from the client (a response is being made, or the body is held for its servlet). */
export const NO_DEADLINE = 0;
/** New connection, nothing received yet: silent close at the head timeout. */
export const DEADLINE_FIRST_BYTE = 1;
/** A head has started arriving: 408 at the head timeout (absolute, not reset by trickling). */
export const DEADLINE_HEAD = 2;
/** A body is expected: 408 after bodyIdleTimeoutMs without body bytes, or below minBodyRate. */
export const DEADLINE_BODY = 3;
/** Between requests on a persistent connection: silent close. */
export const DEADLINE_KEEP_ALIVE = 4;
/** We half-closed: the client's input is read and discarded until its FIN or this deadline. */
export const DEADLINE_LINGER = 5;
/** Output has waited sendTimeoutMs for the client to take a byte: drop it and close. */
export const DEADLINE_SEND = 6;

/** A connection's deadlines, on the daemon's coarse clock (ms). */
export class Deadlines {
  /** Which reading deadline runs (NO_DEADLINE … DEADLINE_LINGER). */
  private kind = DEADLINE_FIRST_BYTE;
  private at: number;
  /** When the output must have moved by; 0 while nothing waits to be sent. */
  private sendAt = 0;
  /** Minimum-rate window of the body: its start and the body bytes received by then. */
  private windowStart = 0;
  private windowBytes = 0;

  /** A new connection's: the first byte is due within the head timeout. */
  constructor(
    private readonly limits: ResolvedLimits,
    now: number,
  ) {
    this.at = now + limits.headTimeoutMs;
  }

  /** True while the body deadline runs. */
  isBody(): boolean {
    return this.kind === DEADLINE_BODY;
  }

  /** Nothing is awaited from the client. */
  clear(): void {
    this.kind = NO_DEADLINE;
  }

  /** A head started arriving: it must be whole within the head timeout. */
  head(now: number): void {
    this.kind = DEADLINE_HEAD;
    this.at = now + this.limits.headTimeoutMs;
  }

  /** A body is expected (or wanted again after a pause), `received` bytes of it so far: its idle and rate deadlines start afresh. */
  body(now: number, received: number): void {
    this.kind = DEADLINE_BODY;
    this.at = now + this.limits.bodyIdleTimeoutMs;
    this.windowStart = now;
    this.windowBytes = received;
  }

  /** Body bytes arrived: the idle gap restarts. */
  bodyProgress(now: number): void {
    this.at = now + this.limits.bodyIdleTimeoutMs;
  }

  /** Between requests. */
  keepAlive(now: number): void {
    this.kind = DEADLINE_KEEP_ALIVE;
    this.at = now + this.limits.keepAliveTimeoutMs;
  }

  /** We closed our side (or ended): the client has LINGER_MS to close its own. */
  linger(now: number): void {
    this.kind = DEADLINE_LINGER;
    this.at = now + this.limits.lingerMs;
    this.sendAt = 0;
  }

  /** A flush wrote `progressed` (some bytes went out, or none were left) and left output waiting (`waiting`). */
  sent(now: number, progressed: boolean, waiting: boolean): void {
    if (progressed) this.sendAt = 0;
    if (waiting && this.sendAt === 0) this.sendAt = now + this.limits.sendTimeoutMs;
  }

  /**
   * The deadline that has passed at `now`, or NO_DEADLINE; a passed deadline stops running.
   * `bodyWanted`: the body is the client's move (its cycle wants it, or it is discarded) — when
   * not, its deadlines wait and start afresh once it is. `received`: body bytes so far.
   * `busy`: requests or responses are still queued, so a keep-alive connection is not idle.
   */
  due(now: number, bodyWanted: boolean, received: number, busy: boolean): number {
    if (this.sendAt > 0 && now >= this.sendAt) {
      this.sendAt = 0;
      return DEADLINE_SEND;
    }
    if (this.kind === DEADLINE_BODY) {
      if (!bodyWanted) {
        // Not the client's turn (authenticate() pending, or a client told to wait for 100 Continue
        // whose servlet has not asked yet): the body's deadlines start when it is.
        this.body(now, received);
        return NO_DEADLINE;
      }
      if (this.isBodyTooSlow(now, received)) this.at = now;
    }
    if (this.kind === NO_DEADLINE || now < this.at) return NO_DEADLINE;
    if (this.kind === DEADLINE_KEEP_ALIVE && busy) {
      // Requests or responses are still queued (a slow reader): the connection is not idle.
      this.at = now + this.limits.keepAliveTimeoutMs;
      return NO_DEADLINE;
    }
    const kind = this.kind;
    this.kind = NO_DEADLINE;
    return kind;
  }

  /**
   * A body must keep up a minimum average rate once its first bodyIdleTimeoutMs have passed
   * (nginx's client_body_timeout bounds only the gaps; this also bounds a client that sends one
   * byte just before each gap would expire).
   */
  private isBodyTooSlow(now: number, received: number): boolean {
    const limits = this.limits;
    const elapsed = now - this.windowStart - limits.bodyIdleTimeoutMs;
    if (elapsed <= 0) return false;
    return received - this.windowBytes < (elapsed * limits.minBodyRate) / 1000;
  }
}
