/**
 * XML-RPC's conventions (issue 24 item 7) against the real client: Python's stdlib
 * `xmlrpc.client` (ServerProxy, MultiCall) talking to an RpcGateway on a daemon on port 0 — the
 * single `/RPC2` endpoint with `service.method` names, the introspection methods, multicall with a
 * failing call and over its bound, and the per-service endpoint beside it.
 */
import { expect } from "bun:test";
import { Service, ServiceFailure, ServiceRegistry } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { RPC_MAX_BATCH } from "../../src/entry/limits.ts";
import { peerTest } from "../helpers/peers.ts";
import { startDaemon } from "../helpers/servers.ts";
import { run } from "../helpers/spawn.ts";

function setUp() {
  const r = new ServiceRegistry();
  const calc = new Service("calc", r);
  calc.exportMethod((a: number, b: number) => a + b, "add", { description: "Adds two numbers." });
  calc.exportMethod(async (a: number, b: number) => {
    if (b === 0) throw new ServiceFailure(7, "division by zero", "calc");
    return a / b;
  }, "div");
  const stock = new Service("shop.stock", r); // a dotted name: proxy.shop.stock.count()
  stock.exportMethod((item: string) => (item === "apples" ? 12 : 0), "count");
  return startDaemon({
    "/RPC2": new RpcGateway("", { protocol: "xml-rpc", endpoint: "single", registry: r }),
    "/xmlrpc": new RpcGateway("", { protocol: "xml-rpc", registry: r }),
  });
}

/** Runs in python3 with the single endpoint's URL and the per-service endpoint's; prints one JSON report. */
const SCRIPT = `
import json, sys, xmlrpc.client
from xmlrpc.client import Fault, MultiCall, ServerProxy

def fault(f):
    try:
        return ["no fault", f()]
    except Fault as e:
        return [e.faultCode, e.faultString]

p = ServerProxy(sys.argv[1])
r = {}
r["add"] = p.calc.add(2, 3)
r["dotted"] = p.shop.stock.count("apples")
r["listMethods"] = p.system.listMethods()
r["help"] = p.system.methodHelp("calc.add")
r["helpNone"] = p.system.methodHelp("calc.div")
r["signature"] = p.system.methodSignature("calc.add")
r["unknownService"] = fault(lambda: p.nope.add(1, 2))
r["unknownMethod"] = fault(lambda: p.calc.nope())

mc = MultiCall(p)
mc.calc.add(1, 2)
mc.calc.div(1, 0)
mc.calc.div(9, 3)
mc.system.methodHelp("calc.add")
results = mc()
r["multicall"] = [fault(lambda: results[i]) for i in range(4)]

big = MultiCall(p)
for i in range(int(sys.argv[3]) + 1):
    big.calc.add(i, 1)
r["overBound"] = fault(lambda: list(big()))
full = MultiCall(p)
for i in range(int(sys.argv[3])):
    full.calc.add(i, 1)
r["atBound"] = list(full())[-1]

per = ServerProxy(sys.argv[2])
r["perService"] = [per.add(4, 5), per.system.listMethods(), per.system.methodHelp("add")]
print(json.dumps(r))
`;

peerTest(["python3"], "Python's ServerProxy and MultiCall on /RPC2: service.method names, introspection, multicall", async () => {
  await using d = setUp();
  const base = `http://127.0.0.1:${d.port}`;
  const py = await run(["python3", "-c", SCRIPT, `${base}/RPC2`, `${base}/xmlrpc/calc`, String(RPC_MAX_BATCH)], 30_000);
  expect(py.err).toBe("");
  expect(py.code).toBe(0);
  const r = JSON.parse(py.out);
  expect(r.add).toBe(5);
  expect(r.dotted).toBe(12);
  expect(r.listMethods).toEqual([
    "calc.add",
    "calc.div",
    "shop.stock.count",
    "system.listMethods",
    "system.methodHelp",
    "system.methodSignature",
    "system.multicall",
  ]);
  expect(r.help).toBe("Adds two numbers.");
  expect(r.helpNone).toBe("");
  expect(r.signature).toBe("undef");
  // An unknown service is an unknown method, as on a per-service endpoint (origin: the gateway).
  expect(r.unknownService).toEqual([-32601, "netsvc -- no such method"]);
  expect(r.unknownMethod).toEqual([-32601, "calc -- no such method"]);
  expect(r.multicall).toEqual([
    ["no fault", 3],
    [7, "calc -- division by zero"],
    ["no fault", 3],
    ["no fault", "Adds two numbers."],
  ]);
  expect(r.overBound).toEqual([-32600, `netsvc -- invalid request: a multicall holds at most ${RPC_MAX_BATCH} calls`]);
  expect(r.atBound).toBe(RPC_MAX_BATCH);
  expect(r.perService).toEqual([
    9,
    ["add", "div", "system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall"],
    "Adds two numbers.",
  ]);
  expect(d.errors).toEqual([]);
});
