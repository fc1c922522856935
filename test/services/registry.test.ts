/** Services in one process (SPEC §8.1): export, groups, retire, call with timeout and signal, failures, subscribe. */
import { expect, test } from "bun:test";
import {
  CALL_ABORTED,
  CALL_TIMED_OUT,
  INTERNAL_ERROR,
  NO_SUCH_METHOD,
  NO_SUCH_SERVICE,
  Service,
  ServiceFailure,
  ServiceRegistry,
  services,
  type ServiceEvent,
} from "../../src/entry/services.ts";
import { LOCAL_ONLY } from "../../src/services/registry.ts";
import { LOCAL_CALLER } from "../../src/services/caller.ts";
import { failureOf } from "../helpers/failure.ts";

/** A registry of its own whose stray-throw log is collected. */
function registry() {
  const r = new ServiceRegistry();
  const logged: unknown[] = [];
  r.errorLog = (_m, e) => logged.push(e);
  return { r, logged };
}

class Validator extends Service {
  gate = Promise.withResolvers<void>();
  constructor(r: ServiceRegistry) {
    super("validator", r);
    this.joinGroup("web-services");
    this.exportMethod(this.echo);
    this.exportMethod(this.add, "sum");
    this.exportMethod(this.later);
    this.exportMethod(this.never);
    this.exportMethod(this.broken);
  }
  echo(...args: unknown[]) {
    return args;
  }
  async add(a: number, b: number) {
    if (typeof a !== "number") throw new ServiceFailure(10, "not a number", "validator", "a");
    return a + b;
  }
  async later(x: number) {
    await this.gate.promise;
    return x * 2;
  }
  never() {
    return new Promise(() => {});
  }
  broken(): never {
    throw new RangeError("secret internals");
  }
}

test("exported methods by their own name and an explicit one; values come back as they went", async () => {
  const { r } = registry();
  new Validator(r);
  const bytes = new Uint8Array([0, 255]);
  const when = new Date(0);
  expect(await r.call("validator", "echo", [1, "a", null, bytes, when, { k: [true] }])).toEqual([1, "a", null, bytes, when, { k: [true] }]);
  expect(await r.call("validator", "sum", [2, 3])).toBe(5);
  expect((await failureOf(r.call("validator", "add", [2, 3]))).error).toBe(NO_SUCH_METHOD);
});

test("a delayed reply arrives when the service answers", async () => {
  const { r } = registry();
  const v = new Validator(r);
  const p = r.call("validator", "later", [21]);
  let settled = false;
  p.then(() => (settled = true));
  await Promise.resolve();
  expect(settled).toBe(false);
  v.gate.resolve();
  expect(await p).toBe(42);
});

test("failures: the service's own fields; a stray throw is generic and logged with its stack", async () => {
  const { r, logged } = registry();
  new Validator(r);
  const f = await failureOf(r.call("validator", "sum", ["x", 1]));
  expect(f.fields()).toEqual({ error: 10, description: "not a number", origin: "validator", details: "a" });
  const g = await failureOf(r.call("validator", "broken"));
  expect(g.error).toBe(INTERNAL_ERROR);
  expect(g.origin).toBe("netsvc");
  expect(g.description).not.toContain("secret");
  expect(logged.length).toBe(1);
  expect((logged[0] as Error).stack).toContain("secret internals");
});

test("no such service / method, timeout and abort each say which", async () => {
  const { r } = registry();
  new Validator(r);
  const none = await failureOf(r.call("nobody", "x"));
  expect([none.error, none.description]).toEqual([NO_SUCH_SERVICE, "no such service"]);
  const nm = await failureOf(r.call("validator", "nope"));
  expect([nm.error, nm.description]).toEqual([NO_SUCH_METHOD, "no such method"]);
  const to = await failureOf(r.call("validator", "never", [], { timeoutMs: 20 }));
  expect([to.error, to.description]).toEqual([CALL_TIMED_OUT, "call timed out"]);
  const ac = new AbortController();
  const pending = r.call("validator", "never", [], { signal: ac.signal });
  ac.abort();
  const ab = await failureOf(pending);
  expect([ab.error, ab.description]).toEqual([CALL_ABORTED, "call aborted"]);
  expect((await failureOf(r.call("validator", "sum", [1, 2], { signal: ac.signal }))).error).toBe(CALL_ABORTED);
});

