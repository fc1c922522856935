/**
 * HttpDaemon: owns a port (Bun.listen), the server objects attached to the URL namespace, the
 * connections, their limits and deadlines, and the access log (SPEC §2.1).
 */
import type { Socket, TCPSocketListenOptions, TCPSocketListener, TLSOptions } from "bun";
import type { MountedServer } from "../servers/mount-table.ts";
import { CookieKeys } from "../servers/cookie-signing.ts";
import { AccessLog, type AccessLogSink } from "./access-log.ts";
import { AddressFilter } from "./address-filter.ts";
import { TrustedProxies, type ForwardedHeader } from "./trusted-proxies.ts";
import { DaemonCore } from "./daemon-core.ts";
import { metricsText } from "./metrics-text.ts";
import { services } from "../services/registry.ts";
import { HttpConnection } from "./http-connection.ts";
import { SocketConnection } from "./socket-connection.ts";
import { offeredProtocols, type Protocol } from "./protocols.ts";
import type { DaemonResources, PortResources } from "./daemon-resources.ts";
import { hstsLine, type HstsOptions } from "./hsts.ts";
import { PortProfile } from "./port-profile.ts";
import { redirectPort, type RedirectHttp, type RedirectPort } from "./redirect-port.ts";
import { FD_RESERVE, resolveLimits, type Limits, type ResolvedLimits } from "./limits.ts";
import { fitOpenFileLimit, openFileLimit, socketCap } from "./open-file-limit.ts";
import { registerDaemon, unregisterDaemon } from "./registry.ts";
import type { DaemonStats } from "./stats.ts";
import { ListenerContexts } from "./tls-contexts.ts";
import { listenerTls, loadSettings, TlsConfigError, type LoadedCertificate, type TlsSettings } from "./tls-options.ts";
import { TlsUpgrader, UNDER_TLS } from "./tls-after-proxy.ts";

/** Options of HttpDaemon; every limit of SPEC §6 is one too (see limits.ts). */
export interface HttpDaemonOptions extends Limits {
  /** Address to bind. Default "127.0.0.1"; "0.0.0.0" (or "::") only when asked. */
  host?: string;
  /** Share the port with other processes (SO_REUSEPORT), for `--workers`. Default false. */
  reusePort?: boolean;
  /** Only these addresses or CIDR ranges may connect (default: all). */
  allow?: string[];
  /** These addresses or CIDR ranges are refused. */
  deny?: string[];
  /**
   * trustProxy (SPEC §10): addresses or CIDR ranges of proxies whose word about the client is
   * believed — a PROXY protocol v1/v2 header opening the connection, else each request's
   * forwarded header (`forwardedHeader`; the rightmost address not itself trusted). clientHost(),
   * clientPort(), authorise(host), allow/deny and the access log then see the client. From any
   * other peer those headers are ignored and a PROXY header is a 400. Default: none.
   */
  trustProxy?: string[];
  /**
   * The header trusted proxies write the client into: `"x-forwarded-for"` (the default: nginx's
   * `$proxy_add_x_forwarded_for`, HAProxy's `option forwardedfor`, cloud load balancers) or
   * `"forwarded"` (RFC 7239). Only that one is read: a proxy passes the other through as the
   * client wrote it.
   */
  forwardedHeader?: ForwardedHeader;
  /** Access log: "-" (stdout), a file path, a function, or an AccessLog. Default: off, unless NETSVC_ACCESS_LOG is set. */
  accessLog?: AccessLogSink | AccessLog | null;
  /** Where errors are reported. Default: console.error. */
  errorLog?: (message: string, error?: unknown) => void;
  /**
   * HTTPS on this port: the certificate and key, each a PEM file path or PEM text, read and
   * checked when the daemon is created (a TlsConfigError, one line, when missing, unreadable or
   * not a pair). A list: chosen by the name the client asks for (SNI), the first by default.
   * TLS 1.2/1.3, forward-secret ciphers, the server's order (see tls-options.ts).
   * Default: none (cleartext HTTP).
   */
  tls?: TlsSettings;
  /**
   * A second, cleartext port (SPEC §10) whose requests are answered `308 Permanent Redirect` to
   * the same path and query over HTTPS on this daemon's port (named unless 443), for the host
   * the client asked for (a missing or unusable one: 400). `{ port, all: false }`: only GET and
   * HEAD requests with `Upgrade-Insecure-Requests: 1` are redirected; the others are served by
   * the same server objects in cleartext. Every answer there carries `Vary:
   * Upgrade-Insecure-Requests`. `httpsPort`: the port named instead of this daemon's (port
   * mapping). Same connections, limits and timeouts as the main port; closed by stop(). Needs
   * `tls` (a TlsConfigError otherwise). Default: none.
   */
  redirectHttp?: RedirectHttp;
  /**
   * HSTS (RFC 6797): `Strict-Transport-Security` on every answer over TLS, errors and refusals
   * included, never on the cleartext port; the line is built once. Needs `tls` (a TlsConfigError
   * otherwise). Default: none.
   */
  hsts?: HstsOptions;
  /**
   * HTTP/2 (SPEC §11): offered first by ALPN over TLS, and spoken on cleartext to a client whose
   * first bytes are the connection preface (prior knowledge); HTTP/1.x is served on the same port
   * either way. Default true; `false` (`--no-http2`): HTTP/1.x only.
   */
  http2?: boolean;
  /**
   * Secrets for signed cookies (SPEC §13: setCookie(…, { signed: true }), cookie(name, { signed:
   * true })): the first signs, every one verifies, so a secret is rotated by putting a new one
   * first and dropping the old one later. Each long and random (32 bytes from a CSPRNG). Checked
   * when the daemon is created: a TypeError unless a non-empty array of non-empty strings.
   * Default: none (signed cookies then throw an Error).
   */
  cookieSecrets?: readonly string[];
}

