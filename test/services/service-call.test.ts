/**
 * The pieces a user meets (SPEC §8.4, §9): examples/service-call.ts deferring on a service over
 * NATS (and the client leaving aborts the call), RemoteService against both protocols, and the
 * binary's --rpc/--nats.
 */
import { expect, test } from "bun:test";
import {
  CALL_OUTCOME_UNKNOWN,
  NO_SUCH_SERVICE,
  RemoteService,
  SERVICE_UNAVAILABLE,
  Service,
  ServiceFailure,
  ServiceRegistry,
} from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";
import { Output, spawnWithOutput } from "../helpers/spawn.ts";
import { eventually } from "../helpers/eventually.ts";
import { failureOf } from "../helpers/failure.ts";
import { peerTest } from "../helpers/peers.ts";

/** Child processes start slowly on a loaded machine: these tests get more than the default 20 s. */
const NATS_TEST_TIMEOUT_MS = 60_000;

/** Spawns a bun child; killed when the scope ends. */
function child(args: string[]) {
  const c = spawnWithOutput([process.execPath, ...args]);
  return { ...c, [Symbol.dispose]: () => c.child.kill("SIGKILL") };
}

peerTest(
  ["nats-server"],
  "examples/service-call.ts answers from a remote service; a client leaving aborts the call in both processes",
  async () => {
    await using nats = await NatsServer.start();
    using calc = child(["examples/calc-service.ts", nats.url]);
    await calc.out.waitFor(/calc ready/);
    using page = child(["examples/service-call.ts", "0", nats.url]);
    const base = await page.out.url();
    const text = await eventually(async () => {
      const r = await fetch(`${base}add?a=2&b=3`);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      return r.text();
    });
    expect(text).toBe("add: 5\n");
    expect(await (await fetch(`${base}slow?ms=10`)).text()).toContain("answered by process");
    const c = await RawClient.connect(Number(new URL(base).port));
    c.send("GET /slow?ms=60000 HTTP/1.0\r\n\r\n");
    await calc.out.waitFor(/slow\(60000\) started/); // the call is in flight in the other process
    c.terminate();
    expect((await page.out.waitFor(/call aborted: the client left \(call aborted\)/))[0]).toBeTruthy();
    // and the remote side is released: the method's CallContext signal aborted in the other process
    expect((await calc.out.waitFor(/slow\(60000\) released: call aborted/))[0]).toBeTruthy();
  },
  NATS_TEST_TIMEOUT_MS,
);

test(
  "RemoteService against both protocols: values, the server's failure fields, HTTP refusals",
  async () => {
    const r = new ServiceRegistry();
    const s = new Service("validator", r);
    s.exportMethod((a: number, b: number) => a + b, "sum");
    s.exportMethod((x: unknown) => x, "echo");
    s.exportMethod(() => {
      throw new ServiceFailure(10, "not a number", "validator", "see the manual");
    }, "fail");
    class Guarded extends RpcGateway {
      override authorise(login: string, password: string) {
        return login === "u" && password === "p";
      }
    }
    await using d = startDaemon({
      "/json": new Guarded("", { registry: r }),
      "/xml": new Guarded("", { registry: r, protocol: "xml-rpc" }),
    });
    const when = new Date(Date.UTC(2026, 5, 1, 12));
    for (const protocol of ["json-rpc", "xml-rpc"] as const) {
      const base = `http://127.0.0.1:${d.port}/${protocol === "json-rpc" ? "json" : "xml"}`;
      const v = new RemoteService(`${base}/validator`, { login: "u", password: "p", protocol });
      expect(await v.call("sum", 2, 3)).toBe(5);
      expect(await v.call("echo", { b: new Uint8Array([9]), when, list: [1.5, null, "s"] })).toEqual({
        b: new Uint8Array([9]),
        when,
        list: [1.5, null, "s"],
      });
      expect((await failureOf(v.call("fail"))).fields()).toEqual({
        error: 10,
        description: "not a number",
        origin: "validator",
        details: "see the manual",
      });
      expect((await failureOf(v.call("nope"))).error).toBe(-32601);
      expect((await failureOf(new RemoteService(`${base}/nobody`, { login: "u", password: "p", protocol }).call("x"))).error).toBe(
        NO_SUCH_SERVICE,
      );
      expect((await failureOf(new RemoteService(`${base}/validator`, { protocol }).call("sum", 1, 2))).error).toBe(401);
    }
  },
  NATS_TEST_TIMEOUT_MS,
);

