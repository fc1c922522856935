/**
 * XML-RPC's conventions (issue 24 item 7): `service.method` names on a single endpoint, the
 * introspection methods, and system.multicall — the name split and the multicall codec on their
 * own, then through a real gateway over a socket (fetch). Python's client: test/interop/.
 */
import { expect, test } from "bun:test";
import { RemoteService, Service, ServiceFailure, ServiceRegistry } from "../../src/entry/services.ts";
import { RpcGateway, decodeResponse, encodeCall } from "../../src/entry/rpc.ts";
import { RPC_BATCH_CONCURRENCY, RPC_MAX_BATCH } from "../../src/entry/limits.ts";
import { splitQualified } from "../../src/services/qualified-name.ts";
import { multicallAnswer } from "../../src/services/xml-rpc-multicall.ts";
import { isStream, type RpcAnswer } from "../../src/services/rpc-codec.ts";
import { startDaemon } from "../helpers/servers.ts";

const SYSTEM = ["system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall"];

function registry() {
  const r = new ServiceRegistry();
  r.errorLog = () => {};
  const calc = new Service("calc", r);
  calc.joinGroup("public");
  calc.exportMethod((a: number, b: number) => a + b, "add", { description: "Adds two numbers." });
  calc.exportMethod(() => Number.NaN, "nan");
  calc.exportMethod(() => {
    throw new ServiceFailure(7, "refused", "calc");
  }, "refuse");
  const app = new Service("app", r);
  app.exportMethod(() => "app's clock.now", "clock.now");
  const clock = new Service("app.clock", r);
  clock.exportMethod(() => "app.clock's now", "now");
  return r;
}

test("splitQualified: the longest service prefix of the group; null for no such service, no dot, or a name too long", () => {
  const r = registry();
  expect(splitQualified(r, "", "calc.add")).toEqual({ service: "calc", method: "add" });
  expect(splitQualified(r, "", "app.clock.now")).toEqual({ service: "app.clock", method: "now" });
  expect(splitQualified(r, "", "app.clock.later")).toEqual({ service: "app.clock", method: "later" });
  expect(splitQualified(r, "", "app.calendar")).toEqual({ service: "app", method: "calendar" });
  expect(splitQualified(r, "", "calc.")).toEqual({ service: "calc", method: "" });
  expect(splitQualified(r, "public", "calc.add")).toEqual({ service: "calc", method: "add" });
  expect(splitQualified(r, "public", "app.clock.now")).toBeNull(); // outside the group
  expect(splitQualified(r, "", "add")).toBeNull();
  expect(splitQualified(r, "", ".add")).toBeNull();
  expect(splitQualified(r, "", "nope.add")).toBeNull();
  expect(splitQualified(r, "", `calc.${"x".repeat(300)}`)).toBeNull();
  expect(splitQualified(r, "", "a.".repeat(100_000))).toBeNull(); // bounded: no lookup per dot
});

/** The single answer of a multicall refused or empty (the codec's, not streamed). */
function whole(a: RpcAnswer | ReturnType<typeof multicallAnswer>): RpcAnswer {
  if (isStream(a)) throw new Error("expected a whole answer, got a stream");
  return a;
}

