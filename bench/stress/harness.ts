/**
 * The stress harness: for each server in turn and each probe, start the server fresh, read its
 * baseline from /proc, run the attack while the normal client is timed and /proc is sampled,
 * stop the attack, wait (bounded) for RSS and fds to come back, record. Then each scenario, which
 * starts its own servers (see Scenario). Used by run.ts (the `npm run stress` command) and by
 * test/stress (quick, netsvc only).
 */
import { readFileSync } from "node:fs";
import { pause, waitFor } from "./clock.ts";
import { SMALL_PATH } from "./fixture.ts";
import { spawnNormalClient, type NormalSummary } from "./normal-client.ts";
import type { AttackOutcome, Goal, Probe, Scenario } from "./probe.ts";
import { abandonedPolls } from "./probes/abandoned-polls.ts";
import { fuzz } from "./probes/fuzz.ts";
import {
  h2ContinuationFlood,
  h2EmptyDataFlood,
  h2HpackBomb,
  h2PingFlood,
  h2RapidReset,
  h2SettingsFlood,
  h2StreamIdExhaustion,
} from "./probes/h2-floods.ts";
import { h2SlowReader } from "./probes/h2-slow-reader.ts";
import { idleAtScale, idleBytesPerConnection, idleFlood, type IdleKind } from "./probes/idle-flood.ts";
import { keepaliveLockout } from "./probes/keepalive-lockout.ts";
import { natsClusterKill } from "./probes/nats-cluster-kill.ts";
import { natsKill } from "./probes/nats-kill.ts";
import { pipelineFlood } from "./probes/pipeline-flood.ts";
import { proxyDribble } from "./probes/proxy-dribble.ts";
import { proxyUntrusted } from "./probes/proxy-untrusted.ts";
import { rpcBatch } from "./probes/rpc-batch.ts";
import { slowReaders } from "./probes/slow-readers.ts";
import { slowloris } from "./probes/slowloris.ts";
import { soak } from "./probes/soak.ts";
import { supervisorKill } from "./probes/supervisor-kill.ts";
import { tlsGarbage } from "./probes/tls-garbage.ts";
import { tlsStall } from "./probes/tls-stall.ts";
import { wsBomb } from "./probes/ws-bomb.ts";
import { wsFragmentFlood } from "./probes/ws-fragment-flood.ts";
import { wsIdleFlood } from "./probes/ws-idle-flood.ts";
import { wsSlowReader } from "./probes/ws-slow-reader.ts";
import { wsSlowSubscriber } from "./probes/ws-slow-subscriber.ts";
import { ProcSampler, readProc } from "./proc.ts";
import { FD_TOLERANCE, NORMAL_LATENCY_GOAL_MS, RSS_SLACK_MIB, RSS_TOLERANCE, type StressSettings } from "./settings.ts";
import { closeAll } from "./sockets.ts";
import { readStats } from "./target-stats.ts";
import { startBare, startBunServe, startNetsvc, startNginx, type Target, type TargetVariant } from "./targets.ts";
import { NatsCluster } from "../../test/helpers/nats-cluster.ts";
import { NatsServer } from "../../test/helpers/nats-server.ts";

/** Every probe, in the order they run. */
export const PROBES: Probe[] = [
  slowloris,
  idleFlood,
  keepaliveLockout,
  slowReaders,
  pipelineFlood,
  abandonedPolls,
  rpcBatch,
  fuzz,
  soak,
  natsKill,
  natsClusterKill,
  // issue 21: the TLS handshake and the PROXY header
  tlsStall,
  tlsGarbage,
  proxyUntrusted,
  proxyDribble,
  // issue 22: HTTP/2 abuse, over TLS with ALPN h2 (nginx: listen … ssl http2)
  h2RapidReset,
  h2ContinuationFlood,
  h2HpackBomb,
  h2SettingsFlood,
  h2PingFlood,
  h2EmptyDataFlood,
  h2SlowReader,
  h2StreamIdExhaustion,
  // issue 23: WebSocket abuse (netsvc only: nginx does not terminate WebSockets, it would proxy them)
  wsBomb,
  wsSlowReader,
  wsSlowSubscriber,
  wsIdleFlood,
  wsFragmentFlood,
];
/** Every scenario (servers of its own, see Scenario), run after the probes. */
export const SCENARIOS: Scenario[] = [supervisorKill];

/** Descriptors the harness needs beyond the most sockets a probe holds at once. */
export const FDS_SLACK = 1024;
/** The fewest descriptors the harness runs with. */
export const FDS_NEEDED = 4096;

