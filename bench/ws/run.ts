/**
 * `npm run bench:ws` (issue 23 "Performance"): netsvc's WebSocket beside Bun.serve's (uWebSockets
 * inside) and Node 20 with `ws` (when `ws` resolves), side by side in one run, every server pinned
 * to CPU 0 and the load client (client.ts: Bun over raw TCP, frames by hand) to CPU 1:
 *
 * - echo: CONNECTIONS connections, one 32-byte message in flight on each, a fixed count per run;
 *   messages/s and server CPU µs per message;
 * - fan-out: SUBSCRIBERS subscribed connections, one publisher sending bursts of BURST messages
 *   (one write; the next once every subscriber has the last) for FANOUT-SECONDS (or PUBLICATIONS);
 *   server CPU µs per delivered message;
 * - idle memory: RSS per idle WebSocket (N held, less the baseline) beside the same server's idle
 *   HTTP/1.1 connection, each on a fresh server.
 *
 * The order of the servers rotates every round; medians of rounds; netsvc's ratios paired within
 * a round. Server CPU comes from /proc, read when the client's connections are ready and when its
 * load is done; the client prints its own CPU share (near 100%: it measured itself). Every
 * message is checked (errors counted).
 *
 *   bun bench/ws/run.ts [--rounds 5] [--connections 100] [--echo-messages 300000]
 *                       [--subscribers 1000] [--publications 100000] [--burst 50] [--fanout-seconds 3] [--idle 2000]
 *                       [--loads echo,fanout,idle,fanout-bus] [--netsvc-fanout send|publish]
 *                       [--node-path DIR] [--no-node] [--bare] [--quick] [--write]
 *
 * fanout-bus (not in the default loads: it needs nats-server): netsvc's fan-out through
 * services.publish in the subscribers' own process (local) beside the same bursts published by
 * another process across a real nats-server (bus), alternating; bus.ts says how.
 *
 * --netsvc-fanout: netsvc's fan-out through services.publish() (reports; issue 23 item 2) or a loop
 * of ws.send() over its subscribers; by default publish where services.publish exists, else send. --node-path is a
 * directory holding `ws` (NODE_PATH for the Node peer) when it is not in the repository's
 * node_modules. --bare adds bare-ws.ts to the echo load: the most any WebSocket echo on
 * Bun.listen can do (the least work per message), as bare-listen.ts is for HTTP. --write appends the run, dated, to bench/results/ws.md.
 */
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { services } from "../../src/entry/services.ts";
import { median, numberFlag } from "../server/measure.ts";
import { idleBytes } from "../server/h2-idle.ts";
import { BusRig, type BusCell, type BusMode } from "./bus.ts";
import { idleWebSockets, measureLoad, type ClientArgs } from "./loads.ts";
import { nodeWsMissing, peers, type Peer, type Server, startServer, stopServers } from "./peers.ts";
import { PATHS, type NetsvcFanout } from "./protocol.ts";
import { type IdleRow, report, type ReportContext, type WsCell } from "./report.ts";

const ROOT = resolve(import.meta.dir, "../..");
const RESULTS = join(ROOT, "bench/results/ws.md");
/** The idle rows' servers keep an idle HTTP connection this long (s): longer than a measurement takes. */
const IDLE_TIMEOUT_S = 120;

const args = process.argv.slice(2);
/** services.publish() is there (issue 23 item 2): netsvc's fan-out uses it unless told otherwise. */
const hasPublish = typeof (services as unknown as { publish?: unknown }).publish === "function";
const quick = args.includes("--quick");
const flag = (name: string, fallback: number) => numberFlag(args, name, fallback);
const text = (name: string, fallback: string) => (args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback);

