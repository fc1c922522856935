/**
 * HttpDaemon: owns a port (Bun.listen), the server objects attached to the URL namespace, the
 * connections, their limits and deadlines, and the access log (SPEC §2.1).
 */
import type { Socket, TCPSocketListenOptions, TCPSocketListener } from "bun";
import { HttpError } from "../servers/http-error.ts";
import { parseAuthorization, type AuthDecision, type HttpServer } from "../servers/http-server.ts";
import { readsBodyAsItArrives } from "../servers/http-servlet.ts";
import type { HttpSession } from "../servers/http-session.ts";
import { PrefixTrie } from "../servers/prefix-trie.ts";
import { AccessLog, type AccessLogSink } from "./access-log.ts";
import { AddressFilter } from "./address-filter.ts";
import { cannedStatus } from "../http/canned.ts";
import { registerDaemon, unregisterDaemon } from "./registry.ts";
import { resolveLimits, type Limits, type ResolvedLimits } from "./limits.ts";
import { HttpConnection } from "./http-connection.ts";
import type { ConnectionHost, IdleConnection } from "./connection-host.ts";
import { IdleList } from "./idle-list.ts";
import { BufferPool } from "./buffer-pool.ts";
import { Counters, SUMMARY_INTERVAL_MS, type DaemonStats } from "./stats.ts";

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
  /** Access log: "-" (stdout), a file path, a function, or an AccessLog. Default: off, unless NETSVC_ACCESS_LOG is set. */
  accessLog?: AccessLogSink | AccessLog | null;
  /** Where errors are reported. Default: console.error. */
  errorLog?: (message: string, error?: unknown) => void;
}

type SocketData = HttpConnection | HttpDaemon;

// Socket handlers live at module level; per-connection state is socket.data (SPEC, DESIGN).
const handlers = {
  open(socket: Socket<SocketData>) {
    const daemon = socket.data as HttpDaemon;
    daemon.accept(socket);
  },
  data(socket: Socket<SocketData>, chunk: Uint8Array) {
    const connection = socket.data;
    if (connection instanceof HttpConnection) connection.onData(chunk);
  },
  drain(socket: Socket<SocketData>) {
    const connection = socket.data;
    if (connection instanceof HttpConnection) connection.onDrain();
  },
  end(socket: Socket<SocketData>) {
    const connection = socket.data;
    if (connection instanceof HttpConnection) connection.onEnd();
  },
  close(socket: Socket<SocketData>) {
    const connection = socket.data;
    if (connection instanceof HttpConnection) connection.onClose();
  },
  error(socket: Socket<SocketData>) {
    // Resets and the like are expected when clients leave: counted, not logged.
    const connection = socket.data;
    if (connection instanceof HttpConnection) connection.onError();
  },
};

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
/** Pooled buffers hold a full head and this much more. */
const RECV_SLACK = 1024;

/** The HTTP daemon. */
export class HttpDaemon implements ConnectionHost {
  /** Limits and timeouts in force. */
  readonly limits: ResolvedLimits;
  /** @internal coarse clock (ms), advanced by the sweep timer. */
  clock = performance.now();
  /** @internal `Date: …\r\n`, refreshed every second. */
  dateLine: Uint8Array = EMPTY;
  /** @internal Date, Server, `Connection: keep-alive` and the blank line, refreshed with dateLine. */
  keepAliveTail: Uint8Array = EMPTY;
  /** @internal Date, Server, `Connection: close` and the blank line. */
  closeTail: Uint8Array = EMPTY;
  /** @internal true once stop() was called. */
  stopping = false;
  /** @internal the counters behind stats(). */
  readonly counters = new Counters();
  /** @internal idle connections, oldest first (reclaimed at the connection limit). */
  readonly idle = new IdleList<IdleConnection>();
  /** @internal receive, head-copy and output buffers shared by the connections. */
  readonly buffers: BufferPool;

  private readonly requestedPort: number;
  private readonly host: string;
  private readonly reusePort: boolean;
  private readonly filter: AddressFilter;
  private readonly accessLog: AccessLog | null;
  private readonly errorLog: (message: string, error?: unknown) => void;
  private readonly trie = new PrefixTrie<HttpServer>();
  private readonly connections = new Set<HttpConnection>();
  private listener: TCPSocketListener<SocketData> | null = null;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  private dateSecond = 0;
  private stopped: PromiseWithResolvers<void> | null = null;
  /** The 503 sent at the connection limit, rebuilt with the Date line. */
  private refusal: Uint8Array = EMPTY;
  /** Connections half-closed by us and lingering (they do not count toward maxConnections). */
  private lingering = 0;
  private lastSummary = performance.now();