/** A listener's `data`: the daemon's core, and the port (main or redirect) its sockets arrive on. */
interface Listening {
  readonly core: DaemonCore;
  readonly port: PortProfile;
}

/** An accepted socket's data: its connection; the listener's before that (or after a refusal); UNDER_TLS under a TLS socket. */
type SocketData = SocketConnection | Listening | typeof UNDER_TLS;

// Socket handlers live at module level; per-connection state is socket.data (SPEC, DESIGN).
const handlers = {
  open(socket: Socket<SocketData>) {
    const listening = socket.data as Listening;
    listening.core.accept(socket as Socket<unknown>, listening.port);
  },
  data(socket: Socket<SocketData>, chunk: Uint8Array) {
    const connection = socket.data;
    if (connection instanceof SocketConnection) connection.onData(chunk);
  },
  drain(socket: Socket<SocketData>) {
    const connection = socket.data;
    if (connection instanceof SocketConnection) connection.onDrain();
  },
  end(socket: Socket<SocketData>) {
    const connection = socket.data;
    if (connection instanceof SocketConnection) connection.onEnd();
    else if (connection !== UNDER_TLS) socket.end(); // a socket refused with 503: the client's FIN completes its close
    // else: the cleartext socket under a TLS one (tls-after-proxy.ts): the TLS socket's events decide
  },
  close(socket: Socket<SocketData>) {
    const connection = socket.data;
    if (connection instanceof SocketConnection) connection.onClose();
  },
  error(socket: Socket<SocketData>) {
    // Resets and the like are expected when clients leave: counted, not logged.
    const connection = socket.data;
    if (connection instanceof SocketConnection) connection.onError();
  },
};

/** A TLS listener's handlers: the same, and the end of each handshake (cleartext has none). */
const tlsHandlers = {
  ...handlers,
  handshake(socket: Socket<SocketData>, success: boolean) {
    // A refused handshake closes the socket (onClose follows); a good one that chose h2 by ALPN
    // hands the socket to an HTTP/2 connection (see protocols.ts).
    const connection = socket.data;
    if (connection instanceof HttpConnection) connection.onHandshake(success);
  },
};

/** A TLS socket started on an accepted cleartext one (tls-after-proxy.ts): its connection exists already. */
const upgradedTlsHandlers = { ...tlsHandlers, open() {} };

/**
 * What a transport without a socket needs of a daemon to serve a request as one of its
 * connections would: netsvc/testing's request() (src/testing/). Module-internal, as
 * sessionInternals is: netsvc does not export it, so a program cannot reach a daemon's insides.
 */
