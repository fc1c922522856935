#!/usr/bin/env bun
/**
 * The netsvc binary (SPEC §9): serves a directory with a FileServer at `/`, plus an optional
 * EchoServlet, Basic authentication, address lists, an access log, servlet plugins, and several
 * worker processes sharing the port. `npm start` runs it; `npm run build` compiles it to one file.
 */
import { CliError, type Options } from "./cli-options.ts";
import { configure, type Configured } from "./config-file.ts";
import * as limits from "./entry/limits.ts";
import * as rpc from "./entry/rpc.ts";
import * as services from "./entry/services.ts";
import * as testing from "./entry/testing.ts";
import * as netsvc from "./index.ts";
import { reloadOnHangup } from "./cli-reload.ts";
import { LineRelay } from "./line-relay.ts";
import { SupervisorMetrics, workerMetrics } from "./cli-metrics.ts";
import { protect, rootServer } from "./cli-root.ts";
import {
  AccessLog,
  Dispatcher,
  EchoServlet,
  HttpDaemon,
  HttpServer,
  MetricsServer,
  ModulePlugin,
  type AccessLogSink,
  type HttpSession,
} from "./index.ts";
import { RpcGateway } from "./entry/rpc.ts";
import { Exchange } from "./entry/services.ts";

import packageJson from "../package.json" with { type: "json" };

/** First line a worker process prints once it listens. */
const WORKER_READY = "netsvc: worker";

const HELP = `netsvc — a fast HTTP/1.1 file server and servlet host for Bun

usage: netsvc [root] [options]      (every --flag VALUE may be written --flag=VALUE)

  root                  directory to serve (default: the current directory)
  --port N              port to listen on (default 8000; 0 picks a free one)
  --host H              address to bind (default 127.0.0.1; 0.0.0.0 for all)
  --index NAME          add an index file (repeatable; later names are tried first;
                        index.html is the default)
  --hide EXT            answer 404 for files ending in EXT (repeatable), e.g. --hide .bak
  --map EXT=TYPE        content type for EXT (repeatable), e.g. --map .py=text/plain
  --plugin EXT          run files ending in EXT as servlets (ModulePlugin; repeatable),
                        e.g. --plugin .ts ; their source is never served
  --cache SECONDS       Cache-Control: public, max-age=SECONDS on files (0: no-cache;
                        default: none, clients revalidate with ETag/Last-Modified)
  --cors [ORIGIN]       Access-Control-Allow-Origin: ORIGIN (default *) on every answer
  --spa                 single-page app: missing paths without an extension get /index.html
  --list                listings (size, date; ?sort=, JSON) of directories without an index
  --compress            compress text files on the fly (br, gzip) when no .br/.gz sibling
                        exists (siblings are always served to clients that accept them)
  --echo PATH           attach an EchoServlet (request description) at PATH
  --auth USER:PASSWORD  require HTTP Basic authentication for everything (both compared
                        in constant time; another scheme gets 401 with the challenge)
  --allow CIDR          accept connections only from these ranges (repeatable)
  --deny CIDR           refuse connections from these ranges (repeatable)
  --trust-proxy CIDR    believe these proxies about the client: a PROXY protocol v1/v2
                        header, else X-Forwarded-For (repeatable)
  --forwarded-header H  the header the trusted proxies write the client into:
                        x-forwarded-for (default) or forwarded (RFC 7239); only it is read
  --log [FILE]          access log in Common Log Format to FILE (default: stdout)
  --log-format F        the access log's format: common (default), combined (common +
                        "referer" "user-agent", as Apache and nginx write it) or json
                        (one object per line, with the duration in ms)
  --workers N           run N processes sharing the port (SO_REUSEPORT; default 1);
                        a worker that dies is restarted, and workers exit (finishing
                        what is in flight) when the supervisor dies, even by kill -9
  --max-requests N      requests per connection before it is closed (default 1000;
                        0: no limit, as behind a load balancer or in a benchmark)
  --max-connections N   open connections at most (default 10000, lowered to what the
                        open-file limit allows); past it the connection idle the longest
                        is closed for a newcomer, and 503 only when all are busy
  --rpc PATH            attach a JSON-RPC 2.0 gateway at PATH: POST PATH/<service>
                        calls any service (with --nats: every service on the bus)
  --nats URL            join the NATS bus at URL (e.g. nats://127.0.0.1:4222); while it
                        is unreachable, remote calls fail (503: not run) and it keeps
                        retrying; a call that may have run fails with 502. Repeat it for
                        the nodes of a cluster; nats://user:pass@host and nats://token@host
                        present those credentials (a refusal is one line, then exit 1)
  --nats-creds FILE     present the .creds file FILE (a JWT and NKey seed, as nsc makes)
  --nats-ca FILE        TLS to NATS, the servers' certificates checked against the CA in
                        FILE (PEM; a private CA)
  --nats-cert FILE      TLS to NATS with a client certificate (PEM), with --nats-key FILE
  --nats-key FILE       its private key (for a server with tls { verify: true })
  --tls-cert FILE       HTTPS: the certificate chain (PEM), with --tls-key FILE its
  --tls-key FILE        private key (TLS 1.2/1.3, forward-secret ciphers only); repeat
                        the pair for more names on the port (chosen by SNI from each
                        certificate's DNS names; the first is the default); SIGHUP
                        re-reads them (open connections keep theirs)
  --redirect-http PORT  also listen on PORT in cleartext and answer every request
                        308 to the same URL over HTTPS (needs --tls-cert)
  --https-port PORT     the HTTPS port the redirects name, when clients reach the server
                        on another one than it listens on (port mapping: 8443 published
                        as 443); default: the listening port
  --hsts SECONDS        Strict-Transport-Security: max-age=SECONDS on every HTTPS
                        answer (never on cleartext; needs --tls-cert)
  --no-http2            HTTP/1.x only: no h2 by ALPN, no h2c by prior knowledge
                        (HTTP/2 is on by default, beside HTTP/1.x on the same port)
  --metrics PATH        Prometheus metrics at PATH (requests by method and status
                        class, durations, bytes, connections); --auth covers it too;
                        with --workers, one page summing every worker
  --config FILE         a JSON file of these flags (names without --, e.g. "port": 8080)
                        and "sites": a root per host name (virtual hosts); flags given
                        here come after the file's
  --help                this text
  --version, -v         print the version and exit

Stops cleanly on SIGINT and SIGTERM: in-flight responses finish, then it exits. SIGHUP reloads
the config file and certificates in place, or with --workers replaces the workers one at a time,
each new one listening before the old one drains.`;

