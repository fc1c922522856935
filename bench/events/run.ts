/**
 * Event-stream fan-out (issue 23 item 3): one publisher, N event-stream subscribers, server CPU
 * per delivered event, side by side with Bun.serve streaming the same events to the same clients
 * (server.ts says how each serves them). Each round starts a fresh server and client process per
 * side, opens N streams, warms up, then publishes M reports of 32 bytes (one per turn) and reads
 * the server's CPU time (user + system) around them, until every client has all M. Rounds
 * alternate the sides; medians. Run it under the heavy-run lock:
 *   flock /tmp/netsvc-heavy.lock bun bench/events/run.ts [--n 500] [--m 200] [--rounds 5]
 */
import { Output } from "../../test/helpers/spawn.ts";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = option("n", 500);
const M = option("m", 200);
const ROUNDS = option("rounds", 5);
const WARM_UP = 50;
const SIDES = ["netsvc", "bun"] as const;
type Side = (typeof SIDES)[number];

interface Proc {
  child: ReturnType<typeof Bun.spawn>;
  out: Output;
  send(line: string): void;
  /** Waits for the `count`-th line matching `pattern` (counted from the start). */
  nth(pattern: RegExp, count: number): Promise<RegExpMatchArray>;
}

function start(cmd: string[]): Proc {
  const child = Bun.spawn(cmd, { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const out = new Output(child.stdout as ReadableStream<Uint8Array>);
  return {
    child,
    out,
    send(line) {
      child.stdin.write(`${line}\n`);
      child.stdin.flush();
    },
    async nth(pattern, count) {
      const all = new RegExp(pattern.source, "gm");
      for (;;) {
        const matches = [...out.text.matchAll(all)];
        if (matches.length >= count) return matches[count - 1]!;
        await out.waitFor(new RegExp(`(?:${pattern.source}[\\s\\S]*?){${count}}`, "m"), 120_000);
      }
    },
  };
}

async function round(side: Side): Promise<{ cpuPerEvent: number; eventsPerSecond: number }> {
  const server = start([process.execPath, "bench/events/server.ts", side]);
  const url = await server.out.url();
  const client = start([process.execPath, "bench/events/client.ts", `${url}events`, String(N)]);
  try {
    await client.nth(/^open$/, 1);
    let gots = 0;
    let cpus = 0;
    let published = 0;
    const burst = async (m: number) => {
      client.send(`expect ${m}`);
      server.send(`publish ${m}`);
      await server.nth(/^published$/, ++published);
      await client.nth(/^got$/, ++gots);
    };
    const cpu = async () => {
      server.send("cpu");
      return Number((await server.nth(/^cpu (\d+)$/, ++cpus))[1]);
    };
    await burst(WARM_UP);
    const before = await cpu();
    const t0 = performance.now();
    await burst(M);
    const seconds = (performance.now() - t0) / 1000;
    const after = await cpu();
    return { cpuPerEvent: (after - before) / (N * M), eventsPerSecond: (N * M) / seconds };
  } finally {
    client.child.kill("SIGKILL");
    server.child.kill("SIGKILL");
    await Promise.all([client.child.exited, server.child.exited]);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<Side, { cpu: number[]; rate: number[] }> = { netsvc: { cpu: [], rate: [] }, bun: { cpu: [], rate: [] } };
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? SIDES : ([...SIDES].reverse() as Side[]);
  for (const side of order) {
    const x = await round(side);
    results[side].cpu.push(x.cpuPerEvent);
    results[side].rate.push(x.eventsPerSecond);
    console.error(`round ${r + 1} ${side}: ${x.cpuPerEvent.toFixed(3)} µs CPU/event, ${Math.round(x.eventsPerSecond)} events/s`);
  }
}
const cpu = { netsvc: median(results.netsvc.cpu), bun: median(results.bun.cpu) };
const rate = { netsvc: median(results.netsvc.rate), bun: median(results.bun.rate) };
console.log(`event-stream fan-out: ${N} subscribers × ${M} reports of 32 B, ${ROUNDS} rounds, medians`);
console.log(`| server | server CPU per delivered event | events/s delivered |`);
console.log(`| --- | ---: | ---: |`);
for (const side of SIDES) console.log(`| ${side} | ${cpu[side].toFixed(3)} µs | ${Math.round(rate[side])} |`);
console.log(`netsvc / Bun.serve: CPU per event ${(cpu.netsvc / cpu.bun).toFixed(2)}x, rate ${(rate.netsvc / rate.bun).toFixed(2)}x`);
