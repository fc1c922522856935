/**
 * Outgoing calls of an Exchange: the calls this process makes to services hosted elsewhere
 * (`<prefix>.call.<service>`, replies on `<prefix>.reply.<process>.<call id>`; see the protocol
 * in exchange.ts). Each waits for its answer within the call's timeout; a call given up on is
 * cancelled through call-cancel.ts.
 *
 * How a call fails says whether it may have run (issue 19): SERVICE_UNAVAILABLE only when it
 * provably did not (it never left, NATS answered "no responders", the instance refused it);
 * CALL_OUTCOME_UNKNOWN or INSTANCE_LOST when it may have. No clock alone decides that a call
 * was lost: a call waiting in a live instance's queue, or an answer waiting in this process's,
 * looks the same to a clock as a lost one. An unacknowledged call fails when a process hosting
 * its service is gone (membership.ts judges that after reading what has arrived).
 */
import type { Msg } from "@nats-io/transport-node";
import { AbandonedCalls } from "./call-cancel.ts";
import type { Caller } from "./caller.ts";
import type { CallerFields } from "./caller-fields.ts";
import { decoder, encoder, type ExchangeLink } from "./exchange-link.ts";
import { LossBarriers } from "./loss-barrier.ts";
import type { Membership } from "./membership.ts";
import { abortFailureOf } from "./registry.ts";
import {
  CALL_OUTCOME_UNKNOWN,
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
  /** The call's timeout: when it fails with CALL_TIMED_OUT (ms since the epoch). */
  deadline: number;
  /** The service called: an unacknowledged call fails when a process hosting it is gone. */
  service: string;
  /** Process that acknowledged the call ("" until then). */
  handler: string;
  /** The handler's connection count in its latest acknowledgement (0 if it sent none). */
  ackedOn: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
}

/** The status NATS sends, with no body, to the reply subject of a message nobody subscribes to. */
const NO_RESPONDERS_STATUS = 503;
/** Description of CALL_OUTCOME_UNKNOWN for an unacknowledged call whose possible instance is gone. */
const LOST_UNACKNOWLEDGED = "no instance had acknowledged the call when one that may have taken it went away";

/** Description of CALL_OUTCOME_UNKNOWN for a call that may have been lost with an instance's connection. */
const LOST_ACROSS_BREAK = "the instance that may have taken the call lost its connection to NATS meanwhile (its node may have died)";

/** How often pending calls are checked against their timeouts (ms). */
const SWEEP_MS = 50;

/**
 * The calls this process is waiting on, by call id (a counter, unique per Exchange). A sweeper
 * checks their timeouts every SWEEP_MS, and runs only while a call is pending or abandoned.
 * Every call settles exactly once: answered, failed, timed out, aborted, or given up on.
 */
export class OutgoingCalls {
  private readonly pending = new Map<number, Pending>();
  /** Calls given up before their acknowledgement (the caller's end of the cancel protocol). */
  private readonly abandoned: AbandonedCalls;
  /** Which unacknowledged calls an instance's reconnection lost (loss-barrier.ts); its `answer` is the instance's side. */
  readonly barriers: LossBarriers;
  private nextId = 0;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  /**
   * @param membership told of every process that acknowledges a call, so that its death is noticed.
   * @param callerFields makes the headers that tell the instance who called.
   */
  constructor(
    private readonly link: ExchangeLink,
    private readonly membership: Membership,
    private readonly callerFields: CallerFields,
  ) {
    this.abandoned = new AbandonedCalls(link);
    this.barriers = new LossBarriers(link);
  }

