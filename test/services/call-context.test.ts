/**
 * A method's CallContext in one process (SPEC §8.1): its signal aborts when the caller's signal
 * does, when the call times out, and when an RpcGateway's HTTP client leaves; methods that did not
 * opt in get their parameters only. (Over NATS: exchange-abort.test.ts.)
 */
import { expect, test } from "bun:test";
import { CALL_ABORTED, CALL_TIMED_OUT, type CallContext, Service, ServiceFailure, ServiceRegistry } from "../../src/entry/services.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";
import { failureOf } from "../helpers/failure.ts";

/** A service whose `held` method waits on its signal and reports what it saw. */
class Holder extends Service {
  /** Resolves with the signal's reason when held()'s signal aborts. */
  aborted = Promise.withResolvers<unknown>();
  /** Resolves with the CallContext once held() runs. */
  started = Promise.withResolvers<CallContext>();
  gate = Promise.withResolvers<string>();
  contexts: CallContext[] = [];
  argCounts: number[] = [];
  constructor(r: ServiceRegistry) {
    super("holder", r);
    this.exportMethod(this.held, "held", { context: true });
    this.exportMethod(this.gated, "gated", { context: true });
    this.exportMethod(this.now, "now", { context: true });
    this.exportMethod(this.plain);
  }
  held(ctx: CallContext, _tag: string) {
    this.started.resolve(ctx);
    ctx.signal.addEventListener("abort", () => this.aborted.resolve(ctx.signal.reason));
    return new Promise(() => {});
  }
  gated(ctx: CallContext) {
    this.contexts.push(ctx);
    return this.gate.promise;
  }
  now(ctx: CallContext, x: number) {
    this.contexts.push(ctx);
    return x + 1;
  }
  plain(...args: unknown[]) {
    this.argCounts.push(args.length);
    return new Promise((r) => r(args.length));
  }
}

function registry() {
  const r = new ServiceRegistry();
  r.errorLog = () => {};
  return { r, h: new Holder(r) };
}

test("the caller's AbortController aborts the method's signal, with the failure the caller saw", async () => {
  const { r, h } = registry();
  const ac = new AbortController();
  const call = r.call("holder", "held", ["t"], { signal: ac.signal });
  const ctx = await h.started.promise;
  expect(ctx.signal.aborted).toBe(false);
  ac.abort();
  const seen = await failureOf(call);
  const reason = (await h.aborted.promise) as ServiceFailure;
  expect(reason).toBeInstanceOf(ServiceFailure);
  expect([reason.error, seen.error]).toEqual([CALL_ABORTED, CALL_ABORTED]);
});

test("the call's timeout aborts the method's signal with CALL_TIMED_OUT", async () => {
  const { r, h } = registry();
  const seen = await failureOf(r.call("holder", "held", ["t"], { timeoutMs: 20 }));
  expect(seen.error).toBe(CALL_TIMED_OUT);
  expect(((await h.aborted.promise) as ServiceFailure).error).toBe(CALL_TIMED_OUT);
});

test("a call that was answered never aborts its signal; a method that did not opt in gets its parameters only", async () => {
  const { r, h } = registry();
  const ac = new AbortController();
  const answered = r.call("holder", "gated", [], { signal: ac.signal, timeoutMs: 30 });
  h.gate.resolve("done");
  expect(await answered).toBe("done");
  expect(await r.call("holder", "now", [1], { signal: ac.signal, timeoutMs: 30 })).toBe(2);
  ac.abort();
  // a later call's timeout (longer than theirs) fires after theirs would have
  expect((await failureOf(r.call("holder", "held", ["t"], { timeoutMs: 60 }))).error).toBe(CALL_TIMED_OUT);
  expect(h.contexts.map((c) => c.signal.aborted)).toEqual([false, false]);
  expect(await r.call("holder", "plain", [1, 2])).toBe(2);
  expect(h.argCounts).toEqual([2]);
});

test("the caller can neither move the context nor put its own in its place", async () => {
  const { r, h } = registry();
  // more parameters than declared, one shaped like a context: the method still sees its own
  expect(await r.call("holder", "now", [1, { signal: { aborted: true } }])).toBe(2);
  expect(Number.isNaN(await r.call("holder", "now", []))).toBe(true); // fewer: the context stays first
  expect(h.contexts.map((c) => c.signal instanceof AbortSignal && !c.signal.aborted)).toEqual([true, true]);
});

test("an RpcGateway client that disconnects mid-call aborts the method's signal", async () => {
  const { r, h } = registry();
  await using d = startDaemon({ "/rpc": new RpcGateway("", { registry: r }) });
  const c = await RawClient.connect(d.port);
  const body = '{"jsonrpc":"2.0","method":"held","params":["t"],"id":1}';
  c.send(`POST /rpc/holder HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  const ctx = await h.started.promise;
  expect(ctx.signal.aborted).toBe(false);
  c.terminate();
  expect(((await h.aborted.promise) as ServiceFailure).error).toBe(CALL_ABORTED);
});
