/**
 * A NATS node killed under load (issue 21 item 3), netsvc only: nginx has no service bus, so
 * there is no side-by-side counterpart; the harness reports this probe for netsvc alone.
 *
 * The bus is a three-node cluster (test/helpers/nats-cluster.ts); the target's gateway (/rpc) is
 * on it with all three URLs, and two serving processes (test/fixtures/recording-host.ts, service
 * "ledger", which records every call id before running it) sit one on each of the two nodes the
 * gateway is not on, so every call crosses a route. A bounded stream of `calls` single JSON-RPC
 * calls, `inFlight` at a time, each with its own id, half answered at once and half later
 * (acknowledged first), goes through the gateway; once `killAfter` were answered, one node gets
 * SIGKILL: the gateway's own (`victim: "gateway"`: the gateway loses NATS and reconnects to a
 * survivor, and the host that was there too) or a serving process's (`"service"`: that host moves
 * to a survivor). Every call is then accounted once against the records: answered (200: it ran,
 * with its own id), failed as unavailable (503 / 404: the goal is that none ran), failed as of
 * unknown outcome (502, or JSON-RPC's timed out: ran or not, the records say which); no id may be
 * recorded twice, nor recorded without having been asked for; and calls must go on being answered
 * after the kill. runClusterKill() is the scenario; the stress test and
 * test/services/exchange-cluster.test.ts run it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsCluster } from "../../../test/helpers/nats-cluster.ts";
import { Output } from "../../../test/helpers/spawn.ts";
import { pause, waitFor } from "../clock.ts";
import { RPC_PATH } from "../fixture.ts";
import { ACCOUNT_KEPT, accountBreaks, accountCalls, type CallAccount, type CallOutcome } from "../call-account.ts";
import type { Probe } from "../probe.ts";

/** The serving process: records each call's id before running it. */
const HOST = join(import.meta.dir, "../../../test/fixtures/recording-host.ts");
/** How long a serving process may take to join the bus, and the gateway to reach both (ms). */
const JOIN_LIMIT_MS = 15_000;
/** A call through the gateway not answered within this long (ms) is counted as hung: unaccounted. */
const CALL_LIMIT_MS = 35_000;
/** Delay of the delayed method (ms): long enough that the instance acknowledges first. */
const DELAYED_MS = 2;
/** The subject only the gateway's process subscribes to: its target hosts the service of RPC_PATH. */
const GATEWAY_SUBJECT = `netsvc.call.${RPC_PATH.split("/")[2]}`;
/**
 * A client whose call did not run (503 / 404: the gateway was off the bus) waits this long (ms)
 * before its next one, as a client backing off would: pacing, so that the stream is not spent on
 * refusals while the gateway reconnects.
 */
const NOT_RUN_PAUSE_MS = 10;
/** JSON-RPC error code of a call that timed out (CALL_TIMED_OUT): it may have run. */
const TIMED_OUT_CODE = -32002;

/** Which node is killed: the gateway's, or one a serving process sits on. */
export type ClusterVictim = "gateway" | "service";

/** What runClusterKill() needs: a running cluster and a gateway on it with every node's URL. */
export interface ClusterKillOptions {
  cluster: NatsCluster;
  /** Port of the target's HTTP daemon (its RpcGateway at /rpc). */
  gatewayPort: number;
  calls: number;
  inFlight: number;
  killAfter: number;
  victim: ClusterVictim;
}

/** The exactly-once account (call-account.ts), and how the calls flowed: asserted by the tests. */
export interface ClusterKillData extends CallAccount {
  /** Calls started after the kill that were answered: the bus kept carrying calls. */
  answeredAfterKill: number;
  /** Of the unknown ones, how many timed out (the gateway's 30 s) rather than failing at once. */
  timedOut: number;
  /** The longest call (ms), from its request to its answer. */
  slowestCallMs: number;
}

/** One call's record. */
interface CallRecord {
  outcome: CallOutcome;
  afterKill: boolean;
  timedOut: boolean;
}

/** A serving process on `url`, recording into `file`; resolves once it is on the bus. */
async function startHost(url: string, file: string) {
  const child = Bun.spawn([process.execPath, HOST, url, file], { stdout: "pipe", stderr: "ignore" });
  await new Output(child.stdout as ReadableStream<Uint8Array>).waitFor(/ready \d+/, JOIN_LIMIT_MS);
  return child;
}

/** The ids recorded in `file` so far (one per line; a call that ran twice appears twice). */
async function recorded(file: string): Promise<string[]> {
  return (await Bun.file(file).text()).split("\n").filter((l) => l !== "");
}

