/**
 * Exchange: services across processes and machines over NATS (SPEC §8.2). The engine is a NATS
 * server and the official client (`@nats-io/transport-node`); netsvc adds only a few subjects.
 * This is the one description of that protocol; the modules named in brackets implement it.
 *
 * - `<prefix>.call.<service>` — calls, subscribed by every process hosting the service in the
 *   queue group `<prefix>`, so the instances of one name share the calls. A call carries
 *   `{m: method, p: params, t: timeoutMs}` (values tagged as values.ts says) and a reply subject
 *   `<prefix>.reply.<process>.<call id>`; its headers `Netsvc-Caller-Address` and
 *   `Netsvc-Caller-User` say who the caller calls for, when it knows (caller-fields.ts; none from a
 *   local caller or an old peer). A call NATS refuses to publish (the user's permissions) fails
 *   at once with SERVICE_UNAVAILABLE: it went nowhere.
 * - The instance answers `{r: value}` or `{f: failure fields}` on the reply subject. A delayed
 *   reply (a method returning a Promise) is first acknowledged with `{a: process}`: when that
 *   process disappears, its unanswered calls fail at once with INSTANCE_LOST instead of waiting
 *   for their timeout. A call nobody has acknowledged yet fails with CALL_OUTCOME_UNKNOWN when a
 *   process hosting its service disappears (it may have taken the call). A call NATS had no
 *   subscriber for gets the server's "no responders" status and fails with SERVICE_UNAVAILABLE,
 *   as does one a closing instance refuses (`{f}` with that code): those provably did not run.
 *   No clock alone fails a call short of its timeout: a call waiting in a busy instance's queue,
 *   or an answer waiting in this process's, is not a lost one. (outgoing-calls.ts: the caller's
 *   side of these; incoming-calls.ts: the instance's.)
 * - A node of a cluster dies: the processes on it reconnect to another node, alive, so nobody
 *   takes them for dead, but what was crossing that node (calls to them, their answers and
 *   acknowledgements) is lost. Each process counts its connections (`c`, in its acknowledgements
 *   `{a, c}` and announcements): on reconnecting it first acknowledges again every delayed call it
 *   still serves, then announces. A caller that reads a higher count fails with
 *   CALL_OUTCOME_UNKNOWN the calls that process acknowledged on an earlier connection and not
 *   again (answered before the break: the answer may be lost), and, of the unacknowledged calls
 *   to the services it hosts, those no instance has once each has replied to a barrier
 *   (`<prefix>.barrier.<process>`, published behind them: NATS keeps one connection's messages
 *   in order, so the reply comes behind the answers; loss-barrier.ts) — instead of at their
 *   timeout, and without failing the calls the other instances hold.
 * - `<prefix>.members` — every process publishes `{pid, c, services: [{name, groups}]}` at once when
 *   its services change and every EXCHANGE_HEARTBEAT_MS; a process not heard of for
 *   EXCHANGE_DEAD_AFTER_MS is dead (its services are withdrawn); `{pid, bye: true}` on close.
 *   `<prefix>.members.query` asks everyone to publish now (sent on every (re)connection).
 *   A closing process first announces an empty list (no new calls come) and keeps its heartbeat
 *   until the calls it took are answered; only then "bye". Silence is judged after a round trip
 *   to the server, so that the announcements already delivered are read first. (membership.ts)
 * - `<prefix>.cancel.<process>` — the caller gave up on a call that process acknowledged (its
 *   signal aborted, its timeout passed, it lost NATS or closed): `{c: reply subject, e: code}`
 *   (e: CALL_ABORTED or CALL_TIMED_OUT). The instance aborts the method's CallContext signal with
 *   that failure and sends no reply. A call given up before its acknowledgement arrived is
 *   remembered until the acknowledgement (then the cancel goes to the process that sent it) or
 *   until the call's own timeout, which the instance applies too. Calls answered at once are
 *   never cancelled.
 *   A caller that dies sends nothing: the instance aborts the calls it serves for a process when
 *   it forgets that process (its "bye", or EXCHANGE_DEAD_AFTER_MS of silence, checked every
 *   EXCHANGE_HEARTBEAT_MS), the caller being named by its reply subject. (call-cancel.ts, both
 *   ends.)
 * - `<prefix>.report.<subject>` — reports (SPEC §12): the value's JSON (values.ts), headers
 *   `Netsvc-Origin: <process>` and the caller fields above (who published). Every process
 *   subscribes to `<prefix>.report.<pattern>` once per distinct pattern its registry has, without
 *   a queue group, and ignores its own reports (delivered locally when published). A report over
 *   REPORT_MAX_BYTES or unreadable is dropped and counted. A report published while NATS is down
 *   reaches local subscribers only: it is counted, not held. (exchange-reports.ts, reports.ts)
 * - `$SRV.PING|INFO|STATS[.<name>[.<id>]]` — the NATS micro-service protocol, for discovery by the
 *   standard tooling: each local service is also a micro service (discovery.ts; option
 *   `discovery`). It is beside the call path above, not on it.
 *
 * NATS down: local services keep working; remote calls in flight fail at once with
 * CALL_OUTCOME_UNKNOWN (they may have reached their instance; the gateway answers 502), new ones
 * with SERVICE_UNAVAILABLE (never sent; the gateway answers 503); what is known of remote
 * services is kept, not aged, until the client — which retries by itself, forever — is back.
 *
 * This file holds the Exchange itself: the connection (connect, the client's status: lost and
 * back), the subscriptions wired to the modules above, discovery, and closing. exchange-link.ts
 * is the connection state they share.
 */
