/**
 * A Router route with one middleware, netsvc against hono on Bun.serve (issue 24): the same app
 * (netsvc-app.ts, hono-app.ts: a request-id middleware around GET /items/:id → JSON), and each
 * without its middleware (`--bare`), so the middleware's own cost shows. wrk -t1 -c50, plain and
 * with 16 pipelined requests per batch; servers pinned to CPU 0, wrk to CPU 1; the servers take
 * turns, the order alternating round by round; medians of req/s and of server CPU µs per request,
 * and the ratio netsvc ÷ hono as the median of the per-round ratios.
 *
 *   npm run bench:router:app        (bun bench/router/run.ts [--rounds 5] [--duration 3])
 */
import { join } from "node:path";
import { median, numberFlag, pin, type Run, SERVER_CPU, LOAD_CPU, waitForPort, wrk } from "../server/measure.ts";

const args = process.argv.slice(2);
const ROUNDS = numberFlag(args, "--rounds", 5);
const DURATION = numberFlag(args, "--duration", 3);
const PORT = 18_433;
const URL = `http://127.0.0.1:${PORT}/items/42`;

type Peer = "netsvc" | "hono";
const SCRIPT: Record<Peer, string> = { netsvc: join(import.meta.dir, "netsvc-app.ts"), hono: join(import.meta.dir, "hono-app.ts") };
const CASES = [
  { name: "one middleware", flags: [] as string[] },
  { name: "no middleware", flags: ["--bare"] },
];
const LOADS = [
  { name: "plain", pipelined: false },
  { name: "pipelined ×16", pipelined: true },
];

/** Starts one peer pinned to the server core; resolves once it listens. */
async function start(peer: Peer, flags: string[]) {
  const child = Bun.spawn(pin(SERVER_CPU, [process.execPath, SCRIPT[peer], String(PORT), ...flags]), {
    stdout: "ignore",
    stderr: "inherit",
  });
  await waitForPort(PORT);
  return child;
}

/** Checks the app answers as both peers should: 200, the JSON, and the middleware's header. */
async function check(flags: string[]): Promise<void> {
  const r = await fetch(URL);
  const body = await r.text();
  if (r.status !== 200 || body !== '{"id":"42"}') throw new Error(`unexpected answer ${r.status} ${body}`);
  if ((r.headers.get("x-request-id") === null) !== flags.includes("--bare")) throw new Error("the middleware's header is wrong");
}

const results = new Map<string, Run[]>();
const key = (c: string, l: string, p: Peer) => `${c}|${l}|${p}`;
for (let round = 0; round < ROUNDS; round++) {
  const order: Peer[] = round % 2 === 0 ? ["netsvc", "hono"] : ["hono", "netsvc"];
  for (const c of CASES)
    for (const peer of order) {
      const server = await start(peer, c.flags);
      await check(c.flags);
      await wrk(URL, server.pid, { seconds: 1, connections: 50, pipelined: true }); // warm-up, unmeasured
      for (const l of LOADS) {
        const run = await wrk(URL, server.pid, { seconds: DURATION, connections: 50, pipelined: l.pipelined });
        if (run.errors > 0) throw new Error(`${peer} ${c.name} ${l.name}: ${run.errors} errors`);
        const k = key(c.name, l.name, peer);
        results.set(k, [...(results.get(k) ?? []), run]);
      }
      server.kill("SIGTERM");
      await server.exited;
    }
  console.log(`round ${round + 1}/${ROUNDS} done`);
}

console.log(
  `\nRouter route GET /items/:id → JSON, netsvc vs hono ${require("hono/package.json").version} on Bun.serve, wrk -t1 -c50 (CPU ${LOAD_CPU}), servers on CPU ${SERVER_CPU}, ${ROUNDS} rounds × ${DURATION} s, medians; ${new Date().toISOString().slice(0, 16)} UTC`,
);
console.log("| app | load | netsvc req/s | hono req/s | netsvc ÷ hono | netsvc µs CPU/req | hono µs CPU/req |");
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const c of CASES)
  for (const l of LOADS) {
    const a = results.get(key(c.name, l.name, "netsvc"))!;
    const b = results.get(key(c.name, l.name, "hono"))!;
    const ratio = median(a.map((x, i) => x.rps / b[i]!.rps));
    const m = (xs: Run[], f: (r: Run) => number) => median(xs.map(f));
    console.log(
      `| ${c.name} | ${l.name} | ${m(a, (r) => r.rps).toFixed(0)} | ${m(b, (r) => r.rps).toFixed(0)} | ${ratio.toFixed(2)}x | ${m(a, (r) => r.cpuUsPerRequest).toFixed(2)} | ${m(b, (r) => r.cpuUsPerRequest).toFixed(2)} |`,
    );
  }
