/**
 * RPC benchmark (issue 11), three measurements side by side, alternating peers round by round,
 * medians over rounds, ratios taken within each round:
 *  1. JSON-RPC through the RpcGateway to an in-process service vs a minimal Bun.serve handler doing
 *     the same JSON work (wrk, keep-alive, plain and 16 pipelined), with server CPU µs per call
 *     (from /proc/<pid>/stat).
 *  2. Over NATS (service in another process): calls/s and p50/p99 latency at 1 and 64 concurrent
 *     callers for services.call through the Exchange, the same call through the gateway over HTTP
 *     (driven by wrk --latency), and the floor: the same call made directly with the NATS client
 *     (request/respond).
 *  3. XML-RPC through the gateway vs Python's SimpleXMLRPCServer (wrk, same call).
 *
 *   npm run bench:rpc                          (2 s per run, 3 rounds)
 *   bun bench/rpc/run.ts --duration 3 --rounds 5
 *   bun bench/rpc/run.ts --parts 1             only part 1 (any of 1,2,3; the report lists the parts run)
 *
 * Servers are pinned to CPU 0 and wrk to CPU 1 when taskset exists. Needs wrk, nats-server, python3.
 */
import { connect } from "@nats-io/transport-node";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Exchange, ServiceRegistry } from "../../src/entry/services.ts";
import { NatsServer } from "../../test/helpers/nats-server.ts";
import { Output } from "../../test/helpers/spawn.ts";

const ROOT = resolve(import.meta.dir, "../..");
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DURATION = flag("--duration", 2);
const ROUNDS = flag("--rounds", 3);
const CONNECTIONS = flag("--connections", 32);
/** Linux clock ticks per second (utime/stime units in /proc/<pid>/stat). */
const CLK_TCK = 100;
const PIPELINE_DEPTH = 16;
const partsArg = args.indexOf("--parts");
const PARTS = new Set((partsArg >= 0 ? args[partsArg + 1]! : "1,2,3").split(",").map(Number));
const pin = (cpu: number) => (Bun.which("taskset") ? ["taskset", "-c", String(cpu)] : []);

for (const tool of ["wrk", "nats-server", "python3"])
  if (!Bun.which(tool) && !Bun.which(`/usr/sbin/${tool}`)) throw new Error(`${tool} is required`);

const work = mkdtempSync(join(tmpdir(), "netsvc-rpc-bench-"));
const JSON_CALL = '{"jsonrpc":"2.0","method":"add","params":[20,22],"id":1}';
const XML_CALL =
  '<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>20</int></value></param><param><value><int>22</int></value></param></params></methodCall>';

function luaScript(name: string, body: string, type: string): string {
  const path = join(work, name);
  writeFileSync(
    path,
    `wrk.method = "POST"
wrk.body = [[${body}]]
wrk.headers["Content-Type"] = "${type}"
init = function(args)
  local depth = tonumber(args[1]) or 1
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  req = table.concat(r)
end
request = function() return req end
`,
  );
  return path;
}
const jsonLua = luaScript("json.lua", JSON_CALL, "application/json");
const xmlLua = luaScript("xml.lua", XML_CALL, "text/xml");

const children: ReturnType<typeof Bun.spawn>[] = [];
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