/** One probe against one server. */
export interface ProbeRecord {
  probe: string;
  description: string;
  normal: NormalSummary;
  before: { rssMiB: number; fds: number };
  peak: { rssMiB: number; fds: number };
  after: { rssMiB: number; fds: number };
  /** Milliseconds from the end of the attack until fds were back (NaN: not within the limit). */
  fdsBackMs: number;
  /** Milliseconds from the end of the attack until RSS was back too (NaN: not within the limits). */
  recoveredMs: number;
  /** CPU used by the server during the probe, in % of one core. */
  cpuPercent: number;
  /** The server process survived the probe. */
  alive: boolean;
  notes: AttackOutcome["notes"];
  goals: Goal[];
  data?: unknown;
}

/** One scenario against one server kind. */
export interface ScenarioRecord {
  scenario: string;
  description: string;
  notes: AttackOutcome["notes"];
  goals: Goal[];
  data?: unknown;
}

/** All probes and scenarios against one server. */
export interface ServerRecord {
  server: string;
  probes: ProbeRecord[];
  scenarios: ScenarioRecord[];
}

/** What to run. */
export interface RunOptions {
  settings: StressSettings;
  servers: ("netsvc" | "nginx")[];
  /** Probe names to run (all when empty). */
  only: string[];
  /** Work directory (nginx prefixes). */
  work: string;
  fixture: string;
  log: (line: string) => void;
}

const KIB_PER_MIB = 1024;
/** Baseline fds are read once two readings this far apart (ms) agree, bounded by STEADY_LIMIT_MS. */
const STEADY_EVERY_MS = 200;
const STEADY_LIMIT_MS = 5000;

/**
 * Fails early when this process may not open enough sockets for the attacks (the idle figures
 * hold `idle.atScale` at once). Bun raises its soft limit to the hard limit at startup, so this
 * reads what is really in force; the servers are separate processes with limits of their own.
 */
export function checkFdLimit(s: StressSettings): void {
  const needed = Math.max(FDS_NEEDED, s.idle.atScale + FDS_SLACK, s.wsIdle.sockets + FDS_SLACK);
  const m = readFileSync("/proc/self/limits", "utf8").match(/Max open files\s+(\d+)/);
  const soft = m ? Number(m[1]) : Infinity;
  if (soft < needed)
    throw new Error(`open-file limit ${soft} < ${needed}: raise the hard limit (\`ulimit -Hn ${needed * 2}\` as root) first`);
}

async function startTarget(
  kind: "netsvc" | "nginx",
  o: RunOptions,
  natsUrl = "",
  maxConnections = o.settings.maxConnections,
  variant: TargetVariant = {},
): Promise<Target> {
  return kind === "netsvc"
    ? startNetsvc(o.fixture, maxConnections, natsUrl || undefined, variant)
    : startNginx(o.work, o.fixture, maxConnections, variant);
}

/** Requests of the warm-up before a baseline is read (kept-alive, over WARMUP_CLIENTS connections). */
const WARMUP_REQUESTS = 4000;
const WARMUP_CLIENTS = 32;
/** Requests of the warm-up that close their connection (the accept and close paths). */
const WARMUP_CLOSING = 200;
/**
 * The light warm-up before an idle figure: enough requests to compile the paths, little garbage
 * (the full warm-up leaves tens of MiB of freed heap that the idle connections then fill without
 * RSS growing, which hides their cost: a bare Bun.listen measured 490 B after it, 866 B without).
 */
const LIGHT_WARMUP = { requests: 100, clients: 1, closing: 10 };

/**
 * Warms the server, then reads a steady baseline. A first load costs a JIT-compiled runtime a
 * one-time ~10 MiB (compiled code, allocator pools: measured flat over later rounds of the same
 * load), which is not what a probe leaves behind; both servers get the same warm-up.
 */
async function baselineOf(
  target: Target,
  warmup = { requests: WARMUP_REQUESTS, clients: WARMUP_CLIENTS, closing: WARMUP_CLOSING },
): Promise<{ fds: number; rssKiB: number }> {
  const url = `${target.tls ? "https" : "http"}://127.0.0.1:${target.port}${SMALL_PATH}`;
  const tls = { rejectUnauthorized: false };
  await Promise.all(
    Array.from({ length: warmup.clients }, async () => {
      for (let i = 0; i < warmup.requests / warmup.clients; i++) await fetch(url, { tls }).then((r) => r.arrayBuffer());
    }),
  );
  for (let i = 0; i < warmup.closing; i++) await fetch(url, { tls, headers: { connection: "close" } }).then((r) => r.arrayBuffer());
  let last = readProc(target.pid).fds;
  await waitFor(
    async () => {
      await pause(STEADY_EVERY_MS);
      const now = readProc(target.pid).fds;
      const same = now === last;
      last = now;
      return same;
    },
    STEADY_LIMIT_MS,
    0,
  );
  const r = readProc(target.pid);
  return { fds: r.fds, rssKiB: r.rssKiB };
}

