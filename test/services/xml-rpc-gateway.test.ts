/**
 * RpcGateway with XML-RPC (SPEC §8.3): Python's xmlrpc.client as the real client for every type,
 * nil and faults; hostile bodies (billion laughs, external entity, deep nesting, 50 MB) each get a
 * clear 4xx without the input echoed.
 */
import { expect, test } from "bun:test";
import { Service, ServiceFailure, ServiceRegistry } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { decodeCall, encodeCall, decodeResponse } from "../../src/services/xml-rpc.ts";
import { startDaemon } from "../helpers/servers.ts";
import { peerTest } from "../helpers/peers.ts";

function setUp() {
  const r = new ServiceRegistry();
  const s = new Service("types", r);
  s.exportMethod((x: unknown) => x, "echo");
  s.exportMethod(() => {
    throw new ServiceFailure(42, "it failed", "types", "more about it");
  }, "fail");
  return startDaemon({ "/RPC2": new RpcGateway("", { protocol: "xml-rpc", registry: r }) });
}

async function postXml(port: number, body: string, type = "text/xml") {
  const r = await fetch(`http://127.0.0.1:${port}/RPC2/types`, { method: "POST", body, headers: { "Content-Type": type } });
  return { status: r.status, text: await r.text() };
}

peerTest(["python3"], "Python's ServerProxy round-trips every type, None with allow_none, and sees the Fault", async () => {
  await using d = setUp();
  const py = Bun.spawn(["python3", "test/helpers/xmlrpc-client.py", `http://127.0.0.1:${d.port}/RPC2/types`], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = [await new Response(py.stdout).text(), await new Response(py.stderr).text()];
  expect(err).toBe("");
  const report = JSON.parse(out);
  for (const k of ["int", "negative", "bool", "false", "str", "float", "datetime", "bytes", "list", "dict", "none"])
    expect([k, report[k]]).toEqual([k, true]);
  expect(report.fault).toEqual([42, "types -- it failed\n\nmore about it"]);
  expect(report.nomethod).toBe(-32601);
});

test("the codec reads what it writes, dates to the second in UTC, untyped values as strings", () => {
  const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  const call = decodeCall(
    new TextEncoder().encode(encodeCall("m", [1, 2 ** 40, -0.5, "x&<", true, null, new Uint8Array([1, 2]), when, [{ a: [] }]])),
  );
  expect(call).toEqual({ method: "m", params: [1, 2 ** 40, -0.5, "x&<", true, null, new Uint8Array([1, 2]), when, [{ a: [] }]] });
  const untyped = decodeCall(
    new TextEncoder().encode(
      "<methodCall><methodName>m</methodName><params><param><value>plain &amp; simple</value></param></params></methodCall>",
    ),
  );
  expect(untyped.params).toEqual(["plain & simple"]);
  expect(() =>
    decodeResponse(
      '<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>3</int></value></member><member><name>faultString</name><value>o -- d</value></member></struct></value></fault></methodResponse>',
    ),
  ).toThrow(new ServiceFailure(3, "d", "o"));
});

const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<methodCall><methodName>echo</methodName><params><param><value><string>&lol3;</string></value></param></params></methodCall>`;
const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>echo</methodName><params><param><value>&x;</value></param></params></methodCall>`;
const undeclared = `<methodCall><methodName>echo</methodName><params><param><value>&x;</value></param></params></methodCall>`;
const deep = `<methodCall><methodName>echo</methodName><params><param>${"<value><array><data>".repeat(5000)}${"</data></array></value>".repeat(5000)}</param></params></methodCall>`;

test("billion laughs, an external entity, an undeclared entity, 10,000-deep nesting: 400 naming the problem", async () => {
  await using d = setUp();
  for (const [body, says] of [
    [laughs, "DTD"],
    [xxe, "DTD"],
    [undeclared, "entity"],
    [deep, "nested deeper"],
    ["<methodCall><methodName>echo</methodName>", "unclosed"],
    ["<methodResponse/>", "methodCall"],
    [
      "<methodCall><methodName>echo</methodName><params><param><value><int>x</int></value></param></params></methodCall>",
      "malformed <int>",
    ],
  ] as const) {
    const r = await postXml(d.port, body);
    expect([r.status, r.text.includes(says)]).toEqual([400, true]);
    expect(r.text).not.toContain("lol");
    expect(r.text).not.toContain("root:");
  }
  expect((await postXml(d.port, "<x/>", "application/json")).status).toBe(415);
});

test("a 50 MB streamed body is refused with 413 long before its end, memory bounded", async () => {
  await using d = setUp();
  const mb = new Uint8Array(1024 * 1024).fill(0x3c);
  let sent = 0;
  const body = new ReadableStream({
    pull(c) {
      if (sent >= 50) return c.close();
      sent++;
      c.enqueue(mb);
    },
  });
  const before = process.memoryUsage().rss;
  const r = await fetch(`http://127.0.0.1:${d.port}/RPC2/types`, { method: "POST", body, headers: { "Content-Type": "text/xml" } });
  expect(r.status).toBe(413);
  expect(sent).toBeLessThan(50);
  expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
});
