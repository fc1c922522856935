/**
 * Incoming calls of an Exchange: the calls other processes make to the services hosted here
 * (`<prefix>.call.<service>` in the queue group `<prefix>`; see the protocol in exchange.ts).
 * A call answered at once gets its reply; a delayed one is first acknowledged, and can be
 * cancelled until answered (call-cancel.ts). No call that reaches this process goes unanswered:
 * a subscription that ends is drained (the calls already on their way still come), and a call
 * that comes while closing is refused with SERVICE_UNAVAILABLE — it did not run, so its caller
 * may safely send it again.
 */
import type { Msg, Subscription } from "@nats-io/transport-node";
import type { CancellableCalls, Serving } from "./call-cancel.ts";
import type { CallerFields } from "./caller-fields.ts";
import { decoder, encoder, type ExchangeLink } from "./exchange-link.ts";
import { EXCHANGE_FOREIGN_CALL_TIMEOUT_MS, EXCHANGE_MAX_CALL_TIMEOUT_MS } from "./limits.ts";
import type { Membership } from "./membership.ts";
import { isThenable, LOCAL_ONLY, type ServiceRegistry } from "./registry.ts";
import { INTERNAL_ERROR, SERVICE_UNAVAILABLE, ServiceFailure, frameworkFailure } from "./service-failure.ts";
import { fromTagged, stringifyValue } from "./values.ts";

/**
 * One call subscription per service name hosted here (none once closing), and the delayed calls
 * not yet answered (close() waits for them). Bad calls get a failure reply, never a throw inside
 * the client's message reader.
 */
export class IncomingCalls {
  private readonly callSubs = new Map<string, Subscription>();
  private readonly inFlight = new Set<Promise<unknown>>();

  /**
   * @param membership told of every Exchange that calls here with a delayed reply, so that its death is noticed.
   * @param cancellable where the delayed calls are kept while they can be cancelled.
   * @param callerFields reads who called from a call's headers.
   */
  constructor(
    private readonly link: ExchangeLink,
    private readonly registry: ServiceRegistry,
    private readonly membership: Membership,
    private readonly cancellable: CancellableCalls,
    private readonly callerFields: CallerFields,
  ) {}

  /** Subscribes to the calls of service `name` if it is hosted here (and not closing), unsubscribes if no longer. */
  syncSubscription(name: string): void {
    const hosted = (this.registry.lookup(name)?.local ?? 0) > 0;
    const sub = this.callSubs.get(name);
    if (hosted && !sub && this.link.nc && !this.link.closing) {
      this.callSubs.set(
        name,
        this.link.nc.subscribe(`${this.link.prefix}.call.${name}`, {
          queue: this.link.prefix,
          callback: (err, msg) => {
            if (!err) this.onCall(name, msg);
          },
        }),
      );
    } else if (!hosted && sub) {
      endSubscription(sub); // the calls still on their way get NO_SUCH_SERVICE, not silence
      this.callSubs.delete(name);
    }
  }

  /** Takes no more calls (closing): every call subscription ends; the calls still on their way are refused. */
  unsubscribeAll(): void {
    for (const sub of this.callSubs.values()) endSubscription(sub);
    this.callSubs.clear();
  }

  /** Settles once every delayed call taken so far is answered (each is bounded by its timeout). */
  allAnswered(): Promise<unknown> {
    return Promise.allSettled([...this.inFlight]);
  }

