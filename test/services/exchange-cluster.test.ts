/**
 * A bus that survives a node (SPEC §10, issue 21 item 3): three routed nats-servers, a gateway
 * process on all three URLs, serving processes on the two other nodes, a bounded stream of calls
 * through the gateway, and one node killed (SIGKILL) under that load — the gateway's own, or a
 * serving process's. Calls keep flowing through the survivors; every call is accounted once
 * against what the serving processes recorded (none run twice, none answered without having run,
 * none reported unavailable that ran); and the gateway's plain HTTP client, timed from its own
 * process, keeps being answered within 100 ms. The scenario itself is the stress probe's
 * (bench/stress/probes/nats-cluster-kill.ts).
 */
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ACCOUNT_KEPT, accountBreaks } from "../../bench/stress/call-account.ts";
import { makeFixture } from "../../bench/stress/fixture.ts";
import { spawnNormalClient } from "../../bench/stress/normal-client.ts";
import { type ClusterVictim, runClusterKill } from "../../bench/stress/probes/nats-cluster-kill.ts";
import { NORMAL_LATENCY_GOAL_MS } from "../../bench/stress/settings.ts";
import { startNetsvc } from "../../bench/stress/targets.ts";
import { Exchange, ServiceRegistry } from "../../src/entry/services.ts";
import { untilServiceKnown } from "../helpers/bus-caller.ts";
import { eventually } from "../helpers/eventually.ts";
import { NatsCluster } from "../helpers/nats-cluster.ts";
import { peerTest } from "../helpers/peers.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";

/** Calls in each run, how many in flight at once, and after how many answers the node dies. */
const CALLS = 3000;
const IN_FLIGHT = 16;
const KILL_AFTER = 1000;
/** The normal client's pace and its own failure bound (ms). */
const NORMAL_INTERVAL_MS = 20;
const NORMAL_TIMEOUT_MS = 5000;
/** Bound of one run: cluster, processes, the calls (a hung call is bounded at 35 s). */
const RUN_LIMIT_MS = 90_000;

let work = "";
let fixture = "";
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "netsvc-cluster-test-"));
  fixture = makeFixture(join(work, "site"));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** One run against a fresh cluster and gateway; the normal client is timed throughout. */
async function run(victim: ClusterVictim) {
  await using cluster = await NatsCluster.start();
  const target = await startNetsvc(fixture, 1024, cluster.urls.join(","));
  try {
    const normal = await spawnNormalClient(target.port, NORMAL_INTERVAL_MS, NORMAL_TIMEOUT_MS);
    const data = await runClusterKill({
      cluster,
      gatewayPort: target.port,
      calls: CALLS,
      inFlight: IN_FLIGHT,
      killAfter: KILL_AFTER,
      victim,
    });
    return { data, normal: await normal.stop(), alive: target.alive() };
  } finally {
    await target.stop();
  }
}

describe("a three-node NATS cluster, one node killed under load", () => {
  for (const victim of ["gateway", "service"] as const) {
    peerTest(
      ["nats-server"],
      `the ${victim === "gateway" ? "gateway's node" : "node of a serving process"}: calls flow on, each accounted once, none run twice, the plain client within ${NORMAL_LATENCY_GOAL_MS} ms`,
      async () => {
        const { data, normal, alive } = await run(victim);
        expect(alive).toBe(true);
        // Every call the client sent has one outcome, and it tells the truth.
        expect(data.calls).toBe(CALLS);
        expect(accountBreaks(data)).toEqual(ACCOUNT_KEPT);
        // The survivors carried calls after the kill: most of those sent after it were answered.
        expect(data.answeredAfterKill).toBeGreaterThan((CALLS - KILL_AFTER) / 2);
        // No call waited for its timeout: a lost one fails when its loss is known.
        expect(data.timedOut).toBe(0);
        // The plain HTTP client of the gateway: every request answered, the slowest within the goal.
        expect(normal.failed).toBe(0);
        expect(normal.maxMs).toBeLessThanOrEqual(NORMAL_LATENCY_GOAL_MS);
      },
      RUN_LIMIT_MS,
    );
  }
});

/** How long the slow call runs (ms): its instance's node is killed meanwhile, and it must reconnect first. */
const SLOW_CALL_MS = 3000;

peerTest(
  ["nats-server"],
  "a call still running when its instance's node dies is answered after the instance reconnects, not failed",
  async () => {
    await using cluster = await NatsCluster.start();
    const file = join(work, "ran-slow");
    // The instance on node 1; this process on node 0 only, so the call and its answer cross node 1's route.
    const host = spawnWithOutput([process.execPath, "test/fixtures/recording-host.ts", cluster.urls[1]!, file]);
    try {
      await host.out.waitFor(/ready \d+/);
      const registry = new ServiceRegistry();
      registry.errorLog = () => {};
      const exchange = new Exchange({ servers: cluster.urls[0]!, registry, log: () => {} });
      await exchange.connect();
      try {
        await untilServiceKnown(registry, "ledger");
        const call = registry.call("ledger", "runLater", ["slow", SLOW_CALL_MS]).catch((e: unknown) => e);
        await eventually(async () => {
          if (!readFileSync(file, "utf8").includes("slow")) throw new Error("not running yet");
        });
        await cluster.kill(1); // the instance moves to a survivor while the call runs
        expect(await call).toBe("slow");
        expect(readFileSync(file, "utf8")).toBe("slow\n");
      } finally {
        await exchange.close();
      }
    } finally {
      host.child.kill("SIGKILL");
    }
  },
  RUN_LIMIT_MS,
);
