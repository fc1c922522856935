/**
 * The stress probes of issue 9 in CI size, against netsvc only (bench/stress, `--quick` with
 * shorter waits): asserts only outcomes that do not depend on timing — the server survives every
 * probe, its fds come back to the baseline, every abandoned long-poll was destroyed with its
 * signal aborted, keep-alive clients past the connection limit lock no newcomer out, the fuzz
 * found no crash, no hang and no response a strict reading forbids, no RPC batch drew an answer
 * larger than 4x its request, the workers of a killed supervisor all exited, leaving a redeploy
 * every request, and a serving process killed under load left every call accounted once, none
 * reported unavailable that ran (issue 19), as did a node of a three-node NATS cluster (issue 21);
 * TLS handshakes stalled or fed garbage, and PROXY headers from untrusted peers or dribbled by a
 * trusted one, were each closed and counted (issue 21); HTTP/2 floods (rapid reset, CONTINUATION,
 * SETTINGS, PING, empty DATA) each ended with GOAWAY ENHANCE_YOUR_CALM and counted, an HPACK bomb
 * answered 431, the last stream id served and a lower one refused, zero-window readers cut by the
 * send timeout (issue 22); WebSocket bombs each closed with 1009, careless senders and report
 * subscribers that never read closed with 1008 and ended by the send timeout, idle WebSockets held, ping floods
 * closed with 1008 (issue 23).
 * Latency and memory goals are judged by `npm run stress`, not here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeFixture } from "../../bench/stress/fixture.ts";
import { PROBES, runStress, SCENARIOS, type ProbeRecord, type ServerRecord } from "../../bench/stress/harness.ts";
import type { PollData } from "../../bench/stress/probes/abandoned-polls.ts";
import type { LockoutData } from "../../bench/stress/probes/keepalive-lockout.ts";
import type { RpcBatchData } from "../../bench/stress/probes/rpc-batch.ts";
import { MIXED_09, type FuzzData } from "../../bench/stress/probes/fuzz.ts";
import { ACCOUNT_KEPT, accountBreaks } from "../../bench/stress/call-account.ts";
import type { NatsKillData } from "../../bench/stress/probes/nats-kill.ts";
import type { ClusterKillData } from "../../bench/stress/probes/nats-cluster-kill.ts";
import type { SupervisorKillData } from "../../bench/stress/probes/supervisor-kill.ts";
import type { TlsStallData } from "../../bench/stress/probes/tls-stall.ts";
import type { TlsGarbageData } from "../../bench/stress/probes/tls-garbage.ts";
import type { ProxyUntrustedData } from "../../bench/stress/probes/proxy-untrusted.ts";
import type { ProxyDribbleData } from "../../bench/stress/probes/proxy-dribble.ts";
import type { H2FloodData } from "../../bench/stress/probes/h2-floods.ts";
import type { H2SlowReaderData } from "../../bench/stress/probes/h2-slow-reader.ts";
import type { WsBombData } from "../../bench/stress/probes/ws-bomb.ts";
import type { WsSlowReaderData } from "../../bench/stress/probes/ws-slow-reader.ts";
import type { WsSlowSubscriberData } from "../../bench/stress/probes/ws-slow-subscriber.ts";
import type { WsIdleData } from "../../bench/stress/probes/ws-idle-flood.ts";
import type { WsFragmentFloodData } from "../../bench/stress/probes/ws-fragment-flood.ts";
import { QUICK, RPC_AMPLIFICATION_GOAL, type StressSettings } from "../../bench/stress/settings.ts";
import { hasPeer } from "../../scripts/peers.ts";
import { peerTest } from "../helpers/peers.ts";

/** QUICK, trimmed so the whole run stays near a minute on a shared machine. */
const SETTINGS: StressSettings = {
  ...QUICK,
  slowloris: { ...QUICK.slowloris, durationMs: 2000 },
  fuzz: { ...QUICK.fuzz, cases: 2000 },
  soak: { ...QUICK.soak, durationMs: 4000 },
  h2Flood: { ...QUICK.h2Flood, durationMs: 1000 },
  h2SlowReader: { ...QUICK.h2SlowReader, durationMs: 2000 },
  wsBomb: { ...QUICK.wsBomb, durationMs: 1000 },
  wsSlowReader: { ...QUICK.wsSlowReader, durationMs: 2000 },
  wsSlowSubscriber: { ...QUICK.wsSlowSubscriber, durationMs: 2000 },
  wsIdle: { sockets: 500, durationMs: 1000 },
  wsFragmentFlood: { ...QUICK.wsFragmentFlood, durationMs: 1000 },
  rssRecoveryLimitMs: 0,
};
/** The probes that need a nats-server (its tests say so where none is installed). */
const BUS_PROBES = ["nats kill", "nats cluster kill"];
/** Every probe and scenario but those needing a nats-server where none is installed. */
const ONLY = hasPeer("nats-server") ? [] : [...PROBES, ...SCENARIOS].map((p) => p.name).filter((n) => !BUS_PROBES.includes(n));
/** The whole run's bound (ms): every probe is bounded, this catches a harness that is not. */
const RUN_LIMIT_MS = 240_000;

