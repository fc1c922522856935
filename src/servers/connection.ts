/**
 * What a request needs from the connection it arrived on. The daemon's Session implements it;
 * servers and servlets see only this, so the dependency points daemon → servers.
 */
import type { RequestHead } from "../parser/index.ts";

/** The output side of a connection: a byte queue with a high-water mark. */
export interface OutputSink {
  append(bytes: Uint8Array, start?: number, end?: number): void;
  appendLatin1(s: string): void;
  /** Appends `s` as UTF-8; returns the bytes appended. */
  appendUtf8(s: string): number;
  /** Drops the last `n` appended bytes, none of them written yet. */
  dropTail(n: number): void;
  isCongested(): boolean;
  mark(): number;
  rollback(mark: number): boolean;
  /** Keeps bytes from `mark` on unwritten until unhold() (a response head being built). */
  holdFrom(mark: number): void;
  unhold(): void;
}

/** A connection as a request sees it. */
export interface Connection {
  /** The parsed head of the current request. */
  readonly head: RequestHead;
  /** The bytes the head's spans point into; valid while the request is current. */
  readonly headBytes: Uint8Array;
  /** Where responses go. */
  readonly output: OutputSink;
  /** Local address and port of the connection. */
  readonly localAddress: string;
  /** Local port. */
  readonly localPort: number;
  /** Peer address. */
  readonly remoteAddress: string;
  /** Peer port. */
  readonly remotePort: number;
  /** True when this response may keep the connection (request cap not reached, not stopping). */
  mayKeepAlive(): boolean;
  /** `Date`, `Server` and `Connection` lines and the final CRLF, cached per second. */
  headerTail(keepAlive: boolean): Uint8Array;
  /** Ask for the queued output to be written soon (at the end of the current turn). */
  flushSoon(): void;
  /** Calls `callback` once when the output queue drops below its high-water mark. */
  whenDrained(callback: () => void): void;
  /** The response for the current request is complete. */
  responseComplete(keepAlive: boolean): void;
  /**
   * The request's servlet is ready for (more of) its body again: content() was asked for late, or
   * a Promise returned by processContent() settled. Reading resumes at the end of this turn.
   */
  resumeReading(): void;
  /**
   * Ends the connection after what is queued: no more requests are read, the queued output is
   * sent, then the connection closes gracefully. The current request, if any, is abandoned.
   */
  close(): void;
  /** Close at once, dropping unsent output (a reset). */
  abort(): void;
  /** Logs a servlet failure (a bug in application code: logged with its stack, and counted). */
  logError(message: string, error?: unknown): void;
  /**
   * A servlet gave content to a response whose status has none (204, 304): it was not sent.
   * Counted; the first one per daemon is logged, with the stack of the call that gave it.
   */
  contentDropped(status: number): void;
  /**
   * Counts a servlet callback that failed because the request's own signal aborted (its client
   * left): expected, so counted (DaemonStats.servletAborts) and never logged.
   */
  countServletAbort(): void;
}
