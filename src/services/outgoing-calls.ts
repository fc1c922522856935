/**
 * Outgoing calls of an Exchange: the calls this process makes to services hosted elsewhere
 * (`<prefix>.call.<service>`, replies on `<prefix>.reply.<process>.<call id>`; see the protocol
 * in exchange.ts). Each waits for its acknowledgement (EXCHANGE_ACK_TIMEOUT_MS) and its answer
 * (the call's timeout); a call given up on is cancelled through call-cancel.ts.
 */
import type { Msg } from "@nats-io/transport-node";
import { AbandonedCalls } from "./call-cancel.ts";
import { decoder, encoder, type ExchangeLink } from "./exchange-link.ts";
import { EXCHANGE_ACK_TIMEOUT_MS } from "./limits.ts";
import type { Membership } from "./membership.ts";
import { abortFailureOf } from "./registry.ts";
import {
  CALL_TIMED_OUT,
  INSTANCE_LOST,
  INTERNAL_ERROR,
  SERVICE_UNAVAILABLE,
  ServiceFailure,
  frameworkFailure,
  type FailureFields,
} from "./service-failure.ts";
import { fromTagged, stringifyValue } from "./values.ts";

/** A call waiting for its answer. */
interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: ServiceFailure) => void;
  deadline: number;
  /** Until acknowledged or answered: when to give up on an acknowledgement. 0 once acknowledged. */
  ackDeadline: number;
  /** Process that acknowledged the call ("" until then). */
  handler: string;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
}

/** How often pending calls are checked against their deadlines (ms). */
const SWEEP_MS = 50;

/**
 * The calls this process is waiting on, by call id (a counter, unique per Exchange). A sweeper
 * checks their deadlines every SWEEP_MS, and runs only while a call is pending or abandoned.
 * Every call settles exactly once: answered, failed, timed out, aborted, or given up on.
 */
export class OutgoingCalls {
  private readonly pending = new Map<number, Pending>();
  /** Calls given up before their acknowledgement (the caller's end of the cancel protocol). */
  private readonly abandoned: AbandonedCalls;
  private nextId = 0;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  /** @param membership told of every process that acknowledges a call, so that its death is noticed. */
  constructor(
    private readonly link: ExchangeLink,
    private readonly membership: Membership,
  ) {
    this.abandoned = new AbandonedCalls(link);
  }