let work = "";
let run: Promise<ServerRecord[]>;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "netsvc-stress-test-"));
  run = runStress({ settings: SETTINGS, servers: ["netsvc"], only: ONLY, work, fixture: makeFixture(join(work, "site")), log: () => {} });
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
        "keepalive lockout",
        "slow readers",
        "pipeline flood",
        "abandoned polls",
        "rpc batch",
        "mutation fuzz",
        "soak",
        ...(hasPeer("nats-server") ? BUS_PROBES : []), // without nats-server they are not run (their tests say skipped)
        "tls stall",
        "tls garbage",
        "proxy untrusted",
        "proxy dribble",
        "h2 rapid reset",
        "h2 continuation flood",
        "h2 hpack bomb",
        "h2 settings flood",
        "h2 ping flood",
        "h2 empty data flood",
        "h2 slow reader",
        "h2 stream id exhaustion",
        "ws bomb",
        "ws slow reader",
        "ws slow subscriber",
        "ws idle flood",
        "ws fragment flood",
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
    "every client's 1 MB RPC batch was sent whole, and no answer was larger than 4x its request",
    async () => {
      const data = (await probe("rpc batch")).data as RpcBatchData;
      expect(data.clients).toBe(SETTINGS.rpcBatch.clients);
      expect(data.sentWhole).toBe(data.clients);
      expect(data.largestRatio).toBeLessThanOrEqual(RPC_AMPLIFICATION_GOAL);
    },
    RUN_LIMIT_MS,
  );

  test(
    "keep-alive clients past the limit lock nobody out: the normal client's new connections are served, none refused",
    async () => {
      const r = await probe("keepalive lockout");
      const data = r.data as LockoutData;
      expect(data.requests).toBeGreaterThanOrEqual(SETTINGS.lockout.clients);
      expect(r.normal.mode).toBe("new connection");
      expect(r.normal.failures).toEqual({});
      expect({ refused: data.refused, lost: data.lost, timedOut: data.timedOut }).toEqual({ refused: 0, lost: 0, timedOut: 0 });
      // The limit was reached (room was made by closing idle connections), and nobody was refused.
      expect(data.server!.reclaimed).toBeGreaterThan(0);
      expect(data.server!.refused).toBe(0);
    },
    RUN_LIMIT_MS,
  );

  peerTest(
    ["nats-server"],
    "a serving process killed under load: every call accounted once, and none reported unavailable ran",
    async () => {
      const data = (await probe("nats kill")).data as NatsKillData;
      expect(data.answered).toBeGreaterThanOrEqual(SETTINGS.natsKill.killAfter);
      expect(data.unavailable).toBeGreaterThan(0); // the kill happened, and NATS said so
      expect(accountBreaks(data)).toEqual(ACCOUNT_KEPT);
    },
    RUN_LIMIT_MS,
  );

  peerTest(
    ["nats-server"],
    "a node of a three-node NATS cluster killed under load: calls flow on, every call accounted once, none run twice",
    async () => {
      const data = (await probe("nats cluster kill")).data as ClusterKillData;
      expect(data.calls).toBe(SETTINGS.natsClusterKill.calls);
      expect(accountBreaks(data)).toEqual(ACCOUNT_KEPT);
      expect(data.answeredAfterKill).toBeGreaterThan(0);
      expect(data.timedOut).toBe(0);
    },
    RUN_LIMIT_MS,
  );

  test(
    "slowloris and idle sockets were all held; past the limit the server made room",
    async () => {
      const idle = await probe("idle flood");
      expect(idle.peak.fds).toBeGreaterThanOrEqual(SETTINGS.maxConnections);
      expect(idle.notes["closed by the server while held"]).toBeGreaterThan(0);
      // Bytes per idle connection were measured at scale (the figure is judged by npm run stress).
      expect(Number.isFinite(idle.notes[`bytes per idle keep-alive connection at ${SETTINGS.idle.atScale}`])).toBe(true);
      const slow = await probe("slowloris");
      expect(slow.peak.fds).toBeGreaterThanOrEqual(SETTINGS.slowloris.sockets);
    },
    RUN_LIMIT_MS,
  );

  test(
    "TLS: stalled handshakes are closed by the head timeout and garbage at once, each counted, none logged",
    async () => {
      const stall = (await probe("tls stall")).data as TlsStallData;
      expect(stall.closedByServer).toBeGreaterThanOrEqual(SETTINGS.tlsStall.sockets); // every first socket, at least
      expect(stall.heldPastTimeout).toBe(0);
      expect(stall.counted).toBeGreaterThanOrEqual(stall.closedByServer);
      const garbage = (await probe("tls garbage")).data as TlsGarbageData;
      expect(garbage.closedByServer).toBeGreaterThan(SETTINGS.tlsGarbage.clients);
      expect(garbage.counted).toBeGreaterThanOrEqual(garbage.closedByServer);
      expect(garbage.errorLogBytes).toBe(0);
    },
    RUN_LIMIT_MS,
  );

  test(
    "PROXY headers: from an untrusted peer each is one 400 and a close; dribbled by a trusted one, cut by the head timeout",
    async () => {
      const untrusted = (await probe("proxy untrusted")).data as ProxyUntrustedData;
      expect(Object.keys(untrusted.statuses)).toEqual(["400"]);
      expect(untrusted.closedByServer).toBeGreaterThan(SETTINGS.proxyUntrusted.clients);
      expect(untrusted.errorLogBytes).toBe(0);
      const dribble = (await probe("proxy dribble")).data as ProxyDribbleData;
      expect(dribble.closedByServer).toBeGreaterThanOrEqual(SETTINGS.proxyDribble.sockets);
      expect(dribble.heldPastTimeout).toBe(0);
    },
    RUN_LIMIT_MS,
  );

  test(
    "HTTP/2: floods end their connections with GOAWAY ENHANCE_YOUR_CALM, each counted; a bomb is 431; the last stream id is served, a lower one refused; a zero window is cut by the send timeout",
    async () => {
      for (const name of ["h2 rapid reset", "h2 continuation flood", "h2 settings flood", "h2 ping flood", "h2 empty data flood"]) {
        const d = (await probe(name)).data as H2FloodData;
        const calm = d.goaways.ENHANCE_YOUR_CALM ?? 0;
        expect({ name, calm: calm > 0, counted: (d.counted ?? -1) >= calm }).toEqual({ name, calm: true, counted: true });
      }
      const bomb = (await probe("h2 hpack bomb")).data as H2FloodData;
      expect(bomb.statuses["431"]).toBeGreaterThan(0);
      expect(bomb.goaways.COMPRESSION_ERROR).toBeUndefined();
      const ids = (await probe("h2 stream id exhaustion")).data as H2FloodData;
      expect(ids.statuses["200"]).toBeGreaterThan(0);
      expect(ids.goaways.PROTOCOL_ERROR).toBeGreaterThan(0);
      const slow = (await probe("h2 slow reader")).data as H2SlowReaderData;
      expect(slow.closedByServer).toBeGreaterThanOrEqual(SETTINGS.h2SlowReader.clients); // every first connection, at least
      expect(slow.heldPastTimeout).toBe(0);
    },
    RUN_LIMIT_MS,
  );

  test(
    "WebSocket attacks: bombs closed with 1009, careless senders with 1008 and ended by the send timeout, idle sockets held, ping floods closed with 1008",
    async () => {
      const bomb = (await probe("ws bomb")).data as WsBombData;
      expect(bomb.closedByServer).toBeGreaterThanOrEqual(SETTINGS.wsBomb.clients);
      expect(bomb.otherCloses).toBe(0);
      expect(bomb.websocketErrors).toBeGreaterThanOrEqual(bomb.closedWith1009);
      const slow = (await probe("ws slow reader")).data as WsSlowReaderData;
      expect(slow.websocketOverflows).toBeGreaterThanOrEqual(SETTINGS.wsSlowReader.clients);
      expect(slow.closedByServer).toBeGreaterThanOrEqual(SETTINGS.wsSlowReader.clients); // every first connection, at least
      expect(slow.heldPastTimeout).toBe(0);
      const sub = (await probe("ws slow subscriber")).data as WsSlowSubscriberData;
      expect(sub.slowClosed).toBeGreaterThanOrEqual(SETTINGS.wsSlowSubscriber.clients);
      expect(sub.websocketOverflows).toBeGreaterThanOrEqual(sub.slowClosed);
      expect(sub.heldPastTimeout).toBe(0);
      const idle = (await probe("ws idle flood")).data as WsIdleData;
      expect({ held: idle.held, closed: idle.closedByServer }).toEqual({ held: SETTINGS.wsIdle.sockets, closed: 0 });
      const flood = (await probe("ws fragment flood")).data as WsFragmentFloodData;
      expect(flood.echoed).toBeGreaterThan(0);
      expect(flood.pingClosed).toBeGreaterThan(0);
      expect(flood.pingClosedWith1008).toBe(flood.pingClosed);
      expect(flood.websocketFloods).toBeGreaterThanOrEqual(flood.pingClosed);
    },
    RUN_LIMIT_MS,
  );

  test(
    "supervisor kill: every worker exits, and a redeploy on the port answers every request from its own root",
    async () => {
      const [netsvc] = await run;
      const d = netsvc!.scenarios.find((x) => x.scenario === "supervisor kill")?.data as SupervisorKillData;
      expect(d.stillRunning).toBe(0);
      expect(d.lastExitMs).toBeLessThanOrEqual(SETTINGS.supervisorKill.exitLimitMs);
      expect({ old: d.oldRoot, new: d.newRoot, failed: d.failed }).toEqual({ old: 0, new: d.requests, failed: 0 });
    },
    RUN_LIMIT_MS,
  );
});
