/**
 * JSON-RPC batches through the RpcGateway (issue 19): bounded in length, refused whole when a
 * member is not a request, answered member by member through the connection's flow control
 * (a client that does not read stops its batch), and run a few calls at a time so other
 * clients' calls are not queued behind a thousand of one request's.
 */
import { expect, test } from "bun:test";
import { Service, ServiceRegistry } from "../../src/entry/services.ts";
import { INVALID_REQUEST, RpcGateway } from "../../src/entry/rpc.ts";
import { RPC_BATCH_CONCURRENCY, RPC_MAX_BATCH } from "../../src/entry/limits.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

/** A result size that fills any kernel socket buffer long before the batch is done. */
const LARGE = 64 * 1024;

function setUp(options: Parameters<typeof startDaemon>[1] = {}) {
  const r = new ServiceRegistry();
  r.errorLog = () => {};
  const calls = { count: 0 };
  const v = new Service("v", r);
  v.exportMethod((...args: unknown[]) => {
    calls.count++;
    return args;
  }, "echo");
  v.exportMethod(async (x: unknown) => {
    calls.count++;
    return x;
  }, "later");
  const large = "x".repeat(LARGE);
  v.exportMethod(() => {
    calls.count++;
    return large;
  }, "large");
  v.exportMethod(() => {
    let nested: unknown[] = [];
    for (let i = 0; i < 1000; i++) nested = [nested];
    return nested;
  }, "tower");
  return Object.assign(startDaemon({ "/rpc": new RpcGateway("", { registry: r }) }, options), { r, calls });
}

