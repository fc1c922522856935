/**
 * The cancel protocol of an Exchange, both ends (`<prefix>.cancel.<process>`, see the protocol
 * in exchange.ts): the caller's (AbandonedCalls: it gave up on a call, the instance that took it
 * is told) and the instance's (CancellableCalls: the delayed calls it serves, aborted on a cancel
 * or when their caller is gone). The cancel message is written and read only here.
 */
import type { Msg } from "@nats-io/transport-node";
import { decoder, encoder, type ExchangeLink } from "./exchange-link.ts";
import { abortedFailure } from "./registry.ts";
import { CALL_ABORTED, CALL_TIMED_OUT, frameworkFailure } from "./service-failure.ts";

/** What a process id looks like (Exchange.pid): it becomes a subject token. */
const PROCESS_ID = /^[0-9a-f]{32}$/;

/** A call given up before its acknowledgement arrived. */
interface Abandoned {
  /** When to stop waiting for its acknowledgement: the call's own timeout (ms since the epoch). */
  until: number;
  /** The failure code the caller got (the cancel says CALL_TIMED_OUT or else CALL_ABORTED). */
  error: number;
}

/**
 * The caller's end: sends cancels, and remembers the calls given up before anyone acknowledged
 * them, by call id, so that a late acknowledgement still gets its cancel. The owner (the
 * outgoing calls) expires them on its sweep; an acknowledgement never comes for most.
 */
export class AbandonedCalls {
  private readonly calls = new Map<number, Abandoned>();

  constructor(private readonly link: ExchangeLink) {}

  /** How many abandoned calls are remembered (the owner's sweeper runs while there are any). */
  get size(): number {
    return this.calls.size;
  }

  /**
   * Tells process `handler` to abort call `id` with `error` (CALL_TIMED_OUT, else CALL_ABORTED
   * is sent). Nothing for a handler that is not a process id (a junk acknowledgement names no
   * subject) or once the connection is closed; a publish while NATS is down is buffered by the
   * client and sent on reconnection.
   */
  sendCancel(handler: string, id: number, error: number): void {
    if (!this.link.nc || this.link.nc.isClosed() || !PROCESS_ID.test(handler)) return; // a junk acknowledgement names no subject
    const body = `{"c":"${this.link.replyPrefix}.${id}","e":${error === CALL_TIMED_OUT ? CALL_TIMED_OUT : CALL_ABORTED}}`;
    try {
      this.link.nc.publish(`${this.link.prefix}.cancel.${handler}`, encoder.encode(body));
    } catch {
      // draining (closing): the instance learns from the goodbye instead
    }
  }

  /** Remembers call `id`, given up with `error`, until `until` (or its acknowledgement). */
  remember(id: number, until: number, error: number): void {
    this.calls.set(id, { until, error });
  }

  /**
   * A message for call `id`, no longer pending: if the call was abandoned it is forgotten and,
   * the message being an acknowledgement, its sender gets the cancel. Returns whether `id` was
   * an abandoned call (then the owner may stop its sweeper). Junk is ignored.
   */
  onLateReply(id: number, msg: Msg): boolean {
    const abandoned = this.calls.get(id);
    if (!abandoned) return false;
    this.calls.delete(id);
    let body: { a?: unknown };
    try {
      body = JSON.parse(decoder.decode(msg.data));
    } catch {
      return true;
    }
    if (typeof body?.a === "string") this.sendCancel(body.a, id, abandoned.error);
    return true;
  }

  /** Forgets the calls whose acknowledgement is no longer awaited at `now` (the owner's sweep). */
  expire(now: number): void {
    for (const [id, a] of this.calls) if (now >= a.until) this.calls.delete(id);
  }

  /** Forgets every abandoned call (closing: their acknowledgements would find no subscription). */
  clear(): void {
    this.calls.clear();
  }
}

/** A delayed call this process is serving for another one. */
export interface Serving {
  /** Aborts the method's CallContext (through the registry's bound). */
  readonly controller: AbortController;
  /** Process id of the caller, from its reply subject ("" for a caller that is not an Exchange). */
  readonly caller: string;
}

/**
 * The instance's end: the delayed calls served here, by reply subject, from the moment the
 * method's CallContext signal is asked for until the call is answered. Answered-at-once calls
 * are never here (they cannot be cancelled).
 */
export class CancellableCalls {
  private readonly serving = new Map<string, Serving>();

  /** A delayed call for `caller` ("" if not an Exchange) starts; its reply subject is its key. */
  open(reply: string, caller: string): Serving {
    const s: Serving = { controller: new AbortController(), caller };
    this.serving.set(reply, s);
    return s;
  }

  /** The call `s` is answered (or failed): no longer cancellable. A newer call on the same reply subject is kept. */
  close(reply: string, s: Serving): void {
    if (this.serving.get(reply) === s) this.serving.delete(reply);
  }

  /** The reply subjects of the delayed calls being served here (to re-acknowledge them after a reconnection). */
  replySubjects(): IterableIterator<string> {
    return this.serving.keys();
  }

  /** A caller gave up on a call served here: abort its CallContext. Junk is ignored. */
  onCancel(msg: Msg): void {
    let body: { c?: unknown; e?: unknown };
    try {
      body = JSON.parse(decoder.decode(msg.data));
    } catch {
      return;
    }
    if (typeof body?.c !== "string") return;
    const s = this.serving.get(body.c);
    if (!s) return; // answered already, or never here
    s.controller.abort(body.e === CALL_TIMED_OUT ? frameworkFailure(CALL_TIMED_OUT, "call timed out") : abortedFailure());
  }

  /** Process `pid` is gone (no cancel will come from a dead caller): abort the calls served here for it. */
  abortCallsOf(pid: string): void {
    for (const s of this.serving.values()) if (s.caller === pid) s.controller.abort(frameworkFailure(CALL_ABORTED, "the caller went away"));
  }
}
