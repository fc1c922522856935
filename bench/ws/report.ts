/**
 * The WebSocket benchmark's Markdown: one table per load (medians over rounds, netsvc's ratios
 * paired within each round, then their median), the goals of issue 23 with their verdicts, and
 * memory per idle WebSocket beside the same server's idle HTTP/1.1 connection.
 */
import { median } from "../server/measure.ts";
import type { BusCell } from "./bus.ts";
import type { WsRun } from "./loads.ts";
import { BARE, BUN_SERVE, NETSVC, NODE_WS } from "./peers.ts";
import { MESSAGE_BYTES, TOPIC } from "./protocol.ts";

/** Bytes of a 32-byte message delivered as a report. */
const REPORT_BYTES = JSON.stringify({ subject: TOPIC, value: "x".repeat(MESSAGE_BYTES) }).length;

/** One server's runs of one load. */
export interface WsCell {
  load: "echo" | "fanout";
  peer: string;
  runs: WsRun[];
}

/** Memory per idle connection on one server. */
export interface IdleRow {
  peer: string;
  /** B of RSS per idle WebSocket (median over rounds). */
  webSocket: number;
  /** B of RSS per idle HTTP/1.1 keep-alive connection after one request (median over rounds). */
  http1: number;
  held: string;
  errors: number;
}

/** What the tables say about how the run was made. */
export interface ReportContext {
  connections: number;
  echoMessages: number;
  subscribers: number;
  publications: number;
  /** No burst begun after this many seconds. */
  fanoutSeconds: number;
  /** Messages per publisher write (the next once every subscriber has them). */
  burst: number;
  /** netsvc's fan-out: "send" (a loop of ws.send) or "publish" (services.publish). */
  netsvcFanout: string;
  idle: number;
}

/** The goals of issue 23's "Performance" paragraph. */
const ECHO_GOAL = 1.0;
const FANOUT_GOAL = 1.5;
/** Deliveries/s of a report crossing the bus ÷ the local fan-out's, at least. */
const BUS_GOAL = 0.5;
const IDLE_GOAL_BYTES = 4096;
/** A client busier than this share of its CPU (median) limited the run itself. */
const CLIENT_BOUND = 0.9;

const pct = (x: number) => `${Math.round(x * 100)}%`;
const int = (x: number) => Math.round(x).toLocaleString("en-US");
const med = (c: WsCell, f: (r: WsRun) => number) => median(c.runs.map(f));
const errorsOf = (c: WsCell) => c.runs.reduce((a, r) => a + r.errors, 0);

/** netsvc ÷ `peer` of `f` within each round, then the median. */
function paired(cells: WsCell[], load: WsCell["load"], peer: string, f: (r: WsRun) => number): number {
  return pairedOf(cells, load, NETSVC, peer, f);
}

/** `a` ÷ `b` of `f` within each round, then the median. */
function pairedOf(cells: WsCell[], load: WsCell["load"], a: string, b: string, f: (r: WsRun) => number): number {
  const ours = cells.find((c) => c.load === load && c.peer === a);
  const theirs = cells.find((c) => c.load === load && c.peer === b);
  if (!ours || !theirs) return Number.NaN;
  return median(ours.runs.map((r, i) => f(r) / f(theirs.runs[i]!)));
}

/** bus ÷ local of `f` within each round (runs of one round share an index), then the median. */
function busPaired(bus: BusCell[], f: (r: WsRun) => number): number {
  const local = bus.find((c) => c.mode === "local");
  const crossed = bus.find((c) => c.mode === "bus");
  if (!local || !crossed || crossed.runs.length === 0) return Number.NaN;
  return median(crossed.runs.map((r, i) => f(r) / f(local.runs[i]!)));
}

