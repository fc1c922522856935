/**
 * `npm run stress`: the stress probes of issue 9 against netsvc and nginx (1 worker), side by
 * side, sampling each server's RSS, fds and CPU from /proc while a normal client is timed.
 *
 *   bun bench/stress/run.ts [--quick] [--only NAME[,NAME]] [--no-nginx] [--no-write]
 *
 * --quick: CI-size (seconds per probe, a few thousand fuzz cases). --only: probes by name
 * (slowloris, idle-flood, keepalive-lockout, slow-readers, pipeline-flood, abandoned-polls,
 * rpc-batch, mutation-fuzz, soak, nats-kill, nats-cluster-kill, tls-stall, tls-garbage,
 * proxy-untrusted, proxy-dribble, the h2-* and ws-* probes) and scenarios (supervisor-kill: servers of its own, with several
 * workers). rpc-batch, nats-kill, nats-cluster-kill and proxy-dribble run against netsvc only
 * (nginx has no JSON-RPC nor service bus; nats-kill has a nats-server of its own,
 * nats-cluster-kill a three-node cluster; proxy-dribble needs netsvc's trustProxy; the ws-* probes
 * need a server that terminates WebSockets, which nginx does not: it would proxy them). tls-stall and
 * tls-garbage run both servers with TLS (the tests' certificate), the normal client over HTTPS.
 * Writes bench/results/stress.json, stress.md and
 * stress-fuzz-findings.json unless --no-write. Needs an open-file limit of idle.atScale + 1024 or
 * more (11,024 in the full run, which holds 10,000 idle connections at once): Bun raises its soft
 * limit to the hard one by itself, so only a hard limit below that needs `ulimit -Hn 22048` (as
 * root). nginx from nginx-light.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeFixture } from "./fixture.ts";
import { runStress } from "./harness.ts";
import type { FuzzData } from "./probes/fuzz.ts";
import { markdown, scenarioTable, serverTable, summaryTable } from "./report.ts";
import { FULL, QUICK } from "./settings.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",").filter(Boolean) : [];
const settings = quick ? QUICK : FULL;
const RESULTS = join(import.meta.dir, "../results");

const work = mkdtempSync(join(tmpdir(), "netsvc-stress-"));
const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(", ");
const started = new Date().toISOString();
try {
  const recs = await runStress({
    settings,
    servers: args.includes("--no-nginx") ? ["netsvc"] : ["netsvc", "nginx"],
    only,
    work,
    fixture: makeFixture(join(work, "site")),
    log: (l) => console.log(l),
  });
  console.log("");
  if (recs.some((r) => r.probes.length > 0)) {
    for (const r of recs) console.log(serverTable(r).join("\n") + "\n");
    console.log(summaryTable(recs).join("\n"));
  }
  const scenarios = scenarioTable(recs);
  if (scenarios.length > 0) console.log("\n" + scenarios.join("\n"));
  if (!args.includes("--no-write")) {
    const command = `npm run stress${args.length ? " -- " + args.join(" ") : ""}`;
    const meta = { date: started, command, load, settings: JSON.stringify(settings, null, 2) };
    writeFileSync(join(RESULTS, "stress.json"), JSON.stringify({ ...meta, settings, servers: recs }, null, 2) + "\n");
    writeFileSync(join(RESULTS, "stress.md"), markdown(recs, meta));
    const findings = Object.fromEntries(
      recs.map((r) => {
        const f = r.probes.find((p) => p.probe === "mutation fuzz")?.data as FuzzData | undefined;
        return [r.server, f ? { cases: f.cases, outcomes: f.outcomes, findings: f.findings } : null];
      }),
    );
    writeFileSync(
      join(RESULTS, "stress-fuzz-findings.json"),
      JSON.stringify({ date: started, command, seed: settings.fuzz.seed, servers: findings }, null, 2) + "\n",
    );
    console.log(`\nwrote bench/results/stress.{md,json} and stress-fuzz-findings.json`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