function fail(message: string): never {
  console.error(`netsvc: ${message}\n(see netsvc --help)`);
  process.exit(2);
}

/** True once this worker's supervisor is gone (followSupervisor): its standard output went with it. */
let supervisorGone = false;

/**
 * Where `--log` writes: a file, or standard output. A worker's standard output is a pipe its
 * supervisor reads and relays; once the supervisor is gone nothing reads it and every write fails
 * (EPIPE), so a worker drops its log lines from then on instead of failing each flush on stderr.
 */
function accessLogSink(log: string | null): AccessLogSink | undefined {
  if (log !== "-" || process.env.NETSVC_WORKER === undefined) return log ?? undefined;
  return (text) => {
    if (!supervisorGone) process.stdout.write(text);
  };
}

/** The access log `--log` and `--log-format` describe; undefined without --log (NETSVC_ACCESS_LOG may still turn one on). */
function accessLogOf(o: Options): AccessLog | undefined {
  const sink = accessLogSink(o.log);
  return sink === undefined ? undefined : new AccessLog(sink, { format: o.logFormat });
}

class EchoServer extends HttpServer {
  override servlet(session: HttpSession) {
    return new EchoServlet(session);
  }
}

/** Builds and starts the daemon for these options (and sites: virtual hosts, from --config). */
function serve(c: Configured, reusePort: boolean, quiet: boolean, dispatcher: Dispatcher): HttpDaemon {
  const o = c.options;
  // Plugin files import "netsvc" and its subpaths: inside the compiled binary there is no
  // node_modules to find them in.
  ModulePlugin.provide("netsvc", netsvc);
  for (const [name, exports] of Object.entries({ services, rpc, limits, testing })) {
    ModulePlugin.provide(`netsvc/${name}`, exports);
  }
  const modules = new ModulePlugin();
  let made: ReturnType<typeof rootServer>;
  try {
    made = rootServer(c, modules);
  } catch (e) {
    fail((e as Error).message);
  }
  const { root, files } = made;
  const servers: HttpServer[] = files === null ? [] : [files];
  let daemon: HttpDaemon;
  try {
    daemon = new HttpDaemon(o.port, {
      host: o.host,
      reusePort,
      allow: o.allow,
      deny: o.deny,
      trustProxy: o.trustProxy,
      forwardedHeader: o.forwardedHeader ?? undefined,
      accessLog: accessLogOf(o),
      maxRequestsPerConnection: o.maxRequests,
      maxConnections: o.maxConnections ?? undefined,
      tls: o.tls ?? undefined,
      redirectHttp: o.redirectHttp === null ? undefined : { port: o.redirectHttp, httpsPort: o.httpsPort ?? undefined },
      hsts: o.hsts === null ? undefined : { maxAge: o.hsts },
      http2: o.http2,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  daemon.attach("/", root);
  if (o.echo) {
    const echo = new EchoServer();
    servers.push(echo);
    try {
      daemon.attach(o.echo, echo);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (o.rpc) {
    const gateway = new RpcGateway("");
    servers.push(gateway);
    try {
      daemon.attach(o.rpc, gateway);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (o.metrics) {
    // A worker serves the supervisor's sum of every worker's page (cli-metrics.ts).
    const page = new MetricsServer(process.env.NETSVC_WORKER !== undefined && process.send ? workerMetrics(daemon, dispatcher) : daemon);
    servers.push(page);
    try {
      daemon.attach(o.metrics, page);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (o.auth) for (const server of servers) protect(server, o.auth);
  try {
    daemon.start();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "EADDRINUSE" && o.redirectHttp !== null)
      fail(`port ${o.port} or ${o.redirectHttp} (--redirect-http) on ${o.host} is already in use (choose others, or 0 for any free one)`);
    if (code === "EADDRINUSE") fail(`port ${o.port} on ${o.host} is already in use (choose another with --port, or 0 for any free one)`);
    if (code === "EACCES") fail(`not allowed to listen on ${o.host}:${o.port} (ports below 1024 need privileges)`);
    if (code === "EADDRNOTAVAIL") fail(`${o.host} is not an address of this machine (--host)`);
    fail(`cannot listen on ${o.host}:${o.port}: ${(e as Error).message}`);
  }
  reloadOnHangup(
    { daemon, argv, started: c, modules, others: servers.filter((x) => x !== files) },
    { info: console.log, error: console.error },
  );
  if (quiet) {
    console.log(`${WORKER_READY} ${process.env.NETSVC_WORKER} on port ${daemon.port()}`);
  } else {
    const host = o.host.includes(":") ? `[${o.host}]` : o.host;
    const what = files === null ? `${c.sites.length} sites (${c.sites.map((x) => x.hosts[0]).join(", ")})` : files.directory();
    console.log(`netsvc: serving ${what} at ${o.tls ? "https" : "http"}://${host}:${daemon.port()}/`);
    if (o.redirectHttp !== null) console.log(`netsvc: http://${host}:${daemon.redirectPort()}/ redirects to https`);
  }
  return daemon;
}

/** Finds a free port for workers to share when --port 0 was asked for. */
function freePort(host: string): number {
  const probe = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Resolves when a worker has printed its ready line; relays everything after it to our stdout. */
async function relayAfterReady(stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`a worker exited before listening: ${text}`);
    text += decoder.decode(value, { stream: true });
    const end = text.indexOf("\n");
    if (end >= 0 && text.startsWith(WORKER_READY)) break;
  }
  // Whole lines only: two workers' access-log lines never interleave mid-line on our stdout.
  const relay = new LineRelay((bytes) => process.stdout.write(bytes));
  const rest = text.slice(text.indexOf("\n") + 1);
  if (rest.length > 0) relay.push(Buffer.from(rest));
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return relay.end();
      relay.push(value);
    }
  })();
}

/**
 * Makes this worker stop when its supervisor ends, however it ends (SIGKILL and crashes
 * included): the supervisor holds the write end of the worker's stdin and never writes to it, so
 * the kernel closes it with the supervisor's last descriptor and the worker reads end-of-file at
 * once. A pipe rather than a polled `process.ppid`: it needs no timer, reacts without delay, and
 * cannot be fooled by a reused pid or a subreaper that adopts the orphan. Then the worker stops
 * as on SIGTERM: it closes its listener at once (the port stops answering unless a new instance
 * shares it), finishes the responses in flight (bounded by the dispatcher's grace period), and
 * exits, so a redeploy on the same port is never shared with the workers of a dead supervisor.
 */
function followSupervisor(dispatcher: Dispatcher, worker: string): void {
  const stdin = process.stdin;
  stdin.on("data", () => {}); // nothing is sent; reading is what lets "end" arrive
  stdin.once("end", () => {
    supervisorGone = true;
    console.error(`netsvc: worker ${worker}: the supervisor is gone; stopping (responses in flight finish)`);
    void dispatcher.shutdown();
  });
  // The lifeline alone must not keep a stopped worker alive.
  stdin.unref();
  // Our stdout is the supervisor's to read: it breaks only when the supervisor is gone, and a
  // write already under way then fails as an "error" event, which unhandled would end the worker
  // before its responses in flight.
  process.stdout.on("error", () => {});
}

/** A worker that dies this many times within RESTART_WINDOW_MS is not restarted again. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 30_000;

/**
 * Runs N worker processes sharing the port; restarts one that dies (reporting it on stderr,
 * giving up on a worker that keeps dying); forwards SIGINT/SIGTERM; exits when they have.
 */
async function supervise(o: Options, argv: string[]): Promise<void> {
  const port = o.port === 0 ? freePort(o.host) : o.port;
  const self = process.argv[1] && !process.argv[1].startsWith("/$bunfs") ? [process.execPath, process.argv[1]] : [process.execPath];
  const args = [
    ...argv.filter(
      (a, i) =>
        !(
          a === "--workers" ||
          argv[i - 1] === "--workers" ||
          a.startsWith("--workers=") ||
          a === "--port" ||
          argv[i - 1] === "--port" ||
          a.startsWith("--port=")
        ),
    ),
    "--port",
    String(port),
  ];
  // --metrics: the workers send their pages here over IPC and get the sum back (cli-metrics.ts).
  const metrics = o.metrics ? new SupervisorMetrics() : null;
  const spawn = (n: number) => {
    const child = Bun.spawn([...self, ...args], {
      env: { ...process.env, NETSVC_WORKER: String(n + 1) },
      stdout: "pipe",
      stderr: "inherit",
      // The worker's lifeline (followSupervisor): never written, closed by the kernel when we end.
      stdin: "pipe",
      ...(metrics !== null ? { ipc: metrics.received } : {}),
    });
    metrics?.started(child);
    return child;
  };
  const workers = Array.from({ length: o.workers }, (_, n) => spawn(n));
  // The signals' handlers first: Bun installs them asynchronously, and a signal that comes before
  // would end the supervisor (SIGHUP's default) — the URL printed below is what callers wait for.
  let stopping = false;
  let failed = false;
  const forward = (signal: NodeJS.Signals) => () => {
    stopping = true;
    for (const w of workers) w.kill(signal);
  };
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  // SIGHUP (SPEC §14): the config file is checked here first — a bad one is one line and the
  // workers in force stay — then every worker is replaced, one at a time, the new one listening
  // on the shared port before the old one drains (HttpDaemon.drain: its keep-alive connections
  // close after their next answer, never while idle under a request on its way, RFC 9112
  // §9.3.1). New processes take everything new: the config, the certificates, a new binary.
  let replacing = false;
  let again = false;
  let ready = false;
  const replaceAll = async (): Promise<void> => {
    replacing = true;
    let replaced = 0;
    for (let n = 0; n < workers.length && !stopping; n++) {
      const old = workers[n]!;
      const next = spawn(n);
      try {
        await relayAfterReady(next.stdout as ReadableStream<Uint8Array>);
      } catch (e) {
        console.error(`netsvc: worker ${n + 1}'s replacement did not start (${(e as Error).message.split("\n")[0]}); the old one stays`);
        continue;
      }
      workers[n] = next;
      old.kill("SIGUSR1");
      await old.exited;
      replaced++;
      console.log(`netsvc: worker ${n + 1} replaced (pid ${old.pid} → ${next.pid})`);
    }
    if (!stopping) console.log(`netsvc: reloaded (${replaced} of ${workers.length} workers replaced)`);
    replacing = false;
    if (again && !stopping) {
      again = false;
      void replaceAll();
    }
  };
  process.on("SIGHUP", () => {
    try {
      configure(argv);
    } catch (e) {
      console.error(`netsvc: reload refused: ${(e as Error).message}; the configuration in force is kept`);
      return;
    }
    if (replacing || !ready)
      again = true; // before the workers are ready: once they are
    else void replaceAll();
  });
  // Each worker says when it listens; the URL is printed once all of them do.
  try {
    await Promise.all(workers.map((w) => relayAfterReady(w.stdout as ReadableStream<Uint8Array>)));
  } catch (e) {
    for (const w of workers) w.kill("SIGTERM");
    fail((e as Error).message);
  }
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  console.log(`netsvc: serving ${o.root} at ${o.tls ? "https" : "http"}://${host}:${port}/ with ${o.workers} workers`);
  if (o.redirectHttp !== null) console.log(`netsvc: http://${host}:${o.redirectHttp}/ redirects to https`);
  ready = true;
  if (again && !stopping) {
    again = false;
    void replaceAll();
  }
  const watch = async (n: number): Promise<void> => {
    const deaths: number[] = [];
    for (;;) {
      const child = workers[n]!;
      const code = await child.exited;
      if (stopping) return;
      if (workers[n] !== child) continue; // replaced (SIGHUP): watch the new one
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && now - deaths[0]! > RESTART_WINDOW_MS) deaths.shift();
      const how = workers[n]!.signalCode ? `signal ${workers[n]!.signalCode}` : `code ${code}`;
      if (deaths.length > MAX_RESTARTS) {
        console.error(`netsvc: worker ${n + 1} exited (${how}) ${deaths.length} times in ${RESTART_WINDOW_MS / 1000} s; not restarting it`);
        failed = true;
        return;
      }
      console.error(`netsvc: worker ${n + 1} exited (${how}); restarting it`);
      workers[n] = spawn(n);
      try {
        await relayAfterReady(workers[n]!.stdout as ReadableStream<Uint8Array>);
      } catch {
        // it died before listening: the loop sees its exit
      }
    }
  };
  await Promise.all(workers.map((_, n) => watch(n)));
  await Promise.all(workers.map((w) => w.exited));
  metrics?.stop();
  // A worker still starting when the signal came ends by that signal: a clean stop too.
  const clean = workers.every((w) => w.exitCode === 0 || w.signalCode === "SIGINT" || w.signalCode === "SIGTERM");
  process.exit(!failed && clean ? 0 : 1);
}

const argv = process.argv.slice(2);
let configured: Configured;
try {
  configured = configure(argv);
} catch (e) {
  if (!(e instanceof CliError)) throw e;
  fail(e.message);
}
const options = configured.options;
if (options.help) {
  console.log(HELP);
  process.exit(0);
}
if (options.version) {
  console.log(`netsvc ${packageJson.version}`);
  process.exit(0);
}
if (options.workers > 1 && !process.env.NETSVC_WORKER) {
  await supervise(options, argv);
} else {
  const dispatcher = new Dispatcher();
  dispatcher.monitor("SIGINT");
  dispatcher.monitor("SIGTERM");
  const worker = process.env.NETSVC_WORKER;
  const daemon = serve(configured, options.workers > 1 || worker !== undefined, worker !== undefined, dispatcher);
  if (worker !== undefined) {
    followSupervisor(dispatcher, worker);
    // Being replaced (the supervisor's SIGHUP): drain — no idle keep-alive connection closed under
    // a request on its way — then the orderly shutdown.
    process.on("SIGUSR1", () => {
      void daemon.drain(dispatcher.graceMs);
      void dispatcher.shutdown();
    });
  }
  if (options.nats.length > 0) {
    // In the background: the HTTP side serves at once; an unreachable NATS is one clear line,
    // retried. Refused credentials cannot get better by retrying: one line, and the process ends.
    const exchange = new Exchange({
      servers: options.nats,
      ...(options.natsCreds ? { creds: options.natsCreds } : {}),
      ...(options.natsTls ? { tls: options.natsTls } : {}),
    });
    exchange.subscribeShutdown(dispatcher);
    exchange.connect().catch((e: unknown) => {
      console.error(`netsvc: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
  }
  await dispatcher.run();
}