async function startServer(cmd: string[]): Promise<{ pid: number; port: number }> {
  const child = Bun.spawn([...pin(0), ...cmd], { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
  children.push(child);
  const port = Number((await new Output(child.stdout as ReadableStream<Uint8Array>).waitFor(/ready (\d+)/))[1]);
  return { pid: child.pid, port };
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
}

async function wrk(url: string, lua: string, depth: number, connections = CONNECTIONS): Promise<{ rps: number; requests: number }> {
  const p = Bun.spawn([...pin(1), "wrk", "-t1", `-c${connections}`, `-d${DURATION}s`, "-s", lua, url, "--", String(depth)], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} error responses`);
  return { rps, requests };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

// Results of each part (empty for a part not run).
type Row = { rps: number[]; cpu: number[] };
const res1: Record<string, Row> = {};
const ratios1: Record<string, number[]> = { plain: [], pipelined: [] };
const res3: Record<string, number[]> = {};
const ratios3: number[] = [];
const res2: Record<string, { cps: number[]; p50: number[]; p99: number[] }> = {};
const ratios2: Record<string, number[]> = {};

// ── 1. JSON-RPC gateway vs Bun.serve ───────────────────────────────────────────────────────
if (PARTS.has(1)) {
  const gateway = await startServer([process.execPath, "bench/rpc/servers.ts", "gateway", "0"]);
  const bunserve = await startServer([process.execPath, "bench/rpc/servers.ts", "bunserve", "0"]);
  const peers1 = [
    { name: "netsvc RpcGateway", ...gateway, url: `http://127.0.0.1:${gateway.port}/rpc/calc` },
    { name: "Bun.serve handler", ...bunserve, url: `http://127.0.0.1:${bunserve.port}/rpc/calc` },
  ];
  for (const p of peers1) for (const depth of [1, PIPELINE_DEPTH]) await wrk(p.url, jsonLua, depth); // warm-up, unmeasured
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...peers1].reverse() : peers1;
    const thisRound: Record<string, number> = {};
    for (const p of order) {
      for (const [mode, depth] of [
        ["plain", 1],
        ["pipelined", PIPELINE_DEPTH],
      ] as const) {
        const c0 = cpuTicks(p.pid);
        const r = await wrk(p.url, jsonLua, depth);
        const us = ((cpuTicks(p.pid) - c0) * (1e6 / CLK_TCK)) / r.requests;
        const key = `${p.name} ${mode}`;
        (res1[key] ??= { rps: [], cpu: [] }).rps.push(r.rps);
        res1[key]!.cpu.push(us);
        thisRound[key] = r.rps;
      }
    }
    for (const mode of ["plain", "pipelined"])
      ratios1[mode]!.push(thisRound[`netsvc RpcGateway ${mode}`]! / thisRound[`Bun.serve handler ${mode}`]!);
  }
}

// ── 3. XML-RPC gateway vs Python ───────────────────────────────────────────────────────────
if (PARTS.has(3)) {
  const xml = await startServer([process.execPath, "bench/rpc/servers.ts", "xml", "0"]);
  const py = await startServer(["python3", "bench/rpc/python-xmlrpc-server.py", "0"]);
  const peers3 = [
    { name: "netsvc XML-RPC gateway", url: `http://127.0.0.1:${xml.port}/rpc/calc` },
    { name: "Python SimpleXMLRPCServer", url: `http://127.0.0.1:${py.port}/rpc/calc` },
  ];
  for (const p of peers3) await wrk(p.url, xmlLua, 1, 4);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...peers3].reverse() : peers3;
    const thisRound: Record<string, number> = {};
    for (const p of order) {
      const r = await wrk(p.url, xmlLua, 1, 4);
      (res3[p.name] ??= []).push(r.rps);
      thisRound[p.name] = r.rps;
    }
    ratios3.push(thisRound[peers3[0]!.name]! / thisRound[peers3[1]!.name]!);
  }
  for (const c of children.splice(0)) c.kill("SIGKILL");
}

// ── 2. over NATS ───────────────────────────────────────────────────────────────────────────
if (PARTS.has(2)) {
  const nats = await NatsServer.start();
  await startServer([process.execPath, "bench/rpc/servers.ts", "host", nats.url]);
  const natsgw = await startServer([process.execPath, "bench/rpc/servers.ts", "natsgw", "0", nats.url]);
  const registry = new ServiceRegistry();
  const exchange = new Exchange({ servers: nats.url, registry, log: () => {} });
  await exchange.connect();
  while (!registry.has("calc")) await new Promise((r) => setTimeout(r, 50)); // the host's announcement
  const nc = await connect({ servers: nats.url });
  const enc = new TextEncoder();
  const gwUrl = `http://127.0.0.1:${natsgw.port}/rpc/calc`;
  const variants: Record<string, () => Promise<unknown>> = {
    "direct NATS request": async () =>
      JSON.parse(
        new TextDecoder().decode((await nc.request("bench.direct", enc.encode('{"m":"add","p":[20,22]}'), { timeout: 5000 })).data),
      ),
    "services.call via Exchange": () => registry.call("calc", "add", [20, 22]),
  };
  /** The HTTP path is driven by wrk (as in part 1), so no JavaScript HTTP client is measured with it. */
  const HTTP_PATH = "HTTP gateway -> NATS (wrk)";

  async function wrkLatency(url: string, connections: number): Promise<{ cps: number; p50: number; p99: number }> {
    const p = Bun.spawn([...pin(1), "wrk", "-t1", `-c${connections}`, `-d${DURATION}s`, "--latency", "-s", jsonLua, url, "--", "1"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = await new Response(p.stdout).text();
    await p.exited;
    const ms = (label: string) => {
      const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
      if (!m) return NaN;
      return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
    };
    return { cps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN), p50: ms("50"), p99: ms("99") };
  }

  async function load(fn: () => Promise<unknown>, concurrency: number): Promise<{ cps: number; p50: number; p99: number }> {
    const lat: number[] = [];
    const end = performance.now() + DURATION * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const s = performance.now();
          await fn();
          lat.push(performance.now() - s);
        }
      }),
    );
    lat.sort((a, b) => a - b);
    return { cps: lat.length / ((performance.now() - t0) / 1000), p50: pct(lat, 50), p99: pct(lat, 99) };
  }
  for (const fn of Object.values(variants)) await load(fn, 8); // warm-up
  await wrkLatency(gwUrl, 8);
  for (let round = 0; round < ROUNDS; round++) {
    const names = [...Object.keys(variants), HTTP_PATH];
    const order = round % 2 ? names.reverse() : names;
    for (const conc of [1, 64]) {
      const p50s: Record<string, number> = {};
      for (const name of order) {
        const r = name === HTTP_PATH ? await wrkLatency(gwUrl, conc) : await load(variants[name]!, conc);
        const key = `${name} c=${conc}`;
        const row = (res2[key] ??= { cps: [], p50: [], p99: [] });
        row.cps.push(r.cps);
        row.p50.push(r.p50);
        row.p99.push(r.p99);
        p50s[name] = r.p50;
      }
      for (const name of [...Object.keys(variants), HTTP_PATH])
        (ratios2[`${name} c=${conc}`] ??= []).push(p50s[name]! / p50s["direct NATS request"]!);
    }
  }
  await exchange.close();
  await nc.close();
  for (const c of children.splice(0)) c.kill("SIGKILL");
  await nats.stop();
}