export interface DaemonInternals {
  /** The daemon's shared resources (limits, counters, authorise, logs) and its main port's (routing, Date lines, TLS or not). */
  host(daemon: HttpDaemon): { resources: DaemonResources; port: PortResources };
}

let internals: DaemonInternals | undefined;

/** The HTTP daemon. */
export class HttpDaemon {
  /** Limits and timeouts in force. */
  readonly limits: ResolvedLimits;

  private readonly core: DaemonCore;
  private readonly requestedPort: number;
  private readonly host: string;
  private readonly reusePort: boolean;
  private readonly filter: AddressFilter;
  private readonly accessLog: AccessLog | null;
  /** The `tls` option (re-read by reloadTls), or null for cleartext. */
  private readonly tlsSettings: TlsSettings | null;
  /** Its certificates as last read and checked, the default first. */
  private certificates: LoadedCertificate[] | null;
  /** SNI names and reloads on the listener (made when first needed). */
  private contexts: ListenerContexts | null = null;
  /** The protocols offered (ALPN over TLS; HTTP/2's preface on cleartext): see the http2 option. */
  private readonly protocols: Protocol[];
  private listener: TCPSocketListener<SocketData> | null = null;
  /** The main port's profile: TLS or not, HSTS, routing through the mount table. */
  private readonly mainPort: PortProfile;
  /** The cleartext redirect port (redirectHttp), or null. */
  private readonly redirect: RedirectPort | null;
  private redirectListener: TCPSocketListener<SocketData> | null = null;
  /** The TLS options each upgrade gets (tls + trustProxy), made once per set of certificates. */
  private upgradeTls: TLSOptions | null = null;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  private stopped: PromiseWithResolvers<void> | null = null;

  /** Creates a daemon for `port` (0: pick a free one; port() tells which after start()). */
  constructor(port: number, options: HttpDaemonOptions = {}) {
    this.requestedPort = port;
    this.host = options.host ?? "127.0.0.1";
    this.reusePort = options.reusePort ?? false;
    const errorLog = options.errorLog ?? ((message: string, error?: unknown) => console.error(`netsvc: ${message}`, error ?? ""));
    const wanted = resolveLimits(options);
    const fds = openFileLimit();
    this.limits = fitOpenFileLimit(wanted, fds);
    if (this.limits !== wanted)
      errorLog(
        `maxConnections ${wanted.maxConnections} lowered to ${this.limits.maxConnections}: the open-file limit is ${fds} ` +
          `(${FD_RESERVE} kept for files and logs); raise it with ulimit -n`,
      );
    this.tlsSettings = options.tls ?? null;
    this.protocols = offeredProtocols(options.http2 ?? true);
    this.certificates = this.tlsSettings ? loadSettings(this.tlsSettings) : null;
    this.filter = new AddressFilter(options.allow, options.deny);
    const log = options.accessLog === undefined ? (process.env.NETSVC_ACCESS_LOG ?? null) : options.accessLog;
    this.accessLog = log === null || log === "" ? null : log instanceof AccessLog ? log : new AccessLog(log);
    // authorise() is asked through the daemon, so a subclass's override applies.
    this.core = new DaemonCore(this.limits, socketCap(this.limits, fds), this.accessLog, errorLog, (host) => this.authorise(host));
    const secure = this.certificates !== null;
    if (options.hsts && !secure) throw new TlsConfigError("tls: hsts needs the tls option (HSTS is sent over HTTPS only)");
    this.mainPort = new PortProfile(secure, this.core.mounts, options.hsts ? hstsLine(options.hsts) : "", this.limits.maxBody);
    this.redirect =
      options.redirectHttp === undefined ? null : redirectPort(options.redirectHttp, secure, this.core.mounts, this.limits.maxBody);
    this.mainPort.http2 = this.protocols.includes("h2");
    if (this.redirect) this.redirect.profile.http2 = this.mainPort.http2;
    this.core.onAllClosed = () => this.finishStop();
    const header = options.forwardedHeader;
    if (header !== undefined && header !== "x-forwarded-for" && header !== "forwarded")
      throw new TypeError(`forwardedHeader: "x-forwarded-for" or "forwarded", not ${JSON.stringify(header)}`);
    if (options.trustProxy?.length) this.core.trustedProxies = new TrustedProxies(options.trustProxy, header);
    if (options.cookieSecrets !== undefined) this.core.cookieKeys = new CookieKeys(options.cookieSecrets);
    if (this.certificates && this.core.trustedProxies) {
      // A proxy passing TLS through sends its PROXY header before the ClientHello: TLS starts after it.
      this.mainPort.tlsUpgrader = new TlsUpgrader(
        upgradedTlsHandlers,
        () => (this.upgradeTls ??= listenerTls(this.certificates![0]!, this.protocols)),
      );
      if (this.certificates.length > 1)
        errorLog(
          "tls: with trustProxy, TLS starts after the PROXY header and every client gets the first certificate " +
            "(Bun's socket.upgradeTLS takes one; SNI needs a listener of its own without trustProxy, see docs/tls.md)",
        );
    }
  }

