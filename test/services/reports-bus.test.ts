/**
 * Reports across the bus (SPEC §12, issue 23 item 2) between two real processes over a real
 * nats-server: this test process (A: its own registry and Exchange) and a child
 * (test/fixtures/report-peer.ts, B) driven on stdin. A report published in A reaches B's
 * subscribers and A's own exactly once, in order; who published arrives; each distinct pattern
 * is one NATS subscription, ended with its last subscriber (the server's /connz says so); an
 * oversized or unreadable report from a raw NATS client is dropped and counted.
 */
import { afterEach, expect, test } from "bun:test";
import { connect, headers } from "@nats-io/transport-node";
import { Exchange, ServiceRegistry, type Caller } from "../../src/entry/services.ts";
import { REPORT_MAX_BYTES } from "../../src/services/limits.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { Output } from "../helpers/spawn.ts";
import { eventually } from "../helpers/eventually.ts";

/** Child processes and nats-servers start slowly on a loaded machine. */
const BUS_TEST_TIMEOUT_MS = 60_000;
/** How long a report may take to cross the bus in a test (ms), on a loaded machine. */
const CROSS_MS = 10_000;

/** nats-server configuration with its monitoring endpoint on a free port (/connz shows the subscriptions). */
const MONITORED = 'http: "127.0.0.1:-1"\n';

const children: ReturnType<typeof Bun.spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

