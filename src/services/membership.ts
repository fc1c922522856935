/**
 * Membership of an Exchange: which processes are on the bus and what services they host
 * (`<prefix>.members`, see the protocol in exchange.ts). This process announces its local
 * services; the others' announcements feed the registry's remote entries; a process silent for
 * EXCHANGE_DEAD_AFTER_MS, or one that said "bye", is forgotten.
 *
 * Silence is judged only after a round trip to the NATS server (a flush): its answer comes after
 * everything the server had for this process when it got the question, so the announcements that
 * had arrived but waited behind a busy event loop are read first. A process is never taken for
 * dead because this one was slow to read its heartbeats.
 */
import type { Msg } from "@nats-io/transport-node";
import { decoder, encoder, type ExchangeLink } from "./exchange-link.ts";
import { EXCHANGE_DEAD_AFTER_MS } from "./limits.ts";
import type { ServiceRegistry } from "./registry.ts";

/** An announcement as read off the bus: anything may be missing or of the wrong type. */
interface Announcement {
  pid?: unknown;
  services?: unknown;
  bye?: unknown;
  /** The sender's connection count (ExchangeLink.connections). */
  c?: unknown;
}

/** What Membership tells its owner about other processes. */
export interface MembershipEvents {
  /**
   * A process is forgotten, after its services were withdrawn from the registry, with the names
   * it hosted: the calls it took (or may have taken) and the calls served here for it end there.
   */
  onGone(pid: string, services: readonly string[]): void;
  /**
   * A process announced a higher connection count than before: its connection to NATS broke and
   * it is back, with `services` (what it hosts) and `connections` (its count now). What was on
   * its way to or from it across the break may have been lost with its node.
   */
  onReconnected(pid: string, services: readonly string[], connections: number): void;
}

/**
 * The table of processes heard of, by process id, with when each was last heard of. Reads the
 * link at the moment it acts: while disconnected it announces nothing and ages nobody.
 */
export class Membership {
  private readonly lastSeen = new Map<string, number>();
  /** The service names each process announced last (what the calls it may have taken were for). */
  private readonly hosted = new Map<string, readonly string[]>();
  /** The connection count each process announced last (a process that sends none is not here). */
  private readonly connections = new Map<string, number>();
  /** Set by withdraw(): announcements then list no services (the heartbeat goes on while draining). */
  private withdrawn = false;
  /** True while a round trip to the server is under way before silence is judged. */
  private judging = false;

  /** @param events what becomes of the processes heard of (gone, reconnected). */
  constructor(
    private readonly link: ExchangeLink,
    private readonly registry: ServiceRegistry,
    private readonly events: MembershipEvents,
  ) {}

  /** Publishes this process's services (none once withdrawn); nothing while disconnected. */
  announce(): void {
    if (!this.link.connected || !this.link.nc) return;
    const body = { pid: this.link.pid, c: this.link.connections, services: this.withdrawn ? [] : this.registry.localServices() };
    this.link.nc.publish(`${this.link.prefix}.members`, encoder.encode(JSON.stringify(body)));
  }

  /** From now on announces an empty list (no new calls come), and announces it at once. For close(). */
  withdraw(): void {
    this.withdrawn = true;
    this.announce();
  }

  /** Publishes this process's goodbye (if connected): the others forget it at once. For close(). */
  sayGoodbye(): void {
    const nc = this.link.nc;
    if (nc && this.link.connected)
      nc.publish(`${this.link.prefix}.members`, encoder.encode(JSON.stringify({ pid: this.link.pid, bye: true })));
  }

  /** An announcement from the bus: updates the registry, or forgets a process saying "bye". Junk and our own are ignored. */
  onAnnouncement(msg: Msg): void {
    let a: Announcement;
    try {
      a = JSON.parse(decoder.decode(msg.data));
    } catch {
      return; // not ours: ignored
    }
    if (typeof a.pid !== "string" || a.pid === this.link.pid) return;
    if (a.bye === true) return this.forget(a.pid);
    if (!Array.isArray(a.services)) return;
    const entries: { name: string; groups: string[] }[] = [];
    for (const s of a.services as { name?: unknown; groups?: unknown }[]) {
      if (typeof s?.name !== "string" || !Array.isArray(s.groups)) continue;
      entries.push({ name: s.name, groups: s.groups.filter((g): g is string => typeof g === "string") });
    }
    this.lastSeen.set(a.pid, Date.now());
    const names = entries.map((e) => e.name);
    const before = this.hosted.get(a.pid) ?? [];
    this.hosted.set(a.pid, names);
    this.registry.updateRemote(a.pid, entries);
    if (typeof a.c !== "number") return;
    const last = this.connections.get(a.pid);
    this.connections.set(a.pid, a.c);
    // What it hosted before the break is what the calls lost in it were for.
    if (last !== undefined && a.c > last) this.events.onReconnected(a.pid, [...new Set([...before, ...names])], a.c);
  }

  /**
   * `pid` showed it is alive (it acknowledged a call, or called here): watched from now if it was
   * not (so its death is noticed), unless disconnected.
   */
  noteAlive(pid: string): void {
    if (!this.lastSeen.has(pid) && this.link.connected) this.lastSeen.set(pid, Date.now());
  }

  /** The processes whose latest announcement lists any of `services`. */
  hostsOf(services: readonly string[]): string[] {
    const pids: string[] = [];
    for (const [pid, names] of this.hosted) if (names.some((n) => services.includes(n))) pids.push(pid);
    return pids;
  }

  /** Back on the bus after a disconnection: everyone is given time to re-announce. */
  refreshAll(): void {
    const now = Date.now();
    for (const pid of this.lastSeen.keys()) this.lastSeen.set(pid, now);
  }

  /**
   * Forgets every process not heard of for EXCHANGE_DEAD_AFTER_MS before now, once what the
   * server had delivered by now has been read (nothing while disconnected, nor when the round
   * trip fails: the connection was lost meanwhile). Every heartbeat; one round trip at a time.
   */
  expireSilent(): void {
    const nc = this.link.nc;
    if (!this.link.connected || !nc || this.judging) return;
    const limit = Date.now() - EXCHANGE_DEAD_AFTER_MS;
    this.judging = true;
    nc.flush().then(
      () => {
        this.judging = false;
        if (!this.link.connected) return;
        for (const [pid, seen] of this.lastSeen) if (seen < limit) this.forget(pid);
      },
      () => {
        this.judging = false;
      },
    );
  }

  /** Forgets every process (close()). */
  forgetAll(): void {
    for (const pid of [...this.lastSeen.keys()]) this.forget(pid);
  }

  /**
   * A process is gone: its services are withdrawn, then events.onGone (the calls it acknowledged fail,
   * and the calls served here for it are aborted).
   */
  private forget(pid: string): void {
    const services = this.hosted.get(pid) ?? [];
    this.lastSeen.delete(pid);
    this.hosted.delete(pid);
    this.connections.delete(pid);
    this.registry.updateRemote(pid, []);
    this.events.onGone(pid, services);
  }
}
