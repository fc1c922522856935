/**
 * What the parts of an Exchange (membership.ts, outgoing-calls.ts, incoming-calls.ts,
 * call-cancel.ts) share: where this process is on the bus and the state of its one NATS
 * connection. The wire protocol itself is described once, in exchange.ts.
 */
import type { NatsConnection } from "@nats-io/transport-node";

/**
 * The connection state of one Exchange, shared by reference with its parts. Only the Exchange
 * writes it (connect, the connection's status, close); the parts read it at the moment they act.
 */
export interface ExchangeLink {
  /** This process's id on the bus (Exchange.pid, 32 hex digits); a subject token. */
  readonly pid: string;
  /** First token of every subject (ExchangeOptions.prefix, default "netsvc"). */
  readonly prefix: string;
  /** Subject prefix of the replies to this process's calls: `<prefix>.reply.<pid>`; a call adds `.<call id>`. */
  readonly replyPrefix: string;
  /** The connection, set by connect(); null until then. The client reconnects it by itself. */
  nc: NatsConnection | null;
  /**
   * How many connections to NATS this process has made: 1 once connect() succeeded, one more on
   * each reconnection (0 before). Sent in announcements and acknowledgements: a caller that sees
   * it grow learns that this process's connection broke, and that what was on its way to or from
   * it then (calls, answers, acknowledgements) may have been lost with the node it was on.
   */
  connections: number;
  /** True while connected to NATS (false before connect(), while NATS is down, and after close()). */
  connected: boolean;
  /** Set once, by close(); never cleared. */
  closing: boolean;
}

/** Encodes every Exchange message body (stateless, shared). */
export const encoder = new TextEncoder();

/** Decodes every Exchange message body (stateless, shared; not streaming). */
export const decoder = new TextDecoder();
