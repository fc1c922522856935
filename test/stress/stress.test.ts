/**
 * The stress probes of issue 9 in CI size, against netsvc only (bench/stress, `--quick` with
 * shorter waits): asserts only outcomes that do not depend on timing — the server survives every
 * probe, its fds come back to the baseline, every abandoned long-poll was destroyed with its
 * signal aborted, the fuzz found no crash, no hang and no response a strict reading forbids, and
 * a serving process killed under load left every call accounted once, none reported unavailable
 * that ran (issue 19). Latency and memory goals are judged by `npm run stress`, not here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeFixture } from "../../bench/stress/fixture.ts";
import { runStress, type ProbeRecord, type ServerRecord } from "../../bench/stress/harness.ts";
import type { PollData } from "../../bench/stress/probes/abandoned-polls.ts";
import { MIXED_09, type FuzzData } from "../../bench/stress/probes/fuzz.ts";
import type { NatsKillData } from "../../bench/stress/probes/nats-kill.ts";
import { QUICK, type StressSettings } from "../../bench/stress/settings.ts";

/** QUICK, trimmed so the whole run stays near a minute on a shared machine. */
const SETTINGS: StressSettings = {
  ...QUICK,
  slowloris: { ...QUICK.slowloris, durationMs: 2000 },
  fuzz: { ...QUICK.fuzz, cases: 2000 },
  soak: { ...QUICK.soak, durationMs: 4000 },
  rssRecoveryLimitMs: 0,
};
/** The whole run's bound (ms): every probe is bounded, this catches a harness that is not. */
const RUN_LIMIT_MS = 240_000;

let work = "";
let run: Promise<ServerRecord[]>;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "netsvc-stress-test-"));
  run = runStress({ settings: SETTINGS, servers: ["netsvc"], only: [], work, fixture: makeFixture(join(work, "site")), log: () => {} });
  run.catch(() => {}); // reported by the tests that await it
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function probe(name: string): Promise<ProbeRecord> {
  const [netsvc] = await run;
  const r = netsvc!.probes.find((p) => p.probe === name);
  if (!r) throw new Error(`probe ${name} did not run`);
  return r;
}

describe("stress probes against netsvc (quick)", () => {
  test(
    "the server survives every probe and its fds come back to the baseline after each",
    async () => {
      const [netsvc] = await run;
      expect(netsvc!.probes.map((p) => p.probe)).toEqual([
        "slowloris",
        "idle flood",
        "slow readers",
        "pipeline flood",
        "abandoned polls",
        "mutation fuzz",
        "soak",
        "nats kill",
      ]);
      for (const p of netsvc!.probes) {
        expect({ probe: p.probe, alive: p.alive, fdsBack: Number.isFinite(p.fdsBackMs) }).toEqual({
          probe: p.probe,
          alive: true,
          fdsBack: true,
        });
        // The attack really reached the server: its fds rose above the baseline.
        expect(p.peak.fds).toBeGreaterThan(p.before.fds);
      }
    },
    RUN_LIMIT_MS,
  );

  test(
    "every abandoned long-poll is destroyed, with its signal aborted",
    async () => {
      const data = (await probe("abandoned polls")).data as PollData;
      expect(data.pending).toBeGreaterThan(0);
      expect(data.pending + data.refused).toBe(data.clients);
      expect(data.noticed).toBe(data.pending);
      expect(data.signalled).toBe(data.pending);
    },
    RUN_LIMIT_MS,
  );

  test(
    "the fuzz finds no crash, no hang and no response a strict reading forbids",
    async () => {
      const data = (await probe("mutation fuzz")).data as FuzzData;
      expect(data.cases).toBe(SETTINGS.fuzz.cases);
      expect(data.outcomes.crash ?? 0).toBe(0);
      expect(data.outcomes.hang ?? 0).toBe(0);
      expect(data.outcomes["connect failed"] ?? 0).toBe(0);
      // One kind is known and reported (bench/results/stress.md): a versionless GET line pipelined
      // after an HTTP/1.1 request gets an HTTP/0.9 body-only answer on that connection.
      expect(data.findings.filter((f) => f.kind !== MIXED_09)).toEqual([]);
      // Mutations mostly make bad requests: each was refused, and none wrote to the error log.
      expect(data.badRequests).toBeGreaterThan(SETTINGS.fuzz.cases / 2);
      expect(data.errorLogBytes).toBe(0);
    },
    RUN_LIMIT_MS,
  );

  test(
    "a serving process killed under load: every call accounted once, and none reported unavailable ran",
    async () => {
      const data = (await probe("nats kill")).data as NatsKillData;
      expect(data.answered).toBeGreaterThanOrEqual(SETTINGS.natsKill.killAfter);
      expect(data.unavailable).toBeGreaterThan(0); // the kill happened, and NATS said so
      expect(data.unavailableThatRan).toBe(0);
      expect(data.unaccounted).toBe(0);
      expect(data.ranTwiceOrUnasked).toBe(0);
      expect(data.answered + data.unavailable + data.unknown).toBe(data.calls);
      expect(data.ran).toBe(data.answered + data.unknownThatRan);
    },
    RUN_LIMIT_MS,
  );

  test(
    "slowloris and idle sockets were all held; past the limit the server made room",
    async () => {
      const idle = await probe("idle flood");
      expect(idle.peak.fds).toBeGreaterThanOrEqual(SETTINGS.idle.measured);
      expect(idle.notes["closed by the server while held"]).toBeGreaterThan(0);
      const slow = await probe("slowloris");
      expect(slow.peak.fds).toBeGreaterThanOrEqual(SETTINGS.slowloris.sockets);
    },
    RUN_LIMIT_MS,
  );
});
