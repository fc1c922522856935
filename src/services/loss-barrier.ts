/**
 * Which unacknowledged calls were lost with an instance's broken connection (issue 21, review
 * finding 4). A synchronous call is never acknowledged, so its caller cannot know which instance
 * of the queue group took it; when one instance announces a reconnection (its node died), a call
 * to its service that is still unanswered may be with it — lost — or with a live instance that
 * will answer. No clock tells the two apart; an ordering does.
 *
 * NATS delivers the messages of one connection to one subscriber in the order they were
 * published, across the routes of a cluster too, and the client dispatches them in that order.
 * An instance answers a synchronous call, or acknowledges a delayed one, inside the dispatch of
 * the call. So the caller publishes a barrier to every instance of the service, after the calls
 * in question (`<prefix>.barrier.<process>`); each instance replies within its dispatch; and the
 * reply reaches the caller after the answers and acknowledgements of every call that instance
 * took before it. Once every instance has replied, a call of the set still unanswered and
 * unacknowledged went to none of them on their current connections: it was lost with the break
 * (on its way to the old connection, or its answer on the way back), and only those fail.
 *
 * An instance that cannot reply (NATS's "no responders": a process of an older version, or one
 * gone meanwhile) vouches for nothing: the calls still unanswered fail then, as before this
 * barrier existed, at the moment its refusal arrives. One that leaves the bus before replying
 * (its node dies too) is forgotten by the membership, which fails the calls that may be with it.
 */
import type { Msg } from "@nats-io/transport-node";
import { decoder, type ExchangeLink, encoder } from "./exchange-link.ts";

/** The token that begins a barrier's reply subject after the reply prefix (call ids are numbers). */
export const BARRIER_TOKEN = "b";
/** The status NATS sends, with no body, to the reply subject of a message nobody subscribes to. */
const NO_RESPONDERS_STATUS = 503;

/** One barrier: the instances still to reply, and what to do once all have (or one cannot). */
interface Barrier {
  waiting: Set<string>;
  done: () => void;
}

/** The caller's barriers in progress, and the instance's reply (see the file comment). */
export class LossBarriers {
  private next = 0;
  /** Barriers by the number in their reply subjects. */
  private readonly open = new Map<number, Barrier>();

  constructor(private readonly link: ExchangeLink) {}

  /** The subject an instance `pid` reads barriers on. */
  subjectOf(pid: string): string {
    return `${this.link.prefix}.barrier.${pid}`;
  }

  /**
   * Publishes a barrier to each of `instances` (process ids) and calls `done` once every one has
   * replied, or at once when one cannot (see the file comment) or when there is nobody to ask.
   * Call it after the calls it is to order: it is published behind them.
   */
  start(instances: readonly string[], done: () => void): void {
    const nc = this.link.nc;
    if (!nc || !this.link.connected || instances.length === 0) return done();
    const id = ++this.next;
    this.open.set(id, { waiting: new Set(instances), done });
    for (const pid of instances) {
      nc.publish(this.subjectOf(pid), encoder.encode(pid), { reply: `${this.link.replyPrefix}.${BARRIER_TOKEN}${id}` });
    }
  }

  /**
   * A message on this process's reply subjects whose last token is `token`: true when it was a
   * barrier's reply (consumed here). The reply names its instance in its body; NATS's "no
   * responders" status names none, and ends the barrier at once.
   */
  onReply(token: string, msg: Msg): boolean {
    if (!token.startsWith(BARRIER_TOKEN)) return false;
    const id = Number(token.slice(BARRIER_TOKEN.length));
    const b = this.open.get(id);
    if (!b) return true;
    if (msg.data.length === 0 && msg.headers?.code === NO_RESPONDERS_STATUS) b.waiting.clear();
    else b.waiting.delete(decoder.decode(msg.data));
    this.finishIfDone(id, b);
    return true;
  }

  /** Process `pid` left the bus: no barrier waits for it any longer. */
  instanceGone(pid: string): void {
    for (const [id, b] of this.open) if (b.waiting.delete(pid)) this.finishIfDone(id, b);
  }

  /** Ends every barrier now (this process lost NATS or closes: its calls are failed anyway). */
  endAll(): void {
    for (const [id, b] of this.open) {
      b.waiting.clear();
      this.finishIfDone(id, b);
    }
  }

  /** The instance's side: a barrier arrived (after every call published before it): reply now, with this process's id. */
  answer(msg: Msg): void {
    if (msg.reply) this.link.nc?.publish(msg.reply, encoder.encode(this.link.pid));
  }

  private finishIfDone(id: number, b: Barrier): void {
    if (b.waiting.size > 0) return;
    this.open.delete(id);
    b.done();
  }
}
