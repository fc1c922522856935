/**
 * The netsvc server under test of the stress harness (issue 9): an HttpDaemon on 127.0.0.1 with
 *
 * - `/`      a FileServer over the fixture directory (small.txt: 13 bytes, big.bin: 200 MB);
 * - `/poll`  a long-poll that never answers and records, per request (`/poll?id=N`), the moment
 *            (epoch ms) its destroyServlet() ran and whether its signal had aborted by then;
 * - `/stats` JSON: `daemon.stats()` and the poll counters; `/stats?polls` adds every recorded
 *            destroy time as `[id, epochMs]` pairs; `/stats?gc` first runs a full garbage collection
 *            (diagnostic only). Cheap otherwise: no file system, no loop over sessions;
 * - `/rpc`   a JSON-RPC RpcGateway (default limits) to the service `stress`, whose `echo(x)`
 *            returns `x` (RPC_PATH; the rpc-batch probe's target).
 *            With NATS_URL the process also joins that NATS bus, so the gateway fronts the bus's
 *            services too, as `netsvc --rpc /rpc --nats URL` runs it (the nats-kill probe); several
 *            URLs, comma-separated, are the nodes of one cluster (`--nats` repeated; nats-cluster-kill).
 *
 * - `/ws`   a WebSocket echo (default limits: 1 MiB messages, 1 MiB backlog; permessage-deflate
 *            when offered): every message is sent back as it came (text or binary);
 * - `/ws/flood` a careless WebSocket application: from the upgrade on it sends 64 KiB every turn
 *            and never looks at send()'s answer, until the socket closes (ws-slow-reader);
 * - `/ws/reports` a WebSocket subscribed to the reports `stress.reports.>`, and `/ws/publish?N`
 *            publishes N reports of about 1 KB there at once (ws-slow-subscriber).
 *
 * Usage: bun bench/stress/netsvc-target.ts PORT FIXTURE_DIR [MAX_CONNECTIONS (default: the daemon's, MAX_CONNECTIONS)] [NATS_URL[,NATS_URL…]]
 * The environment sets a probe's variant (TargetVariant in targets.ts): STRESS_TLS_CERT and
 * STRESS_TLS_KEY (HTTPS), STRESS_TRUST_PROXY (trustProxy, one address or CIDR),
 * STRESS_HEAD_TIMEOUT_MS (headTimeoutMs), STRESS_SEND_TIMEOUT_MS (sendTimeoutMs).
 * Prints "ready" on stdout once listening (and on the bus); SIGINT/SIGTERM stop it in order.
 */
