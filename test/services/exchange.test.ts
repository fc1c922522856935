/**
 * The exchange over a real nats-server (SPEC §8.2): service processes are real `bun` children;
 * this process holds only a gateway (and a local service of its own for the NATS-down case).
 */
import { afterEach, expect, test } from "bun:test";
import {
  CALL_OUTCOME_UNKNOWN,
  Exchange,
  INSTANCE_LOST,
  NO_SUCH_SERVICE,
  SERVICE_UNAVAILABLE,
  Service,
  ServiceFailure,
  ServiceRegistry,
  type ServiceEvent,
} from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { exchangeLink } from "../../src/services/exchange.ts";
import { connect } from "@nats-io/transport-node";
import { NatsServer } from "../helpers/nats-server.ts";
import { startDaemon } from "../helpers/servers.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";
import { eventually, firstValue } from "../helpers/eventually.ts";
import { failureOf } from "../helpers/failure.ts";
import { peerTest } from "../helpers/peers.ts";

/** Child processes start slowly on a loaded machine: these tests get more than the default 20 s. */
const NATS_TEST_TIMEOUT_MS = 60_000;

/** Every child of the running test, killed when the test ends (and before its nats-server stops). */
const children: ReturnType<typeof Bun.spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});
const killChildren = {
  [Symbol.dispose]: () => {
    for (const c of children) c.kill("SIGKILL");
  },
};

/** Starts a process hosting "calc"; resolves with it once it says it is connected. */
async function host(url: string, group = "") {
  const { child, out } = spawnWithOutput([process.execPath, "test/fixtures/service-host.ts", url, ...(group ? [group] : [])]);
  children.push(child);
  const pid = Number((await out.waitFor(/ready (\d+)/))[1]);
  return { child, pid };
}

/** This process's side: a registry with an exchange; closed at the end of the scope. */
async function gatewaySide(url: string) {
  const r = new ServiceRegistry();
  r.errorLog = () => {};
  const exchange = new Exchange({ servers: url, registry: r, log: () => {} });
  await exchange.connect();
  return {
    r,
    exchange,
    async [Symbol.asyncDispose]() {
      await exchange.close();
    },
  };
}

/** Resolves when `cond()` holds, re-checked on every registry event; rejects after `ms`. */
function whenRegistry(r: ServiceRegistry, cond: () => boolean, ms = 5000): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    if (cond()) return resolve(0);
    const timer = setTimeout(() => {
      stop();
      reject(new Error("the registry never got there"));
    }, ms);
    const stop = r.subscribe(() => {
      if (!cond()) return;
      clearTimeout(timer);
      stop();
      resolve(performance.now() - t0);
    });
  });
}