  /** Creates a daemon for `port` (0: pick a free one; port() tells which after start()). */
  constructor(port: number, options: HttpDaemonOptions = {}) {
    this.requestedPort = port;
    this.host = options.host ?? "127.0.0.1";
    this.reusePort = options.reusePort ?? false;
    this.limits = resolveLimits(options);
    // Big enough for a whole head (maxHead) plus the start of what follows it.
    this.buffers = new BufferPool(this.limits.maxHead + RECV_SLACK);
    this.filter = new AddressFilter(options.allow, options.deny);
    const log = options.accessLog === undefined ? (process.env.NETSVC_ACCESS_LOG ?? null) : options.accessLog;
    this.accessLog = log === null || log === "" ? null : log instanceof AccessLog ? log : new AccessLog(log);
    this.errorLog = options.errorLog ?? ((message, error) => console.error(`netsvc: ${message}`, error ?? ""));
    this.refreshDate(Math.floor(Date.now() / 1000));
  }

  private refreshDate(second: number): void {
    this.dateSecond = second;
    const date = `Date: ${new Date(second * 1000).toUTCString()}\r\n`;
    this.dateLine = encoder.encode(date);
    this.keepAliveTail = encoder.encode(`${date}Server: netsvc\r\nConnection: keep-alive\r\n\r\n`);
    this.closeTail = encoder.encode(`${date}Server: netsvc\r\nConnection: close\r\n\r\n`);
    const canned = cannedStatus(503);
    this.refusal = Buffer.concat([canned.beforeDate, this.dateLine, canned.afterDate]);
  }

  /**
   * Counters since the daemon was created: connections accepted, refused, reclaimed, requests,
   * bad requests by status, abandoned requests, timeouts, servlet errors (see DaemonStats).
   * Expected conditions are counted here rather than logged one line each.
   */
  stats(): DaemonStats {
    const snapshot = this.counters.snapshot();
    snapshot.open = this.connections.size;
    return snapshot;
  }

  /**
   * Attaches a server object at `path` (normalised, else TypeError); null detaches. One server may
   * be attached at several paths; the deepest whole-segment match wins.
   */
  attach(path: string, server: HttpServer | null): void {
    this.trie.attach(path, server);
  }

  /**
   * Client authorisation, called with the peer's address when a connection is accepted.
   * false (or a throw) drops the connection at once, no bytes written. Default: the allow/deny
   * lists, which allow everyone when empty. Override to decide otherwise.
   */
  authorise(host: string): boolean {
    return this.filter.isEmpty() || this.filter.permits(host);
  }