  /**
   * Counters since the daemon was created: connections accepted, refused, reclaimed, requests,
   * bad requests by status, abandoned requests, timeouts, servlet errors, servlet aborts (failures
   * caused by the client leaving), content dropped from 204/304 responses (see DaemonStats).
   * Expected conditions are counted here rather than logged one line each.
   */
  stats(): DaemonStats {
    return this.core.stats();
  }

  /**
   * This daemon's counters as a page in the Prometheus text format (SPEC §14): responses by
   * method and status class, a duration histogram, bytes in and out, open connections by
   * activity, refusals and the expected conditions. A MetricsServer serves it; made when asked.
   */
  metrics(): string {
    const connections = this.core.connections;
    return metricsText({
      counters: this.core.counters,
      activities: () => Array.from(connections, (c) => c.activity()),
      calls: services.callOutcomes.counts(),
    });
  }

  /**
   * Attaches a server object at `path` (normalised, else TypeError); null detaches. One server may
   * be attached at several paths; the deepest whole-segment match wins.
   */
  attach(path: string, server: MountedServer | null): void {
    this.core.mounts.attach(path, server);
  }

  /**
   * Client authorisation, called with the peer's address when a connection is accepted (behind a
   * trusted proxy: with the client's, when its PROXY header is read or else at every request).
   * false (or a throw) drops the connection at once, no bytes written. Default: the allow/deny
   * lists, which allow everyone when empty. Override to decide otherwise.
   */
  authorise(host: string): boolean {
    return this.filter.isEmpty() || this.filter.permits(host);
  }

  /** Binds and starts accepting. */
  start(): void {
    if (this.listener) return;
    this.core.stopping = false;
    const options: TCPSocketListenOptions<SocketData> & { reusePort?: boolean } = {
      hostname: this.host,
      port: this.requestedPort,
      // SO_REUSEPORT (accepted by Bun.listen at run time, missing from its types): worker
      // processes share the port. Without it the port is ours alone.
      reusePort: this.reusePort,
      // The client's FIN reaches onEnd (a client that closes its side is gone; see HttpConnection).
      allowHalfOpen: true,
      data: { core: this.core, port: this.mainPort },
      socket: handlers,
    };
    const certificates = this.certificates;
    if (certificates && this.mainPort.tlsUpgrader === null) {
      options.tls = listenerTls(certificates[0]!, this.protocols);
      options.socket = tlsHandlers;
    }
    // With tls and trustProxy the listener is cleartext and TLS starts per socket (tls-after-proxy.ts).
    this.listener = Bun.listen<SocketData>(options);
    this.mainPort.bound(this.host, this.listener.port);
    if (this.redirect) this.listenForRedirects(options, this.redirect);
    if (certificates && certificates.length > 1 && this.mainPort.tlsUpgrader === null)
      this.tlsContexts(this.listener).install(certificates, false);
    const tick = Math.max(5, Math.min(1000, Math.floor(this.shortestTimeout() / 4)));
    this.sweepTimer = setInterval(() => this.core.sweep(), tick);
    registerDaemon(this);
  }

  /** Opens the cleartext redirect port beside the main one (which is closed again if it cannot). */
  private listenForRedirects(main: TCPSocketListenOptions<SocketData>, redirect: RedirectPort): void {
    redirect.redirect.httpsPort = redirect.httpsPort ?? this.listener!.port;
    try {
      this.redirectListener = Bun.listen<SocketData>({
        ...main,
        port: redirect.port,
        tls: undefined,
        data: { core: this.core, port: redirect.profile },
        socket: handlers,
      });
      redirect.profile.bound(this.host, this.redirectListener.port);
    } catch (e) {
      this.listener!.stop(true);
      this.listener = null;
      throw e;
    }
  }

