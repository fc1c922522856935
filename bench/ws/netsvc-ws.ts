/**
 * Benchmark peer: netsvc's WebSocket, a servlet per path that upgrades (bench/ws/protocol.ts says
 * what each path does). `bun netsvc-ws.ts PORT [--fanout send|publish] [--idle-timeout S]`:
 *
 * - `--fanout send` (the default): the publisher's message is sent to every subscriber with
 *   `ws.send(sameString)` in a loop (each send frames the string again);
 * - `--fanout publish`: subscribers call `ws.subscribe(TOPIC)` and the publisher's message goes
 *   out as `services.publish(TOPIC, message)` (reports: framed once for all subscribers, delivered
 *   as `{"subject":…,"value":…}`). Needs `services.publish` (issue 23 item 2): without it the
 *   peer exits at once with a clear message.
 *
 * --nats URL (with `--fanout publish`): the process joins the bus first (an `Exchange` on the
 * shared `services`, discovery off) and holds one subscriber of TOPIC of its own for its whole
 * life, so the NATS subscription is in place before any socket subscribes and stays between
 * runs (one no-op callback per report, beside the 1,000 deliveries). Its reports then cross the
 * bus both ways: run.ts's bus fan-out starts two of these, the subscribers' server and the
 * publisher process (whose `/publish` socket is the load client's publisher).
 *
 * --idle-timeout sets keepAliveTimeoutMs (the idle HTTP/1.1 connections of the memory figure).
 * --heap-stats: on SIGUSR2 a full GC, then one JSON line on stderr (heap size, RSS, object counts
 * by type from bun:jsc): two of them, before and with N idle sockets, say what one socket holds.
 */
import { Dispatcher, HttpDaemon, HttpServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { Exchange, services } from "../../src/entry/services.ts";
import type { WebSocketSession } from "../../src/servers/websocket.ts";
import { idleTimeoutFlag, type NetsvcFanout, PATHS, SUBSCRIBED, TOPIC } from "./protocol.ts";

const argv = process.argv;
const fanoutMode: NetsvcFanout = argv.includes("--fanout") && argv[argv.indexOf("--fanout") + 1] === "publish" ? "publish" : "send";
type Publish = (subject: string, value: unknown) => void;
const reports = services as unknown as { publish?: Publish };
if (fanoutMode === "publish" && typeof reports.publish !== "function") {
  console.error("netsvc-ws: --fanout publish needs services.publish (issue 23 item 2), which this build does not have");
  process.exit(2);
}
const publish: Publish | undefined = reports.publish?.bind(services);
const natsUrl = argv.includes("--nats") ? argv[argv.indexOf("--nats") + 1] : undefined;
let exchange: Exchange | null = null;
if (natsUrl !== undefined) {
  if (fanoutMode !== "publish") {
    console.error("netsvc-ws: --nats needs --fanout publish (reports cross the bus; a send loop does not)");
    process.exit(2);
  }
  exchange = new Exchange({ servers: natsUrl, retry: false, discovery: false, log: () => {} });
  await exchange.connect();
  services.subscribeReports(TOPIC, () => {});
}

/** The subscribers of the send loop (send mode). */
const subscribers = new Set<WebSocketSession>();

/** A server whose servlet runs `f` with the upgraded socket (nothing when the request is not an upgrade). */
class WsServer extends HttpServer {
  constructor(private readonly f: (ws: WebSocketSession) => void) {
    super();
  }
  override servlet(session: HttpSession): HttpServlet {
    const f = this.f;
    return new (class extends HttpServlet {
      override processRequest(): void {
        const ws = this.upgrade();
        if (ws) f(ws);
      }
    })(session);
  }
}

class Hello extends HttpServlet {
  override processRequest(): void {
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", 13);
    this.endHeaders();
    this.sendContent("Hello, world!");
  }
}

class HelloServer extends HttpServer {
  override servlet(session: HttpSession): HttpServlet {
    return new Hello(session);
  }
}

const idleTimeout = idleTimeoutFlag(argv);
const daemon = new HttpDaemon(Number(argv[2]), {
  maxRequestsPerConnection: 1e9,
  ...(idleTimeout !== undefined ? { keepAliveTimeoutMs: idleTimeout * 1000 } : {}),
});
daemon.attach(
  PATHS.echo,
  new WsServer((ws) => {
    ws.onmessage = (data) => void ws.send(data);
  }),
);
daemon.attach(
  PATHS.fanout,
  new WsServer((ws) => {
    if (fanoutMode === "publish") ws.subscribe(TOPIC);
    else {
      subscribers.add(ws);
      ws.onclose = () => void subscribers.delete(ws);
    }
    ws.onmessage = () => void ws.send(SUBSCRIBED);
  }),
);
daemon.attach(
  PATHS.publish,
  new WsServer((ws) => {
    ws.onmessage =
      fanoutMode === "publish"
        ? (data) => publish!(TOPIC, data)
        : (data) => {
            for (const s of subscribers) s.send(data);
          };
  }),
);
daemon.attach(PATHS.idle, new WsServer(() => {}));
daemon.attach(PATHS.hello, new HelloServer());
if (argv.includes("--heap-stats")) {
  const { heapStats } = await import("bun:jsc");
  process.on("SIGUSR2", () => {
    Bun.gc(true);
    const h = heapStats();
    console.error(JSON.stringify({ heapSize: h.heapSize, rss: process.memoryUsage().rss, objects: h.objectTypeCounts }));
  });
}
const dispatcher = new Dispatcher();
dispatcher.monitor("SIGINT"); // an orderly exit lets `bun --cpu-prof` write its profile
dispatcher.monitor("SIGTERM");
exchange?.subscribeShutdown(dispatcher); // its connection would keep the process alive after stop
daemon.start();
console.log("ready");
await dispatcher.run();