  /** Binds and starts accepting. */
  start(): void {
    if (this.listener) return;
    this.stopping = false;
    const options: TCPSocketListenOptions<SocketData> & { reusePort?: boolean } = {
      hostname: this.host,
      port: this.requestedPort,
      // SO_REUSEPORT (accepted by Bun.listen at run time, missing from its types): worker
      // processes share the port. Without it the port is ours alone.
      reusePort: this.reusePort,
      // A client may half-close after its request and still deserves the answer (onEnd).
      allowHalfOpen: true,
      data: this,
      socket: handlers,
    };
    this.listener = Bun.listen<SocketData>(options);
    const tick = Math.max(5, Math.min(1000, Math.floor(this.shortestTimeout() / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), tick);
    registerDaemon(this);
  }

  /** The bound port (after start()), or the requested one before. */
  port(): number {
    return this.listener?.port ?? this.requestedPort;
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
    if (!this.stopped) this.stopped = Promise.withResolvers<void>();
    const done = this.stopped;
    if (!this.stopping) {
      this.stopping = true;
      this.listener?.stop(false);
      this.listener = null;
      for (const s of this.connections) s.closeIfIdle();
      this.checkStopped();
    }
    if (graceMs !== undefined) {
      const t = setTimeout(() => {
        for (const s of this.connections) s.abort();
      }, graceMs);
      done.promise.finally(() => clearTimeout(t));
    }
    return done.promise;
  }

  // ── internal: used by Session ───────────────────────────────────────────────────────────

  /** @internal a connection was accepted. */
  accept(socket: Socket<SocketData>): void {
    let allowed = false;
    try {
      allowed = !this.stopping && this.authorise(socket.remoteAddress);
    } catch (e) {
      this.logError(`authorise(${socket.remoteAddress}) threw`, e);
    }
    if (!allowed) {
      this.counters.denied++;
      socket.terminate(); // SPEC §2.1: dropped at once, no bytes written
      return;
    }
    const max = this.limits.maxConnections;
    if (this.connections.size - this.lingering >= max) {
      // Make room by closing the connection idle the longest, as nginx does; only when none is
      // idle is the newcomer refused. Lingering connections end within LINGER_MS, but are
      // bounded too.
      const oldest = this.idle.oldest();
      if (oldest !== null && this.connections.size < 2 * max) {
        this.idle.remove(oldest);
        this.counters.reclaimed++;
        oldest.reclaim();
      } else {
        this.counters.refused++;
        socket.end(this.refusal);
        return;
      }
    }
    this.counters.accepted++;
    const connection = new HttpConnection(this, socket as Socket<unknown>);
    socket.data = connection;
    this.connections.add(connection);
    this.idle.add(connection); // idle until its first byte
  }

  /** @internal a connection closed; `wasLingering` when it had half-closed (lingerStarted). */
  connectionClosed(connection: IdleConnection, wasLingering: boolean): void {
    if (!this.connections.delete(connection as HttpConnection)) return;
    if (connection.idleListed) this.idle.remove(connection);
    if (wasLingering) this.lingering--;
    if (this.stopping) this.checkStopped();
  }

  /** @internal a connection half-closed and lingers (it no longer counts toward the limit). */
  lingerStarted(): void {
    this.lingering++;
  }

  /** @internal the server for a request, null for none, or the status refusing its path (400, 403). */
  route(s: HttpSession): HttpServer | null | number {
    let server: HttpServer | null;
    if (s.isPlainPath()) {
      // hot path: route on the raw bytes, no string is made.
      server = this.trie.lookupBytes(s.headBytes, s.pathStart, s.pathEnd);
      if (server !== null) s.route(this.trie.matchedPath(), this.trie.matchEnd - s.pathStart);
      return server;
    }
    const path = s.pathOrStatus();
    if (typeof path === "number") return path;
    server = path === "*" ? null : this.trie.lookup(path);
    if (server !== null) s.route(this.trie.matchedPath(), this.trie.matchEnd);
    return server;
  }

  /** @internal authentication for a server that asks for it: its authenticate(), Basic by default (SPEC §2.2). */
  authenticate(s: HttpSession, server: HttpServer, done: (ok: boolean) => void): void {
    const challenge = () => {
      let value: string;
      try {
        value = server.challenge();
      } catch (e) {
        this.logError("challenge() threw", e);
        value = 'Basic realm="netsvc"';
      }
      s.sendErrorWithHeaders(401, [["WWW-Authenticate", value]]);
      done(false);
    };
    const settle = (decision: unknown) => {
      if (decision === true || typeof decision === "string") {
        s.user = decision === true ? "" : decision;
        done(true);
      } else challenge();
    };
    const fail = (e: unknown, how: string) => {
      if (e instanceof HttpError) {
        // the server's decision, e.g. 501 for a scheme Basic-only servers do not know
        s.sendErrorWithHeaders(e.status, e.headers, undefined, e.publicMessage);
        return done(false);
      }
      this.logError(`authenticate() ${how}`, e);
      challenge();
    };
    const auth = parseAuthorization(s.header("authorization"));
    if (auth === 400) return challenge();
    let result: AuthDecision | Promise<AuthDecision>;
    try {
      result = server.authenticate(s, auth?.scheme ?? "", auth?.credentials ?? "");
    } catch (e) {
      return fail(e, "threw");
    }
    if (typeof result === "boolean" || typeof result === "string") return settle(result);
    Promise.resolve(result).then(settle, (e) => fail(e, "rejected"));
  }

  /** @internal makes the servlet and runs processRequest(); failures become 404/500. */
  startServlet(s: HttpSession, server: HttpServer): void {
    let servlet;
    try {
      servlet = server.servlet(s);
    } catch (e) {
      if (e instanceof HttpError) return s.servletFailed("servlet()", e);
      this.logError(`servlet() threw for ${s.requestMethod()} ${s.rawPath()}`, e);
      return s.sendError(500);
    }
    if (!servlet) return s.sendError(404);
    s.servlet = servlet;
    s.readsBody = readsBodyAsItArrives(servlet);
    try {
      const r = servlet.processRequest();
      if (r instanceof Promise) r.catch((e) => s.servletFailed("processRequest()", e));
    } catch (e) {
      s.servletFailed("processRequest()", e);
    }
  }

  /**
   * @internal one access-log line for a response: `status` is the one sent, or 499 when the
   * client left before anything was (nginx's convention); bytes are those produced for it.
   */
  logAccess(s: HttpSession, status: number): void {
    if (!this.accessLog) return;
    this.accessLog.log(s.clientHost(), s.remoteUser(), `${s.requestMethod()} ${s.url()} ${s.protocolVersion()}`, status, s.bytesSent);
  }

  /** @internal an access-log line for a request refused before it could be parsed. */
  logRejected(client: string, status: number, bytes: number): void {
    this.accessLog?.log(client, "", "-", status, bytes);
  }

  /** @internal reports an error. */
  logError(message: string, error?: unknown): void {
    this.errorLog(message, error);
  }

  private shortestTimeout(): number {
    const l = this.limits;
    return Math.min(l.headTimeoutMs, l.bodyIdleTimeoutMs, l.keepAliveTimeoutMs, l.sendTimeoutMs);
  }

  private sweep(): void {
    this.clock = performance.now();
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.dateSecond) this.refreshDate(second);
    for (const s of this.connections) s.sweep(this.clock);
    if (this.clock - this.lastSummary >= SUMMARY_INTERVAL_MS) this.logSummary();
  }

  /** At most once per SUMMARY_INTERVAL_MS: one line of expected conditions counted meanwhile. */
  private logSummary(): void {
    this.lastSummary = this.clock;
    const line = this.counters.summary();
    if (line !== "") this.errorLog(line);
  }

  private checkStopped(): void {
    if (!this.stopping || this.connections.size > 0 || !this.stopped) return;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    this.logSummary();
    this.accessLog?.flush();
    unregisterDaemon(this);
    this.stopped.resolve();
  }
}