import { connect, type NatsConnection, PermissionViolationError, TimeoutError } from "@nats-io/transport-node";
import { CancellableCalls } from "./call-cancel.ts";
import { CallerFields } from "./caller-fields.ts";
import { MicroDiscovery } from "./discovery.ts";
import { isRefusal, type NatsConnectPlan, type NatsCredentials, planConnection } from "./nats-credentials.ts";
import type { ExchangeLink } from "./exchange-link.ts";
import { IncomingCalls } from "./incoming-calls.ts";
import { clientCertificateRefusal, type TlsRefusal } from "./nats-tls-refusal.ts";
import { EXCHANGE_CONNECT_TIMEOUT_MS, EXCHANGE_HEARTBEAT_MS, EXCHANGE_RECONNECT_WAIT_MS } from "./limits.ts";
import { ExchangeReports } from "./exchange-reports.ts";
import { Membership } from "./membership.ts";
import { OutgoingCalls } from "./outgoing-calls.ts";
import { services, type RemoteTransport, type ServiceRegistry } from "./registry.ts";
import { CALL_OUTCOME_UNKNOWN, frameworkFailure } from "./service-failure.ts";

/**
 * Options of an Exchange. The credentials (user/pass, token, creds, nkey, tls) are described in
 * nats-credentials.ts; a server that refuses them makes connect() reject, never retry.
 */
export interface ExchangeOptions extends NatsCredentials {
  /**
   * NATS server URL(s), e.g. "nats://127.0.0.1:4222"; several: nodes of one cluster, any of which
   * will do. A URL may carry credentials (`nats://user:pass@host`, `nats://token@host`). Required.
   */
  servers: string | string[];
  /** Registry whose services are shared. Default the shared `services`. */
  registry?: ServiceRegistry;
  /** First token of every subject, to keep applications apart on one bus. Default "netsvc". */
  prefix?: string;
  /**
   * connect(): keep trying while NATS is unreachable (default true), as the client does after a
   * connection was lost; false: reject on the first failure.
   */
  retry?: boolean;
  /** Connection news (unreachable, connected, lost, back), one line each. Default console.error. */
  log?: (message: string) => void;
  /**
   * Also make this process's services NATS micro services (`$SRV.PING/INFO/STATS`, see
   * discovery.ts), so the standard NATS tooling lists them. Default true.
   */
  discovery?: boolean;
}

/** A snapshot of an Exchange's counters (Exchange.stats()). */
export interface ExchangeStats {
  /**
   * Caller fields dropped (caller-fields.ts): an address or user over its bound (CALLER_ADDRESS_MAX,
   * CALLER_USER_MAX) or with a control character, sent or received, a repeated one, or call
   * headers that could not be read. The call itself goes on without the field.
   */
  callerFieldsDropped: number;
  /** Reports this process put on the bus (SPEC §12). */
  reportsSent: number;
  /** Reports from other processes delivered to this process's subscribers (once per matching pattern). */
  reportsReceived: number;
  /** Reports published here while NATS was down: delivered in this process only, not held for later. */
  reportsUnsent: number;
}

