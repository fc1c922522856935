/**
 * DaemonCore: what an HttpDaemon's connections need from it — its limits and clock, the Date
 * lines, counters, idle list and buffer pool, routing, authentication, starting servlets,
 * logging — kept out of HttpDaemon's public surface (the daemon owns one; users never see it).
 */
import type { TrustedProxies } from "./trusted-proxies.ts";
import type { Socket } from "bun";
import type { CookieKeys } from "../servers/cookie-signing.ts";
import { MountTable } from "../servers/mount-table.ts";
import type { AccessLog } from "./access-log.ts";
import { BufferPool } from "./buffer-pool.ts";
import type { ConnectionHost, IdleConnection, SocketlessRequest } from "./daemon-resources.ts";
import { HttpConnection } from "./http-connection.ts";
import type { SocketConnection } from "./socket-connection.ts";
import { H2StreamPool } from "./h2-stream-pool.ts";
import type { PortProfile } from "./port-profile.ts";
import { IdleList } from "./idle-list.ts";
import type { ResolvedLimits } from "./limits.ts";
import { ParserPool } from "./parser-pool.ts";
import { Counters, SUMMARY_INTERVAL_MS, type DaemonStats } from "./stats.ts";

/** Pooled buffers hold a full head and this much more. */
const RECV_SLACK = 1024;

/** The parts of an HttpDaemon its connections use. */
export class DaemonCore implements ConnectionHost {
  /** Coarse clock (ms), advanced by the sweep timer. */
  clock = performance.now();
  /** True once stop() was called. */
  stopping = false;
  /** The counters behind stats(). */
  readonly counters = new Counters();
  /** Idle connections, oldest first (reclaimed at the connection limit). */
  readonly idle = new IdleList<IdleConnection>();
  /** Receive, head-copy and output buffers shared by the connections. */
  readonly buffers: BufferPool;
  /** Request heads and body decoders shared by the connections. */
  readonly parsers: ParserPool;
  /** HTTP/2 streams shared by the connections. */
  readonly h2Streams: H2StreamPool;
  /** Attached server objects by path: what the requests of the TLS (or only) port route through. */
  readonly mounts = new MountTable();
  /** Open connections. */
  readonly connections = new Set<SocketConnection>();
  /** trustProxy (set by the daemon): peers whose word about the client is believed. */
  trustedProxies: TrustedProxies | null = null;
  /** Called once every connection has closed while stopping. */
  onAllClosed: (() => void) | null = null;
  /** cookieSecrets (set by the daemon): what signs and verifies signed cookies; null without it. */
  cookieKeys: CookieKeys | null = null;
  /** See DaemonResources.socketless. */
  readonly socketless = new Set<SocketlessRequest>();

  /** Connections half-closed by us and lingering (they do not count toward maxConnections). */
  private lingering = 0;
  private lastSummary = performance.now();
  /** Connections chosen to make room during this turn, closed at its end (see reclaimOldestIdle). */
  private readonly reclaiming: IdleConnection[] = [];
  /** Of those, the ones neither closed nor rescued yet (they no longer count toward the limit). */
  private pendingReclaims = 0;
  private readonly closeReclaimedBound = () => this.closeReclaimed();

  /** `authorise` is the daemon's client authorisation (SPEC §2.1), asked for every connection. */
  constructor(
    readonly limits: ResolvedLimits,
    /** Sockets held at most, lingering and closing ones included (see socketCap in open-file-limit.ts). */
    private readonly maxSockets: number,
    readonly accessLog: AccessLog | null,
    private readonly errorLog: (message: string, error?: unknown) => void,
    private readonly authorise: (host: string) => boolean,
  ) {
    // Big enough for a whole head (maxHead) plus the start of what follows it.
    this.buffers = new BufferPool(limits.maxHead + RECV_SLACK);
    this.parsers = new ParserPool(limits);
    this.h2Streams = new H2StreamPool(limits);
  }

  /** A snapshot of the counters, with the connections open now. */
  stats(): DaemonStats {
    const snapshot = this.counters.snapshot();
    snapshot.open = this.connections.size;
    return snapshot;
  }

  /** See DaemonResources.authoriseClient. */
  authoriseClient(host: string): boolean {
    try {
      return this.authorise(host);
    } catch (e) {
      this.logError(`authorise(${host}) threw`, e);
      return false;
    }
  }

  /** a connection was accepted on `port` (the main one, or the cleartext redirect port). */
  accept(socket: Socket<unknown>, port: PortProfile): void {
    const remote = socket.remoteAddress;
    // A trusted proxy's connections are authorised for the client it names, once it has named
    // one: when its PROXY header is read, else per request (HttpConnection.headParsed).
    const trusted = this.trustedProxies?.trusts(remote) ?? false;
    if (this.stopping || !(trusted || this.authoriseClient(remote))) {
      this.counters.denied++;
      socket.terminate(); // SPEC §2.1: dropped at once, no bytes written
      return;
    }
    // SPEC §6: at the limit, make room by closing the connection idle the longest, however
    // recently it was used (nginx drains its reusable connections the same way); only when none
    // is idle is the newcomer refused. Lingering connections, and those already chosen to make
    // room, do not count; all are bounded by maxSockets: there descriptors are short, and the
    // room is made at once.
    const open = this.connections.size;
    let room = true;
    if (open >= this.maxSockets) {
      room = this.reclaimOldestIdle(true);
    } else {
      let need = open - this.lingering - this.pendingReclaims + 1 - this.limits.maxConnections;
      if (need > 0) {
        room = this.reclaimOldestIdle();
        // More than one when rescues left the daemon above its limit: paid back now.
        while (room && --need > 0 && this.reclaimOldestIdle()) {}
      }
    }
    if (!room) {
      this.counters.refused++;
      // Where TLS starts after a PROXY header the socket is still cleartext: a 503 written there
      // would reach an HTTPS client as a failed handshake (and its HSTS line in cleartext), so
      // it is closed without a byte, as at deny.
      if (port.tlsUpgrader !== null) socket.terminate();
      else socket.end(port.dates.refusal503(Date.now())); // closes at once: the descriptor is free for the next accept
      return;
    }
    this.counters.accepted++;
    const connection = new HttpConnection(this, port, socket, remote);
    socket.data = connection;
    if (trusted) connection.trustPeer();
    else if (port.tlsUpgrader !== null) connection.startTls(port.tlsUpgrader, null); // no PROXY header may come: TLS from the first byte
    this.connections.add(connection);
    this.idle.add(connection); // idle until its first byte
  }

