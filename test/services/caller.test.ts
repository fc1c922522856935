/**
 * Who called (SPEC §10, issue 21 item 4): CallContext.caller in one process, through an
 * RpcGateway (curl and Python's xmlrpc.client as clients: JSON-RPC, a batch, XML-RPC), and across
 * the bus to a child process (test/fixtures/service-host.ts, `whoCalled`). Over the bus the
 * caller travels in two headers of the call; hostile values (a raw NATS client writing the
 * protocol by hand, an HTTP user with CR/LF) are dropped and counted, never a crash.
 */
import { afterEach, expect, test } from "bun:test";
import { type CallContext, Exchange, Service, ServiceRegistry } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { CALLER_ADDRESS_HEADER, CALLER_USER_HEADER } from "../../src/services/caller-fields.ts";
import { LOCAL_CALLER } from "../../src/services/caller.ts";
import { CALLER_USER_MAX } from "../../src/services/limits.ts";
import { callerSide } from "../helpers/bus-caller.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { peerTest } from "../helpers/peers.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";
import type { HttpDaemonOptions } from "../../src/index.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";

/** Child processes and nats-servers start slowly on a loaded machine. */
const BUS_TEST_TIMEOUT_MS = 60_000;
/** The client's address as the (trusted) proxy forwards it. */
const CLIENT = "203.0.113.7";

const children: ReturnType<typeof Bun.spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

/** A service "who" whose methods answer with their CallContext's caller, at once and later. */
function whoService(r: ServiceRegistry) {
  const s = new Service("who", r);
  s.exportMethod((ctx: CallContext) => ctx.caller, "now", { context: true });
  s.exportMethod((ctx: CallContext) => Promise.resolve(ctx.caller), "later", { context: true });
  return s;
}

/** A gateway whose server object lets alice in with Basic authentication (everyone else: 401). */
class AliceOnly extends RpcGateway {
  override authorise(login: string, password: string) {
    return login === "alice" && password === "pw";
  }
}

/** curl POSTs `body` to `url` with `args` before it; resolves with the answer's text. */
async function curl(url: string, body: string, args: string[], type = "application/json"): Promise<string> {
  const child = Bun.spawn(["curl", "-s", "-H", `Content-Type: ${type}`, ...args, "--data-binary", body, url], { stdout: "pipe" });
  const text = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  return text;
}

const call = (method: string, id: number) => ({ jsonrpc: "2.0", method, id });

test("code in this process is { via: 'local' }, one shared frozen object; a caller given in the options is the method's", async () => {
  const r = new ServiceRegistry();
  whoService(r);
  const now = await r.call("who", "now");
  expect(now).toBe(LOCAL_CALLER);
  expect(await r.call("who", "later")).toBe(LOCAL_CALLER);
  expect(now).toEqual({ via: "local" });
  expect(Object.isFrozen(now)).toBe(true);
  const onBehalf = Object.freeze({ via: "http", address: CLIENT, user: "alice" } as const);
  expect(await r.call("who", "later", [], { caller: onBehalf })).toBe(onBehalf);
});

peerTest(
  ["curl"],
  "JSON-RPC through the gateway: the client behind a trusted proxy and the Basic user, in a single call and a batch (curl)",
  async () => {
    const r = new ServiceRegistry();
    whoService(r);
    await using d = startDaemon(
      { "/rpc": new AliceOnly("", { registry: r }), "/open": new RpcGateway("", { registry: r }) },
      { trustProxy: ["127.0.0.1"] },
    );
    const url = `http://127.0.0.1:${d.port}`;
    const asAlice = ["-u", "alice:pw", "-H", `X-Forwarded-For: ${CLIENT}`];
    const http = { via: "http", address: CLIENT, user: "alice" };

    expect(JSON.parse(await curl(`${url}/rpc/who`, JSON.stringify(call("now", 1)), asAlice)).result).toEqual(http);
    const batch = JSON.parse(await curl(`${url}/rpc/who`, JSON.stringify([call("now", 1), call("later", 2)]), asAlice));
    expect(batch.map((m: { result: unknown }) => m.result)).toEqual([http, http]);
    // No authentication: no user. The peer's own address without a forwarded header.
    expect(JSON.parse(await curl(`${url}/open/who`, JSON.stringify(call("later", 1)), [])).result).toEqual({
      via: "http",
      address: "127.0.0.1",
    });
  },
);