/** Something that announces an orderly shutdown (the Dispatcher). */
export interface ShutdownSource {
  subscribeShutdown(callback: (phase: "pending" | "arrived") => void): void;
}

/** Set by Exchange's static block: reads an exchange's link (see exchangeLink). */
let linkOf: (exchange: Exchange) => ExchangeLink;

/** Connects a registry to a NATS bus. */
export class Exchange implements RemoteTransport {
  /** This process's id on the bus (unique per Exchange). */
  readonly pid = crypto.randomUUID().replaceAll("-", "");
  /** See ExchangeOptions. */
  readonly registry: ServiceRegistry;
  /** The client's options and how the servers are named in messages (never with credentials). */
  private readonly plan: NatsConnectPlan;
  private readonly retry: boolean;
  private readonly log: (message: string) => void;
  private readonly wantDiscovery: boolean;
  private discovery: MicroDiscovery | null = null;
  private discoveryQueued = false;
  /** The connection state the parts below share (only this class writes it). */
  private readonly link: ExchangeLink;
  /** Who is on the bus and what they host (membership.ts). */
  private readonly membership: Membership;
  /** The calls made from here (outgoing-calls.ts). */
  private readonly outgoing: OutgoingCalls;
  /** The delayed calls served here, while they can be cancelled (call-cancel.ts). */
  private readonly cancellable = new CancellableCalls();
  /** Who called, in the calls' headers both ways (caller-fields.ts). */
  private readonly callerFields = new CallerFields();
  /** The calls served here (incoming-calls.ts). */
  private readonly incoming: IncomingCalls;
  /** The registry's reports on the bus (exchange-reports.ts). */
  private readonly reports: ExchangeReports;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly cancelSubject: string;

  constructor(options: ExchangeOptions) {
    this.registry = options.registry ?? services;
    const prefix = options.prefix ?? "netsvc";
    this.plan = planConnection(Array.isArray(options.servers) ? options.servers : [options.servers], options);
    this.retry = options.retry ?? true;
    this.log = options.log ?? ((m) => console.error(`netsvc: ${m}`));
    this.wantDiscovery = options.discovery ?? true;
    this.link = {
      pid: this.pid,
      prefix,
      replyPrefix: `${prefix}.reply.${this.pid}`,
      nc: null,
      connections: 0,
      connected: false,
      closing: false,
    };
    this.cancelSubject = `${prefix}.cancel.${this.pid}`;
    this.membership = new Membership(this.link, this.registry, {
      onGone: (pid, names) => this.onGone(pid, names),
      onReconnected: (pid, names, connections) => this.outgoing.failCallsLostBy(pid, names, connections, this.membership.hostsOf(names)),
    });
    this.outgoing = new OutgoingCalls(this.link, this.membership, this.callerFields);
    this.incoming = new IncomingCalls(this.link, this.registry, this.membership, this.cancellable, this.callerFields);
    this.reports = new ExchangeReports(this.link, this.registry.reports, this.callerFields);
  }

  /** Its counters since it was created. */
  stats(): ExchangeStats {
    return {
      callerFieldsDropped: this.callerFields.dropped,
      reportsSent: this.reports.sent,
      reportsReceived: this.reports.received,
      reportsUnsent: this.reports.unsent,
    };
  }

  /** True while connected to NATS. */
  isConnected(): boolean {
    return this.link.connected;
  }

  /**
   * Connects; resolves once connected and this process's services are announced. While NATS is
   * unreachable it logs one clear line and keeps trying (unless `retry: false`: it rejects). A
   * server that refuses the credentials rejects it at once, whatever `retry` says: trying again
   * with the same credentials cannot succeed, and would only flood the server's log. When close()
   * comes first (a shutdown while NATS was unreachable) it resolves unconnected: check
   * isConnected() before starting work that needs the bus.
   */
  connect(): Promise<void> {
    // A second call while connecting or connected shares the first (never a second connection).
    if (this.connecting === null) {
      const attempt = this.connectOnce();
      this.connecting = attempt;
      attempt.catch(() => {
        if (this.connecting === attempt) this.connecting = null; // a failed attempt (retry: false) may be tried again
      });
    }
    return this.connecting;
  }

  private connecting: Promise<void> | null = null;

