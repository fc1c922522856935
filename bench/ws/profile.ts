/**
 * Where netsvc's WebSocket time goes under one of the benchmark's loads (issue 23: profile when a
 * goal is missed): netsvc-ws.ts under `bun --cpu-prof` on the server CPU, the load client on the
 * load CPU (a warm-up load, then the measured one), the server stopped with SIGINT so it writes
 * its profile, and the top functions by self time printed (profile-top.ts).
 *
 *   bun bench/ws/profile.ts echo|fanout [--netsvc-fanout send|publish] [--scale 4]
 *
 * Run it under `flock /tmp/netsvc-heavy.lock` like the benchmark.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { numberFlag, pin, SERVER_CPU, waitForPort } from "../server/measure.ts";
import { measureLoad } from "./loads.ts";
import { profileTop } from "./profile-top.ts";

const args = process.argv.slice(2);
const load = args[0] === "fanout" ? "fanout" : "echo";
const fanout = args.includes("--netsvc-fanout") ? args[args.indexOf("--netsvc-fanout") + 1]! : "send";
const scale = numberFlag(args, "--scale", 4);
const dir = mkdtempSync(join(tmpdir(), "netsvc-ws-prof-"));
const port = 20000 + Math.floor(Math.random() * 10000);
const script = join(resolve(import.meta.dir), "netsvc-ws.ts");
const proc = Bun.spawn(
  pin(SERVER_CPU, [process.execPath, "--cpu-prof", `--cpu-prof-dir=${dir}`, script, String(port), "--fanout", fanout]),
  {
    stdout: "ignore",
    stderr: "inherit",
  },
);
try {
  await waitForPort(port);
  const run = (s: number) =>
    measureLoad(port, proc.pid, load === "echo" ? ["echo", 100, Math.round(100_000 * s)] : ["fanout", 1000, 100_000, 50, s]);
  await run(0.5);
  const r = await run(scale);
  console.log(
    `netsvc ${load}${load === "fanout" ? ` (${fanout})` : ""}: ${Math.round(r.rate)}/s, ${r.cpuUsPerMessage.toFixed(3)} µs CPU each (profiled), ${r.errors} errors`,
  );
  proc.kill("SIGINT");
  await proc.exited;
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error("no profile written");
  console.log(profileTop(join(dir, file), 30).join("\n"));
} finally {
  proc.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
