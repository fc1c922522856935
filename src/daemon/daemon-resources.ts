/**
 * What a connection needs from the daemon that accepted it, named for what it is: the shared
 * resources (clock, buffers, parsers, counters, limits, logs) and the registry of connections
 * (the idle list and the accounting of closes and lingers), which DaemonCore implements, and
 * what is its port's (PortResources: TLS or not, Date lines, request cycles), which its
 * PortProfile does. A connection sees only these, so the daemon imports the
 * connection and never the reverse (as servers/request-channel.ts reverses the dependency
 * between a request and its transport).
 */
import type { CookieKeys } from "../servers/cookie-signing.ts";
import type { CyclePool } from "./cycle-pool.ts";
import type { AccessLog } from "./access-log.ts";
import type { BufferPool } from "./buffer-pool.ts";
import type { DateLines } from "./date-lines.ts";
import type { H2StreamPool } from "./h2-stream-pool.ts";
import type { IdleLink, IdleList } from "./idle-list.ts";
import type { ResolvedLimits } from "./limits.ts";
import type { ParserPool } from "./parser-pool.ts";
import type { Counters } from "./stats.ts";
import type { TlsUpgrader } from "./tls-after-proxy.ts";
import type { TrustedProxies } from "./trusted-proxies.ts";

/** A connection as the daemon's idle list holds it. */
export interface IdleConnection extends IdleLink<IdleConnection> {
  /** Chosen to make room for a newcomer and not closed yet (see ConnectionRegistry.rescue). */
  reclaimPending: boolean;
  /** True once it has served a request (idle between requests, not silent since it connected). */
  isReused(): boolean;
  /** Closes it to make room for a newcomer if it is still idle; true when it did. */
  reclaim(): boolean;
}

/** A request answered without a socket (netsvc/testing's request()), as the daemon's stop() sees it. */
export interface SocketlessRequest {
  /** The daemon began to stop: the request's session hears it (whenDaemonStops), as a connection's does. */
  daemonStopping(): void;
}

/** The daemon's resources its connections share. */
export interface DaemonResources {
  /** Limits and timeouts in force. */
  readonly limits: ResolvedLimits;
  /** Coarse clock (ms), advanced by the daemon's sweep timer. */
  readonly clock: number;
  /** Receive, head-copy and output buffers shared by the connections. */
  readonly buffers: BufferPool;
  /** Request heads and body decoders shared by the connections. */
  readonly parsers: ParserPool;
  /** HTTP/2 streams shared by the connections (held only while a request is in progress on one). */
  readonly h2Streams: H2StreamPool;
  /** Counters behind HttpDaemon.stats(). */
  readonly counters: Counters;
  /** True once the daemon is stopping (no response may keep its connection). */
  readonly stopping: boolean;
  /** Where access-log lines go (each connection queues its own until their responses are written); null: none. */
  readonly accessLog: AccessLog | null;
  /** trustProxy: the peers whose word about the client is believed; null when none is. */
  readonly trustedProxies: TrustedProxies | null;
  /** The daemon's authorise(host) (allow/deny by default), a throw logged and taken as false. */
  authoriseClient(host: string): boolean;
  /** Reports an error. */
  logError(message: string, error?: unknown): void;
  /** A 204 or 304 was given content, which was dropped: counted; the first one is logged. */
  contentDropped(status: number): void;
  /** The cookieSecrets option, made into keys that sign and verify cookies; null when it is not given. */
  readonly cookieKeys: CookieKeys | null;
  /** Requests in progress without a socket: stop() tells them it is stopping (it does not wait for them: they hold no socket). */
  readonly socketless: Set<SocketlessRequest>;
}

/** What differs between a daemon's ports (PortProfile): a connection sees its own port's. */
export interface PortResources {
  /** True when connections arrive over TLS (the listener's, so the same for all its connections). */
  readonly secure: boolean;
  /** The port the listener is bound to (every accepted socket's local port); 0 before it listens. */
  readonly localPort: number;
  /** The address the listener is bound to (its hostname option; may be a wildcard such as 0.0.0.0). */
  readonly boundAddress: string;
  /**
   * Starts TLS on this port's cleartext sockets when the daemon has both tls and trustProxy
   * (tls-after-proxy.ts): the secure port's, never the cleartext redirect port's; null otherwise.
   */
  readonly tlsUpgrader: TlsUpgrader | null;
  /** The Date line and the response tails around it (with the port's fixed lines), true to the second. */
  readonly dates: DateLines;
  /** HTTP/2 is spoken on this port (ALPN h2 over TLS, the connection preface on cleartext). */
  readonly http2: boolean;
  /** Request cycles (routing through the port's routing): one held by each of its connections that is not idle. */
  readonly cycles: CyclePool;
}

/** The daemon's registry of its connections: the idle list, closes and lingers. */
export interface ConnectionRegistry {
  /** Idle connections, oldest first. */
  readonly idle: IdleList<IdleConnection>;
  /** The connection is closed (a lingering one has called lingerEnded() first). */
  connectionClosed(c: IdleConnection): void;
  /** `next` takes over `previous`'s socket (HTTP/1 handing it to HTTP/2): it is registered in its place. */
  replaced(previous: IdleConnection, next: IdleConnection): void;
  /** Bytes arrived on a connection chosen to make room: it stays, another idle one goes. */
  rescue(c: IdleConnection): void;
  /** The connection half-closed and lingers (it stops counting toward maxConnections). */
  lingerStarted(): void;
  /** The connection left its linger: it ended, or the client closed. */
  lingerEnded(): void;
}

/** The daemon as its connections see it. */
export type ConnectionHost = DaemonResources & ConnectionRegistry;