  private async connectOnce(): Promise<void> {
    let reported = false;
    while (!this.link.closing) {
      try {
        this.link.nc = await connect({
          ...this.plan.options,
          timeout: EXCHANGE_CONNECT_TIMEOUT_MS,
          maxReconnectAttempts: -1,
          reconnectTimeWait: EXCHANGE_RECONNECT_WAIT_MS,
          name: `netsvc ${this.pid}`,
        });
        break;
      } catch (e) {
        const at = this.plan.shown;
        if (isRefusal(e)) throw new Error(`NATS at ${at} refused the credentials (${this.plan.kind}): ${messageOf(e)}`);
        // A refused client certificate shows only as a timeout here: asked directly (nats-tls-refusal.ts).
        // Only then: a refused connection (NATS down) is not one, and its retry is not delayed.
        const refused = e instanceof TimeoutError ? await this.certificateRefusal() : null;
        if (refused) throw new Error(`NATS at ${refused.server} refused the client certificate (TLS alert: ${refused.alert})`);
        if (!this.retry) throw new Error(`NATS at ${at} is unreachable: ${messageOf(e)}`);
        if (!reported) this.log(`NATS at ${at} is unreachable (${messageOf(e)}); retrying every ${EXCHANGE_RECONNECT_WAIT_MS} ms`);
        reported = true;
        await new Promise((r) => setTimeout(r, EXCHANGE_RECONNECT_WAIT_MS));
      }
    }
    const nc = this.link.nc;
    if (!nc) return;
    if (this.link.closing) {
      // close() ran while this connection was on its way and found none to close: closed here,
      // or it would hold the process open (isConnected() stays false).
      if (!nc.isClosed()) await nc.close().catch(() => {});
      return;
    }
    if (reported) this.log(`connected to NATS at ${nc.getServer()}`);
    this.link.connections = 1;
    this.link.connected = true;
    this.watchStatus(nc);
    void this.watchClosed(nc);
    nc.subscribe(`${this.link.replyPrefix}.*`, {
      callback: (err, msg) => {
        if (!err) this.outgoing.onReply(msg);
      },
    });
    nc.subscribe(this.cancelSubject, {
      callback: (err, msg) => {
        if (!err) this.cancellable.onCancel(msg);
      },
    });
    nc.subscribe(this.outgoing.barriers.subjectOf(this.pid), {
      callback: (err, msg) => {
        if (!err) this.outgoing.barriers.answer(msg);
      },
    });
    nc.subscribe(`${this.link.prefix}.members`, {
      callback: (err, msg) => {
        if (!err) this.membership.onAnnouncement(msg);
      },
    });
    nc.subscribe(`${this.link.prefix}.members.query`, {
      callback: (err) => {
        if (!err) this.membership.announce();
      },
    });
    this.registry.setTransport(this);
    this.reports.start();
    if (this.wantDiscovery) this.discovery = new MicroDiscovery(nc, this.registry, this.link.prefix, this.log);
    this.unsubscribe = this.registry.subscribe((e) => {
      if (!e.local) return;
      this.incoming.syncSubscription(e.name);
      this.membership.announce();
      this.queueDiscovery();
    });
    for (const { name } of this.registry.localServices()) this.incoming.syncSubscription(name);
    this.discovery?.sync();
    this.heartbeat = setInterval(() => {
      this.membership.announce();
      this.membership.expireSilent();
      this.discovery?.sync(); // methods exported after a service appeared announce nothing
    }, EXCHANGE_HEARTBEAT_MS);
    this.membership.announce();
    nc.publish(`${this.link.prefix}.members.query`);
    await nc.flush();
  }

