/** RpcGateway with JSON-RPC 2.0 over a real HttpDaemon (SPEC §8.3): fetch and curl as clients. */
import { expect, test } from "bun:test";
import { CALL_ABORTED, Service, ServiceFailure, ServiceRegistry } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";
import { peerTest } from "../helpers/peers.ts";

/** A registry that records how every call the gateway makes ended. */
class RecordingRegistry extends ServiceRegistry {
  outcomes: unknown[] = [];
  started = Promise.withResolvers<void>();
  settled = Promise.withResolvers<void>();
  private record(x: unknown): void {
    this.outcomes.push(x);
    this.settled.resolve();
  }
  override callFast(name: string, method: string, params: unknown[], timeoutMs: number, signal: () => AbortSignal | undefined): unknown {
    this.started.resolve();
    let out: unknown;
    try {
      out = super.callFast(name, method, params, timeoutMs, signal);
    } catch (e) {
      this.record(e);
      throw e;
    }
    if (out instanceof Promise)
      out.then(
        (v) => this.record(v),
        (e) => this.record(e),
      );
    else this.record(out);
    return out;
  }
}

function setUp(options: ConstructorParameters<typeof RpcGateway>[1] = {}) {
  const r = new RecordingRegistry();
  r.errorLog = () => {};
  const v = new Service("validator", r);
  v.joinGroup("web-services");
  v.exportMethod((a: number, b: number) => a + b, "sum");
  v.exportMethod((...args: unknown[]) => args, "echo");
  v.exportMethod(async (x: unknown) => {
    throw new ServiceFailure(10, "not a number", "validator", `got ${typeof x}`);
  }, "fail");
  v.exportMethod(() => {
    throw new Error("boom");
  }, "broken");
  v.exportMethod(() => new Promise(() => {}), "never");
  v.exportMethod(() => {
    let nested: unknown[] = [];
    for (let i = 0; i < 1000; i++) nested = [nested];
    return nested;
  }, "tower");
  new Service("hidden", r).exportMethod(() => 1, "one");
  return Object.assign(startDaemon({ "/service": new RpcGateway("web-services", { registry: r, ...options }) }), { r });
}

async function post(port: number, path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: res.headers.get("content-type") === "application/json" ? JSON.parse(text) : null,
  };
}

test("a single call, by position and by name (one object argument), with bytes and dates", async () => {
  await using d = setUp();
  const r = await post(d.port, "/service/validator", '{"jsonrpc":"2.0","method":"sum","params":[2,3],"id":7}');
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("application/json");
  expect(r.json).toEqual({ jsonrpc: "2.0", result: 5, id: 7 });
  const named = await post(d.port, "/service/validator", '{"jsonrpc":"2.0","method":"echo","params":{"a":1},"id":"x"}');
  expect(named.json).toEqual({ jsonrpc: "2.0", result: [{ a: 1 }], id: "x" });
  const tagged = '[{"$base64":"AP8="},{"$date":"2026-01-02T03:04:05.000Z"}]';
  const t = await post(d.port, "/service/validator", `{"jsonrpc":"2.0","method":"echo","params":${tagged},"id":1}`);
  expect(JSON.stringify(t.json.result)).toBe(tagged);
});

test("the five standard errors and a service's failure", async () => {
  await using d = setUp();
  const err = async (body: string) => {
    const r = await post(d.port, "/service/validator", body);
    expect(r.status).toBe(200);
    return r.json;
  };
  expect((await err("{nope")).error.code).toBe(-32700);
  expect((await err("{nope")).id).toBeNull();
  expect((await err('{"jsonrpc":"2.0","method":1,"id":1}')).error.code).toBe(-32600);
  expect((await err('{"jsonrpc":"1.0","method":"sum","id":1}')).error.code).toBe(-32600);
  expect((await err("[]")).error.code).toBe(-32600);
  expect((await err('{"jsonrpc":"2.0","method":"nope","id":1}')).error).toEqual({
    code: -32601,
    message: "no such method",
    data: { origin: "validator", details: "" },
  });
  expect((await err('{"jsonrpc":"2.0","method":"sum","params":"2,3","id":1}')).error.code).toBe(-32602);
  const internal = await err('{"jsonrpc":"2.0","method":"broken","id":1}');
  expect(internal.error.code).toBe(-32603);
  expect(JSON.stringify(internal)).not.toContain("boom");
  expect((await err('{"jsonrpc":"2.0","method":"fail","params":[1],"id":1}')).error).toEqual({
    code: 10,
    message: "not a number",
    data: { origin: "validator", details: "got number" },
  });
});

test("params nested 100,000 deep: invalid params (not a servlet crash); a result nested too deep: internal error", async () => {
  await using d = setUp();
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const r = await post(d.port, "/service/validator", `{"jsonrpc":"2.0","method":"echo","params":${deep},"id":7}`);
  expect(r.status).toBe(200);
  expect(r.json.id).toBe(7);
  expect(r.json.error.code).toBe(-32602);
  expect(r.json.error.message).toContain("nested deeper than");
  // (a throw in the servlet would have been a 500 with a stack trace in the log)
  const t = await post(d.port, "/service/validator", '{"jsonrpc":"2.0","method":"tower","id":8}');
  expect(t.json.error.code).toBe(-32603);
  expect((await post(d.port, "/service/validator", '{"jsonrpc":"2.0","method":"sum","params":[2,3],"id":9}')).json.result).toBe(5);
});

