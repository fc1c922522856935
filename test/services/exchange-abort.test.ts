/**
 * A caller giving up reaches the remote instance (SPEC §8.2): a method in another process, waiting
 * on its CallContext signal (test/fixtures/service-host.ts `held`), prints "aborted <tag> <code>"
 * when the signal aborts. Each case waits for that line, bounded: the caller's AbortController
 * (after the acknowledgement, and before it), the caller's timeout, an RpcGateway client that
 * closes its socket mid-call, a caller process that is killed, and a caller that closes its exchange.
 */
import { afterEach, expect } from "bun:test";
import {
  CALL_ABORTED,
  CALL_OUTCOME_UNKNOWN,
  CALL_TIMED_OUT,
  Exchange,
  Service,
  type ServiceFailure,
  ServiceRegistry,
} from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { EXCHANGE_DEAD_AFTER_MS, EXCHANGE_HEARTBEAT_MS } from "../../src/entry/limits.ts";
import { connect } from "@nats-io/transport-node";
import { eventually } from "../helpers/eventually.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";
import { type Output, spawnWithOutput } from "../helpers/spawn.ts";
import { failureOf } from "../helpers/failure.ts";
import { peerTest } from "../helpers/peers.ts";
import { callerSide } from "../helpers/bus-caller.ts";

/** Child processes start slowly on a loaded machine: these tests get more than the default 20 s. */
const NATS_TEST_TIMEOUT_MS = 60_000;
/** How long the instance may take to see an abort the caller sent (ms): one message, with room for a loaded machine. */
const CANCEL_BOUND_MS = 3_000;
/** How long the instance may take to see a killed caller (ms): the heartbeat's silence, checked every heartbeat, plus slack. */
const DEAD_CALLER_BOUND_MS = EXCHANGE_DEAD_AFTER_MS + EXCHANGE_HEARTBEAT_MS + CANCEL_BOUND_MS;

const children: ReturnType<typeof Bun.spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

/** A process hosting "calc" (with `held`); resolves once it is on the bus. */
async function host(url: string) {
  const c = spawnWithOutput([process.execPath, "test/fixtures/service-host.ts", url]);
  children.push(c.child);
  await c.out.waitFor(/ready \d+/);
  return c;
}

/** This process's side: a registry with an exchange, once it knows "calc". */
const calcCaller = (url: string) => callerSide(url, "calc");

/**
 * A test with its own nats-server and a process hosting "calc" on it (both gone after the test),
 * given the more generous timeout of this file.
 */
function busTest(name: string, body: (nats: NatsServer, calc: Awaited<ReturnType<typeof host>>) => Promise<void>): void {
  peerTest(
    ["nats-server"],
    name,
    async () => {
      await using nats = await NatsServer.start();
      await body(nats, await host(nats.url));
    },
    NATS_TEST_TIMEOUT_MS,
  );
}

/**
 * Waits for the instance's "aborted <tag> <code>" line; returns the code and how long it took
 * (ms). Rejects after `bound` ms (Output.waitFor checks its own deadline only when output comes).
 */
async function abortSeen(out: Output, tag: string, bound: number) {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the instance did not report "aborted ${tag}" within ${bound} ms`)), bound);
  });
  try {
    const m = await Promise.race([out.waitFor(new RegExp(`aborted ${tag} (-?\\d+)`), bound), late]);
    return { code: Number(m[1]), ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

busTest("the caller's AbortController aborts the remote method's signal, acknowledged or not yet", async (nats, calc) => {
  await using side = await calcCaller(nats.url);

  const ac = new AbortController();
  const call = side.r.call("calc", "held", ["acked"], { signal: ac.signal });
  await calc.out.waitFor(/started acked/);
  // the instance sent its acknowledgement before this reply: the caller knows who holds the call
  expect(await side.r.call("calc", "add", [1, 1])).toBe(2);
  ac.abort();
  expect((await failureOf(call)).error).toBe(CALL_ABORTED);
  expect((await abortSeen(calc.out, "acked", CANCEL_BOUND_MS)).code).toBe(CALL_ABORTED);

  // aborted at once: the call is still on its way, the cancel follows the acknowledgement
  const early = new AbortController();
  const call2 = side.r.call("calc", "held", ["early"], { signal: early.signal });
  early.abort();
  expect((await failureOf(call2)).error).toBe(CALL_ABORTED);
  expect((await abortSeen(calc.out, "early", CANCEL_BOUND_MS)).code).toBe(CALL_ABORTED);
});

busTest("the caller's timeout aborts the remote method's signal", async (nats, calc) => {
  await using side = await calcCaller(nats.url);
  const call = side.r.call("calc", "held", ["timed"], { timeoutMs: 300 });
  await calc.out.waitFor(/started timed/);
  expect((await failureOf(call)).error).toBe(CALL_TIMED_OUT);
  expect((await abortSeen(calc.out, "timed", CANCEL_BOUND_MS)).code).toBe(CALL_TIMED_OUT);
});

busTest("an RpcGateway client that closes its socket mid-call aborts the method in the other process", async (nats, calc) => {
  await using side = await calcCaller(nats.url);
  await using d = startDaemon({ "/rpc": new RpcGateway("", { registry: side.r }) });
  const c = await RawClient.connect(d.port);
  const body = '{"jsonrpc":"2.0","method":"held","params":["http"],"id":1}';
  c.send(`POST /rpc/calc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await calc.out.waitFor(/started http/);
  c.terminate();
  expect((await abortSeen(calc.out, "http", CANCEL_BOUND_MS)).code).toBe(CALL_ABORTED);
});