  /** After a failed connect with a client certificate: whether a server refused it (see nats-tls-refusal.ts). */
  private certificateRefusal(): Promise<TlsRefusal | null> {
    const { servers, tls } = this.plan.options;
    if (!tls?.cert) return Promise.resolve(null);
    return clientCertificateRefusal(Array.isArray(servers) ? servers : [servers ?? ""], tls, EXCHANGE_CONNECT_TIMEOUT_MS);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") {
        this.link.connected = false;
        if (!this.link.closing) this.log("lost the connection to NATS; remote calls fail until it is back");
        // Calls in flight may have reached their instance (and the client sends what it still
        // holds once reconnected): their outcome is unknown. New calls fail SERVICE_UNAVAILABLE.
        this.outgoing.failAll(frameworkFailure(CALL_OUTCOME_UNKNOWN, "the exchange lost its connection to NATS during the call"));
      } else if (s.type === "reconnect") {
        this.link.connections++;
        this.link.connected = true;
        this.log("connected to NATS again");
        this.membership.refreshAll(); // give everyone time to re-announce
        // Re-acknowledge the calls still being served, then announce the new connection count:
        // a caller reads them in that order, so an acknowledged call not re-acknowledged by then
        // was answered before the break, and its answer may have been lost with the node.
        this.incoming.reacknowledge();
        this.membership.announce();
        nc.publish(`${this.link.prefix}.members.query`);
      } else if (s.type === "error" && s.error instanceof PermissionViolationError && s.error.operation === "publish") {
        this.outgoing.failRefused(s.error.subject); // a call this user may not make: refused, not left to its timeout
      }
    }
  }

  /**
   * The client closes the connection by itself only when it gives up: after the server refused
   * the credentials twice in a row on reconnecting (a password changed, a user removed). Then
   * nothing will reconnect it, so it is said once, with the reason.
   */
  private async watchClosed(nc: NatsConnection): Promise<void> {
    const err = await nc.closed();
    if (this.link.closing) return;
    this.link.connected = false;
    this.log(
      `NATS at ${this.plan.shown} closed the connection for good (${err ? messageOf(err) : "closed"}): remote calls fail until this process restarts`,
    );
  }

  /** Syncs discovery once the current turn is over (a constructor exports its methods after it registered). */
  private queueDiscovery(): void {
    if (!this.discovery || this.discoveryQueued) return;
    this.discoveryQueued = true;
    queueMicrotask(() => {
      this.discoveryQueued = false;
      this.discovery?.sync();
    });
  }

  /**
   * A process is gone (Membership forgot it, its services withdrawn): the calls it acknowledged
   * or may have taken (unacknowledged calls to the services it hosted) fail, and the calls served
   * here for it are aborted.
   */
  private onGone(pid: string, services: readonly string[]): void {
    this.outgoing.failCallsTakenBy(pid, services);
    this.cancellable.abortCallsOf(pid);
  }

  // ── calling elsewhere ────────────────────────────────────────────────────────────────────

  /** @internal the registry hands remote calls here (see RemoteTransport.callRemote). */
  callRemote(...call: Parameters<RemoteTransport["callRemote"]>): Promise<unknown> {
    return this.outgoing.call(...call);
  }

  // ── closing ──────────────────────────────────────────────────────────────────────────────

  /** Closes the exchange when `source` (the Dispatcher) starts an orderly shutdown. */
  subscribeShutdown(source: ShutdownSource): void {
    source.subscribeShutdown((phase) => {
      if (phase === "pending") void this.close();
    });
  }

  /**
   * Withdraws this process's services from the bus, lets the calls it is serving finish (each is
   * bounded by its timeout), fails its own calls still waiting, and closes the connection.
   */
  async close(): Promise<void> {
    if (this.link.closing) return;
    this.link.closing = true;
    this.unsubscribe?.();
    this.registry.setTransport(null);
    this.reports.stop();
    this.incoming.unsubscribeAll();
    // Withdraw at once (no new calls come), but keep heartbeating while the calls taken finish,
    // so that callers do not take this process for dead; "bye" only once they are answered.
    this.membership.withdraw();
    const discoveryStopped = this.discovery?.stop(); // no longer listed by the tooling either
    this.discovery = null;
    await this.incoming.allAnswered();
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Calls this process made fail with the closing's reason before the other processes are
    // forgotten (forgetting them would fail the acknowledged ones as INSTANCE_LOST instead).
    this.outgoing.failAll(frameworkFailure(CALL_OUTCOME_UNKNOWN, "the exchange closed during the call"));
    this.membership.forgetAll();
    this.membership.sayGoodbye();
    const nc = this.link.nc;
    this.outgoing.forgetAbandoned(); // their acknowledgements would find no subscription now
    this.link.connected = false;
    await discoveryStopped;
    if (nc && !nc.isClosed()) {
      await nc.drain().catch(() => nc.close());
    }
  }

  static {
    linkOf = (exchange) => exchange.link;
  }
}

/**
 * The connection state of `exchange` (its NATS connection, whether it is up), for what else of
 * netsvc/services rides on that connection (kv-session-store.ts). Module-internal: not exported by
 * netsvc, so an application cannot reach (and close, or subscribe on) the Exchange's connection.
 */
export function exchangeLink(exchange: Exchange): Readonly<ExchangeLink> {
  return linkOf(exchange);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