  /**
   * Calls `method` of an instance of `name` elsewhere, within `timeoutMs`, on behalf of `caller`
   * (its fields go in the call's headers; none for a local caller); `signal` aborts it.
   * Fails at once with SERVICE_UNAVAILABLE when not connected (or closing), INTERNAL_ERROR when
   * the parameters cannot be sent: in both cases nothing was published.
   */
  call(
    name: string,
    method: string,
    params: unknown[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
    caller: Caller,
  ): Promise<unknown> {
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
    return new Promise((resolve, reject) => {
      const p: Pending = {
        resolve,
        reject,
        deadline: Date.now() + timeoutMs,
        service: name,
        handler: "",
        ackedOn: 0,
        signal,
        onAbort: null,
      };
      if (signal) {
        p.onAbort = () => this.giveUp(id, p, abortFailureOf(signal));
        signal.addEventListener("abort", p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
      const headers = this.callerFields.headersOf(caller);
      nc.publish(`${this.link.prefix}.call.${name}`, data, { reply: `${this.link.replyPrefix}.${id}`, headers });
    });
  }

  /**
   * A message on this process's reply subjects: an acknowledgement, an answer, NATS's "no
   * responders" status (nobody subscribes to the call's subject: it went nowhere), or junk (the
   * call fails).
   */
  onReply(msg: Msg): void {
    const token = msg.subject.slice(this.link.replyPrefix.length + 1);
    if (this.barriers.onReply(token, msg)) return;
    const id = Number(token);
    const p = this.pending.get(id);
    if (!p) {
      // settled already (timeout, abort, lost): an acknowledgement of an abandoned call gets its cancel
      if (this.abandoned.onLateReply(id, msg)) this.stopSweeperIfIdle();
      return;
    }
    // NATS's "no responders" status (503, no body; the client asks for it on connecting): the
    // server had no subscriber for the call's subject, so the call was delivered nowhere.
    if (msg.data.length === 0 && msg.headers?.code === NO_RESPONDERS_STATUS) {
      return this.settle(id, p, () => p.reject(frameworkFailure(SERVICE_UNAVAILABLE, "no instance of the service is on the bus")));
    }
    let body: { a?: unknown; c?: unknown; r?: unknown; f?: FailureFields };
    try {
      body = JSON.parse(decoder.decode(msg.data));
    } catch {
      return this.settle(id, p, () => p.reject(frameworkFailure(INTERNAL_ERROR, "unreadable reply")));
    }
    if (typeof body.a === "string") {
      p.handler = body.a;
      p.ackedOn = typeof body.c === "number" ? body.c : 0;
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

  /**
   * Process `pid`, which hosted `services`, is gone: the calls it acknowledged fail with
   * INSTANCE_LOST (no cancel: nobody to tell), and the calls to those services nobody has
   * acknowledged yet with CALL_OUTCOME_UNKNOWN — `pid` may have taken them (NATS gave each to one
   * instance of the queue group, unknown to the caller until its acknowledgement), and a
   * survivor still answers those it holds, but that answer then finds the call settled.
   */
  failCallsTakenBy(pid: string, services: readonly string[]): void {
    this.barriers.instanceGone(pid);
    for (const [id, p] of this.pending) {
      if (p.handler === pid)
        this.settle(id, p, () => p.reject(frameworkFailure(INSTANCE_LOST, "the instance handling the call went away")));
      else if (p.handler === "" && services.includes(p.service))
        this.giveUp(id, p, frameworkFailure(CALL_OUTCOME_UNKNOWN, LOST_UNACKNOWLEDGED));
    }
  }

  /**
   * NATS refused this connection permission to publish on `subject` (its `-ERR 'Permissions
   * Violation for Publish to "…"'`; the connection stays up). A refused call subject fails the
   * unacknowledged calls to that service with SERVICE_UNAVAILABLE: the server dropped them, so
   * they did not run, and no answer will ever come (before, they waited for their timeout).
   * Permissions are per subject and user, so every such call on this connection was refused; an
   * acknowledged call went through (permissions changed since) and is left alone.
   */
  failRefused(subject: string): void {
    const head = `${this.link.prefix}.call.`;
    if (!subject.startsWith(head)) return;
    const service = subject.slice(head.length);
    const f = frameworkFailure(SERVICE_UNAVAILABLE, `NATS refused this process permission to publish on ${subject}; the call did not run`);
    for (const [id, p] of this.pending) if (p.handler === "" && p.service === service) this.settle(id, p, () => p.reject(f));
  }

  /**
   * Process `pid`, which hosts `services`, lost its connection to NATS and is back, now on its
   * `connections`-th (its node may have died): what was on its way to or from it across the
   * break may be lost, and no clock would tell (it stays alive, so it is never taken for dead).
   * The calls it acknowledged on an earlier connection and has not acknowledged again since
   * (it re-acknowledges those it still serves before announcing) were answered before the break,
   * their answer possibly lost: they fail with CALL_OUTCOME_UNKNOWN at once. The calls to those
   * services nobody has acknowledged may be with it — lost — or with another instance, which
   * will answer: a barrier to `instances` (every process hosting them, `pid` included) tells
   * which (loss-barrier.ts), and only those no instance answered or acknowledged before its
   * barrier reply fail, with CALL_OUTCOME_UNKNOWN.
   */
  failCallsLostBy(pid: string, services: readonly string[], connections: number, instances: readonly string[]): void {
    const unacknowledged: number[] = [];
    for (const [id, p] of this.pending) {
      if (p.handler === pid && p.ackedOn < connections) this.giveUp(id, p, frameworkFailure(CALL_OUTCOME_UNKNOWN, LOST_ACROSS_BREAK));
      else if (p.handler === "" && services.includes(p.service)) unacknowledged.push(id);
    }
    if (unacknowledged.length === 0) return;
    this.barriers.start(instances, () => {
      for (const id of unacknowledged) {
        const p = this.pending.get(id);
        if (p?.handler === "") this.giveUp(id, p, frameworkFailure(CALL_OUTCOME_UNKNOWN, LOST_ACROSS_BREAK));
      }
    });
  }

  /** Gives up on every pending call with `f` (lost NATS, closing); each is cancelled as giveUp says. */
  failAll(f: ServiceFailure): void {
    for (const [id, p] of this.pending) this.giveUp(id, p, f);
    this.barriers.endAll(); // nothing is left for them to decide
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
    else {
      // until the call's own timeout, which the instance holding it applies too
      this.abandoned.remember(id, p.deadline, f.error);
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
    }
    this.abandoned.expire(now);
    this.stopSweeperIfIdle();
  }
}