test("a batch answers in order, leaves notifications out; notifications alone → 204", async () => {
  await using d = setUp();
  const batch = [
    { jsonrpc: "2.0", method: "sum", params: [1, 2], id: 1 },
    { jsonrpc: "2.0", method: "sum", params: [5, 5] },
    { jsonrpc: "2.0", method: "fail", params: [0], id: 2 },
    { jsonrpc: "2.0", method: "sum", params: 7, id: null },
    { jsonrpc: "2.0", method: "nope", id: 3 },
  ];
  const r = await post(d.port, "/service/validator", JSON.stringify(batch));
  expect(r.status).toBe(200);
  expect(r.json.map((x: { id: unknown; result?: unknown; error?: { code: number } }) => [x.id, x.result ?? x.error!.code])).toEqual([
    [1, 3],
    [2, 10],
    [null, -32602],
    [3, -32601],
  ]);
  expect(d.r.outcomes).toContain(10);
  const n = await post(d.port, "/service/validator", JSON.stringify([batch[1], batch[1]]));
  expect([n.status, n.text]).toEqual([204, ""]);
  const one = await post(d.port, "/service/validator", JSON.stringify(batch[1]));
  expect([one.status, one.text]).toEqual([204, ""]);
});

test("an unrecognised method → 501; a known one other than POST → 405 with Allow: POST (RFC 9110 §9.1); the connection stays open", async () => {
  await using d = setUp();
  using c = await RawClient.connect(d.port);
  for (const [method, status] of [
    ["BREW", 501],
    ["get", 501], // methods are case-sensitive (RFC 9110 §9.1)
    ["PROPFIND", 501],
    ["GET", 405],
    ["PUT", 405],
    ["DELETE", 405],
    ["OPTIONS", 405],
    ["TRACE", 405],
    ["PATCH", 405],
  ] as const) {
    const r = await c.request(`${method} /service/validator HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
    expect([method, r.status, r.headers.allow]).toEqual([method, status, status === 405 ? "POST" : undefined]);
    expect(c.closed).toBe(false);
  }
  const head = await fetch(`http://127.0.0.1:${d.port}/service/validator`, { method: "HEAD" });
  expect([head.status, head.headers.get("allow")]).toEqual([405, "POST"]);
  expect(d.errors).toEqual([]);
});

test("HTTP rules: 405 with Allow, 415, 404 (unknown or outside the group), 413", async () => {
  await using d = setUp({ maxBody: 1000 });
  const get = await fetch(`http://127.0.0.1:${d.port}/service/validator`);
  expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
  expect(await get.text()).toContain("POST");
  const xml = await post(d.port, "/service/validator", "{}", { "Content-Type": "text/xml" });
  expect(xml.status).toBe(415);
  expect(xml.text).toContain("application/json");
  expect((await post(d.port, "/service/validator", "{}", { "Content-Type": "application/json; charset=utf-8" })).status).toBe(200);
  expect((await post(d.port, "/service/nobody", "{}")).status).toBe(404);
  expect((await post(d.port, "/service/hidden", "{}")).status).toBe(404);
  expect((await post(d.port, "/service", "{}")).status).toBe(404);
  const big = await post(
    d.port,
    "/service/validator",
    JSON.stringify({ jsonrpc: "2.0", method: "echo", params: ["x".repeat(2000)], id: 1 }),
  );
  expect(big.status).toBe(413);
  expect(big.text).not.toContain("xxxx");
});

peerTest(["curl"], "authorise() → 401 with a challenge; the right credentials call through (curl)", async () => {
  const r = new ServiceRegistry();
  new Service("t", r).exportMethod(() => "ok", "ping");
  class Guarded extends RpcGateway {
    override authorise(login: string, password: string) {
      return login === "u" && password === "p";
    }
  }
  await using d = startDaemon({ "/rpc": new Guarded("", { registry: r }) });
  const denied = await post(d.port, "/rpc/t", '{"jsonrpc":"2.0","method":"ping","id":1}');
  expect(denied.status).toBe(401);
  const curl = Bun.spawn(
    [
      "curl",
      "-s",
      "-u",
      "u:p",
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"jsonrpc":"2.0","method":"ping","id":1}',
      `http://127.0.0.1:${d.port}/rpc/t`,
    ],
    { stdout: "pipe" },
  );
  expect(JSON.parse(await new Response(curl.stdout).text())).toEqual({ jsonrpc: "2.0", result: "ok", id: 1 });
});

test("the client leaving aborts the call", async () => {
  await using d = setUp();
  const c = await RawClient.connect(d.port);
  const body = '{"jsonrpc":"2.0","method":"never","id":1}';
  c.send(`POST /service/validator HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await d.r.started.promise;
  c.terminate();
  await d.r.settled.promise;
  expect((d.r.outcomes[0] as ServiceFailure).error).toBe(CALL_ABORTED);
});

test("a chunked body, a body in several pieces and an empty body are read the same way", async () => {
  await using d = setUp();
  const call = '{"jsonrpc":"2.0","method":"sum","params":[40,2],"id":9}';
  const chunked = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(call.slice(0, 10)));
      c.enqueue(new TextEncoder().encode(call.slice(10)));
      c.close();
    },
  });
  const r = await fetch(`http://127.0.0.1:${d.port}/service/validator`, {
    method: "POST",
    body: chunked,
    headers: { "Content-Type": "application/json" },
  });
  expect(await r.json()).toEqual({ jsonrpc: "2.0", result: 42, id: 9 });
  const c = await RawClient.connect(d.port);
  c.send(
    `POST /service/validator HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${call.length}\r\n\r\n${call.slice(0, 7)}`,
  );
  c.send(call.slice(7));
  const [one] = await c.responses(1);
  expect(JSON.parse(one!.body)).toEqual({ jsonrpc: "2.0", result: 42, id: 9 });
  c.send(`POST /service/validator HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n`);
  const [, empty] = await c.responses(2);
  expect(JSON.parse(empty!.body).error.code).toBe(-32700);
});