const o = {
  rounds: flag("--rounds", quick ? 3 : 5),
  connections: flag("--connections", 100),
  echoMessages: flag("--echo-messages", quick ? 100_000 : 300_000),
  subscribers: flag("--subscribers", 1000),
  publications: flag("--publications", 100_000),
  fanoutSeconds: flag("--fanout-seconds", quick ? 1.5 : 3),
  burst: flag("--burst", 50),
  idle: flag("--idle", quick ? 500 : 2000),
  idleRounds: flag("--idle-rounds", quick ? 1 : 2),
  loads: text("--loads", "echo,fanout,idle").split(","),
  netsvcFanout: text("--netsvc-fanout", hasPublish ? "publish" : "send") === "publish" ? "publish" : ("send" as NetsvcFanout),
  nodePath: text("--node-path", process.env.WS_NODE_PATH ?? ""),
};
const nodeMissing = args.includes("--no-node") ? "left out (--no-node)" : nodeWsMissing(o.nodePath);
const list = peers(o, nodeMissing === null, args.includes("--bare"));

let nextPort = 10000 + Math.floor(Math.random() * 20000); // below the ephemeral range (32768+)
const log = (line: string) => console.log(line);

type Load = "echo" | "fanout";
const clientArgs = (load: Load, scale = 1): ClientArgs =>
  load === "echo"
    ? ["echo", o.connections, Math.round(o.echoMessages * scale)]
    : ["fanout", o.subscribers, o.publications, o.burst, o.fanoutSeconds * scale];

/** The rounds of echo and fan-out, every server started once. */
async function throughput(): Promise<WsCell[]> {
  const loads = (["echo", "fanout"] as const).filter((l) => o.loads.includes(l));
  const cells: WsCell[] = [];
  if (loads.length === 0) return cells;
  const servers: Server[] = [];
  try {
    for (const p of list) servers.push(await startServer(p, nextPort++));
    for (const load of loads)
      for (const s of servers.filter((s) => load === "echo" || !s.peer.echoOnly)) {
        const r = await measureLoad(s.port, s.pid, clientArgs(load, 0.25));
        log(`  warm-up ${load} ${s.peer.name}: ${Math.round(r.rate)}/s${r.errors ? ` (${r.errors} errors: ${r.firstError})` : ""}`);
      }
    for (let round = 0; round < o.rounds; round++) {
      for (const load of loads) {
        const order = servers.map((_, i) => servers[(i + round) % servers.length]!).filter((s) => load === "echo" || !s.peer.echoOnly);
        for (const s of order) {
          const r = await measureLoad(s.port, s.pid, clientArgs(load));
          let cell = cells.find((c) => c.load === load && c.peer === s.peer.name);
          if (!cell) cells.push((cell = { load, peer: s.peer.name, runs: [] }));
          cell.runs.push(r);
          log(
            `  round ${round + 1} ${load} ${s.peer.name}: ${Math.round(r.rate)}/s, ${r.cpuUsPerMessage.toFixed(3)} µs CPU each, client ${Math.round(r.clientCpuShare * 100)}% busy${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ""}`,
          );
        }
      }
    }
  } finally {
    await stopServers(servers);
  }
  // The table lists the peers in their own order, not the last round's.
  return list.flatMap((p) => cells.filter((c) => c.peer === p.name));
}

/** The rounds of the fan-out across the bus beside the local one (bus.ts), the order alternating. */
async function busCells(): Promise<BusCell[]> {
  if (!o.loads.includes("fanout-bus")) return [];
  const cells: BusCell[] = [
    { mode: "local", runs: [] },
    { mode: "bus", runs: [] },
  ];
  const rig = await BusRig.start(() => nextPort++);
  try {
    for (const c of cells) {
      const r = await rig.measure(c.mode, clientArgs("fanout", 0.25));
      log(`  warm-up fanout-bus ${c.mode}: ${Math.round(r.rate)}/s${r.errors ? ` (${r.errors} errors: ${r.firstError})` : ""}`);
    }
    for (let round = 0; round < o.rounds; round++) {
      const order: BusMode[] = round % 2 === 0 ? ["local", "bus"] : ["bus", "local"];
      for (const mode of order) {
        const r = await rig.measure(mode, clientArgs("fanout"));
        cells.find((c) => c.mode === mode)!.runs.push(r);
        const others = r.othersCpuUsPerMessage
          ? `, publisher process ${r.othersCpuUsPerMessage[0]!.toFixed(3)} µs, nats-server ${r.othersCpuUsPerMessage[1]!.toFixed(3)} µs`
          : "";
        log(
          `  round ${round + 1} fanout-bus ${mode}: ${Math.round(r.rate)}/s, ${r.cpuUsPerMessage.toFixed(3)} µs CPU each${others}, client ${Math.round(r.clientCpuShare * 100)}% busy${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ""}`,
        );
      }
    }
  } finally {
    await rig.stop();
  }
  return cells;
}

