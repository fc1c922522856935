/**
 * A/B of two checkouts of netsvc on the server path: the hello servlet (bench/server/netsvc-hello.ts)
 * of this checkout ("new") and of another one ("base", e.g. a `git worktree` of an older commit
 * with its own node_modules), alternating round by round, each pinned to CPU 0 with wrk on CPU 1,
 * plain and with 16 pipelined requests per batch. Prints req/s and CPU µs per request (from
 * /proc/<pid>/stat) for each, and the median over rounds of new ÷ base within the same round.
 *
 *   git worktree add /tmp/base <commit> && ln -s $PWD/node_modules /tmp/base/node_modules
 *   bun bench/server/ab-versions.ts --base /tmp/base [--rounds 6] [--duration 3]
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const BASE = option("--base", "");
if (!BASE) throw new Error("usage: bun bench/server/ab-versions.ts --base DIR [--rounds N] [--duration S]");
const ROUNDS = Number(option("--rounds", "6"));
const DURATION = Number(option("--duration", "3"));
const NEW = resolve(import.meta.dir, "../..");
const PIPELINE_LUA = join(NEW, "bench/server/pipeline.lua");
/** Below Linux's ephemeral range, where wrk's own sockets could hold the port. */
const PORT = 18_431;
const CLK_TCK = 100;

/** One measured load. */
interface Sample {
  rps: number;
  cpuUsPerRequest: number;
}

/** Starts one checkout's hello server pinned to CPU 0; resolves once it prints "ready". */
async function start(dir: string) {
  const child = Bun.spawn(["taskset", "-c", "0", process.execPath, join(dir, "bench/server/netsvc-hello.ts"), String(PORT)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("ready")) {
    const r = await reader.read();
    if (r.done) throw new Error(`${dir}: the server exited before it was ready`);
    text += new TextDecoder().decode(r.value);
  }
  return child;
}

/** CPU ticks (user + system) a process has used. */
function ticks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** wrk against the server for `seconds`; requests per second and CPU per request. */
async function load(pid: number, pipelined: boolean, seconds: number): Promise<Sample> {
  const before = ticks(pid);
  const script = pipelined ? ["-s", PIPELINE_LUA, "--", "16"] : [];
  const wrk = Bun.spawn(
    ["taskset", "-c", "1", "wrk", "-t1", "-c50", `-d${seconds}s`, ...script.slice(0, 2), `http://127.0.0.1:${PORT}/`, ...script.slice(2)],
    { stdout: "pipe" },
  );
  const out = await new Response(wrk.stdout).text();
  const cpu = ((ticks(pid) - before) / CLK_TCK) * 1e6;
  const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? Number.NaN);
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? Number.NaN);
  return { rps, cpuUsPerRequest: cpu / requests };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const results: Record<string, Record<"base" | "new", Sample[]>> = { plain: { base: [], new: [] }, pipelined: { base: [], new: [] } };
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which checkout goes first, so neither always meets the machine in the same state.
  const order: ("base" | "new")[] = round % 2 === 0 ? ["base", "new"] : ["new", "base"];
  for (const which of order) {
    const server = await start(which === "base" ? BASE : NEW);
    await load(server.pid, true, 1); // warm-up, unmeasured
    for (const mode of ["plain", "pipelined"] as const) results[mode]![which].push(await load(server.pid, mode === "pipelined", DURATION));
    server.kill("SIGTERM");
    await server.exited;
  }
  console.log(`round ${round + 1}/${ROUNDS} done`);
}

console.log(`\nnetsvc ${NEW} (new) vs ${BASE} (base): hello servlet, wrk -c50, ${ROUNDS} rounds × ${DURATION} s, medians`);
console.log("| load | base req/s | new req/s | new ÷ base (paired median) | base µs CPU/req | new µs CPU/req |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const mode of ["plain", "pipelined"] as const) {
  const r = results[mode]!;
  const ratio = median(r.new.map((n, i) => n.rps / r.base[i]!.rps));
  const fmt = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
  console.log(
    `| ${mode} | ${fmt(r.base, "rps").toFixed(0)} | ${fmt(r.new, "rps").toFixed(0)} | ${ratio.toFixed(3)}x | ${fmt(r.base, "cpuUsPerRequest").toFixed(2)} | ${fmt(r.new, "cpuUsPerRequest").toFixed(2)} |`,
  );
}