const mib = (kib: number) => +(kib / KIB_PER_MIB).toFixed(1);

/** The RSS (KiB) at or below which memory counts as back (see RSS_TOLERANCE, RSS_SLACK_MIB). */
function rssBackLimit(baselineKiB: number): number {
  return baselineKiB + Math.max(baselineKiB * RSS_TOLERANCE, RSS_SLACK_MIB * KIB_PER_MIB);
}

/** Runs one probe against a fresh server (on a fresh nats-server, or cluster, for a probe with `bus`). */
async function runProbe(kind: "netsvc" | "nginx", probe: Probe, o: RunOptions): Promise<ProbeRecord> {
  const cluster = probe.bus === "cluster" ? await NatsCluster.start() : null;
  const nats = probe.bus === true ? await NatsServer.start() : null;
  try {
    return await runProbeOn(kind, probe, o, cluster?.urls.join(",") ?? nats?.url ?? "", cluster);
  } finally {
    await nats?.stop();
    await cluster?.[Symbol.asyncDispose]();
  }
}

async function runProbeOn(
  kind: "netsvc" | "nginx",
  probe: Probe,
  o: RunOptions,
  natsUrl: string,
  cluster: NatsCluster | null,
): Promise<ProbeRecord> {
  const s = o.settings;
  const variant = probe.target?.(s);
  const target = await startTarget(kind, o, natsUrl, variant?.maxConnections, variant);
  try {
    const baseline = await baselineOf(target);
    const sampler = new ProcSampler(target.pid);
    sampler.start();
    const client = await spawnNormalClient(target.port, s.normalIntervalMs, s.normalTimeoutMs, probe.normalMode, target.tls);
    const outcome = await probe.attack({ target, settings: s, sampler, baseline, log: o.log, natsUrl, cluster, fixture: o.fixture });
    const normal = await client.stop();
    const t0 = performance.now();
    // fds first (bounded by recoveryLimitMs), then RSS (bounded by rssRecoveryLimitMs).
    const fdsBack = await waitFor(() => target.alive() && readProc(target.pid).fds <= baseline.fds + FD_TOLERANCE, s.recoveryLimitMs, 50);
    const fdsBackMs = fdsBack ? performance.now() - t0 : NaN;
    const back = await waitFor(
      () => target.alive() && readProc(target.pid).rssKiB <= rssBackLimit(baseline.rssKiB),
      s.rssRecoveryLimitMs,
      100,
    );
    const recoveredMs = back ? performance.now() - t0 : NaN;
    sampler.stop();
    const alive = target.alive();
    let after = alive ? readProc(target.pid) : { rssKiB: NaN, fds: NaN };
    // RSS still up in a garbage-collected server may be garbage nobody has asked the collector
    // for yet (an idle server allocates nothing that would trigger it): a full collection tells
    // garbage from memory the server still holds, and only the latter fails the goal.
    let uncollectedKiB = NaN;
    if (alive && !back && target.name === "netsvc" && (await readStats(target.port, "gc", target.tls))) {
      uncollectedKiB = after.rssKiB;
      after = readProc(target.pid);
      outcome.notes["RSS before / after a forced full GC (MiB)"] = `${mib(uncollectedKiB)} / ${mib(after.rssKiB)}`;
    }
    const heldBack = back || after.rssKiB <= rssBackLimit(baseline.rssKiB);
    const goals: Goal[] = [
      {
        goal: `normal client: p99 ≤ ${NORMAL_LATENCY_GOAL_MS} ms, none failed`,
        measured: `p99 ${normal.p99Ms.toFixed(1)} ms, ${normal.withinGoalPercent.toFixed(1)}% within ${NORMAL_LATENCY_GOAL_MS} ms, ${normal.failed} failed of ${normal.requests}`,
        met: normal.p99Ms <= NORMAL_LATENCY_GOAL_MS && normal.failed === 0,
      },
      {
        goal: `fds back to baseline (+${FD_TOLERANCE})`,
        measured: Number.isNaN(fdsBackMs) ? `not within ${s.recoveryLimitMs / 1000} s` : `in ${Math.round(fdsBackMs)} ms`,
        met: !Number.isNaN(fdsBackMs),
      },
      {
        goal: `RSS back to baseline (+max(${RSS_TOLERANCE * 100}%, ${RSS_SLACK_MIB} MiB))`,
        measured: back
          ? `in ${Math.round(recoveredMs)} ms`
          : `${mib(after.rssKiB)} MiB after ${s.rssRecoveryLimitMs / 1000} s more${Number.isNaN(uncollectedKiB) ? "" : ` and a full GC (${mib(uncollectedKiB)} before it)`} (limit ${mib(rssBackLimit(baseline.rssKiB))})`,
        met: heldBack,
      },
      ...(probe.normalGoals?.(normal) ?? []),
      ...outcome.goals,
    ];
    return {
      probe: probe.name,
      description: probe.describe(s),
      normal,
      before: { rssMiB: mib(baseline.rssKiB), fds: baseline.fds },
      peak: { rssMiB: mib(sampler.peakRssKiB), fds: sampler.peakFds },
      after: { rssMiB: mib(after.rssKiB), fds: after.fds },
      fdsBackMs,
      recoveredMs,
      cpuPercent: sampler.wallSeconds > 0 ? Math.round((sampler.cpuSeconds / sampler.wallSeconds) * 100) : NaN,
      alive,
      notes: outcome.notes,
      goals,
      data: outcome.data,
    };
  } finally {
    await target.stop();
  }
}