/** The Markdown lines of a run (`bus`: the fan-out across the bus beside the local one, when measured). */
export function report(cells: WsCell[], idle: IdleRow[], o: ReportContext, bus: BusCell[] = []): string[] {
  const lines: string[] = [];
  const echo = cells.filter((c) => c.load === "echo");
  const fan = cells.filter((c) => c.load === "fanout");
  if (echo.length) {
    lines.push(
      `Echo: ${o.connections} connections, one 32-byte text message in flight on each (send, wait for the echo, send again), ${int(o.echoMessages)} messages per run:`,
      "",
      "| server | messages/s (median) | netsvc ÷ server | server CPU µs/message | server CPU busy | client CPU busy | errors |",
      "|---|---:|---:|---:|---:|---:|---:|",
    );
    for (const c of echo) {
      const ratio = c.peer === NETSVC ? "—" : `${paired(cells, "echo", c.peer, (r) => r.rate).toFixed(2)}x`;
      lines.push(
        `| ${c.peer} | ${int(med(c, (r) => r.rate))} | ${ratio} | ${med(c, (r) => r.cpuUsPerMessage).toFixed(2)} | ${pct(med(c, (r) => r.serverCpuShare))} | ${pct(med(c, (r) => r.clientCpuShare))} | ${errorsOf(c)} |`,
      );
    }
    lines.push("");
  }
  if (fan.length) {
    const how =
      o.netsvcFanout === "publish"
        ? `netsvc: \`ws.subscribe()\` and \`services.publish()\` (reports: each delivered as \`{"subject":…,"value":…}\`, ${REPORT_BYTES} bytes)`
        : "netsvc: a loop of `ws.send(sameString)` over its subscribers (`--netsvc-fanout send`, or services.publish is not on this build)";
    lines.push(
      `Fan-out: ${o.subscribers} subscribers, one publisher sending 32-byte messages for ${o.fanoutSeconds} s (at most ${int(o.publications)}) in bursts of ${o.burst} (one write each, the next once every subscriber has the last); ${how}; Bun.serve: \`ws.subscribe()\` and \`server.publish()\`${fan.some((c) => c.peer === NODE_WS) ? "; Node: a loop of `send()`" : ""}:`,
      "",
      "| server | deliveries/s (median) | server CPU µs/delivery | netsvc ÷ server (CPU per delivery) | server CPU busy | client CPU busy | errors |",
      "|---|---:|---:|---:|---:|---:|---:|",
    );
    for (const c of fan) {
      const ratio = c.peer === NETSVC ? "—" : `${paired(cells, "fanout", c.peer, (r) => r.cpuUsPerMessage).toFixed(2)}x`;
      lines.push(
        `| ${c.peer} | ${int(med(c, (r) => r.rate))} | ${med(c, (r) => r.cpuUsPerMessage).toFixed(3)} | ${ratio} | ${pct(med(c, (r) => r.serverCpuShare))} | ${pct(med(c, (r) => r.clientCpuShare))} | ${errorsOf(c)} |`,
      );
    }
    lines.push("");
  }
  if (bus.length) {
    lines.push(
      `Fan-out across the bus: ${o.subscribers} subscribers on one netsvc process (\`ws.subscribe()\`), the load client's publisher sending 32-byte messages for ${o.fanoutSeconds} s (at most ${int(o.publications)}) in bursts of ${o.burst} (the next once every subscriber has the last). local: the publisher's socket on the subscribers' server, \`services.publish()\` there, no bus. bus: the publisher's socket on ANOTHER netsvc process whose \`services.publish()\` goes through its Exchange and a real nats-server to the subscribers' server's Exchange. Subscribers' servers on CPU 0; the client, the publisher process and nats-server on CPU 1 (their CPU per delivery beside, from /proc); local and bus alternate within each round:`,
      "",
      "| mode | deliveries/s (median) | bus ÷ local (deliveries/s) | subscribers' server CPU µs/delivery | publisher process CPU µs/delivery | nats-server CPU µs/delivery | server CPU busy | client CPU busy | errors |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const c of bus) {
      if (c.runs.length === 0) continue;
      const other = (k: number) =>
        c.mode === "bus" ? median(c.runs.map((r) => r.othersCpuUsPerMessage?.[k] ?? Number.NaN)).toFixed(3) : "—";
      const ratio = c.mode === "local" ? "—" : `${busPaired(bus, (r) => r.rate).toFixed(2)}x`;
      const errors = c.runs.reduce((a, r) => a + r.errors, 0);
      lines.push(
        `| ${c.mode} | ${int(median(c.runs.map((r) => r.rate)))} | ${ratio} | ${median(c.runs.map((r) => r.cpuUsPerMessage)).toFixed(3)} | ${other(0)} | ${other(1)} | ${pct(median(c.runs.map((r) => r.serverCpuShare)))} | ${pct(median(c.runs.map((r) => r.clientCpuShare)))} | ${errors} |`,
      );
    }
    lines.push("");
  }
  if (idle.length) {
    lines.push(
      `Memory per idle connection: ${int(o.idle)} held on a fresh server, RSS with them − RSS before (warmed with 100), medians of 5 readings; "beyond the socket" is the WebSocket's figure less the same server's idle HTTP/1.1 keep-alive connection (after one GET):`,
      "",
      "| server | B per idle WebSocket | B per idle HTTP/1.1 connection | WebSocket beyond the socket | held (WebSocket / HTTP/1.1) | errors |",
      "|---|---:|---:|---:|---:|---:|",
    );
    for (const r of idle)
      lines.push(`| ${r.peer} | ${int(r.webSocket)} | ${int(r.http1)} | ${int(r.webSocket - r.http1)} | ${r.held} | ${r.errors} |`);
    lines.push("");
  }
  lines.push("| goal (issue 23) | measured | |", "|---|---:|---|");
  const verdict = (ok: boolean, x: number) => (Number.isNaN(x) ? "not measured" : ok ? "met" : "**not met**");
  const bound = (load: WsCell["load"], peer: string) => {
    const c = cells.find((x) => x.load === load && x.peer === peer);
    return c !== undefined && med(c, (r) => r.clientCpuShare) >= CLIENT_BOUND;
  };
  if (echo.length) {
    const r = paired(cells, "echo", BUN_SERVE, (x) => x.rate);
    const cpu = paired(cells, "echo", BUN_SERVE, (x) => x.cpuUsPerMessage);
    let text = `${verdict(r >= ECHO_GOAL, r)}; server CPU per message ${cpu.toFixed(2)}x Bun.serve's`;
    if (bound("echo", NETSVC) || bound("echo", BUN_SERVE))
      text += `; the client was ≥ ${pct(CLIENT_BOUND)} busy: messages/s are partly its own`;
    const floor = pairedOf(cells, "echo", BARE, BUN_SERVE, (x) => x.rate);
    if (!Number.isNaN(floor))
      text += `; the bare Bun.listen echo (no protocol checks: the floor on Bun.listen) ${floor.toFixed(2)}x Bun.serve, netsvc ${paired(cells, "echo", BARE, (x) => x.rate).toFixed(2)}x of it`;
    lines.push(`| echo messages/s ≥ ${ECHO_GOAL}x Bun.serve | ${r.toFixed(2)}x | ${text} |`);
  }
  if (fan.length) {
    const r = paired(cells, "fanout", BUN_SERVE, (x) => x.cpuUsPerMessage);
    lines.push(
      `| fan-out server CPU per delivery ≤ ${FANOUT_GOAL}x Bun.serve's (${o.netsvcFanout === "publish" ? "services.publish" : "ws.send loop"}) | ${r.toFixed(2)}x | ${verdict(r <= FANOUT_GOAL, r)} |`,
    );
  }
  if (bus.length) {
    const r = busPaired(bus, (x) => x.rate);
    lines.push(
      `| a report across the bus to ${o.subscribers} WebSockets in another process ≥ ${BUS_GOAL}x the local fan-out's deliveries/s | ${r.toFixed(2)}x | ${verdict(r >= BUS_GOAL, r)} |`,
    );
  }
  const ours = idle.find((r) => r.peer === NETSVC);
  if (ours) {
    const beyond = ours.webSocket - ours.http1;
    lines.push(
      `| idle WebSocket ≤ ${IDLE_GOAL_BYTES} B beyond the socket | ${int(beyond)} B | ${verdict(beyond <= IDLE_GOAL_BYTES, beyond)} |`,
    );
  }
  const failures = [
    ...cells.flatMap((c) => c.runs.filter((r) => r.firstError).map((r) => `${c.peer} ${c.load}: ${r.firstError}`)),
    ...bus.flatMap((c) => c.runs.filter((r) => r.firstError).map((r) => `netsvc fanout-bus ${c.mode}: ${r.firstError}`)),
  ];
  if (failures.length) lines.push("", "First error of each run that had one:", "", ...failures.map((f) => `- ${f}`));
  return lines;
}