peerTest(
  ["nats-server"],
  "a call through the gateway reaches a service in another process; failures keep their fields",
  async () => {
    await using nats = await NatsServer.start();
    using _children = killChildren;
    await using side = await gatewaySide(nats.url);
    await host(nats.url, "web");
    await whenRegistry(side.r, () => side.r.isMember("calc", "web"));
    await using d = startDaemon({ "/rpc": new RpcGateway("web", { registry: side.r }) });
    const call = (body: object) =>
      fetch(`http://127.0.0.1:${d.port}/rpc/calc`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...body }),
      }).then(
        (x) =>
          x.json() as Promise<{
            jsonrpc?: string;
            id?: unknown;
            result?: unknown;
            error?: { code: number; message: string; data?: unknown };
          }>,
      );
    expect(await call({ method: "add", params: [2, 3] })).toEqual({ jsonrpc: "2.0", result: 5, id: 1 });
    expect((await call({ method: "add", params: ["x", 3] })).error).toEqual({
      code: 10,
      message: "not a number",
      data: { origin: "calc", details: "add takes two numbers" },
    });
    expect((await call({ method: "nope" })).error?.code).toBe(-32601);
    const bytes = new Uint8Array([1, 2, 3]);
    const when = new Date(Date.UTC(2026, 0, 1));
    expect(await side.r.call("calc", "types", [{ bytes, when, list: [null, true] }])).toEqual({ bytes, when, list: [null, true] });
    expect(await side.r.call("calc", "slow", [5])).toBeNumber();
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "two instances share the calls; killing one mid-load loses no call the other could serve",
  async () => {
    await using nats = await NatsServer.start();
    using _children = killChildren;
    await using side = await gatewaySide(nats.url);
    const a = await host(nats.url);
    const b = await host(nats.url);
    await whenRegistry(side.r, () => side.r.lookup("calc")?.remote === 2);
    const served = new Set<unknown>();
    for (let i = 0; i < 40; i++) served.add(await side.r.call("calc", "whoami"));
    expect(served).toEqual(new Set([a.pid, b.pid]));

    // 8 callers, each making calls of 20 ms; one instance is killed after 40 replies.
    const outcomes: (number | ServiceFailure)[] = [];
    let killed = false;
    const lastOfEach: unknown[] = [];
    const caller = async () => {
      for (let i = 0; i < 25; i++) {
        let o: number | ServiceFailure;
        try {
          o = (await side.r.call("calc", "slow", [20], { timeoutMs: 10_000 })) as number;
        } catch (e) {
          o = e as ServiceFailure;
        }
        outcomes.push(o);
        if (i === 24) lastOfEach.push(o);
        if (!killed && outcomes.length >= 40) {
          killed = true;
          a.child.kill("SIGKILL");
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, caller));
    expect(outcomes.length).toBe(200);
    const failures = outcomes.filter((o) => o instanceof ServiceFailure);
    expect(failures.length).toBeLessThanOrEqual(8); // at most the calls in flight to the dead one
    // They may have run: never SERVICE_UNAVAILABLE, which says a call did not run.
    for (const f of failures) expect([INSTANCE_LOST, CALL_OUTCOME_UNKNOWN]).toContain(f.error);
    expect(lastOfEach).toEqual(Array(8).fill(b.pid)); // calls made after the kill go to the survivor
    await whenRegistry(side.r, () => side.r.lookup("calc")?.remote === 1);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "NATS down: calls in flight fail at once as of unknown outcome, new remote calls as unavailable (gateway 503), local ones work; NATS back: calls recover",
  async () => {
    await using nats = await NatsServer.start();
    using _children = killChildren;
    await using side = await gatewaySide(nats.url);
    const local = new Service("here", side.r);
    local.exportMethod(() => "local", "ping");
    await host(nats.url);
    await whenRegistry(side.r, () => side.r.has("calc"));
    await using d = startDaemon({ "/rpc": new RpcGateway("", { registry: side.r }) });
    const post = (name: string, method: string) =>
      fetch(`http://127.0.0.1:${d.port}/rpc/${name}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [1, 1] }),
      });

    const inFlight = failureOf(side.r.call("calc", "slow", [60_000]));
    await nats.stop();
    const t0 = performance.now();
    expect((await inFlight).error).toBe(CALL_OUTCOME_UNKNOWN); // it had reached its instance: it may have run
    const r = await post("calc", "add"); // not sent at all: safe to retry
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { code: number } }).error.code).toBe(SERVICE_UNAVAILABLE);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await (await post("here", "ping")).json()).toEqual({ jsonrpc: "2.0", result: "local", id: 1 });

    await nats.restart();
    // the clients reconnect by themselves; wait for the first call that gets through (bounded)
    expect(await eventually(() => side.r.call("calc", "add", [2, 2]))).toBe(4);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "membership changes reach the other process within 2 s; a killed process's services disappear",
  async () => {
    await using nats = await NatsServer.start();
    using _children = killChildren;
    await using side = await gatewaySide(nats.url);
    const events: ServiceEvent[] = [];
    side.r.subscribe((e) => events.push(e));
    const t0 = performance.now();
    const a = await host(nats.url);
    await whenRegistry(side.r, () => side.r.has("calc"));
    expect(performance.now() - t0).toBeLessThan(15_000); // includes the child's start-up
    expect(events[0]).toMatchObject({ kind: "announce", name: "calc", local: false });

    const t1 = performance.now();
    await side.r.call("calc", "retireMe");
    await whenRegistry(side.r, () => !side.r.has("calc"), 2000);
    expect(performance.now() - t1).toBeLessThan(2000);
    expect((await failureOf(side.r.call("calc", "add", [1, 2]))).error).toBe(NO_SUCH_SERVICE);
    a.child.kill("SIGKILL");

    await host(nats.url);
    await whenRegistry(side.r, () => side.r.has("calc"));
    const b = children[children.length - 1]!;
    const t2 = performance.now();
    b.kill("SIGKILL");
    await whenRegistry(side.r, () => !side.r.has("calc"), 5000);
    expect(performance.now() - t2).toBeLessThan(5000);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "close() lets the calls it serves finish, then withdraws the services from the bus",
  async () => {
    await using nats = await NatsServer.start();
    await using side = await gatewaySide(nats.url);
    const hostRegistry = new ServiceRegistry();
    const started = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<string>();
    new Service("drain", hostRegistry).exportMethod(() => {
      started.resolve();
      return gate.promise;
    }, "wait");
    const hostExchange = new Exchange({ servers: nats.url, registry: hostRegistry, log: () => {} });
    await hostExchange.connect();
    await whenRegistry(side.r, () => side.r.has("drain"));
    const call = side.r.call("drain", "wait");
    await started.promise;
    const closed = hostExchange.close();
    await whenRegistry(side.r, () => !side.r.has("drain")); // withdrawn at once: no new calls
    gate.resolve("finished");
    expect(await call).toBe("finished");
    await closed;

    // subscribeShutdown: an orderly shutdown's "pending" closes the exchange the same way
    const later = new Exchange({ servers: nats.url, registry: hostRegistry, log: () => {} });
    new Service("later", hostRegistry).exportMethod(() => 1, "one");
    const phases: ((phase: "pending" | "arrived") => void)[] = [];
    later.subscribeShutdown({ subscribeShutdown: (cb) => phases.push(cb) });
    await later.connect();
    await whenRegistry(side.r, () => side.r.has("later"));
    for (const cb of phases) cb("pending");
    await whenRegistry(side.r, () => !side.r.has("later"));
    expect(later.isConnected()).toBe(false);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "junk on the bus (unreadable calls, announcements and replies) is answered or ignored, never a crash",
  async () => {
    await using nats = await NatsServer.start();
    await using side = await gatewaySide(nats.url);
    const hostRegistry = new ServiceRegistry();
    new Service("calc", hostRegistry).exportMethod((a: number, b: number) => a + b, "add");
    const hostExchange = new Exchange({ servers: nats.url, registry: hostRegistry, log: () => {} });
    await hostExchange.connect();
    await whenRegistry(side.r, () => side.r.has("calc"));
    const nc = await connect({ servers: nats.url });
    try {
      const junk = new TextEncoder().encode("{not json");
      const reply = await nc.request("netsvc.call.calc", junk, { timeout: 5000 });
      expect(JSON.parse(new TextDecoder().decode(reply.data)).f.error).toBe(-32603);
      const noMethod = await nc.request("netsvc.call.calc", new TextEncoder().encode('{"m":5,"p":"x"}'), { timeout: 5000 });
      expect(JSON.parse(new TextDecoder().decode(noMethod.data)).f.error).toBe(-32601);
      nc.publish("netsvc.members", junk);
      nc.publish("netsvc.members", new TextEncoder().encode('{"pid":1,"services":"x"}'));
      nc.publish("netsvc.members", new TextEncoder().encode('{"pid":"p","services":[null,{"name":7}]}'));
      nc.publish(`netsvc.reply.${side.exchange.pid}.999999`, junk); // no such call: ignored
      // parameters nested far deeper than any call needs: a failure reply, not a dead reader
      const deep = new TextEncoder().encode(`{"m":"add","p":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
      const tooDeep = await nc.request("netsvc.call.calc", deep, { timeout: 5000 });
      expect(JSON.parse(new TextDecoder().decode(tooDeep.data)).f.error).toBe(-32602);
      await nc.flush();
      expect(await side.r.call("calc", "add", [1, 2])).toBe(3);
    } finally {
      await nc.close();
      await hostExchange.close();
    }
  },
  NATS_TEST_TIMEOUT_MS,
);

test("connect() twice shares one attempt; a failed attempt (retry: false) can be made again", async () => {
  // a port nothing listens on: taken from the kernel, then given back
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const ex = new Exchange({ servers: `nats://127.0.0.1:${port}`, retry: false, registry: new ServiceRegistry(), log: () => {} });
  const first = ex.connect();
  expect(ex.connect()).toBe(first); // never a second connection beside the first
  await expect(first).rejects.toThrow();
  const again = ex.connect();
  expect(again).not.toBe(first);
  await expect(again).rejects.toThrow();
  await ex.close();
});

peerTest(
  ["nats-server"],
  "close() while connect() is on its way: the connection that then opens is closed too, and connect() says it is not connected",
  async () => {
    await using nats = await NatsServer.start();
    const ex = new Exchange({ servers: nats.url, registry: new ServiceRegistry(), discovery: false, log: () => {} });
    const connecting = ex.connect();
    const closing = ex.close(); // in the same turn: the connection attempt is still under way
    await Promise.all([connecting, closing]);
    expect(ex.isConnected()).toBe(false);
    // Before, the connection opened after close() had run was kept: the process could not exit.
    const closed = await firstValue(() => {
      const nc = exchangeLink(ex).nc;
      return !nc || nc.isClosed() ? true : undefined;
    }, 3000);
    expect(closed ?? `still open: ${exchangeLink(ex).nc?.getServer()}`).toBe(true);
  },
);