  /** The bound cleartext redirect port (after start()), the requested one before, null without redirectHttp. */
  redirectPort(): number | null {
    return this.redirectListener?.port ?? this.redirect?.port ?? null;
  }

  /** The bound port (after start()), or the requested one before. */
  port(): number {
    return this.listener?.port ?? this.requestedPort;
  }

  /** True when the port speaks HTTPS. */
  isSecure(): boolean {
    return this.certificates !== null;
  }

  /**
   * Re-reads the certificates and keys of the `tls` option (SPEC §10): new handshakes use them,
   * open connections go on with theirs. Checked first: a TlsConfigError (one line) leaves the
   * certificates in force unchanged. A server name dropped from the list keeps its last
   * certificate until the daemon restarts. Rejects with a TypeError on a cleartext daemon.
   */
  async reloadTls(): Promise<void> {
    if (!this.tlsSettings) throw new TypeError("reloadTls(): this daemon has no tls option");
    const certificates = loadSettings(this.tlsSettings);
    this.certificates = certificates;
    this.upgradeTls = null; // the next upgrade (tls + trustProxy) gets the new default certificate
    if (this.listener && this.mainPort.tlsUpgrader === null) this.tlsContexts(this.listener).install(certificates, true);
  }

  private tlsContexts(listener: TCPSocketListener<SocketData>): ListenerContexts {
    if (!this.contexts) this.contexts = new ListenerContexts(listener, this.protocols);
    return this.contexts;
  }

  /** The bound host. */
  hostname(): string {
    return this.host;
  }

  /**
   * Stops accepting, lets responses in flight finish, closes idle connections. Resolves when every
   * connection is closed. `graceMs` (default: no limit) bounds the wait; then connections are cut.
   */
  stop(graceMs?: number): Promise<void> {
    return this.end(graceMs, true);
  }

  /**
   * Stops as stop() does, but an idle keep-alive connection is not closed at once: its next
   * request is answered (with `Connection: close`) and then it closes, or it closes at its
   * keep-alive timeout. For a process being replaced (the binary's workers on SIGUSR2): closing
   * an idle connection races a request its client may already have sent (RFC 9112 §9.3.1),
   * which a client that does not retry counts as a failure. Resolves when every connection is closed.
   */
  drain(graceMs?: number): Promise<void> {
    return this.end(graceMs, false);
  }

  private end(graceMs: number | undefined, closeIdle: boolean): Promise<void> {
    if (!this.stopped) this.stopped = Promise.withResolvers<void>();
    const done = this.stopped;
    const core = this.core;
    if (!core.stopping) {
      core.stopping = true;
      this.listener?.stop(false);
      this.listener = null;
      this.redirectListener?.stop(false);
      this.redirectListener = null;
      this.contexts?.release();
      this.contexts = null;
      for (const c of core.connections) c.closeIfIdle(!closeIdle);
      for (const r of core.socketless) r.daemonStopping();
      if (core.connections.size === 0) this.finishStop();
    }
    if (graceMs !== undefined) {
      const t = setTimeout(() => {
        for (const c of core.connections) c.abort();
      }, graceMs);
      done.promise.finally(() => clearTimeout(t));
    }
    return done.promise;
  }

  private shortestTimeout(): number {
    const l = this.limits;
    return Math.min(l.headTimeoutMs, l.bodyIdleTimeoutMs, l.keepAliveTimeoutMs, l.sendTimeoutMs, l.wsPingIntervalMs, l.wsCloseTimeoutMs);
  }

  /** Every connection has closed after stop(): the timer, the logs, the registry, the promise. */
  private finishStop(): void {
    if (!this.core.stopping || !this.stopped) return;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    this.core.logSummary();
    this.accessLog?.flush();
    unregisterDaemon(this);
    this.stopped.resolve();
  }

  static {
    internals = { host: (d) => ({ resources: d.core, port: d.mainPort }) };
  }
}

/** The framework's hold on a daemon (see DaemonInternals); not exported by netsvc. */
export const daemonInternals: DaemonInternals = internals!;
