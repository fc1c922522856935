/**
 * What a failed remote call says about whether it ran (SPEC §8.2, issue 19 item 3). Only a call
 * that provably did not run fails with SERVICE_UNAVAILABLE (safe to retry: NATS had no
 * subscriber for it, it never left, the instance refused it); a call that may have run fails
 * with CALL_OUTCOME_UNKNOWN (or INSTANCE_LOST once acknowledged). The serving process is a real
 * `bun` child (test/fixtures/recording-host.ts) that writes the id of every call it runs to a
 * file before running it, so each call's outcome can be checked against what really ran.
 */
import { afterEach, expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CALL_OUTCOME_UNKNOWN, INSTANCE_LOST, NO_SUCH_SERVICE, SERVICE_UNAVAILABLE, ServiceFailure } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { EXCHANGE_DEAD_AFTER_MS } from "../../src/entry/limits.ts";
import { connect, errors } from "@nats-io/transport-node";
import { eventually } from "../helpers/eventually.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { startDaemon } from "../helpers/servers.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";
import { peerTest } from "../helpers/peers.ts";
import { callerSide } from "../helpers/bus-caller.ts";

/** Child processes start slowly on a loaded machine: these tests get more than the default 20 s. */
const NATS_TEST_TIMEOUT_MS = 60_000;

const children: ReturnType<typeof Bun.spawn>[] = [];
const scratch: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A process hosting "ledger" that records the calls it runs; resolves once it is on the bus. */
async function recordingHost(url: string) {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-ledger-"));
  scratch.push(dir);
  const file = join(dir, "ran");
  const c = spawnWithOutput([process.execPath, "test/fixtures/recording-host.ts", url, file]);
  children.push(c.child);
  await c.out.waitFor(/ready \d+/);
  return {
    ...c,
    /** The ids of the calls it ran, in order, as recorded so far (a call that ran twice appears twice). */
    ran: async () => (await Bun.file(file).text()).split("\n").filter((l) => l !== ""),
  };
}

/** This process's side: a registry with an exchange, once it knows "ledger". */
const ledgerCaller = (url: string) => callerSide(url, "ledger");

/** Keeps this process's event loop busy for `ms` (a loaded gateway: nothing else runs meanwhile). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // load, not a wait: timers, sockets and NATS messages all queue up behind it
  }
}

/** Settles `calls`: each value, or the ServiceFailure it failed with. */
function outcomes(calls: Promise<unknown>[]): Promise<unknown[]> {
  return Promise.all(calls.map((c) => c.catch((e: unknown) => e)));
}

/** One JSON-RPC call through the gateway at `port`: its HTTP status and error code (none when answered). */
async function postCall(port: number, method: string, params: unknown[]) {
  const res = await fetch(`http://127.0.0.1:${port}/rpc/ledger`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { code: number } };
  return { status: res.status, code: body.error?.code };
}

