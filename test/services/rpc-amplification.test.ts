/**
 * Issue 19: no RPC answer the gateway makes itself is larger than RPC_AMPLIFICATION times its
 * request. "Its request" is every byte the client sent (head and body, as written here: a
 * minimal HTTP/1.0 head); "makes itself" is everything but what a service chose to answer — a
 * call's result and a failure the service raised are the service's business (a 40-byte call may
 * fetch a megabyte), while parse and request errors, the framework's failures (no such method,
 * bad params, a stray throw, a timeout) and the framing around results are the gateway's.
 * Every shape below is fed to a real daemon over a socket, JSON-RPC and XML-RPC.
 */
import { expect, test } from "bun:test";
import { Service, ServiceRegistry } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { RPC_MAX_BATCH } from "../../src/entry/limits.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

/** The rule under test (docs/services.md, "Amplification"). */
const RPC_AMPLIFICATION = 4;
/** A bound small enough that the timed-out shapes end quickly. */
const TIMEOUT_MS = 20;

function setUp() {
  const r = new ServiceRegistry();
  r.errorLog = () => {};
  const v = new Service("validator", r);
  v.exportMethod(() => undefined, "nothing");
  v.exportMethod(() => {
    throw new Error("a stray throw");
  }, "broken");
  v.exportMethod(() => new Promise(() => {}), "never");
  return startDaemon({
    "/rpc": new RpcGateway("", { registry: r, timeoutMs: TIMEOUT_MS }),
    "/RPC2": new RpcGateway("", { registry: r, protocol: "xml-rpc", timeoutMs: TIMEOUT_MS }),
    "/single": new RpcGateway("", { registry: r, protocol: "xml-rpc", endpoint: "single", timeoutMs: TIMEOUT_MS }),
  });
}

/** Sends one request (HTTP/1.0: the answer is never chunked) and measures both sides. */
async function exchange(port: number, head: string, body: Uint8Array) {
  const request = Buffer.concat([Buffer.from(head, "latin1"), body]);
  using c = await RawClient.connect(port);
  c.send(request);
  await c.untilClosed(10_000);
  const [r] = parseResponses(c.text(), true);
  if (!r) throw new Error(`no response; got ${JSON.stringify(c.text().slice(0, 200))}`);
  return { status: r.status, requestBytes: request.length, bodyBytes: Buffer.byteLength(r.body, "latin1") };
}

