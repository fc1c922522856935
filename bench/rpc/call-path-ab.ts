/**
 * In-process A/B of the registry's call path (what the RpcGateway runs per call, without HTTP):
 * this tree's ServiceRegistry.callFast against another version's, for a synchronous method and a
 * delayed one, and the public `call()` (a Promise each) on the synchronous method. Alternating
 * rounds, medians; CPU-only, a few seconds, no network.
 *   git archive main src/services | tar -x -C /tmp/base
 *   bun bench/rpc/call-path-ab.ts --baseline /tmp/base/src/services [--rounds 15]
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { baseline: { type: "string" }, rounds: { type: "string", default: "15" } } });
if (!values.baseline) throw new Error("--baseline DIR (a services/ directory of the version to compare with) is required");
const ROUNDS = Number(values.rounds);
/** Calls per round: synchronous (cheap) and delayed (a Promise, a timer each; call() too). */
const SYNC_CALLS = 2_000_000;
const DELAYED_CALLS = 200_000;
const TIMEOUT_MS = 30_000;

interface Registry {
  call(name: string, method: string, params?: unknown[]): Promise<unknown>;
  callFast(name: string, method: string, params: unknown[], timeoutMs: number, signal: () => AbortSignal | undefined): unknown;
}
type Ctor<T> = new (...args: never[]) => T;

async function load(dir: string): Promise<Registry> {
  const { ServiceRegistry } = (await import(`${dir}/registry.ts`)) as { ServiceRegistry: Ctor<Registry> };
  const { Service } = (await import(`${dir}/service.ts`)) as {
    Service: new (name: string, r: Registry) => { exportMethod(fn: (...a: never[]) => unknown, name: string): void };
  };
  const r = new ServiceRegistry();
  const s = new Service("calc", r);
  s.exportMethod((a: number, b: number) => a + b, "add");
  s.exportMethod(async (a: number) => a, "later");
  return r;
}

const noSignal = () => undefined;

function syncRound(r: Registry): number {
  const params = [2, 3];
  const t0 = Bun.nanoseconds();
  let sum = 0;
  for (let i = 0; i < SYNC_CALLS; i++) sum += r.callFast("calc", "add", params, TIMEOUT_MS, noSignal) as number;
  if (sum !== 5 * SYNC_CALLS) throw new Error("wrong sum");
  return (Bun.nanoseconds() - t0) / SYNC_CALLS;
}

async function delayedRound(r: Registry): Promise<number> {
  const params = [2];
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < DELAYED_CALLS; i++) await r.callFast("calc", "later", params, TIMEOUT_MS, noSignal);
  return (Bun.nanoseconds() - t0) / DELAYED_CALLS;
}

async function promiseRound(r: Registry): Promise<number> {
  const params = [2, 3];
  const t0 = Bun.nanoseconds();
  let sum = 0;
  for (let i = 0; i < DELAYED_CALLS; i++) sum += (await r.call("calc", "add", params)) as number;
  if (sum !== 5 * DELAYED_CALLS) throw new Error("wrong sum");
  return (Bun.nanoseconds() - t0) / DELAYED_CALLS;
}

const peers = { baseline: await load(values.baseline), current: await load(`${import.meta.dir}/../../src/services`) };
const KINDS = ["sync", "delayed", "call()"] as const;
const ns: Record<string, number[]> = Object.fromEntries(
  KINDS.flatMap((k) => [
    [`${k} baseline`, []],
    [`${k} current`, []],
  ]),
);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? (["baseline", "current"] as const) : (["current", "baseline"] as const);
  for (const k of order) {
    ns[`sync ${k}`]!.push(syncRound(peers[k]));
    ns[`delayed ${k}`]!.push(await delayedRound(peers[k]));
    ns[`call() ${k}`]!.push(await promiseRound(peers[k]));
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
for (const kind of KINDS) {
  const b = median(ns[`${kind} baseline`]!);
  const c = median(ns[`${kind} current`]!);
  console.log(
    `${kind}: baseline ${b.toFixed(1)} ns/call, current ${c.toFixed(1)} ns/call, current/baseline ${(c / b).toFixed(3)} (medians of ${ROUNDS} alternating rounds)`,
  );
}