import { Dispatcher, FileServer, HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { Exchange, Service, services } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { MAX_CONNECTIONS } from "../../src/entry/limits.ts";
import { epochMs } from "./clock.ts";
import { RPC_PATH } from "./fixture.ts";

/** What the long-polls saw. */
const polls = {
  /** processRequest() calls. */
  started: 0,
  /** destroyServlet() calls. */
  destroyed: 0,
  /** destroyServlet() calls that found `signal` aborted (the two must fire together). */
  signalled: 0,
};
/** Poll id → epoch ms of its destroyServlet(). Bounded: ids come from the harness. */
const destroyedAt = new Map<string, number>();
/** Past this many recorded ids, further destroy times are counted but not kept. */
const MAX_RECORDED_POLLS = 100_000;

/** A long-poll that never answers: only the client leaving ends it. */
class LongPoll extends HttpServlet {
  override processRequest(): void {
    polls.started++;
  }
  override destroyServlet(): void {
    polls.destroyed++;
    if (this.signal.aborted) polls.signalled++;
    if (destroyedAt.size < MAX_RECORDED_POLLS) destroyedAt.set(this.queryString().replace(/^id=/, ""), epochMs());
  }
}

/** Answers the counters as JSON. */
class Stats extends HttpServlet {
  override processRequest(): void {
    if (this.queryString() === "gc") Bun.gc(true); // diagnostic: is memory kept after a probe garbage?
    const body: Record<string, unknown> = { stats: daemon.stats(), polls };
    if (this.queryString().startsWith("polls")) body.destroyedAt = [...destroyedAt];
    if (this.queryString() === "reset") destroyedAt.clear();
    this.sendDocument(200, "application/json", JSON.stringify(body));
  }
}

/** WebSocket echo: each message back as it came (ws-bomb, ws-idle-flood, ws-fragment-flood). */
class WsEcho extends HttpServlet {
  override processRequest(): void {
    const ws = this.upgrade();
    if (ws) ws.onmessage = (data) => void ws.send(data);
  }
}

/** What /ws/flood sends per turn: four binary messages of 16 KiB. */
const FLOOD_CHUNK = new Uint8Array(16 * 1024);
const FLOOD_PER_TURN = 4;

/** A careless application: sends without ever looking at send()'s false (ws-slow-reader). */
class WsFlood extends HttpServlet {
  override processRequest(): void {
    const ws = this.upgrade();
    if (!ws) return;
    const turn = () => {
      if (ws.readyState !== "open") return;
      for (let i = 0; i < FLOOD_PER_TURN; i++) ws.send(FLOOD_CHUNK);
      setImmediate(turn);
    };
    turn();
  }
}

/** The report subject of /ws/reports and /ws/publish, and a report's filler (about 1 KB framed). */
const REPORT_SUBJECT = "stress.reports.tick";
const REPORT_TEXT = "r".repeat(1000);
let reportsPublished = 0;

/** A report subscriber: every report on stress.reports.> reaches it (ws-slow-subscriber). */
class WsReports extends HttpServlet {
  override processRequest(): void {
    this.upgrade()?.subscribe("stress.reports.>");
  }
}

/** Publishes `?N` reports at once (default 1) and answers how many so far. */
class Publish extends HttpServlet {
  override processRequest(): void {
    const n = Math.min(10_000, Number(this.queryString()) || 1);
    for (let i = 0; i < n; i++) services.publish(REPORT_SUBJECT, { n: reportsPublished++, text: REPORT_TEXT });
    this.sendDocument(200, "text/plain", String(reportsPublished));
  }
}

/** A server whose servlet() builds one servlet class. */
class ServletServer extends HttpServer {
  constructor(private readonly make: new (s: HttpSession) => HttpServlet) {
    super();
  }
  override servlet(session: HttpSession): HttpServlet {
    return new this.make(session);
  }
}

const [portArg, fixture, maxArg, natsUrl] = process.argv.slice(2);
if (!portArg || !fixture) throw new Error("usage: netsvc-target.ts PORT FIXTURE_DIR [MAX_CONNECTIONS] [NATS_URL]");
const env = process.env;
const daemon = new HttpDaemon(Number(portArg), {
  maxConnections: Number(maxArg ?? MAX_CONNECTIONS),
  ...(env.STRESS_TLS_CERT && env.STRESS_TLS_KEY ? { tls: { cert: env.STRESS_TLS_CERT, key: env.STRESS_TLS_KEY } } : {}),
  ...(env.STRESS_TRUST_PROXY ? { trustProxy: [env.STRESS_TRUST_PROXY] } : {}),
  ...(env.STRESS_HEAD_TIMEOUT_MS ? { headTimeoutMs: Number(env.STRESS_HEAD_TIMEOUT_MS) } : {}),
  ...(env.STRESS_SEND_TIMEOUT_MS ? { sendTimeoutMs: Number(env.STRESS_SEND_TIMEOUT_MS) } : {}),
});
daemon.attach("/", new FileServer(fixture));
daemon.attach("/poll", new ServletServer(LongPoll));
daemon.attach("/stats", new ServletServer(Stats));
daemon.attach("/ws", new ServletServer(WsEcho));
daemon.attach("/ws/flood", new ServletServer(WsFlood));
daemon.attach("/ws/reports", new ServletServer(WsReports));
daemon.attach("/ws/publish", new ServletServer(Publish));
const [, rpcRoot, rpcService] = RPC_PATH.split("/");
new Service(rpcService!).exportMethod((x: unknown) => x, "echo");
daemon.attach(`/${rpcRoot}`, new RpcGateway(""));
const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT");
dispatcher.monitor("SIGTERM");
if (natsUrl) {
  const exchange = new Exchange({ servers: natsUrl.split(",") });
  exchange.subscribeShutdown(dispatcher);
  await exchange.connect();
}
daemon.start();
console.log("ready");
await dispatcher.run();