/** Runs the scenario (see the module comment) and accounts for every call. */
export async function runClusterKill(o: ClusterKillOptions): Promise<ClusterKillData> {
  const gatewayNode = await o.cluster.nodeWithSubscriber(GATEWAY_SUBJECT);
  if (gatewayNode < 0) throw new Error("the gateway is on no node of the cluster");
  const hostNodes = o.cluster.nodes.map((_, i) => i).filter((i) => i !== gatewayNode);
  const dir = mkdtempSync(join(tmpdir(), "netsvc-cluster-kill-"));
  const files = hostNodes.map((i) => join(dir, `ran-${i}`));
  const hosts: ReturnType<typeof Bun.spawn>[] = [];
  try {
    for (const [k, i] of hostNodes.entries()) hosts.push(await startHost(o.cluster.urls[i]!, files[k]!));
    const calls = new Map<string, CallRecord>();
    let killedAt = 0;
    let slowestCallMs = 0;
    const call = async (id: string, delayed: boolean): Promise<CallRecord> => {
      const rec: CallRecord = { outcome: "unaccounted", afterKill: killedAt > 0, timedOut: false };
      const t0 = performance.now();
      try {
        const res = await fetch(`http://127.0.0.1:${o.gatewayPort}/rpc/ledger`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: delayed ? "runLater" : "run", params: delayed ? [id, DELAYED_MS] : [id] }),
          signal: AbortSignal.timeout(CALL_LIMIT_MS),
        });
        const body = (await res.json()) as { result?: unknown; error?: { code?: number } };
        rec.timedOut = res.status === 200 && body.error?.code === TIMED_OUT_CODE;
        if (res.status === 200 && body.result === id) rec.outcome = "answered";
        else if (res.status === 503 || res.status === 404) rec.outcome = "unavailable";
        else if (res.status === 502 || rec.timedOut) rec.outcome = "unknown";
      } catch {
        // no answer in time, or not JSON: unaccounted
      }
      slowestCallMs = Math.max(slowestCallMs, performance.now() - t0);
      calls.set(id, rec);
      return rec;
    };
    // The gateway learns of "ledger" through the bus (404 until then), and each host must have
    // taken a call before the kill: warm calls until both records hold one.
    let warm = 0;
    const reachedBoth = async () => {
      await call(`warm-${warm++}`, false);
      return (await Promise.all(files.map(recorded))).every((ids) => ids.length > 0);
    };
    if (!(await waitFor(reachedBoth, JOIN_LIMIT_MS, 0))) throw new Error("the gateway never reached both serving processes");
    calls.clear(); // the warm-up is not part of the account, but its ids stay in the records

    const victim = o.victim === "gateway" ? gatewayNode : hostNodes[0]!;
    let killed: Promise<void> = Promise.resolve();
    let next = 0;
    let answered = 0;
    const worker = async () => {
      while (next < o.calls) {
        const n = next++;
        const r = await call(`c-${n}`, n % 2 === 1);
        if (r.outcome === "answered" && ++answered >= o.killAfter && !killedAt) {
          killedAt = performance.now();
          killed = o.cluster.kill(victim);
        }
        if (r.outcome === "unavailable") await pause(NOT_RUN_PAUSE_MS);
      }
    };
    await Promise.all(Array.from({ length: o.inFlight }, worker));
    await killed;
    for (const h of hosts) h.kill("SIGKILL");
    await Promise.all(hosts.map((h) => h.exited));

    const ranList = (await Promise.all(files.map(recorded))).flat().filter((id) => !id.startsWith("warm-"));
    const outcomes = new Map([...calls].map(([id, r]) => [id, r.outcome]));
    const ran = new Set(ranList);
    const data: ClusterKillData = {
      ...accountCalls(outcomes, ranList),
      answeredAfterKill: 0,
      timedOut: 0,
      slowestCallMs: Math.round(slowestCallMs),
    };
    for (const [id, r] of calls) {
      if (r.outcome === "answered" && r.afterKill && ran.has(id)) data.answeredAfterKill++;
      if (r.timedOut) data.timedOut++;
    }
    return data;
  } finally {
    for (const h of hosts) h.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

export const natsClusterKill: Probe = {
  name: "nats cluster kill",
  netsvcOnly: true,
  bus: "cluster",
  describe: (s) =>
    `${s.natsClusterKill.calls} calls (${s.natsClusterKill.inFlight} at a time) through the gateway to services on a three-node NATS cluster; the gateway's node gets SIGKILL after ${s.natsClusterKill.killAfter} answers`,
  async attack({ target, settings, cluster }) {
    if (!cluster) throw new Error("nats cluster kill: the harness started no cluster");
    const data = await runClusterKill({ cluster, gatewayPort: target.port, ...settings.natsClusterKill, victim: "gateway" });
    return {
      notes: {
        calls: data.calls,
        "ran (recorded by the services)": data.ran,
        "answered (200)": `${data.answered}, of which sent after the kill ${data.answeredAfterKill}`,
        "failed as unavailable (503 / 404)": data.unavailable,
        "failed as unknown (502 / timed out)": `${data.unknown}, of which ran ${data.unknownThatRan}, timed out ${data.timedOut}`,
        "slowest call (ms)": data.slowestCallMs,
      },
      goals: [
        {
          goal: "every call accounted exactly once, none run twice, none reported unavailable that ran",
          measured: `${JSON.stringify(accountBreaks(data))} of ${data.calls}`,
          met: Bun.deepEquals(accountBreaks(data), ACCOUNT_KEPT),
        },
        {
          goal: "calls flow on through the survivors, none left to its timeout",
          measured: `${data.answeredAfterKill} answered after the kill, ${data.timedOut} timed out`,
          met: data.answeredAfterKill > 0 && data.timedOut === 0,
        },
      ],
      data,
    };
  },
};
