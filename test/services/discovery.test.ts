/**
 * Discovery with the NATS micro-service protocol (discovery.ts): a plain NATS client — what the
 * `nats micro` tooling does — sends `$SRV.PING`, `$SRV.INFO.<name>` and `$SRV.STATS` to a real
 * nats-server and sees each netsvc service of a connected Exchange with its methods; a retired
 * service disappears; `discovery: false` answers nothing.
 */
import { afterEach, expect } from "bun:test";
import { connect, createInbox, errors, type NatsConnection } from "@nats-io/transport-node";
import { Svcm, type ServiceInfo } from "@nats-io/services";
import { Exchange, MICRO_VERSION, Service, ServiceRegistry } from "../../src/entry/services.ts";
import { eventually } from "../helpers/eventually.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { peerTest } from "../helpers/peers.ts";

const NATS_TEST_TIMEOUT_MS = 30_000;
/** A single request's bound (ms). */
const REQUEST_MS = 2_000;

interface MicroInfo {
  type: string;
  name: string;
  id: string;
  version: string;
  metadata: Record<string, string>;
  endpoints: {
    name: string;
    subject: string;
    queue_group: string;
    metadata: Record<string, string>;
    num_requests?: number;
    num_errors?: number;
  }[];
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * Answers to `subject` (a `$SRV` request is answered by every instance) until `count` came;
 * rejects after REQUEST_MS with what came.
 */
async function gather(nc: NatsConnection, subject: string, count: number): Promise<MicroInfo[]> {
  const inbox = createInbox();
  const got: MicroInfo[] = [];
  const all = Promise.withResolvers<MicroInfo[]>();
  const sub = nc.subscribe(inbox, {
    callback: (_e, m) => {
      if (m.data.length === 0) return; // the server's "no responders" status
      got.push(m.json<MicroInfo>());
      if (got.length >= count) all.resolve(got);
    },
  });
  const timer = setTimeout(() => all.reject(new Error(`${got.length} of ${count} answers to ${subject}`)), REQUEST_MS);
  nc.publish(subject, "", { reply: inbox });
  try {
    return await all.promise;
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
}

/** True when nobody answers `subject`: the server says "no responders" at once. */
async function nobodyAnswers(nc: NatsConnection, subject: string): Promise<boolean> {
  try {
    await nc.request(subject, "", { timeout: REQUEST_MS });
    return false;
  } catch (e) {
    if (e instanceof errors.RequestError && e.isNoResponders()) return true;
    throw e;
  }
}

async function setUp(options: { discovery?: boolean; prefix?: string } = {}) {
  const nats = await NatsServer.start();
  cleanups.push(() => nats.stop());
  const r = new ServiceRegistry();
  r.errorLog = () => {};
  const exchange = new Exchange({ servers: nats.url, registry: r, log: () => {}, ...options });
  await exchange.connect();
  cleanups.push(() => exchange.close());
  const nc = await connect({ servers: nats.url });
  cleanups.push(() => nc.close());
  return { r, exchange, nc };
}

class Calc extends Service {
  constructor(r: ServiceRegistry) {
    super("calc", r);
    this.exportMethod((a: number, b: number) => a + b, "add");
    this.exportMethod(async (ms: number) => ms, "slow");
    this.exportMethod(() => 1, "not a token"); // no micro endpoint name: left out
  }
}

peerTest(
  ["nats-server"],
  "$SRV.PING and $SRV.INFO list every local service with its methods and their subjects",
  async () => {
    const { r, nc } = await setUp();
    new Calc(r);
    new Service("geo.lookup", r).exportMethod((q: string) => q, "find");

    // each micro service starts asynchronously: "no responders" until it does
    await eventually(() => nc.request("$SRV.PING.calc", "", { timeout: REQUEST_MS }));
    await eventually(() => nc.request("$SRV.PING.geo_lookup", "", { timeout: REQUEST_MS }));
    const pings = await gather(nc, "$SRV.PING", 2);
    expect(pings.map((p) => [p.type, p.name, p.version]).sort()).toEqual([
      ["io.nats.micro.v1.ping_response", "calc", MICRO_VERSION],
      ["io.nats.micro.v1.ping_response", "geo_lookup", MICRO_VERSION],
    ]);

    const info = (await nc.request("$SRV.INFO.calc", "", { timeout: REQUEST_MS })).json<MicroInfo>();
    expect(info.type).toBe("io.nats.micro.v1.info_response");
    expect(info.metadata).toEqual({ "netsvc.service": "calc", "netsvc.call": "netsvc.call.calc" });
    expect(info.endpoints).toEqual([
      { name: "add", subject: "netsvc.micro.calc.add", queue_group: "netsvc", metadata: { "netsvc.method": "add" } },
      { name: "slow", subject: "netsvc.micro.calc.slow", queue_group: "netsvc", metadata: { "netsvc.method": "slow" } },
    ]);
    const geo = (await nc.request("$SRV.INFO.geo_lookup", "", { timeout: REQUEST_MS })).json<MicroInfo>();
    expect(geo.metadata["netsvc.service"]).toBe("geo.lookup");
    expect(geo.endpoints.map((e) => e.subject)).toEqual(["netsvc.micro.geo.lookup.find"]);

    // the official micro client (what the tooling is built on) reads the same
    const client = new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]).client({
      strategy: "count",
      maxMessages: 1,
      maxWait: REQUEST_MS,
    });
    const infos: ServiceInfo[] = [];
    for await (const i of await client.info("geo_lookup")) infos.push(i);
    expect(infos.map((i) => [i.name, i.endpoints.map((e) => e.name)])).toEqual([["geo_lookup", ["find"]]]);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "an endpoint answers in the micro conventions; $SRV.STATS counts its requests and errors",
  async () => {
    const { r, nc } = await setUp();
    new Calc(r);
    await eventually(() => nc.request("$SRV.INFO.calc", "", { timeout: REQUEST_MS }));
    expect((await nc.request("netsvc.micro.calc.add", "[2,3]", { timeout: REQUEST_MS })).string()).toBe("5");
    expect((await nc.request("netsvc.micro.calc.slow", "[7]", { timeout: REQUEST_MS })).string()).toBe("7");
    const bad = await nc.request("netsvc.micro.calc.add", "{not json", { timeout: REQUEST_MS });
    expect(bad.headers?.get("Nats-Service-Error-Code")).toBe("-32602");
    expect(bad.headers?.get("Nats-Service-Error")).toContain("not a JSON array");
    expect(bad.string()).not.toContain("not json"); // the request is never echoed
    const stats = (await nc.request("$SRV.STATS.calc", "", { timeout: REQUEST_MS })).json<MicroInfo>();
    expect(stats.type).toBe("io.nats.micro.v1.stats_response");
    expect(stats.endpoints.find((e) => e.name === "add")?.num_requests).toBe(2);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "a retired service disappears; a method exported later appears; discovery: false answers nothing",
  async () => {
    const { r, nc } = await setUp();
    const calc = new Calc(r);
    const later = new Service("later", r);
    await eventually(() => nc.request("$SRV.INFO.calc", "", { timeout: REQUEST_MS }));
    later.exportMethod(() => "late", "late"); // after the service appeared: the heartbeat catches it
    const info = await eventually(async () => {
      const i = (await nc.request("$SRV.INFO.later", "", { timeout: REQUEST_MS })).json<MicroInfo>();
      if (i.endpoints.length === 0) throw new Error("no endpoint yet");
      return i;
    });
    expect(info.endpoints.map((e) => e.name)).toEqual(["late"]);
    calc.retire();
    await eventually(async () => {
      if (!(await nobodyAnswers(nc, "$SRV.PING.calc"))) throw new Error("calc still answers");
    });
    expect((await gather(nc, "$SRV.PING", 1)).map((p) => p.name)).toEqual(["later"]);

    const quiet = await setUp({ discovery: false });
    new Calc(quiet.r);
    expect(await quiet.r.call("calc", "add", [1, 2])).toBe(3); // the services work as before
    expect(await nobodyAnswers(quiet.nc, "$SRV.PING")).toBe(true);
  },
  NATS_TEST_TIMEOUT_MS,
);

peerTest(
  ["nats-server"],
  "a prefix with dots: endpoints under it, the queue group named the micro way",
  async () => {
    const { r, nc } = await setUp({ prefix: "app.v1" });
    new Calc(r);
    const info = (await eventually(() => nc.request("$SRV.INFO.calc", "", { timeout: REQUEST_MS }))).json<MicroInfo>();
    expect(info.metadata["netsvc.call"]).toBe("app.v1.call.calc");
    expect(info.endpoints.map((e) => [e.subject, e.queue_group])).toEqual([
      ["app.v1.micro.calc.add", "app_v1"],
      ["app.v1.micro.calc.slow", "app_v1"],
    ]);
    expect((await nc.request("app.v1.micro.calc.add", "[1,2]", { timeout: REQUEST_MS })).string()).toBe("3");
  },
  NATS_TEST_TIMEOUT_MS,
);