peerTest(["curl"], "an untrusted peer's X-Forwarded-For is not the caller's address (curl)", async () => {
  const r = new ServiceRegistry();
  whoService(r);
  await using d = startDaemon({ "/rpc": new AliceOnly("", { registry: r }) }, { trustProxy: ["10.0.0.0/8"] });
  const answer = await curl(`http://127.0.0.1:${d.port}/rpc/who`, JSON.stringify(call("now", 1)), [
    "-u",
    "alice:pw",
    "-H",
    `X-Forwarded-For: ${CLIENT}`,
  ]);
  expect(JSON.parse(answer).result).toEqual({ via: "http", address: "127.0.0.1", user: "alice" });
});

peerTest(["python3"], "XML-RPC through the gateway: the same caller (Python's xmlrpc.client)", async () => {
  const r = new ServiceRegistry();
  whoService(r);
  await using d = startDaemon({ "/RPC2": new AliceOnly("", { registry: r, protocol: "xml-rpc" }) }, { trustProxy: ["127.0.0.1"] });
  const script = [
    "import json, sys, xmlrpc.client",
    `p = xmlrpc.client.ServerProxy(sys.argv[1], headers=[("X-Forwarded-For", "${CLIENT}")])`,
    "print(json.dumps([p.now(), p.later()]))",
  ].join("\n");
  const py = Bun.spawn(["python3", "-c", script, `http://alice:pw@127.0.0.1:${d.port}/RPC2/who`], { stdout: "pipe" });
  const seen = JSON.parse(await new Response(py.stdout).text());
  expect(await py.exited).toBe(0);
  const http = { via: "http", address: CLIENT, user: "alice" };
  expect(seen).toEqual([http, http]);
});

/**
 * A child process hosting "calc" (test/fixtures/service-host.ts) on `url`, and in this process an
 * Exchange and a daemon with `gateway` at /rpc over it; `ask(curlArgs)` is calc.whoCalled() through
 * the gateway with curl. `await using` stops the daemon and the exchange (afterEach the child).
 */
async function gatewayOverBus(url: string, gateway: (r: ServiceRegistry) => RpcGateway, options: HttpDaemonOptions = {}) {
  const { child, out } = spawnWithOutput([process.execPath, "test/fixtures/service-host.ts", url]);
  children.push(child);
  await out.waitFor(/ready \d+/);
  const here = await callerSide(url, "calc");
  const d = startDaemon({ "/rpc": gateway(here.r) }, options);
  const ask = async (args: string[]) =>
    JSON.parse(await curl(`http://127.0.0.1:${d.port}/rpc/calc`, JSON.stringify(call("whoCalled", 1)), args)).result;
  return {
    here,
    ask,
    async [Symbol.asyncDispose]() {
      await d[Symbol.asyncDispose]();
      await here[Symbol.asyncDispose]();
    },
  };
}

peerTest(
  ["nats-server", "curl"],
  "across the bus: a service in a child process sees the gateway's HTTP client (address and user); code here calling it is { via: 'bus' }",
  async () => {
    await using nats = await NatsServer.start();
    await using bus = await gatewayOverBus(nats.url, (r) => new AliceOnly("", { registry: r }), { trustProxy: ["127.0.0.1"] });
    expect(await bus.ask(["-u", "alice:pw", "-H", `X-Forwarded-For: ${CLIENT}`])).toEqual({ via: "bus", address: CLIENT, user: "alice" });
    // Code here knew no client: the child hears nothing more than "the bus".
    const r = bus.here.r;
    expect(await r.call("calc", "whoCalled")).toEqual({ via: "bus" });
    // A caller passed on explicitly crosses the same way (a method calling on with its ctx.caller).
    expect(await r.call("calc", "whoCalled", [], { caller: { via: "bus", user: "bob" } })).toEqual({ via: "bus", user: "bob" });
    expect(bus.here.exchange.stats().callerFieldsDropped).toBe(0);
  },
  BUS_TEST_TIMEOUT_MS,
);

/** A gateway that lets everyone in, whatever the user name. */
class Anyone extends RpcGateway {
  override authorise() {
    return true;
  }
}