test("RemoteService says whether a failed call may have run: refused, cut off after sending, the gateway's 502", async () => {
  // Nothing listens: the request never left, the call is safe to retry.
  const gone = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const gonePort = gone.port;
  gone.stop(true);
  expect((await failureOf(new RemoteService(`http://127.0.0.1:${gonePort}/rpc/x`).call("m"))).error).toBe(SERVICE_UNAVAILABLE);

  // The server reads the request and drops the connection: it may have run the call.
  const read = Promise.withResolvers<void>();
  using cutter = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket) {
        read.resolve();
        socket.terminate();
      },
    },
  });
  const cut = await failureOf(new RemoteService(`http://127.0.0.1:${cutter.port}/rpc/x`).call("m"));
  await read.promise;
  expect(cut.error).toBe(CALL_OUTCOME_UNKNOWN);

  // The gateway's 502 carries the failure: its code reaches the client.
  const r = new ServiceRegistry();
  new Service("relay", r).exportMethod(() => {
    throw new ServiceFailure(CALL_OUTCOME_UNKNOWN, "lost on the way", "netsvc");
  }, "m");
  await using d = startDaemon({ "/rpc": new RpcGateway("", { registry: r }) });
  const res = await fetch(`http://127.0.0.1:${d.port}/rpc/relay`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: '{"jsonrpc":"2.0","method":"m","id":1}',
  });
  expect(res.status).toBe(502);
  await res.text();
  expect((await failureOf(new RemoteService(`http://127.0.0.1:${d.port}/rpc/relay`).call("m"))).fields()).toEqual({
    error: CALL_OUTCOME_UNKNOWN,
    description: "lost on the way",
    origin: "netsvc",
    details: "",
  });
});

peerTest(
  ["nats-server"],
  "the binary: --rpc --nats is an HTTP front for the bus; an unreachable NATS is one clear line",
  async () => {
    await using nats = await NatsServer.start();
    using calc = child(["examples/calc-service.ts", nats.url]);
    await calc.out.waitFor(/calc ready/);
    using bin = child(["src/cli.ts", "examples/static-site", "--port", "0", "--rpc", "/rpc", "--nats", nats.url]);
    const base = await bin.out.url();
    const v = new RemoteService(`${base}rpc/calc`);
    expect(await eventually(() => v.call("add", 20, 22))).toBe(42);

    const help = Bun.spawn([process.execPath, "src/cli.ts", "--help"], { stdout: "pipe" });
    const helpText = await new Response(help.stdout).text();
    expect(helpText).toContain("--rpc PATH");
    expect(helpText).toContain("--nats URL");

    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const deadPort = closed.port;
    closed.stop(true);
    const lonely = Bun.spawn(
      [process.execPath, "src/cli.ts", "examples/static-site", "--port", "0", "--rpc", "/rpc", "--nats", `nats://127.0.0.1:${deadPort}`],
      { stdout: "pipe", stderr: "pipe" },
    );
    try {
      const err = new Output(lonely.stderr as ReadableStream<Uint8Array>);
      const out = new Output(lonely.stdout as ReadableStream<Uint8Array>);
      const url = await out.url();
      const line = (await err.waitFor(/netsvc: NATS at \S+ is unreachable[^\n]*retrying[^\n]*\n/))[0];
      expect(line).toContain("connection refused");
      expect((await fetch(url)).status).toBe(200); // files are served all the same
      expect((await failureOf(new RemoteService(`${url}rpc/calc`).call("add", 1, 2))).error).toBe(NO_SUCH_SERVICE);
      expect(err.text).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      lonely.kill("SIGKILL");
    }
  },
  NATS_TEST_TIMEOUT_MS,
);