  /**
   * Calls `method` of an instance of `name` elsewhere, within `timeoutMs`; `signal` aborts it.
   * Fails at once with SERVICE_UNAVAILABLE when not connected (or closing), INTERNAL_ERROR when
   * the parameters cannot be sent.
   */
  call(name: string, method: string, params: unknown[], timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
    const nc = this.link.nc;
    if (!nc || !this.link.connected || this.link.closing)
      return Promise.reject(frameworkFailure(SERVICE_UNAVAILABLE, "the exchange is not connected to NATS"));
    let data: Uint8Array;
    try {
      data = encoder.encode(`{"m":${JSON.stringify(method)},"t":${timeoutMs},"p":${stringifyValue(params)}}`);
    } catch {
      return Promise.reject(frameworkFailure(INTERNAL_ERROR, "the parameters cannot be sent"));
    }
    const id = ++this.nextId;
    const now = Date.now();
    return new Promise((resolve, reject) => {
      const p: Pending = {
        resolve,
        reject,
        deadline: now + timeoutMs,
        ackDeadline: now + EXCHANGE_ACK_TIMEOUT_MS,
        handler: "",
        signal,
        onAbort: null,
      };
      if (signal) {
        p.onAbort = () => this.giveUp(id, p, abortFailureOf(signal));
        signal.addEventListener("abort", p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
      nc.publish(`${this.link.prefix}.call.${name}`, data, { reply: `${this.link.replyPrefix}.${id}` });
    });
  }

  /** A message on this process's reply subjects: an acknowledgement, an answer, or junk (the call fails). */
  onReply(msg: Msg): void {
    const id = Number(msg.subject.slice(this.link.replyPrefix.length + 1));
    const p = this.pending.get(id);
    if (!p) {
      // settled already (timeout, abort, lost): an acknowledgement of an abandoned call gets its cancel
      if (this.abandoned.onLateReply(id, msg)) this.stopSweeperIfIdle();
      return;
    }
    let body: { a?: unknown; r?: unknown; f?: FailureFields };
    try {
      body = JSON.parse(decoder.decode(msg.data));
    } catch {
      return this.settle(id, p, () => p.reject(frameworkFailure(INTERNAL_ERROR, "unreadable reply")));
    }
    if (typeof body.a === "string") {
      p.handler = body.a;
      p.ackDeadline = 0;
      this.membership.noteAlive(body.a);
    } else if (body.f) {
      const f = body.f;
      this.settle(id, p, () =>
        p.reject(
          new ServiceFailure(
            Number(f.error) || INTERNAL_ERROR,
            String(f.description ?? ""),
            String(f.origin ?? ""),
            String(f.details ?? ""),
          ),
        ),
      );
    } else {
      this.settle(id, p, () => {
        try {
          p.resolve(fromTagged(body.r ?? null));
        } catch (e) {
          p.reject(e as ServiceFailure); // too deeply nested: never a throw inside the message reader
        }
      });
    }
  }

  /** Process `pid` is gone: the calls it acknowledged fail with INSTANCE_LOST (no cancel: nobody to tell). */
  failCallsTakenBy(pid: string): void {
    for (const [id, p] of this.pending) {
      if (p.handler === pid)
        this.settle(id, p, () => p.reject(frameworkFailure(INSTANCE_LOST, "the instance handling the call went away")));
    }
  }

  /** Gives up on every pending call with `f` (lost NATS, closing); each is cancelled as giveUp says. */
  failAll(f: ServiceFailure): void {
    for (const [id, p] of this.pending) this.giveUp(id, p, f);
  }

  /** Forgets the abandoned calls (closing: their acknowledgements would find no subscription now). */
  forgetAbandoned(): void {
    this.abandoned.clear();
    this.stopSweeperIfIdle();
  }

  private settle(id: number, p: Pending, f: () => void): void {
    if (!this.pending.delete(id)) return;
    if (p.onAbort) p.signal?.removeEventListener("abort", p.onAbort);
    this.stopSweeperIfIdle();
    f();
  }

  /**
   * The caller gives up on a call (abort, timeout, lost NATS, closing): it fails with `f` here,
   * and the instance that took it is told to abort it — at once if it acknowledged the call,
   * else when its acknowledgement arrives (see AbandonedCalls.onLateReply). A publish while NATS
   * is down is buffered by the client and sent on reconnection.
   */
  private giveUp(id: number, p: Pending, f: ServiceFailure): void {
    if (!this.pending.has(id)) return;
    this.settle(id, p, () => p.reject(f));
    if (p.handler) this.abandoned.sendCancel(p.handler, id, f.error);
    else if (p.ackDeadline !== 0) {
      this.abandoned.remember(id, p.ackDeadline, f.error);
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
    }
  }

  private stopSweeperIfIdle(): void {
    if (this.pending.size === 0 && this.abandoned.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (now >= p.deadline) this.giveUp(id, p, frameworkFailure(CALL_TIMED_OUT, "call timed out"));
      else if (p.ackDeadline !== 0 && now >= p.ackDeadline) {
        this.settle(id, p, () => p.reject(frameworkFailure(SERVICE_UNAVAILABLE, "no instance of the service took the call")));
        // An acknowledgement arriving late still gets its cancel (nobody waits for that call).
        this.abandoned.remember(id, now + EXCHANGE_ACK_TIMEOUT_MS, SERVICE_UNAVAILABLE);
      }
    }
    this.abandoned.expire(now);
    this.stopSweeperIfIdle();
  }
}