busTest("a killed caller process: the instance aborts its calls once the caller's heartbeat stops", async (nats, calc) => {
  const caller = spawnWithOutput([process.execPath, "test/fixtures/service-caller.ts", nats.url, "orphan"]);
  children.push(caller.child);
  await caller.out.waitFor(/calling orphan/);
  await calc.out.waitFor(/started orphan/);
  caller.child.kill("SIGKILL");
  const seen = await abortSeen(calc.out, "orphan", DEAD_CALLER_BOUND_MS);
  expect(seen.code).toBe(CALL_ABORTED);
  expect(seen.ms).toBeLessThan(DEAD_CALLER_BOUND_MS);
});

busTest("a caller that closes its exchange mid-call: the instance aborts the call", async (nats, calc) => {
  const side = await calcCaller(nats.url);
  const failed = failureOf(side.r.call("calc", "held", ["closing"]));
  await calc.out.waitFor(/started closing/);
  await side.exchange.close();
  expect((await failed).error).toBe(CALL_OUTCOME_UNKNOWN); // it was running: it may yet finish
  expect((await abortSeen(calc.out, "closing", CANCEL_BOUND_MS)).code).toBe(CALL_ABORTED);
});

peerTest(
  ["nats-server"],
  "junk cancels and a junk acknowledgement are ignored, never a crash",
  async () => {
    await using nats = await NatsServer.start();
    const hostRegistry = new ServiceRegistry();
    const gate = Promise.withResolvers<string>();
    new Service("gated", hostRegistry).exportMethod(() => gate.promise, "wait");
    const hostExchange = new Exchange({ servers: nats.url, registry: hostRegistry, log: () => {} });
    await hostExchange.connect();
    const nc = await connect({ servers: nats.url });
    try {
      // a "service" that acknowledges with a process id that is no subject token
      nc.subscribe("netsvc.call.fake", {
        queue: "netsvc",
        callback: (_e, m) => {
          m.respond('{"a":"no such.>"}');
        },
      });
      const announceFake = () =>
        nc.publish("netsvc.members", JSON.stringify({ pid: "f".repeat(32), services: [{ name: "fake", groups: [] }] }));
      const r = new ServiceRegistry();
      const side = new Exchange({ servers: nats.url, registry: r, log: () => {} });
      await side.connect();
      try {
        await eventually(async () => {
          announceFake(); // (it has no heartbeat: said again until heard)
          if (!r.has("fake") || !r.has("gated")) throw new Error("not known yet");
        });
        const ac = new AbortController();
        const fake = failureOf(r.call("fake", "x", [], { signal: ac.signal }));
        expect(await r.call("gated", "nothing", []).catch((e: ServiceFailure) => e.error)).toBe(-32601); // a round trip (likely, not certainly, after the fake ack: either path must end in CALL_ABORTED)
        ac.abort();
        expect((await fake).error).toBe(CALL_ABORTED);

        const waiting = r.call("gated", "wait");
        for (const junk of ["{not json", '{"c":5}', '{"c":"netsvc.reply.x.1","e":"?"}', "null"])
          nc.publish(`netsvc.cancel.${hostExchange.pid}`, junk);
        await nc.flush();
        gate.resolve("still served");
        expect(await waiting).toBe("still served");
      } finally {
        await side.close();
      }
    } finally {
      await nc.close();
      await hostExchange.close();
    }
  },
  NATS_TEST_TIMEOUT_MS,
);