peerTest(
  ["nats-server", "curl"],
  "a user name with CR/LF or over the bound never leaves the process: dropped and counted, the call goes on (curl)",
  async () => {
    await using nats = await NatsServer.start();
    await using bus = await gatewayOverBus(nats.url, (r) => new Anyone("", { registry: r }));
    const as = (user: string) => bus.ask(["-H", `Authorization: Basic ${Buffer.from(`${user}:pw`).toString("base64")}`]);
    const dropped = () => bus.here.exchange.stats().callerFieldsDropped;

    expect(await as("ev\r\nNetsvc-Caller-User: root")).toEqual({ via: "bus", address: "127.0.0.1" });
    expect(await as("x".repeat(CALLER_USER_MAX + 1))).toEqual({ via: "bus", address: "127.0.0.1" });
    expect(dropped()).toBe(2);
    expect(await as("x".repeat(CALLER_USER_MAX))).toEqual({ via: "bus", address: "127.0.0.1", user: "x".repeat(CALLER_USER_MAX) });
    expect(dropped()).toBe(2);
  },
  BUS_TEST_TIMEOUT_MS,
);

/**
 * One call written by hand in the NATS client protocol (HPUB with `headers`, or PUB without),
 * as any client allowed to publish on the call subject could; resolves with the reply's body.
 */
async function rawCall(port: number, subject: string, headerLines: string[] | null): Promise<unknown> {
  const c = await RawClient.connect(port);
  try {
    await c.until(() => c.text().includes("\r\n"), 5000, "INFO");
    const body = '{"m":"now","t":5000,"p":[]}';
    let pub: string;
    if (headerLines === null) pub = `PUB ${subject} raw.reply ${body.length}\r\n${body}\r\n`;
    else {
      const head = `NATS/1.0\r\n${headerLines.map((l) => `${l}\r\n`).join("")}\r\n`;
      const headLength = Buffer.byteLength(head);
      pub = `HPUB ${subject} raw.reply ${headLength} ${headLength + body.length}\r\n${head}${body}\r\n`;
    }
    c.send(Buffer.from(`CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\nSUB raw.reply 1\r\n${pub}PING\r\n`)); // UTF-8
    const reply = /MSG raw\.reply 1 (\d+)\r\n/;
    await c.until(
      () => {
        const m = reply.exec(c.text());
        return m !== null && c.text().length >= m.index + m[0].length + Number(m[1]);
      },
      5000,
      "the reply",
    );
    const m = reply.exec(c.text())!;
    const start = m.index + m[0].length;
    return JSON.parse(c.text().slice(start, start + Number(m[1])));
  } finally {
    c.close();
  }
}

peerTest(
  ["nats-server"],
  "hostile caller headers from a raw NATS client: each bad field dropped and counted, never a crash; no headers (an old peer): { via: 'bus' }",
  async () => {
    await using nats = await NatsServer.start();
    const r = new ServiceRegistry();
    r.errorLog = () => {};
    whoService(r);
    const exchange = new Exchange({ servers: nats.url, registry: r, log: () => {} });
    await using _closed = { [Symbol.asyncDispose]: () => exchange.close() };
    await exchange.connect();
    const subject = "netsvc.call.who";
    const A = CALLER_ADDRESS_HEADER;
    const U = CALLER_USER_HEADER;
    const cases: [string[] | null, object, number][] = [
      [null, { via: "bus" }, 0],
      [[`${A}: ${CLIENT}`, `${U}: alice`], { via: "bus", address: CLIENT, user: "alice" }, 0],
      [[`${A.toLowerCase()}: ${CLIENT}`], { via: "bus", address: CLIENT }, 0],
      [[`${A}: ${CLIENT}`, `${U}: al\u0007ice`], { via: "bus", address: CLIENT }, 1],
      [[`${A}: ${"1".repeat(65)}`, `${U}: alice`], { via: "bus", user: "alice" }, 1],
      [[`${U}: alice`, `${U}: root`], { via: "bus" }, 1],
      [[`${U}: ${"é".repeat(CALLER_USER_MAX + 1)}`], { via: "bus" }, 1],
      [[`Bad Name: x`, `${U}: alice`], { via: "bus" }, 1],
    ];
    let dropped = 0;
    for (const [lines, expected, drops] of cases) {
      expect({ lines, reply: await rawCall(nats.port, subject, lines) }).toEqual({ lines, reply: { r: expected } });
      dropped += drops;
      expect({ lines, dropped: exchange.stats().callerFieldsDropped }).toEqual({ lines, dropped });
    }
    // Still serving: a well-formed call after all of them.
    expect(await rawCall(nats.port, subject, [`${U}: carol`])).toEqual({ r: { via: "bus", user: "carol" } });
  },
  BUS_TEST_TIMEOUT_MS,
);