async function post(port: number, body: string) {
  const res = await fetch(`http://127.0.0.1:${port}/rpc/v`, { method: "POST", body, headers: { "Content-Type": "application/json" } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
}

const call = (method: string, id: number, params: unknown[] = []) => ({ jsonrpc: "2.0", method, params, id });

test(`a batch of more than RPC_MAX_BATCH (${RPC_MAX_BATCH}) members: 413 with one -32600 error, and no call runs`, async () => {
  await using d = setUp();
  const batch = Array.from({ length: RPC_MAX_BATCH + 1 }, (_, i) => call("echo", i));
  const r = await post(d.port, JSON.stringify(batch));
  expect(r.status).toBe(413);
  expect(r.headers.get("content-type")).toBe("application/json");
  expect(r.json.id).toBeNull();
  expect(r.json.error.code).toBe(INVALID_REQUEST);
  expect(r.json.error.message).toContain(String(RPC_MAX_BATCH));
  expect(d.calls.count).toBe(0);
  // At the limit, every member is answered.
  const full = await post(d.port, JSON.stringify(batch.slice(0, RPC_MAX_BATCH)));
  expect(full.status).toBe(200);
  expect(full.json.length).toBe(RPC_MAX_BATCH);
  expect(d.calls.count).toBe(RPC_MAX_BATCH);
});

test("a batch with a member that is not a request: one -32600 error naming it, and no call runs", async () => {
  await using d = setUp();
  const invalid = [
    7,
    {},
    { jsonrpc: "1.0", method: "echo", id: 1 },
    { jsonrpc: "2.0", method: 1, id: 1 },
    { jsonrpc: "2.0", method: "echo", id: {} },
  ];
  for (const bad of invalid) {
    const r = await post(d.port, JSON.stringify([call("echo", 1), call("later", 2), bad, call("echo", 3)]));
    expect([r.status, Array.isArray(r.json), r.json.id, r.json.error.code]).toEqual([200, false, null, INVALID_REQUEST]);
    expect(r.json.error.message).toContain("batch[2]:");
  }
  const only = await post(d.port, JSON.stringify(Array(500).fill(1)));
  expect([Array.isArray(only.json), only.json.error.code, only.json.error.message]).toEqual([
    false,
    INVALID_REQUEST,
    "invalid request: batch[0]: not a request object",
  ]);
  expect(d.calls.count).toBe(0);
});

test("a batch answers in order whatever order its calls finish in; each result that cannot be sent fails alone", async () => {
  await using d = setUp();
  const batch = [
    call("later", 1, ["a"]),
    call("echo", 2, ["b"]),
    call("tower", 3),
    { jsonrpc: "2.0", method: "echo" },
    call("later", 4, ["c"]),
  ];
  const r = await post(d.port, JSON.stringify(batch));
  expect(r.status).toBe(200);
  expect(r.json.map((x: { id: number; result?: unknown; error?: { code: number } }) => [x.id, x.result ?? x.error!.code])).toEqual([
    [1, "a"],
    [2, ["b"]],
    [3, -32603],
    [4, "c"],
  ]);
});

test("a large batch answer streams over HTTP/1.1 (chunked) and arrives whole and in order", async () => {
  await using d = setUp();
  const n = 200;
  const r = await post(d.port, JSON.stringify(Array.from({ length: n }, (_, i) => call(i % 2 ? "large" : "later", i, [i]))));
  expect(r.status).toBe(200);
  expect(r.headers.get("transfer-encoding")).toBe("chunked");
  expect(r.json.map((x: { id: number }) => x.id)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(r.json[1].result.length).toBe(LARGE);
});

test("a client that does not read stops its batch: no more calls run than the connection can hold", async () => {
  // The send timeout ends the stalled connection: a moment the test can wait for.
  await using d = setUp({ sendTimeoutMs: 300 });
  using c = await RawClient.connect(d.port);
  c.pause();
  const body = JSON.stringify(Array.from({ length: RPC_MAX_BATCH }, (_, i) => call("large", i)));
  c.send(`POST /rpc/v HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await c.until(() => d.daemon.stats().timeouts === 1, 10_000, "the send timeout");
  // Each answer is 64 KiB: the whole batch would be 64 MiB; what ran is what the socket buffers
  // and the output queue took (a few MiB), plus the calls in flight.
  expect(d.calls.count).toBeGreaterThan(0);
  expect(d.calls.count).toBeLessThan(RPC_MAX_BATCH / 2);
});

test("a normal call is answered while another client's big batch of slow calls is in progress", async () => {
  // A service that does one piece of work at a time, in arrival order (as a bus with a queue, or
  // a database connection, does): whatever is queued ahead of a call delays it.
  const r = new ServiceRegistry();
  const queue: (() => void)[] = [];
  let busy = false;
  const done = { batch: 0, normal: -1 };
  const next = () => {
    const job = queue.shift();
    if (!job) return void (busy = false);
    busy = true;
    setTimeout(() => {
      job();
      next();
    }, 1); // the work itself takes a moment
  };
  const started = Promise.withResolvers<void>();
  new Service("worker", r).exportMethod((who: string) => {
    started.resolve();
    return new Promise<string>((resolve) => {
      queue.push(() => {
        if (who === "batch") done.batch++;
        else done.normal = done.batch;
        resolve(who);
      });
      if (!busy) next();
    });
  }, "work");
  await using d = startDaemon({ "/rpc": new RpcGateway("", { registry: r }) });
  const n = 200;
  const body = JSON.stringify(Array.from({ length: n }, (_, i) => call("work", i, ["batch"])));
  using big = await RawClient.connect(d.port);
  big.send(`POST /rpc/worker HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await started.promise;
  const normal = await fetch(`http://127.0.0.1:${d.port}/rpc/worker`, {
    method: "POST",
    body: JSON.stringify(call("work", 0, ["normal"])),
    headers: { "Content-Type": "application/json" },
  });
  expect(await normal.json()).toEqual({ jsonrpc: "2.0", result: "normal", id: 0 });
  // Queued behind at most a window of the batch's calls, not behind all of them.
  expect(done.normal).toBeLessThan(n / 2);
  expect(done.normal).toBeLessThanOrEqual(RPC_BATCH_CONCURRENCY * 3);
  await big.untilClosed(10_000);
  const [answer] = parseResponses(big.text(), true);
  expect(JSON.parse(answer!.body).length).toBe(n);
  expect(done.batch).toBe(n);
});