/** Connections a server's limit allows above `idle.atScale` while its idle figure is measured. */
const AT_SCALE_SLACK = 100;

/**
 * Bytes per idle connection at `idle.atScale` of every server of the run and of the Bun peers
 * (bare Bun.listen, Bun.serve), each kind of idle connection on a fresh server whose limit is
 * above the count, lightly warmed; kept in idleAtScale for the idle probe.
 */
async function measureIdleAtScale(o: RunOptions): Promise<void> {
  const n = o.settings.idle.atScale;
  const starts: [string, () => Promise<Target>][] = [
    ["bare Bun.listen", startBare],
    ["Bun.serve", startBunServe],
    ...o.servers.map((kind): [string, () => Promise<Target>] => [kind, () => startTarget(kind, o, "", n + AT_SCALE_SLACK)]),
  ];
  for (const [name, start] of starts) {
    const figures: Record<IdleKind, number> = { "keep-alive": NaN, silent: NaN };
    for (const kind of ["keep-alive", "silent"] as const) {
      const target = await start();
      try {
        await baselineOf(target, LIGHT_WARMUP);
        const { bytes, held } = await idleBytesPerConnection(target, n, kind);
        figures[kind] = bytes;
        closeAll(held);
      } finally {
        await target.stop();
      }
    }
    idleAtScale.set(name, figures);
    o.log(
      `idle at ${n}: ${name} ${Math.round(figures["keep-alive"])} B per keep-alive connection, ${Math.round(figures.silent)} B per silent one`,
    );
  }
}

/** Runs the selected probes against each selected server. */
export async function runStress(o: RunOptions): Promise<ServerRecord[]> {
  checkFdLimit(o.settings);
  const wanted = (name: string) => o.only.length === 0 || o.only.includes(name) || o.only.includes(name.replace(/ /g, "-"));
  const probes = PROBES.filter((p) => wanted(p.name));
  const scenarios = SCENARIOS.filter((p) => wanted(p.name));
  if (probes.length + scenarios.length === 0) {
    const names = [...PROBES, ...SCENARIOS].map((p) => p.name.replace(/ /g, "-"));
    throw new Error(`no probe named ${o.only.join(", ")} (have: ${names.join(", ")})`);
  }
  if (probes.includes(idleFlood)) await measureIdleAtScale(o);
  const out: ServerRecord[] = [];
  for (const kind of o.servers) {
    const rec: ServerRecord = { server: kind, probes: [], scenarios: [] };
    for (const p of probes) {
      if (p.netsvcOnly && kind !== "netsvc") {
        o.log(`${kind}: ${p.name} — not run (netsvc only: the attack needs a netsvc feature)`);
        continue;
      }
      o.log(`${kind}: ${p.name} — ${p.describe(o.settings)}`);
      const r = await runProbe(kind, p, o);
      o.log(
        `  normal p50/p99/max ${r.normal.p50Ms.toFixed(1)}/${r.normal.p99Ms.toFixed(1)}/${r.normal.maxMs.toFixed(1)} ms, ${r.normal.failed} failed; RSS ${r.before.rssMiB}/${r.peak.rssMiB}/${r.after.rssMiB} MiB; fds ${r.before.fds}/${r.peak.fds}/${r.after.fds}${r.alive ? "" : "; SERVER GONE"}`,
      );
      rec.probes.push(r);
    }
    for (const sc of scenarios) {
      o.log(`${kind}: ${sc.name} — ${sc.describe(o.settings)}`);
      const r = await sc.run(kind, { settings: o.settings, work: o.work, log: o.log });
      o.log(`  ${r.goals.map((g) => `${g.goal.split(":")[0]}: ${g.measured}`).join("; ")}`);
      rec.scenarios.push({ scenario: sc.name, description: sc.describe(o.settings), notes: r.notes, goals: r.goals, data: r.data });
    }
    if (rec.probes.length > 0 || rec.scenarios.length > 0) out.push(rec);
  }
  return out;
}