/** Process B: report-peer.ts on `url`, once connected; `send` writes one command line. */
async function startPeer(url: string) {
  const child = Bun.spawn([process.execPath, "test/fixtures/report-peer.ts", url], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  children.push(child);
  const out = new Output(child.stdout as ReadableStream<Uint8Array>);
  await out.waitFor(/^ready \d+$/m, 20_000);
  let acks = 0;
  const send = async (line: string, ack?: RegExp) => {
    child.stdin.write(`${line}\n`);
    child.stdin.flush();
    if (ack) {
      // each ack line is counted, so the same command twice waits for its second ack
      const n = ++acks;
      await out.waitFor(new RegExp(`(?:^(?:subscribed|unsubscribed) [^\\n]*\\n[\\s\\S]*?){${n}}`, "m"), CROSS_MS);
    }
  };
  /** Reports printed so far for `pattern`, as {subject, value, from}. */
  const reports = (pattern: string) =>
    [...out.text.matchAll(/^report (\S+) (.*)$/gm)].filter((m) => m[1] === pattern).map((m) => JSON.parse(m[2]!));
  return { child, out, send, reports };
}

/** Process A: a registry with an Exchange on `url` (closed by `await using`). */
async function startSelf(url: string) {
  const r = new ServiceRegistry();
  const logged: string[] = [];
  r.errorLog = (m) => logged.push(m);
  const exchange = new Exchange({ servers: url, registry: r, log: () => {} });
  await exchange.connect();
  return { r, exchange, logged, [Symbol.asyncDispose]: () => exchange.close() };
}

/** Subscriptions on the server, per client connection name, from its monitoring endpoint. */
async function natsSubscriptions(nats: NatsServer): Promise<string[]> {
  const connz = (await nats.monitor("/connz?subs=1")) as { connections?: { subscriptions_list?: string[] }[] };
  return (connz.connections ?? []).flatMap((c) => c.subscriptions_list ?? []).filter((s) => s.includes(".report."));
}

test(
  "a publish in A reaches B's subscribers (each pattern once) and A's own exactly once, in publish order; B sees { via: 'bus' }",
  async () => {
    await using nats = await NatsServer.start(MONITORED);
    await using a = await startSelf(nats.url);
    const b = await startPeer(nats.url);
    await b.send("sub rooms.>", /subscribed rooms\.>/);
    await b.send("sub rooms.lobby", /subscribed rooms\.lobby/);
    const local: number[] = [];
    let sentinel: Caller | null = null;
    a.r.subscribeReports("rooms.*", (_s, v) => local.push((v as { n: number }).n));
    a.r.subscribeReports("done", (_s, _v, from) => {
      sentinel = from;
    });
    await eventually(async () => expect((await natsSubscriptions(nats)).length).toBe(4)); // B's two, A's two
    const N = 50;
    for (let n = 1; n <= N; n++) a.r.publish("rooms.lobby", { n, at: new Date(n), bytes: new Uint8Array([n]) });
    expect(local).toEqual(Array.from({ length: N }, (_, i) => i + 1)); // at once, inside publish()
    await b.out.waitFor(new RegExp(`^report rooms\\.lobby .*"n":${N},`, "m"), CROSS_MS);
    await b.out.waitFor(new RegExp(`^report rooms\\.> .*"n":${N},`, "m"), CROSS_MS);
    for (const pattern of ["rooms.>", "rooms.lobby"]) {
      const got = b.reports(pattern);
      expect(got.map((x) => x.value.n)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      expect(got[0]).toEqual({
        subject: "rooms.lobby",
        value: { n: 1, at: { date: new Date(1).toISOString() }, bytes: { bytes: [1] } },
        from: { via: "bus" },
      });
    }
    // B answers after it got A's reports: NATS had queued A's echoes to A before that, so A has
    // read them (and ignored them) by the time the sentinel arrives.
    await b.send("pub done 1");
    await eventually(async () => expect(sentinel).not.toBeNull(), CROSS_MS);
    expect(sentinel!).toEqual({ via: "bus" });
    expect(local.length).toBe(N);
    expect(a.exchange.stats()).toMatchObject({ reportsSent: N, reportsReceived: 1 });
    expect(a.r.reportStats()).toMatchObject({ published: N, delivered: N + 1, dropped: 0 });
  },
  BUS_TEST_TIMEOUT_MS,
);

test(
  "who published crosses the bus: B publishes for an HTTP client, A's subscriber gets { via: 'bus', address, user }",
  async () => {
    await using nats = await NatsServer.start(MONITORED);
    await using a = await startSelf(nats.url);
    const b = await startPeer(nats.url);
    const { promise, resolve } = Promise.withResolvers<[string, unknown, Caller]>();
    a.r.subscribeReports("orders.*", (s, v, from) => resolve([s, v, from]));
    await eventually(async () => expect(await natsSubscriptions(nats)).toContain("netsvc.report.orders.*"));
    await b.send('pubas 203.0.113.7 alice orders.new {"id":7}');
    expect(await promise).toEqual(["orders.new", { id: 7 }, { via: "bus", address: "203.0.113.7", user: "alice" }]);
  },
  BUS_TEST_TIMEOUT_MS,
);

test(
  "one NATS subscription per distinct pattern, reference-counted: the last local unsubscribe ends it, and reports stop arriving",
  async () => {
    await using nats = await NatsServer.start(MONITORED);
    await using a = await startSelf(nats.url);
    const b = await startPeer(nats.url);
    await b.send("sub t.*", /subscribed t\.\*/);
    await b.send("sub t.*", /subscribed t\.\*/);
    await b.send("sub t.x", /subscribed t\.x/);
    // B's client sends its SUBs after the callbacks returned: the server shows them a moment later
    await eventually(async () => expect((await natsSubscriptions(nats)).sort()).toEqual(["netsvc.report.t.*", "netsvc.report.t.x"]));
    a.r.publish("t.x", 1);
    await b.out.waitFor(/^report t\.x .*"value":1,/m, CROSS_MS);
    await b.out.waitFor(/^report t\.\* .*"value":1,[\s\S]*^report t\.\* .*"value":1,/m, CROSS_MS); // two subscribers
    await b.send("unsub t.*", /unsubscribed t\.\*/);
    // one subscriber of t.* left: its NATS subscription stays, and a report still reaches it
    a.r.publish("t.x", 9);
    await b.out.waitFor(/^report t\.\* .*"value":9,/m, CROSS_MS);
    await b.out.waitFor(/^report t\.x .*"value":9,/m, CROSS_MS);
    expect(b.reports("t.*").filter((x) => x.value === 9).length).toBe(1);
    expect((await natsSubscriptions(nats)).sort()).toEqual(["netsvc.report.t.*", "netsvc.report.t.x"]);
    await b.send("unsub t.*", /unsubscribed t\.\*/);
    await eventually(async () => expect(await natsSubscriptions(nats)).toEqual(["netsvc.report.t.x"]));
    await b.send("unsub t.x", /unsubscribed t\.x/);
    await eventually(async () => expect(await natsSubscriptions(nats)).toEqual([]));
    // A's reports now go to NATS and no further: the server sends B none of them
    const before = b.reports("t.*").length + b.reports("t.x").length;
    const sentToB = async () =>
      ((await nats.monitor("/connz")) as { connections: { name?: string; out_msgs: number }[] }).connections.find(
        (c) => c.name?.startsWith("netsvc ") && c.name !== `netsvc ${a.exchange.pid}`,
      )!.out_msgs;
    const outBefore = await sentToB();
    const M = 200;
    for (let i = 0; i < M; i++) a.r.publish("t.x", 3);
    // A's connection is ordered: once the server shows a subscription A makes after them, it has read A's reports
    a.r.subscribeReports("sync", () => {});
    await eventually(async () => expect(await natsSubscriptions(nats)).toEqual(["netsvc.report.sync"]));
    const outAfter = await sentToB();
    expect(outAfter - outBefore).toBeLessThan(M / 4); // membership heartbeats only
    expect(b.reports("t.*").length + b.reports("t.x").length).toBe(before);
  },
  BUS_TEST_TIMEOUT_MS,
);

test(
  "from a raw NATS client: an oversized, an unreadable and a too-deep report are dropped and counted; a good one after them arrives",
  async () => {
    await using nats = await NatsServer.start(MONITORED);
    await using a = await startSelf(nats.url);
    const got: unknown[] = [];
    a.r.subscribeReports("raw.>", (_s, v) => got.push(v));
    await eventually(async () => expect(a.r.reports.patterns()).toEqual(["raw.>"]));
    const nc = await connect({ servers: nats.url });
    try {
      const enc = new TextEncoder();
      await nc.flush();
      nc.publish("netsvc.report.raw.big", enc.encode(`"${"x".repeat(REPORT_MAX_BYTES)}"`));
      nc.publish("netsvc.report.raw.junk", enc.encode("{not json"));
      nc.publish("netsvc.report.raw.empty", new Uint8Array(0));
      nc.publish("netsvc.report.raw.deep", enc.encode(`${"[".repeat(200)}${"]".repeat(200)}`));
      const h = headers();
      h.set("Netsvc-Caller-User", "x".repeat(10_000)); // over CALLER_USER_MAX: dropped field, the report still arrives
      nc.publish("netsvc.report.raw.good", enc.encode('{"ok":true}'), { headers: h });
      await nc.flush();
    } finally {
      await nc.close();
    }
    await eventually(async () => expect(got).toEqual([{ ok: true }]), CROSS_MS);
    expect(a.r.reportStats().dropped).toBe(4);
    expect(a.exchange.stats().callerFieldsDropped).toBe(1);
  },
  BUS_TEST_TIMEOUT_MS,
);

test(
  "a throwing subscriber of reports from the bus: logged once, the next subscriber still gets every report",
  async () => {
    await using nats = await NatsServer.start(MONITORED);
    await using a = await startSelf(nats.url);
    const b = await startPeer(nats.url);
    const got: number[] = [];
    a.r.subscribeReports("e", () => {
      throw new Error("boom");
    });
    a.r.subscribeReports("e", (_s, v) => got.push(v as number));
    await eventually(async () => expect(await natsSubscriptions(nats)).toContain("netsvc.report.e"));
    for (let i = 1; i <= 3; i++) await b.send(`pub e ${i}`);
    await eventually(async () => expect(got).toEqual([1, 2, 3]), CROSS_MS);
    expect(a.logged.filter((m) => m.includes("threw")).length).toBe(1);
    expect(a.r.reportStats().subscriberErrors).toBe(3);
  },
  BUS_TEST_TIMEOUT_MS,
);

test(
  "NATS restarts: both processes' report subscriptions come back with the connection, and reports flow both ways again",
  async () => {
    await using nats = await NatsServer.start(MONITORED);
    await using a = await startSelf(nats.url);
    const b = await startPeer(nats.url);
    const got: unknown[] = [];
    a.r.subscribeReports("r.*", (_s, v) => got.push(v));
    await b.send("sub r.*", /subscribed r\.\*/);
    await eventually(async () => expect(await natsSubscriptions(nats)).toEqual(["netsvc.report.r.*", "netsvc.report.r.*"]));
    await nats.restart();
    await eventually(async () => expect(await natsSubscriptions(nats)).toEqual(["netsvc.report.r.*", "netsvc.report.r.*"]), CROSS_MS);
    await eventually(async () => expect(a.exchange.isConnected()).toBe(true), CROSS_MS);
    await b.send("pub r.from-b 1");
    await eventually(async () => expect(got).toEqual([1]), CROSS_MS);
    a.r.publish("r.from-a", 2);
    await b.out.waitFor(/^report r\.\* .*"subject":"r\.from-a","value":2/m, CROSS_MS);
  },
  BUS_TEST_TIMEOUT_MS,
);

test(
  "NATS down: reports reach local subscribers only and are counted, never held for the reconnection (no unbounded buffer)",
  async () => {
    await using nats = await NatsServer.start(MONITORED);
    await using a = await startSelf(nats.url);
    const b = await startPeer(nats.url);
    let local = 0;
    a.r.subscribeReports("o.*", () => local++);
    await b.send("sub o.*", /subscribed o\.\*/);
    await eventually(async () => expect((await natsSubscriptions(nats)).length).toBe(2));
    await nats.stop();
    await eventually(async () => expect(a.exchange.isConnected()).toBe(false), CROSS_MS);
    const OUTAGE = 2000;
    const value = "o".repeat(1024);
    for (let i = 0; i < OUTAGE; i++) a.r.publish("o.outage", value);
    expect(local).toBe(OUTAGE);
    expect(a.exchange.stats().reportsUnsent).toBe(OUTAGE);
    await nats.restart();
    await eventually(async () => expect((await natsSubscriptions(nats)).length).toBe(2), CROSS_MS);
    await eventually(async () => expect(a.exchange.isConnected()).toBe(true), CROSS_MS);
    a.r.publish("o.after", 1);
    await b.out.waitFor(/^report o\.\* .*"subject":"o\.after"/m, CROSS_MS);
    expect(b.reports("o.*").map((x) => x.subject)).toEqual(["o.after"]);
  },
  BUS_TEST_TIMEOUT_MS,
);