  private onCall(name: string, msg: Msg): void {
    const reply = msg.reply;
    if (!reply || !this.link.nc) return;
    const nc = this.link.nc;
    if (this.link.closing) return void nc.publish(reply, failureBody(frameworkFailure(SERVICE_UNAVAILABLE, REFUSED_CLOSING)));
    let req: { m?: unknown; p?: unknown; t?: unknown };
    try {
      req = JSON.parse(decoder.decode(msg.data));
    } catch {
      return void nc.publish(reply, failureBody(frameworkFailure(INTERNAL_ERROR, "unreadable call")));
    }
    const method = typeof req.m === "string" ? req.m : "";
    let params: unknown[];
    try {
      params = Array.isArray(req.p) ? (fromTagged(req.p) as unknown[]) : [];
    } catch (e) {
      // Too deeply nested: a failure reply, never a throw inside the client's message reader.
      return void nc.publish(reply, failureBody(e as ServiceFailure));
    }
    // The caller's bound, capped: it decides how long this process holds the call's state.
    const timeoutMs =
      typeof req.t === "number" && req.t > 0 ? Math.min(req.t, EXCHANGE_MAX_CALL_TIMEOUT_MS) : EXCHANGE_FOREIGN_CALL_TIMEOUT_MS;
    // Asked for by the registry only when the reply is delayed: then the call can be cancelled.
    let serving: Serving | null = null;
    const signal = () => {
      serving = this.cancellable.open(reply, this.callerOf(reply));
      if (serving.caller) this.membership.noteAlive(serving.caller);
      return serving.controller.signal;
    };
    // Read from the headers only when a method asks (its CallContext): most calls never do.
    const caller = () => this.callerFields.callerOf(msg);
    let result: unknown;
    try {
      result = this.registry.callFast(name, method, params, timeoutMs, signal, caller, LOCAL_ONLY);
    } catch (e) {
      return void nc.publish(reply, failureBody(e as ServiceFailure));
    }
    if (!isThenable(result)) return void nc.publish(reply, valueBody(result)); // hot path: no acknowledgement
    nc.publish(reply, this.acknowledgement());
    const served = serving as Serving | null;
    const done = (body: () => Uint8Array) => {
      if (served) this.cancellable.close(reply, served);
      if (served?.controller.signal.aborted) return; // a cancelled call's caller wants nothing
      try {
        this.link.nc?.publish(reply, body());
      } catch {
        // The connection closed meanwhile: the caller fails the call itself. (A throw here would
        // reject the promise below, and its finally() would leave an unhandled rejection.)
      }
    };
    const p = (result as Promise<unknown>).then(
      (v) => done(() => valueBody(v)),
      (e: ServiceFailure) => done(() => failureBody(e)),
    );
    this.inFlight.add(p);
    p.finally(() => this.inFlight.delete(p));
  }

  /**
   * After a reconnection: acknowledges again every delayed call still being served, with the new
   * connection count, so that its caller knows that the answer is still to come (the caller
   * takes an acknowledged call whose instance reconnected without re-acknowledging it as
   * answered across the break: that answer may have been lost).
   */
  reacknowledge(): void {
    const nc = this.link.nc;
    if (!nc) return;
    const ack = this.acknowledgement();
    for (const reply of this.cancellable.replySubjects()) nc.publish(reply, ack);
  }

  /** `{a: process id, c: connection count}`: the call is taken and its answer will come. */
  private acknowledgement(): Uint8Array {
    return encoder.encode(`{"a":"${this.link.pid}","c":${this.link.connections}}`);
  }

  /** The caller's process id, read from its reply subject (`<prefix>.reply.<process>.<id>`); "" if not an Exchange's. */
  private callerOf(reply: string): string {
    const head = `${this.link.prefix}.reply.`;
    if (!reply.startsWith(head)) return "";
    const dot = reply.indexOf(".", head.length);
    return dot < 0 ? "" : reply.slice(head.length, dot);
  }
}

/** Description of the refusal a closing process answers calls with (they did not run). */
const REFUSED_CLOSING = "the instance is closing; the call did not run";

/**
 * Ends a call subscription by draining it: NATS stops sending at once, and the calls it sent
 * before it knew are still delivered to the callback (an unsubscribe would drop them unanswered,
 * and their callers could not tell whether they ran). A drain that fails (the connection closed)
 * has nothing left to deliver.
 */
function endSubscription(sub: Subscription): void {
  sub.drain().catch(() => {});
}

/** The answer `{r: value}` (undefined is sent as null); a value that cannot be sent becomes an INTERNAL_ERROR failure. */
function valueBody(v: unknown): Uint8Array {
  try {
    return encoder.encode(`{"r":${stringifyValue(v === undefined ? null : v)}}`);
  } catch {
    return failureBody(frameworkFailure(INTERNAL_ERROR, "the result cannot be sent"));
  }
}

/** The failure `{f: fields}`; anything thrown that is not a ServiceFailure is sent as a generic INTERNAL_ERROR. */
function failureBody(f: ServiceFailure): Uint8Array {
  const failure = f instanceof ServiceFailure ? f : frameworkFailure(INTERNAL_ERROR, "internal error");
  return encoder.encode(JSON.stringify({ f: failure.fields() }));
}
