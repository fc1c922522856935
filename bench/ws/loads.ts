/**
 * One measured WebSocket load: the load client (client.ts) spawned on the load CPU, the server's
 * CPU time read from /proc when the client says its connections are ready and again when it says
 * the load is done (so neither the set-up nor the tear-down is counted), the client's own figures
 * parsed from its JSON lines. Memory per idle WebSocket is measured here too.
 */
import { join, resolve } from "node:path";
import { CLK_TCK, cpuTicks, LOAD_CPU, pin } from "../server/measure.ts";
import { medianRssKiB } from "../server/h2-idle.ts";
import type { ClientReport } from "./client.ts";

const CLIENT = join(resolve(import.meta.dir), "client.ts");

/** One measured load against one server. */
export interface WsRun {
  /** Messages delivered and checked (echoes, or deliveries to subscribers). */
  messages: number;
  /** Messages per second of wall time. */
  rate: number;
  /** The server's CPU time (user + system) per message, µs. */
  cpuUsPerMessage: number;
  /** The server's CPU time ÷ the load's wall time. */
  serverCpuShare: number;
  /** The client's CPU time ÷ the load's wall time (near 1: the client was the bottleneck). */
  clientCpuShare: number;
  errors: number;
  firstError?: string;
  /** CPU time (µs) per message of each of measureLoad's `others` processes (the bus fan-out's publisher process and nats-server), in that order. */
  othersCpuUsPerMessage?: number[];
}

/** The client's arguments for a load (see client.ts). */
export type ClientArgs = [mode: "echo" | "fanout" | "idle", ...numbers: number[]];

/** A running client: its reports line by line, and its stdin. */
class ClientProcess {
  private readonly proc;
  private readonly lines: AsyncIterator<string>;

  constructor(port: number, args: ClientArgs) {
    const [mode, ...nums] = args;
    this.proc = Bun.spawn(pin(LOAD_CPU, [process.execPath, CLIENT, mode, String(port), ...nums.map(String)]), {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    });
    this.lines = readLines(this.proc.stdout);
  }

  /** The next report; throws when the client ended without one. */
  async next(phase: ClientReport["phase"]): Promise<ClientReport> {
    const line = await this.lines.next();
    if (line.done) throw new Error(`the load client ended before "${phase}" (exit ${await this.proc.exited})`);
    const r = JSON.parse(line.value) as ClientReport;
    if (r.phase !== phase) throw new Error(`the load client said ${r.phase} where ${phase} was due`);
    return r;
  }

  tell(word: string): void {
    this.proc.stdin.write(`${word}\n`);
    this.proc.stdin.flush();
  }

  async close(): Promise<void> {
    this.tell("close");
    this.proc.stdin.end();
    await this.proc.exited;
  }
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncIterator<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
      yield text.slice(0, nl);
      text = text.slice(nl + 1);
    }
  }
}

/**
 * Runs one load of the client against the server `pid` on `port`, its CPU read around the load
 * alone; the CPU of the `others` pids (processes the load also crosses) is read over the same span.
 */
export async function measureLoad(port: number, pid: number, args: ClientArgs, others: number[] = []): Promise<WsRun> {
  const client = new ClientProcess(port, args);
  try {
    const ready = await client.next("ready");
    const othersBefore = others.map(cpuTicks);
    const before = cpuTicks(pid);
    client.tell("go");
    const done = await client.next("done");
    const after = cpuTicks(pid);
    const othersUs = others.map((p, i) => ((cpuTicks(p) - othersBefore[i]!) / CLK_TCK) * 1e6);
    const cpuUs = ((after - before) / CLK_TCK) * 1e6;
    const errors = done.errors + Math.max(0, ready.open - done.open);
    return {
      messages: done.messages,
      rate: done.messages / done.seconds,
      cpuUsPerMessage: cpuUs / Math.max(1, done.messages),
      serverCpuShare: cpuUs / 1e6 / done.seconds,
      clientCpuShare: done.cpuShare,
      errors,
      ...(done.firstError ? { firstError: done.firstError } : {}),
      ...(others.length ? { othersCpuUsPerMessage: othersUs.map((us) => us / Math.max(1, done.messages)) } : {}),
    };
  } finally {
    await client.close();
  }
}

/** WebSockets opened and closed before the baseline (compiles the paths an idle socket takes). */
const WARMUP_SOCKETS = 100;

/** Memory per idle WebSocket: RSS with the sockets held − RSS before, ÷ sockets still open at the end. */
export interface IdleWs {
  bytesPerSocket: number;
  held: number;
  errors: number;
}

/**
 * Bytes of RSS per idle WebSocket on a fresh server `pid`: WARMUP_SOCKETS opened and closed, the
 * baseline read, `n` opened (100 handshakes at a time) and held, RSS read again, all closed.
 */
export async function idleWebSockets(port: number, pid: number, n: number): Promise<IdleWs> {
  const warm = new ClientProcess(port, ["idle", WARMUP_SOCKETS]);
  await warm.next("ready");
  warm.tell("go");
  await warm.next("done");
  await warm.close();
  const before = await medianRssKiB(pid);
  const client = new ClientProcess(port, ["idle", n]);
  try {
    const ready = await client.next("ready");
    const during = await medianRssKiB(pid);
    client.tell("go");
    const done = await client.next("done");
    return {
      bytesPerSocket: ((during - before) * 1024) / Math.max(1, done.open),
      held: done.open,
      errors: done.errors + (n - ready.open),
    };
  } finally {
    await client.close();
  }
}

/** Holds `n` idle WebSockets (the load client) while `during` runs; resolves to how many were held. */
export async function holdIdle(port: number, n: number, during: () => Promise<void>): Promise<number> {
  const client = new ClientProcess(port, ["idle", n]);
  try {
    const ready = await client.next("ready");
    await during();
    client.tell("go");
    await client.next("done");
    return ready.open;
  } finally {
    await client.close();
  }
}