test("multicall refusals: one fault, and no call runs (bad params, over the bound, an invalid member, nesting)", () => {
  let calls = 0;
  const invoke = () => ++calls;
  const ok = { methodName: "m", params: [] };
  const refusals: [unknown[], number, string][] = [
    [[], -32602, "takes one array"],
    [[ok], -32602, "takes one array"],
    [[[ok], [ok]], -32602, "takes one array"],
    [[Array(RPC_MAX_BATCH + 1).fill(ok)], -32600, `at most ${RPC_MAX_BATCH} calls`],
    [[[ok, 1]], -32600, "multicall[1]: not a struct"],
    [[[ok, [ok]]], -32600, "multicall[1]: not a struct"],
    [[[ok, new Date(0)]], -32600, "multicall[1]: not a struct"],
    [[[{ params: [] }]], -32600, "multicall[0]: methodName must be a non-empty string"],
    [[[{ methodName: "" }]], -32600, "multicall[0]: methodName must be a non-empty string"],
    [[[ok, ok, { methodName: "m", params: 3 }]], -32600, "multicall[2]: params must be an array"],
    [[[{ methodName: "system.multicall", params: [[]] }]], -32600, "multicall[0]: system.multicall cannot be nested"],
  ];
  for (const [params, code, says] of refusals) {
    const a = whole(multicallAnswer(params, invoke));
    expect(a.status).toBe(200);
    let fault: ServiceFailure | undefined;
    try {
      decodeResponse(a.body!);
    } catch (e) {
      fault = e as ServiceFailure;
    }
    expect([fault?.error, fault?.origin, fault?.description.includes(says)]).toEqual([code, "netsvc", true]);
  }
  expect(calls).toBe(0);
  expect(decodeResponse(whole(multicallAnswer([[]], invoke)).body!)).toEqual([]);
});

/** A daemon with the single endpoint (XML-RPC, JSON-RPC) and a per-service one, over `r`. */
function gateways(r: ServiceRegistry) {
  return startDaemon({
    "/RPC2": new RpcGateway("", { protocol: "xml-rpc", endpoint: "single", registry: r }),
    "/public": new RpcGateway("public", { protocol: "xml-rpc", endpoint: "single", registry: r }),
    "/jsonrpc": new RpcGateway("", { endpoint: "single", registry: r }),
    "/xmlrpc": new RpcGateway("", { protocol: "xml-rpc", registry: r }),
  });
}

/** An XML-RPC call to `path`: its HTTP status and its value, or the fault as [code, faultString-ish]. */
async function xmlCall(port: number, path: string, method: string, params: unknown[] = []) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    body: encodeCall(method, params),
    headers: { "Content-Type": "text/xml" },
  });
  const text = await res.text();
  try {
    return { status: res.status, value: decodeResponse(text) as unknown };
  } catch (e) {
    if (!(e instanceof ServiceFailure)) throw new Error(`${res.status} ${text}`);
    return { status: res.status, fault: [e.error, e.origin, e.description] };
  }
}

test("single endpoint: service.method calls, dotted service names, unknown service = unknown method, 404 below it", async () => {
  await using d = gateways(registry());
  expect(await xmlCall(d.port, "/RPC2", "calc.add", [2, 3])).toEqual({ status: 200, value: 5 });
  expect(await xmlCall(d.port, "/RPC2/", "calc.add", [2, 3])).toEqual({ status: 200, value: 5 });
  expect(await xmlCall(d.port, "/RPC2", "app.clock.now")).toEqual({ status: 200, value: "app.clock's now" });
  expect(await xmlCall(d.port, "/RPC2", "calc.refuse")).toEqual({ status: 200, fault: [7, "calc", "refused"] });
  expect(await xmlCall(d.port, "/RPC2", "calc.nope")).toEqual({ status: 200, fault: [-32601, "calc", "no such method"] });
  expect(await xmlCall(d.port, "/RPC2", "nope.add")).toEqual({ status: 200, fault: [-32601, "netsvc", "no such method"] });
  expect(await xmlCall(d.port, "/RPC2", "add")).toEqual({ status: 200, fault: [-32601, "netsvc", "no such method"] });
  // The group bounds what the single endpoint reaches, as it bounds the per-service paths.
  expect(await xmlCall(d.port, "/public", "calc.add", [1, 1])).toEqual({ status: 200, value: 2 });
  expect(await xmlCall(d.port, "/public", "app.clock.now")).toEqual({ status: 200, fault: [-32601, "netsvc", "no such method"] });
  const below = await fetch(`http://127.0.0.1:${d.port}/RPC2/calc`, { method: "POST", body: encodeCall("add", [1, 2]) });
  expect([below.status, await below.text()]).toEqual([404, "404 Not Found: calls go to the endpoint itself, named service.method\n"]);
  // The per-service form beside it keeps working.
  expect(await xmlCall(d.port, "/xmlrpc/calc", "add", [2, 3])).toEqual({ status: 200, value: 5 });
  // netsvc's own client reaches the single endpoint with the qualified name.
  const remote = new RemoteService(`http://127.0.0.1:${d.port}/RPC2`, { protocol: "xml-rpc" });
  expect(await remote.call("app.clock.now")).toBe("app.clock's now");
  const failure = await remote.call("nope.add").then(
    () => null,
    (e: ServiceFailure) => e.fields(),
  );
  expect(failure).toEqual({ error: -32601, description: "no such method", origin: "netsvc", details: "" });
  expect(d.errors).toEqual([]);
});