// ── report ─────────────────────────────────────────────────────────────────────────────────
const lines: string[] = [];
lines.push(`RPC benchmark, ${new Date().toISOString()}, ${ROUNDS} rounds x ${DURATION} s, wrk -t1 -c${CONNECTIONS} (XML: -c4), medians`);
if (PARTS.has(1)) {
  lines.push("", "1. JSON-RPC, in-process service", "| server | mode | calls/s | server CPU µs/call |", "|---|---|---:|---:|");
  for (const [k, v] of Object.entries(res1)) {
    const [name, mode] = [k.slice(0, k.lastIndexOf(" ")), k.slice(k.lastIndexOf(" ") + 1)];
    lines.push(`| ${name} | ${mode} | ${fmt(median(v.rps))} | ${fmt(median(v.cpu), 1)} |`);
  }
  lines.push(
    `gateway ÷ Bun.serve (median of per-round ratios): plain ${fmt(median(ratios1.plain!), 2)}x, pipelined x${PIPELINE_DEPTH} ${fmt(median(ratios1.pipelined!), 2)}x` +
      ` (rounds: plain ${ratios1.plain!.map((r) => fmt(r, 2)).join(", ")}; pipelined ${ratios1.pipelined!.map((r) => fmt(r, 2)).join(", ")})`,
  );
}
if (PARTS.has(2)) {
  lines.push(
    "",
    "2. Over NATS (service in another process)",
    "| path | callers | calls/s | p50 ms | p99 ms | p50 ÷ direct |",
    "|---|---:|---:|---:|---:|---:|",
  );
  for (const [k, v] of Object.entries(res2)) {
    const c = k.slice(k.lastIndexOf("c=") + 2);
    lines.push(
      `| ${k.slice(0, k.lastIndexOf(" c="))} | ${c} | ${fmt(median(v.cps))} | ${fmt(median(v.p50), 3)} | ${fmt(median(v.p99), 3)} | ${fmt(median(ratios2[k]!), 2)}x |`,
    );
  }
}
if (PARTS.has(3)) {
  lines.push("", "3. XML-RPC", "| server | calls/s |", "|---|---:|");
  for (const [k, v] of Object.entries(res3)) lines.push(`| ${k} | ${fmt(median(v))} |`);
  lines.push(`netsvc ÷ Python (median of per-round ratios): ${fmt(median(ratios3), 2)}x`);
}
console.log(lines.join("\n"));
// The raw figures are kept only for a full run, so a partial run never replaces them.
if (PARTS.size === 3)
  writeFileSync(
    join(ROOT, "bench/results/rpc-latest.json"),
    JSON.stringify({ date: new Date().toISOString(), DURATION, ROUNDS, CONNECTIONS, res1, ratios1, res2, ratios2, res3, ratios3 }, null, 1),
  );
process.exit(0);