/** Memory per idle WebSocket and per idle HTTP/1.1 connection, each on a fresh server. */
async function idleRows(): Promise<IdleRow[]> {
  if (!o.loads.includes("idle")) return [];
  const rows: IdleRow[] = [];
  const extra = ["--idle-timeout", String(IDLE_TIMEOUT_S)];
  const fresh = async <T>(p: Peer, f: (s: Server) => Promise<T>): Promise<T> => {
    const s = await startServer(p, nextPort++, extra);
    try {
      return await f(s);
    } finally {
      await stopServers([s]);
    }
  };
  for (const p of list.filter((p) => !p.echoOnly)) {
    const ws: number[] = [];
    const h1: number[] = [];
    const held: string[] = [];
    let errors = 0;
    for (let round = 0; round < o.idleRounds; round++) {
      const w = await fresh(p, (s) => idleWebSockets(s.port, s.pid, o.idle));
      const h = await fresh(p, (s) => idleBytes(s.port, s.pid, PATHS.hello, o.idle, "http/1.1"));
      ws.push(w.bytesPerSocket);
      h1.push(h.bytesPerConnection);
      held.push(`${w.held} / ${h.held}`);
      errors += w.errors;
      log(
        `  idle ${p.name}: ${Math.round(w.bytesPerSocket)} B per WebSocket, ${Math.round(h.bytesPerConnection)} B per HTTP/1.1 connection`,
      );
    }
    rows.push({ peer: p.name, webSocket: median(ws), http1: median(h1), held: held.join(", "), errors });
  }
  return rows;
}

const started = new Date();
const command = `bun bench/ws/run.ts ${args.join(" ")}`.trim();
log(
  `WebSocket benchmark ${started.toISOString()}: ${o.rounds} rounds, servers on CPU 0, the load client on CPU 1; peers: ${list.map((p) => p.name).join(", ")}${nodeMissing ? ` (Node with ws: ${nodeMissing})` : ""}`,
);
const cells = await throughput();
const bus = await busCells();
const idle = await idleRows();
const ctx: ReportContext = { ...o };
const lines = report(cells, idle, ctx, bus);
console.log(`\n${lines.join("\n")}`);
if (args.includes("--write")) {
  if (!existsSync(RESULTS))
    writeFileSync(
      RESULTS,
      "# WebSocket benchmark (`npm run bench:ws`, issue 23)\n\nNewest run last. Each section: the command, the machine, the tables as printed.\n",
    );
  const machine = `Bun ${Bun.version}, Node ${nodeMissing ? "—" : Bun.spawnSync(["node", "--version"]).stdout.toString().trim()}, 2 shared cores (servers on CPU 0, the load client on CPU 1), other helpers' benchmarks serialised by flock`;
  appendFileSync(
    RESULTS,
    `\n## ${started.toISOString().slice(0, 16).replace("T", " ")} UTC\n\n\`${command}\` — ${machine}${nodeMissing ? `; Node with ws ${nodeMissing}` : ""}.\n\n${lines.join("\n")}\n`,
  );
  log(`\nappended to ${RESULTS}`);
}