test("JSON-RPC single endpoint: service.method names too; the system.* names are XML-RPC's only", async () => {
  await using d = gateways(registry());
  const post = async (body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${d.port}/jsonrpc`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
    });
    return (await res.json()) as unknown;
  };
  expect(await post({ jsonrpc: "2.0", method: "calc.add", params: [2, 3], id: 1 })).toEqual({ jsonrpc: "2.0", result: 5, id: 1 });
  expect(
    await post([
      { jsonrpc: "2.0", method: "app.clock.now", id: 1 },
      { jsonrpc: "2.0", method: "nope.x", id: 2 },
    ]),
  ).toEqual([
    { jsonrpc: "2.0", result: "app.clock's now", id: 1 },
    { jsonrpc: "2.0", error: { code: -32601, message: "no such method", data: { origin: "netsvc", details: "" } }, id: 2 },
  ]);
  const listed = await post({ jsonrpc: "2.0", method: "system.listMethods", id: 3 });
  expect((listed as { error?: { code: number } }).error?.code).toBe(-32601);
});

test("introspection: listMethods per endpoint kind and group, methodHelp and methodSignature, faults for unknown names and bad params", async () => {
  const r = registry();
  const far = "far.away";
  r.updateRemote("process-2", [{ name: far, groups: [] }]); // a service in another process: its methods are not announced
  await using d = gateways(r);
  // app's "clock.now" and app.clock's "now" are one name here, which calls app.clock (the longer service name).
  expect(await xmlCall(d.port, "/RPC2", "system.listMethods")).toEqual({
    status: 200,
    value: ["app.clock.now", "calc.add", "calc.nan", "calc.refuse", ...SYSTEM],
  });
  expect(await xmlCall(d.port, "/public", "system.listMethods")).toEqual({
    status: 200,
    value: ["calc.add", "calc.nan", "calc.refuse", ...SYSTEM],
  });
  expect(await xmlCall(d.port, "/xmlrpc/calc", "system.listMethods")).toEqual({ status: 200, value: ["add", "nan", "refuse", ...SYSTEM] });
  expect(await xmlCall(d.port, "/xmlrpc/app", "system.listMethods")).toEqual({ status: 200, value: ["clock.now", ...SYSTEM] });
  expect(await xmlCall(d.port, `/xmlrpc/${far}`, "system.listMethods")).toEqual({ status: 200, value: SYSTEM });

  const help = (path: string, name: unknown) => xmlCall(d.port, path, "system.methodHelp", [name]);
  expect(await help("/RPC2", "calc.add")).toEqual({ status: 200, value: "Adds two numbers." });
  expect(await help("/RPC2", "calc.refuse")).toEqual({ status: 200, value: "" });
  expect(await help("/RPC2", `${far}.anything`)).toEqual({ status: 200, value: "" });
  expect((await help("/RPC2", "system.multicall")).value).toContain("at most 1000");
  expect(await help("/RPC2", "calc.nope")).toEqual({ status: 200, fault: [-32601, "calc", "no such method"] });
  expect(await help("/RPC2", "nope.add")).toEqual({ status: 200, fault: [-32601, "netsvc", "no such method"] });
  expect(await help("/public", "app.clock.now")).toEqual({ status: 200, fault: [-32601, "netsvc", "no such method"] });
  expect(await help("/xmlrpc/calc", "add")).toEqual({ status: 200, value: "Adds two numbers." });
  expect(await help("/xmlrpc/calc", "calc.add")).toEqual({ status: 200, fault: [-32601, "calc", "no such method"] });
  expect(await help("/xmlrpc/calc", 1)).toEqual({
    status: 200,
    fault: [-32602, "netsvc", "invalid params: system.methodHelp takes one method name"],
  });
  expect(await xmlCall(d.port, "/RPC2", "system.methodSignature", ["calc.add"])).toEqual({ status: 200, value: "undef" });
  expect(await xmlCall(d.port, "/RPC2", "system.methodSignature", ["nope.add"])).toEqual({
    status: 200,
    fault: [-32601, "netsvc", "no such method"],
  });
  expect(d.errors).toEqual([]);
});

test("multicall through the gateway: [result] or a fault struct per call, in order; a result XML-RPC cannot carry fails that call alone", async () => {
  await using d = gateways(registry());
  const calls = [
    { methodName: "calc.add", params: [1, 2] },
    { methodName: "calc.refuse", params: [] },
    { methodName: "calc.nan" },
    { methodName: "nope.add", params: [] },
    { methodName: "system.methodHelp", params: ["calc.add"] },
    { methodName: "app.clock.now", params: [] },
  ];
  expect(await xmlCall(d.port, "/RPC2", "system.multicall", [calls])).toEqual({
    status: 200,
    value: [
      [3],
      { faultCode: 7, faultString: "calc -- refused" },
      { faultCode: -32603, faultString: "netsvc -- XML-RPC cannot carry NaN or Infinity" },
      { faultCode: -32601, faultString: "netsvc -- no such method" },
      ["Adds two numbers."],
      ["app.clock's now"],
    ],
  });
  // On a per-service endpoint the members name that service's methods.
  expect(await xmlCall(d.port, "/xmlrpc/calc", "system.multicall", [[{ methodName: "add", params: [2, 2] }]])).toEqual({
    status: 200,
    value: [[4]],
  });
});

test(`multicall runs at most RPC_BATCH_CONCURRENCY (${RPC_BATCH_CONCURRENCY}) calls at a time, answering in order`, async () => {
  const r = new ServiceRegistry();
  const held: (() => void)[] = [];
  let holding = true;
  let running = 0;
  let mostRunning = 0;
  let started = 0;
  const full = Promise.withResolvers<void>();
  const s = new Service("slow", r);
  s.exportMethod((i: number) => {
    started++;
    mostRunning = Math.max(mostRunning, ++running);
    if (started === RPC_BATCH_CONCURRENCY) full.resolve();
    return new Promise((resolve) => {
      const release = () => {
        running--;
        resolve(i);
      };
      if (holding) held.push(release);
      else queueMicrotask(release);
    });
  }, "echo");
  s.exportMethod(() => "pong", "ping");
  await using d = gateways(r);
  const n = 3 * RPC_BATCH_CONCURRENCY;
  const calls = Array.from({ length: n }, (_, i) => ({ methodName: "slow.echo", params: [i] }));
  const answer = xmlCall(d.port, "/RPC2", "system.multicall", [calls]);
  await full.promise;
  // A whole other request answered meanwhile: the server has run everything it had to run.
  expect(await xmlCall(d.port, "/RPC2", "slow.ping")).toEqual({ status: 200, value: "pong" });
  expect(started).toBe(RPC_BATCH_CONCURRENCY);
  // Released in reverse order, answered in request order; later calls answer as they start.
  holding = false;
  for (const release of held.reverse()) release();
  expect(await answer).toEqual({ status: 200, value: calls.map((_, i) => [i]) });
  expect([started, mostRunning]).toEqual([n, RPC_BATCH_CONCURRENCY]);
});