function post(path: string, type: string, body: Uint8Array): string {
  return `POST ${path} HTTP/1.0\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const call = (method: string, rest = "") => `{"jsonrpc":"2.0","method":"${method}"${rest},"id":0}`;
const membersOf = (member: string, n: number) => Array(n).fill(member).join(",");
const batchOf = (member: string, n: number) => `[${membersOf(member, n)}]`;

/** JSON-RPC bodies, by what they are. */
const JSON_SHAPES: [string, Uint8Array][] = [
  ["not JSON", bytes("x")],
  ["an empty body", bytes("")],
  ["not UTF-8", new Uint8Array([0x22, 0xff, 0x22])],
  ["a number", bytes("1")],
  ["an empty object", bytes("{}")],
  ["an empty batch", bytes("[]")],
  ["JSON nested 100,000 deep", bytes("[".repeat(100_000) + "]".repeat(100_000))],
  ["an unknown method", bytes(call(""))],
  ["params neither array nor object", bytes(call("", ',"params":1'))],
  ["params nested too deep", bytes(call("nothing", `,"params":${"[".repeat(100)}${"]".repeat(100)}`))],
  ["a stray throw", bytes(call("broken"))],
  ["a timeout", bytes(call("never"))],
  [`a batch of ${RPC_MAX_BATCH} numbers`, bytes(batchOf("1", RPC_MAX_BATCH))],
  [`a batch of ${RPC_MAX_BATCH} nulls`, bytes(batchOf("null", RPC_MAX_BATCH))],
  [`a batch of ${RPC_MAX_BATCH} empty objects`, bytes(batchOf("{}", RPC_MAX_BATCH))],
  [`a batch of ${RPC_MAX_BATCH} empty arrays`, bytes(batchOf("[]", RPC_MAX_BATCH))],
  [`a batch of ${RPC_MAX_BATCH} empty strings`, bytes(batchOf('""', RPC_MAX_BATCH))],
  [`a batch of ${RPC_MAX_BATCH} wrong versions`, bytes(batchOf('{"jsonrpc":"1","method":"","id":0}', RPC_MAX_BATCH))],
  [`a batch of ${RPC_MAX_BATCH} bad ids`, bytes(batchOf('{"jsonrpc":"2.0","method":"","id":{}}', RPC_MAX_BATCH))],
  ["a batch of nested batches", bytes(batchOf("[[1]]", RPC_MAX_BATCH))],
  ["one call, then numbers", bytes(`[${call("nothing")},${membersOf("1", RPC_MAX_BATCH - 1)}]`)],
  ["numbers, then one call", bytes(`[${membersOf("1", RPC_MAX_BATCH - 1)},${call("nothing")}]`)],
  [`${RPC_MAX_BATCH} unknown methods`, bytes(batchOf(call(""), RPC_MAX_BATCH))],
  [`${RPC_MAX_BATCH} bad params`, bytes(batchOf(call("", ',"params":1'), RPC_MAX_BATCH))],
  [`${RPC_MAX_BATCH} stray throws`, bytes(batchOf(call("broken"), RPC_MAX_BATCH))],
  ["100 timeouts", bytes(batchOf(call("never"), 100))],
  [`${RPC_MAX_BATCH} null results (framing only)`, bytes(batchOf(call("nothing"), RPC_MAX_BATCH))],
  [`${RPC_MAX_BATCH} notifications`, bytes(batchOf('{"jsonrpc":"2.0","method":""}', RPC_MAX_BATCH))],
  [`${RPC_MAX_BATCH + 1} calls (over the limit)`, bytes(batchOf(call(""), RPC_MAX_BATCH + 1))],
  ["100,000 numbers (over the limit)", bytes(batchOf("1", 100_000))],
];

const xmlCall = (method: string, params = "") => `<methodCall><methodName>${method}</methodName>${params}</methodCall>`;
/** A system.multicall of `members` (each a `<value>`). */
const multicallOf = (members: string) =>
  xmlCall("system.multicall", `<params><param><value><array><data>${members}</data></array></value></param></params>`);
/** The smallest member that is called: a struct with a one-letter methodName and no params. */
const member = (method: string) => `<value><struct><member><name>methodName</name><value>${method}</value></member></struct></value>`;

/** XML-RPC bodies: single calls, the introspection methods, multicalls. */
const XML_SHAPES: [string, Uint8Array][] = [
  ["not XML", bytes("x")],
  ["an empty body", bytes("")],
  ["not a methodCall", bytes("<a/>")],
  ["an empty methodName", bytes("<methodCall><methodName/></methodCall>")],
  ["an unknown method", bytes("<methodCall><methodName>x</methodName></methodCall>")],
  [
    "a malformed value",
    bytes("<methodCall><methodName>x</methodName><params><param><value><int>x</int></value></param></params></methodCall>"),
  ],
  ["a DOCTYPE", bytes('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')],
  ["nesting 10,000 deep", bytes("<a>".repeat(10_000) + "</a>".repeat(10_000))],
  ["a stray throw", bytes("<methodCall><methodName>broken</methodName></methodCall>")],
  ["a timeout", bytes("<methodCall><methodName>never</methodName></methodCall>")],
  ["a null result (framing only)", bytes("<methodCall><methodName>nothing</methodName></methodCall>")],
  ["methodHelp without a name", bytes(xmlCall("system.methodHelp"))],
  ["methodHelp of an unknown method", bytes(xmlCall("system.methodHelp", "<params><param><value>x</value></param></params>"))],
  ["methodSignature of an unknown method", bytes(xmlCall("system.methodSignature", "<params><param><value>x</value></param></params>"))],
  ["a multicall without params", bytes(xmlCall("system.multicall"))],
  ["an empty multicall (framing only)", bytes(multicallOf(""))],
  [`a multicall of ${RPC_MAX_BATCH} empty values`, bytes(multicallOf("<value/>".repeat(RPC_MAX_BATCH)))],
  [`a multicall of ${RPC_MAX_BATCH} empty structs`, bytes(multicallOf("<value><struct/></value>".repeat(RPC_MAX_BATCH)))],
  [`a multicall of ${RPC_MAX_BATCH} nested multicalls`, bytes(multicallOf(member("system.multicall").repeat(RPC_MAX_BATCH)))],
  [`a multicall of ${RPC_MAX_BATCH} unknown methods`, bytes(multicallOf(member("x").repeat(RPC_MAX_BATCH)))],
  [`a multicall of ${RPC_MAX_BATCH} stray throws`, bytes(multicallOf(member("broken").repeat(RPC_MAX_BATCH)))],
  ["a multicall of 100 timeouts", bytes(multicallOf(member("never").repeat(100)))],
  [`a multicall of ${RPC_MAX_BATCH} null results (framing only)`, bytes(multicallOf(member("nothing").repeat(RPC_MAX_BATCH)))],
  [`a multicall of ${RPC_MAX_BATCH + 1} calls (over the limit)`, bytes(multicallOf(member("x").repeat(RPC_MAX_BATCH + 1)))],
];

/** XML-RPC bodies to the single endpoint (`service.method` names). */
const SINGLE_SHAPES: [string, Uint8Array][] = [
  ["an unknown service", bytes(xmlCall("x.y"))],
  ["a name without a dot", bytes(xmlCall("x"))],
  ["a name of 100,000 dots", bytes(xmlCall(".".repeat(100_000)))],
  [`a multicall of ${RPC_MAX_BATCH} unknown services`, bytes(multicallOf(member("x.y").repeat(RPC_MAX_BATCH)))],
  [`a multicall of ${RPC_MAX_BATCH} unknown methods`, bytes(multicallOf(member("validator.x").repeat(RPC_MAX_BATCH)))],
];

/** Requests refused on HTTP grounds, before any body is read. */
const HTTP_SHAPES: [string, string][] = [
  ["GET", "GET /rpc/validator HTTP/1.0\r\n\r\n"],
  ["an unknown method", "BREW /rpc/validator HTTP/1.0\r\n\r\n"],
  ["no such service", "POST /rpc/x HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n"],
  ["a path below a single endpoint", "POST /single/x HTTP/1.0\r\nContent-Type: text/xml\r\nContent-Length: 0\r\n\r\n"],
  ["another media type", "POST /rpc/validator HTTP/1.0\r\nContent-Type: a/b\r\nContent-Length: 0\r\n\r\n"],
];

test(`no answer the gateway makes is larger than ${RPC_AMPLIFICATION}x its request, for any shape of input`, async () => {
  await using d = setUp();
  const over: string[] = [];
  const seen: string[] = [];
  const check = (what: string, r: { status: number; requestBytes: number; bodyBytes: number }) => {
    const ratio = r.bodyBytes / r.requestBytes;
    seen.push(what);
    if (ratio > RPC_AMPLIFICATION) over.push(`${what}: ${r.requestBytes} → ${r.bodyBytes} bytes (${ratio.toFixed(1)}x, ${r.status})`);
  };
  for (const [what, body] of JSON_SHAPES)
    check(`JSON-RPC, ${what}`, await exchange(d.port, post("/rpc/validator", "application/json", body), body));
  for (const [what, body] of XML_SHAPES) check(`XML-RPC, ${what}`, await exchange(d.port, post("/RPC2/validator", "text/xml", body), body));
  for (const [what, body] of SINGLE_SHAPES)
    check(`XML-RPC /single, ${what}`, await exchange(d.port, post("/single", "text/xml", body), body));
  for (const [what, head] of HTTP_SHAPES) check(`HTTP, ${what}`, await exchange(d.port, head, new Uint8Array(0)));
  expect(over).toEqual([]);
  expect(seen.length).toBe(JSON_SHAPES.length + XML_SHAPES.length + SINGLE_SHAPES.length + HTTP_SHAPES.length);
  expect(d.errors).toEqual([]);
}, 60_000);