  /**
   * Chooses the connection idle the longest to make room, and closes it once the events of this
   * turn of the event loop have been handled: a request that reached it in the same read of the
   * sockets as the newcomer (the client sent it before our close could tell it to stop) is then
   * served instead of being dropped unread (see rescue). `now`: close it at once instead (at the
   * descriptor cap, where the accept that follows in this turn needs its descriptor). False when
   * no connection is idle.
   */
  private reclaimOldestIdle(now = false): boolean {
    const oldest = this.idle.oldest();
    if (oldest === null) return false;
    this.idle.remove(oldest);
    if (now) {
      if (oldest.reclaim()) this.counters.reclaimed++;
      return true;
    }
    oldest.reclaimPending = true;
    this.pendingReclaims++;
    this.reclaiming.push(oldest);
    if (this.reclaiming.length === 1) setImmediate(this.closeReclaimedBound);
    return true;
  }

  /** Closes the connections chosen this turn that are still idle. */
  private closeReclaimed(): void {
    const chosen = this.reclaiming;
    for (let i = 0; i < chosen.length; i++) {
      const c = chosen[i]!;
      if (!c.reclaimPending) continue; // rescued: a request arrived
      c.reclaimPending = false;
      this.pendingReclaims--;
      if (c.reclaim()) this.counters.reclaimed++;
    }
    chosen.length = 0;
  }

  /**
   * Bytes arrived on a connection chosen to make room: it has a request in progress now, so it
   * keeps its place, and the connection idle the longest goes instead if it is a reused one (a
   * client retries a request our close cuts on a connection it reused, RFC 9112 §9.3.1). A silent
   * connection is not taken here: when every older one turned out busy, the silent one is likely
   * a new client whose first request is on its way, and that client would not retry. Then the
   * daemon holds one connection more than its limit until one closes or the next newcomer pays
   * it back (it makes room for two); bounded by maxSockets.
   */
  rescue(connection: IdleConnection): void {
    connection.reclaimPending = false;
    this.pendingReclaims--;
    if (this.idle.oldest()?.isReused()) this.reclaimOldestIdle();
  }

  /** `next` took over `previous`'s socket (ALPN h2, or the HTTP/2 preface): it is counted, listed and swept in its place. */
  replaced(previous: IdleConnection, next: IdleConnection): void {
    if (previous.reclaimPending) this.rescue(previous); // bytes arrived: it is not idle
    if (previous.idleListed) this.idle.remove(previous);
    this.connections.delete(previous as SocketConnection);
    this.connections.add(next as SocketConnection);
  }

  /** a connection closed (a lingering one has left its linger first: lingerEnded). */
  connectionClosed(connection: IdleConnection): void {
    if (!this.connections.delete(connection as SocketConnection)) return;
    if (connection.idleListed) this.idle.remove(connection);
    if (connection.reclaimPending) {
      // Chosen to make room and gone before its close: the room is made.
      connection.reclaimPending = false;
      this.pendingReclaims--;
    }
    if (this.stopping) this.checkStopped();
  }

  /** a connection half-closed and lingers (it no longer counts toward the limit). */
  lingerStarted(): void {
    this.lingering++;
  }

  /** a connection left its linger (it ended, or the client closed): it counts toward the limit until its close event. */
  lingerEnded(): void {
    this.lingering--;
  }

  /** reports an error. */
  logError(message: string, error?: unknown): void {
    this.errorLog(message, error);
  }

  /**
   * A servlet gave content to a 204 or 304, and it was dropped (the client got the status the
   * servlet chose). A bug, but one that could repeat on every request: counted each time, logged
   * the first time only — with the stack of this call, which runs inside the servlet's.
   */
  contentDropped(status: number): void {
    if (this.counters.droppedContent++ > 0) return;
    const where = new Error(`content given to a ${status} response was dropped`);
    this.errorLog(
      `a servlet gave content to a ${status} response, which has none (RFC 9110 §6.4.1): it was not sent; ` +
        "logged once, counted as droppedContent in stats()",
      where,
    );
  }

  /** Enforces deadlines (the daemon's sweep timer calls it). */
  sweep(): void {
    this.clock = performance.now();
    for (const s of this.connections) s.sweep(this.clock);
    if (this.clock - this.lastSummary >= SUMMARY_INTERVAL_MS) this.logSummary();
  }

  /** At most once per SUMMARY_INTERVAL_MS: one line of expected conditions counted meanwhile. */
  logSummary(): void {
    this.lastSummary = this.clock;
    const line = this.counters.summary();
    if (line !== "") this.errorLog(line);
  }

  private checkStopped(): void {
    if (this.stopping && this.connections.size === 0) this.onAllClosed?.();
  }
}