peerTest(
  ["nats-server"],
  "a call the instance ran before it was killed is never reported unavailable (502); one NATS had no subscriber for is (503)",
  async () => {
    await using nats = await NatsServer.start();
    const host = await recordingHost(nats.url);
    await using side = await ledgerCaller(nats.url);
    await using d = startDaemon({ "/rpc": new RpcGateway("", { registry: side.r, timeoutMs: 30_000 }) });

    // The instance runs the call, then stops before its reply goes out, and is killed.
    const stalled = postCall(d.port, "runAndStall", ["stalled-1", 60_000]);
    await host.out.waitFor(/stalled stalled-1/);
    host.child.kill("SIGKILL");
    await host.child.exited;

    // Once NATS has dropped the dead subscriber (and before this process forgets the dead one), a
    // call gets NATS's "no responders": it provably did not run.
    const probe = await connect({ servers: nats.url });
    try {
      await eventually(async () => {
        const e = await probe.request("netsvc.call.ledger", "{}", { timeout: 1000 }).then(
          () => null,
          (err: unknown) => err,
        );
        const noResponders = e instanceof errors.NoRespondersError || (e instanceof errors.RequestError && e.isNoResponders());
        if (!noResponders) throw new Error("NATS still has a subscriber");
      });
    } finally {
      await probe.close();
    }
    expect(side.r.has("ledger")).toBe(true);
    expect(await postCall(d.port, "run", ["after-kill"])).toEqual({ status: 503, code: SERVICE_UNAVAILABLE });

    expect(await stalled).toEqual({ status: 502, code: CALL_OUTCOME_UNKNOWN });
    expect(await host.ran()).toEqual(["stalled-1"]);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "a burst answered while this process's event loop is busy past the acknowledgement wait: every call answered, each ran once",
  async () => {
    await using nats = await NatsServer.start();
    const host = await recordingHost(nats.url);
    await using side = await ledgerCaller(nats.url);
    const ids = Array.from({ length: 2000 }, (_, i) => `burst-${i}`);
    const calls = ids.map((id) => side.r.call("ledger", "run", [id], { timeoutMs: 30_000 }));
    // The answers arrive while this process is busy; it processes them only afterwards, later
    // than the instance's heartbeats allow for a silent process (EXCHANGE_DEAD_AFTER_MS).
    busy(EXCHANGE_DEAD_AFTER_MS + 500);
    const got = await outcomes(calls);
    expect(got.filter((o) => o instanceof ServiceFailure).map((o) => (o as ServiceFailure).error)).toEqual([]);
    expect(got).toEqual(ids);
    expect((await host.ran()).sort()).toEqual([...ids].sort());
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "calls queued behind a busy serving process past the acknowledgement wait: every call answered, each ran once",
  async () => {
    await using nats = await NatsServer.start();
    const host = await recordingHost(nats.url);
    await using side = await ledgerCaller(nats.url);
    // Under EXCHANGE_DEAD_AFTER_MS: the instance is busy, not dead.
    const stall = side.r.call("ledger", "stall", [EXCHANGE_DEAD_AFTER_MS * 0.75], { timeoutMs: 30_000 });
    const ids = Array.from({ length: 500 }, (_, i) => `queued-${i}`);
    const got = await outcomes(ids.map((id) => side.r.call("ledger", "run", [id], { timeoutMs: 30_000 })));
    expect(await stall).toBe(EXCHANGE_DEAD_AFTER_MS * 0.75);
    expect(got.filter((o) => o instanceof ServiceFailure).map((o) => (o as ServiceFailure).error)).toEqual([]);
    expect(got).toEqual(ids);
    expect((await host.ran()).sort()).toEqual([...ids].sort());
  },
  NATS_TEST_TIMEOUT_MS,
);

/**
 * Keeps the instance busy while `count` calls queue up behind `method` (which ends its service
 * or its exchange), so that it reads them only afterwards; returns their outcomes.
 */
async function callsBehind(side: Awaited<ReturnType<typeof ledgerCaller>>, method: string, count: number) {
  const stall = side.r.call("ledger", "stall", [500], { timeoutMs: 30_000 });
  const ending = side.r.call("ledger", method, [], { timeoutMs: 30_000 });
  const ids = Array.from({ length: count }, (_, i) => `late-${i}`);
  const got = await outcomes(ids.map((id) => side.r.call("ledger", "run", [id], { timeoutMs: 30_000 })));
  expect(await stall).toBe(500);
  expect(await ending).toBe(true);
  for (const f of got) expect(f).toBeInstanceOf(ServiceFailure);
  return got as ServiceFailure[];
}

peerTest(
  ["nats-server"],
  "calls that reach an instance after it began closing are refused as unavailable, and none of them ran",
  async () => {
    await using nats = await NatsServer.start();
    const host = await recordingHost(nats.url);
    await using side = await ledgerCaller(nats.url);
    // Its subscription drains: the calls on their way are delivered, and refused, not dropped.
    const got = await callsBehind(side, "closeExchange", 50);
    expect(new Set(got.map((f) => f.error))).toEqual(new Set([SERVICE_UNAVAILABLE]));
    expect(got.map((f) => f.description)).toContain("the instance is closing; the call did not run");
    expect(await host.ran()).toEqual([]);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "calls that reach an instance after it retired the service find no such service, and none of them ran",
  async () => {
    await using nats = await NatsServer.start();
    const host = await recordingHost(nats.url);
    await using side = await ledgerCaller(nats.url);
    const got = await callsBehind(side, "retire", 50);
    expect(new Set(got.map((f) => f.error))).toEqual(new Set([NO_SUCH_SERVICE]));
    expect(await host.ran()).toEqual([]);
  },
  NATS_TEST_TIMEOUT_MS,
);

/** One call through the gateway, as its client saw it. */
interface Attempt {
  id: string;
  status: number;
  result?: unknown;
  code?: number;
}

peerTest(
  ["nats-server"],
  "a serving process killed mid-load behind the gateway: every call accounted once, and no call answered 503 ran",
  async () => {
    await using nats = await NatsServer.start();
    const host = await recordingHost(nats.url);
    await using side = await ledgerCaller(nats.url);
    await using d = startDaemon({ "/rpc": new RpcGateway("", { registry: side.r, timeoutMs: 30_000 }) });
    const KILL_AFTER = 150;
    const CLIENTS = 8;
    /**
     * Each client stops after this many calls in a row that did not run — 503 (NATS has no
     * subscriber left) or 404 (the gateway no longer knows the service) — or after MAX_CALLS.
     */
    const UNAVAILABLE_IN_A_ROW = 3;
    const MAX_CALLS = 400;
    const attempts: Attempt[] = [];
    let answered = 0;
    let killed = false;
    const client = async (c: number) => {
      let unavailable = 0;
      for (let i = 0; i < MAX_CALLS && unavailable < UNAVAILABLE_IN_A_ROW; i++) {
        const id = `c${c}-${i}`;
        // Half the calls are answered at once (no acknowledgement), half later (acknowledged first).
        const [method, params] = i % 2 === 0 ? ["run", [id]] : ["runLater", [id, 2]];
        const res = await fetch(`http://127.0.0.1:${d.port}/rpc/ledger`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        });
        // 404 once the gateway no longer knows the service (its process forgotten): plain text
        const body = (res.status === 404 ? await res.text().then(() => ({})) : await res.json()) as {
          result?: unknown;
          error?: { code: number };
        };
        attempts.push({ id, status: res.status, result: body.result, code: body.error?.code });
        if (res.status === 200 && ++answered >= KILL_AFTER && !killed) {
          killed = true;
          host.child.kill("SIGKILL");
        }
        unavailable = res.status === 503 || res.status === 404 ? unavailable + 1 : 0;
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    await host.child.exited;
    const ran = await host.ran();

    // Exactly once: every call has one outcome, and no call ran twice.
    expect(new Set(attempts.map((a) => a.id)).size).toBe(attempts.length);
    expect(new Set(ran).size).toBe(ran.length);
    const ranSet = new Set(ran);
    const account = { answered: 0, unavailable: 0, unknown: 0 };
    for (const a of attempts) {
      if (a.status === 200) {
        expect(a).toEqual({ id: a.id, status: 200, result: a.id, code: undefined }); // an answer, never an error
        expect(ranSet.has(a.id)).toBe(true);
        account.answered++;
      } else if (a.status === 503 || a.status === 404) {
        expect(a.code).toEqual(a.status === 503 ? SERVICE_UNAVAILABLE : undefined); // 404: not even sent
        expect(ranSet.has(a.id)).toBe(false); // the goal: no call reported unavailable ran
        account.unavailable++;
      } else {
        expect(a.status).toBe(502);
        expect([CALL_OUTCOME_UNKNOWN, INSTANCE_LOST]).toContain(a.code ?? 0);
        account.unknown++;
      }
    }
    expect(account.answered).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(account.unavailable).toBeGreaterThanOrEqual(CLIENTS * UNAVAILABLE_IN_A_ROW); // each client stopped on those
    expect(account.answered + account.unavailable + account.unknown).toBe(attempts.length);
    // Everything that ran was asked for, and was answered or reported as unknown.
    const asked = new Set(attempts.map((a) => a.id));
    for (const id of ran) expect(asked.has(id)).toBe(true);
  },
  NATS_TEST_TIMEOUT_MS,
);