test("groups, members, lookup, retire and subscribe", async () => {
  const { r } = registry();
  const events: ServiceEvent[] = [];
  const stop = r.subscribe((e) => events.push(e));
  const v = new Validator(r);
  const other = new Service("clock", r);
  other.exportMethod(function now() {
    return 1;
  });
  expect(r.members("web-services")).toEqual(["validator"]);
  expect(r.members("")).toEqual(["clock", "validator"]);
  expect(r.lookup("validator")).toEqual({ name: "validator", groups: ["web-services"], local: 1, remote: 0 });
  other.joinGroup("web-services");
  expect(r.members("web-services")).toEqual(["clock", "validator"]);
  other.leaveGroup("web-services");
  v.retire();
  v.retire();
  expect(r.lookup("validator")).toBeNull();
  expect((await failureOf(r.call("validator", "sum", [1, 2]))).error).toBe(NO_SUCH_SERVICE);
  expect(await r.call("clock", "now")).toBe(1);
  stop();
  other.retire();
  expect(events.map((e) => `${e.kind} ${e.name} ${e.groups.join(",")}`)).toEqual([
    "announce validator ",
    "announce validator web-services",
    "announce clock ",
    "announce clock web-services",
    "announce clock ",
    "withdraw validator ",
  ]);
});

test("the shared registry and a bad name", async () => {
  const s = new Service("shared-registry-test");
  s.exportMethod((a: number) => a + 1, "inc");
  expect(await services.call("shared-registry-test", "inc", [1])).toBe(2);
  s.retire();
  expect(() => new Service("a/b")).toThrow(TypeError);
  expect(() => new Service("a.*")).toThrow(TypeError);
});

test("tagged values: bytes and dates both ways; a __proto__ key stays a plain key", async () => {
  const { fromTagged, stringifyValue } = await import("../../src/services/values.ts");
  const doc = JSON.parse('{"__proto__":{"$base64":"AQI="},"d":{"$date":"2026-01-01T00:00:00.000Z"},"n":{"$base64":"AQI=","x":1}}');
  const v = fromTagged(doc) as Record<string, unknown>;
  expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  expect(Object.keys(v)).toEqual(["__proto__", "d", "n"]);
  // biome-ignore lint/suspicious/noProto: the test is that a "__proto__" key stays a plain key
  expect(v.__proto__).toEqual(new Uint8Array([1, 2]));
  expect(v.d).toEqual(new Date(Date.UTC(2026, 0, 1)));
  expect(v.n).toEqual({ $base64: "AQI=", x: 1 }); // two keys: not a tag
  expect(JSON.parse(stringifyValue(v))).toEqual(
    JSON.parse('{"__proto__":{"$base64":"AQI="},"d":{"$date":"2026-01-01T00:00:00.000Z"},"n":{"$base64":"AQI=","x":1}}'),
  );
});

test("a call served for another process (LOCAL_ONLY) is never carried on to the exchange", async () => {
  const { r } = registry();
  // The exchange's side of the registry: one remote process hosts "validator"; what the
  // registry hands to it is recorded (and answered), as the Exchange would carry it over NATS.
  const carried: string[] = [];
  r.setTransport({
    callRemote: (name, method) => {
      carried.push(`${name}.${method}`);
      return Promise.resolve("from elsewhere");
    },
  });
  r.updateRemote("other-process", [{ name: "validator", groups: [] }]);
  expect(await r.call("validator", "sum", [1, 2])).toBe("from elsewhere");
  let refused: unknown;
  try {
    r.callFast("validator", "sum", [1, 2], 1000, undefined, LOCAL_CALLER, LOCAL_ONLY);
  } catch (e) {
    refused = e;
  }
  expect(refused).toBeInstanceOf(ServiceFailure);
  expect((refused as ServiceFailure).error).toBe(NO_SUCH_SERVICE);
  expect(carried).toEqual(["validator.sum"]);
  // Hosted here as well: served here, local first, whichever way the call came in.
  new Validator(r);
  expect(r.callFast("validator", "echo", [7], 1000, undefined, LOCAL_CALLER, LOCAL_ONLY)).toEqual([7]);
  expect(await r.call("validator", "echo", [8])).toEqual([8]);
  expect(carried).toEqual(["validator.sum"]);
});
