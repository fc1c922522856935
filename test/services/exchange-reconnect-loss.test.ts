/**
 * Review finding 4 of issue 21: one instance of a service reconnecting (its node died) fails only
 * the calls that could have been lost with it. Three instances of "ledger" (recording-host.ts,
 * which records each call id before running it) — one on node 1, two on node 2 — and this
 * process calling from node 0 only, a steady stream of synchronous calls (never acknowledged);
 * node 1 is killed under it. Its instance reconnects to a survivor and announces its new
 * connection count: then no call that one of the two other instances ran may fail with
 * CALL_OUTCOME_UNKNOWN (before, every call in flight to the service did), every call has an
 * outcome without waiting for its timeout, none runs twice, and one refused as unavailable (the
 * moment the cluster had no route to an instance) did not run.
 */
import { expect } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CALL_OUTCOME_UNKNOWN, Exchange, SERVICE_UNAVAILABLE, ServiceFailure, ServiceRegistry } from "../../src/entry/services.ts";
import { eventually } from "../helpers/eventually.ts";
import { NatsCluster } from "../helpers/nats-cluster.ts";
import { peerTest } from "../helpers/peers.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";

/** Calls in the run, how many in flight at once, and after how many outcomes node 1 dies. */
const CALLS = 1500;
const IN_FLIGHT = 64;
const KILL_AFTER = 300;
/** Each call's own bound (ms): far above the run, so that no outcome is a timeout. */
const CALL_TIMEOUT_MS = 30_000;
/** Bound of the run: cluster, three processes, the calls (ms). */
const RUN_LIMIT_MS = 60_000;

const recorded = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

peerTest(
  ["nats-server"],
  "an instance's node dies under synchronous calls: calls the other instances ran never fail as of unknown outcome",
  async () => {
    await using cluster = await NatsCluster.start();
    const work = mkdtempSync(join(tmpdir(), "netsvc-reconnect-loss-"));
    await using _work = { [Symbol.asyncDispose]: async () => rmSync(work, { recursive: true, force: true }) };
    const files = ["a", "b", "c"].map((n) => join(work, `ran-${n}`));
    const nodeOf = [1, 2, 2];
    const hosts = files.map((f, i) => spawnWithOutput([process.execPath, "test/fixtures/recording-host.ts", cluster.urls[nodeOf[i]!]!, f]));
    try {
      for (const h of hosts) await h.out.waitFor(/ready \d+/);
      const registry = new ServiceRegistry();
      registry.errorLog = () => {};
      const exchange = new Exchange({ servers: cluster.urls[0]!, registry, log: () => {} });
      await exchange.connect();
      try {
        await eventually(async () => {
          if (registry.lookup("ledger")?.remote !== 3) throw new Error("not every instance known yet");
        }, 15_000);
        const outcomes = new Map<string, number>(); // id → 0 answered, else the failure's code
        let sent = 0;
        let killed: Promise<void> | null = null;
        const worker = async () => {
          while (sent < CALLS) {
            const id = `c${++sent}`;
            try {
              expect(await registry.call("ledger", "run", [id], { timeoutMs: CALL_TIMEOUT_MS })).toBe(id);
              outcomes.set(id, 0);
            } catch (e) {
              outcomes.set(id, e instanceof ServiceFailure ? e.error : -1);
            }
            if (outcomes.size === KILL_AFTER) killed = cluster.kill(1);
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
        await killed;
        const [a, b, c] = files.map(recorded) as [string[], string[], string[]];
        const survivors = new Set([...b, ...c]);
        const all = [...a, ...b, ...c];
        expect(new Set(all).size).toBe(all.length); // none ran twice
        expect(outcomes.size).toBe(CALLS);
        const unknown = [...outcomes].filter(([, code]) => code === CALL_OUTCOME_UNKNOWN).map(([id]) => id);
        expect(unknown.filter((id) => survivors.has(id))).toEqual([]);
        // A call refused as unavailable did not run (issue 19); no other failure is expected.
        const unavailable = [...outcomes].filter(([, code]) => code === SERVICE_UNAVAILABLE).map(([id]) => id);
        expect(unavailable.filter((id) => all.includes(id))).toEqual([]);
        expect([...outcomes.values()].filter((x) => x !== 0 && x !== CALL_OUTCOME_UNKNOWN && x !== SERVICE_UNAVAILABLE)).toEqual([]);
        // Each side of the kill carried calls (the calls in flight to node 1 when it died were lost).
        expect(a.length).toBeGreaterThan(0);
        expect(survivors.size).toBeGreaterThan(0);
      } finally {
        await exchange.close();
      }
    } finally {
      for (const h of hosts) h.child.kill("SIGKILL");
    }
  },
  RUN_LIMIT_MS,
);
