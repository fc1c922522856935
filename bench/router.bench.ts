/**
 * Router benchmark: netsvc's RouteTree next to hono's RegExpRouter and find-my-way, in one Bun
 * process, on the same routes and the same lookups. Prints ns per lookup and the ratio of the
 * faster peer's time to ours (> 1.00x: ours is faster), medians over rounds that rotate who runs
 * first.
 *
 *   npm run bench:router          (or: bun run bench/router.bench.ts [--quick] [--rounds N])
 *
 * Each router is used as its API offers, and each function returns a checksum of what it found
 * so nothing is optimised away:
 * - hono RegExpRouter `match(method, path)`: handlers and parameter *indexes* (values not sliced).
 * - find-my-way `find(method, path)`: handler and a params object with the values.
 * - netsvc "bytes": `match()` on the path's bytes, as the server does on the receive buffer;
 *   parameters as offsets (comparable to hono's indexes).
 * - netsvc "bytes+params": the same plus the params object Router.servlet() builds (comparable
 *   to find-my-way).
 * - netsvc "string": `matchPath(method, string)` + params object, from a JS string like the peers.
 */
import { do_not_optimize } from "mitata";
import { heapStats } from "bun:jsc";
import FindMyWay from "find-my-way";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { latin1 } from "../src/parser/index.ts";
import { methodCode, RouteTree, type Route } from "../src/servers/route-tree.ts";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 1 : Number(process.argv[process.argv.indexOf("--rounds") + 1] ?? 0) || 5;

/** A small REST API's routes (the shape routers' own benchmarks use). */
const ROUTES: [string, string][] = [
  ["GET", "/user"],
  ["GET", "/user/comments"],
  ["GET", "/user/avatar"],
  ["GET", "/user/lookup/username/:username"],
  ["GET", "/user/lookup/email/:address"],
  ["GET", "/event/:id"],
  ["GET", "/event/:id/comments"],
  ["POST", "/event/:id/comment"],
  ["GET", "/map/:location/events"],
  ["GET", "/status"],
  ["GET", "/very/deeply/nested/route/hello/there"],
  ["GET", "/static/*"],
];

/** Lookup sets: name → [method, path][] (every path matches a route). */
const SETS: Record<string, [string, string][]> = {
  "short static": [["GET", "/user"]],
  "static same radix": [["GET", "/user/comments"]],
  "dynamic route": [["GET", "/user/lookup/username/hey"]],
  "mixed static dynamic": [["GET", "/event/abcd1234/comments"]],
  post: [["POST", "/event/abcd1234/comment"]],
  "long static": [["GET", "/very/deeply/nested/route/hello/there"]],
  wildcard: [["GET", "/static/index.html"]],
};
SETS["all together"] = Object.values(SETS).flat();

// ── the routers ─────────────────────────────────────────────────────────────────────────────
const tree = new RouteTree<number>();
const hono = new RegExpRouter<number>();
const fmw = FindMyWay();
ROUTES.forEach(([method, path], i) => {
  tree.add(method, path, i);
  hono.add(method, path, i);
  fmw.on(method as "GET", path, () => i);
});

type Lookup = { method: string; code: number; path: string; bytes: Uint8Array };
const prepare = (set: [string, string][]): Lookup[] =>
  set.map(([method, path]) => ({ method, code: methodCode(method), path, bytes: new TextEncoder().encode(path) }));

type Runner = (lookups: Lookup[]) => number;

const netsvcBytes: Runner = (lookups) => {
  let sum = 0;
  for (const l of lookups) {
    // As the server calls it: the path below the attach point, without its leading "/".
    const r = tree.match(l.code, l.method, l.bytes, 1, l.bytes.length);
    if (r === null) throw new Error(`netsvc: no route for ${l.path}`);
    sum += r.handler + (r.paramNames.length > 0 ? tree.ends[0]! - tree.starts[0]! : 0);
  }
  return sum;
};

/** The params object as Router.servlet() builds it (null for a static route, which shares one). */
const paramsOf = (r: Route<number>, buf: Uint8Array): Record<string, string> | null =>
  r.paramNames.length === 0 ? null : r.makeParams(buf, tree.starts, tree.ends, latin1);

const netsvcBytesParams: Runner = (lookups) => {
  let sum = 0;
  for (const l of lookups) {
    const r = tree.match(l.code, l.method, l.bytes, 1, l.bytes.length);
    if (r === null) throw new Error(`netsvc: no route for ${l.path}`);
    const params = paramsOf(r, l.bytes);
    sum += r.handler + (params === null ? 0 : params[r.paramNames[0]!]!.length);
  }
  return sum;
};

const netsvcString: Runner = (lookups) => {
  let sum = 0;
  for (const l of lookups) {
    const r = tree.matchPath(l.method, l.path);
    if (r === null) throw new Error(`netsvc: no route for ${l.path}`);
    const params = paramsOf(r, tree.lastPathBytes);
    sum += r.handler + (params === null ? 0 : params[r.paramNames[0]!]!.length);
  }
  return sum;
};

const honoRegExp: Runner = (lookups) => {
  let sum = 0;
  for (const l of lookups) {
    const [handlers] = hono.match(l.method, l.path);
    const first = handlers[0];
    if (!first) throw new Error(`hono: no route for ${l.path}`);
    sum += (first as [number, unknown])[0];
  }
  return sum;
};

const findMyWay: Runner = (lookups) => {
  let sum = 0;
  for (const l of lookups) {
    const found = fmw.find(l.method as "GET", l.path);
    if (!found) throw new Error(`find-my-way: no route for ${l.path}`);
    const values = Object.values(found.params);
    sum += (found.handler as unknown as () => number)() + (values.length > 0 ? values[0]!.length : 0);
  }
  return sum;
};

// The peers fed a string made from the request's bytes per lookup, as a server must hand them
// one (a constant string is their best case: JSC caches its hash, so a static Map hit is free).
const fresh =
  (runner: Runner): Runner =>
  (lookups) => {
    let sum = 0;
    for (const l of lookups) {
      FRESH[0]!.method = l.method;
      FRESH[0]!.path = latin1(l.bytes, 0, l.bytes.length);
      sum += runner(FRESH);
    }
    return sum;
  };
const FRESH: Lookup[] = [{ method: "", code: 0, path: "", bytes: new Uint8Array(0) }];

const ROUTERS: [string, Runner][] = [
  ["netsvc bytes", netsvcBytes],
  ["netsvc bytes+params", netsvcBytesParams],
  ["netsvc string", netsvcString],
  ["hono RegExpRouter", honoRegExp],
  ["find-my-way", findMyWay],
  ["hono, fresh string", fresh(honoRegExp)],
  ["find-my-way, fresh string", fresh(findMyWay)],
];
const PEERS = new Set(["hono RegExpRouter", "find-my-way"]);
const FRESH_PEERS = new Set(["hono, fresh string", "find-my-way, fresh string"]);

/** JS heap bytes allocated per lookup: heap capacity growth over 16000 lookups, best of 3. */
function heapBytesPerLookup(runner: Runner, lookups: Lookup[]): number {
  const iterations = Math.ceil(16000 / lookups.length);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 200; i++) do_not_optimize(runner(lookups));
    Bun.gc(true);
    const before = heapStats().heapCapacity;
    for (let i = 0; i < iterations; i++) do_not_optimize(runner(lookups));
    best = Math.min(best, (heapStats().heapCapacity - before) / (iterations * lookups.length));
  }
  return best;
}

/** Lookups per timed sample: long enough (~ms) to dwarf the clock, short enough to alternate often. */
const LOOKUPS_PER_SAMPLE = 20_000;

/** ns per lookup of one timed sample. */
function sample(runner: Runner, lookups: Lookup[]): number {
  const iterations = Math.ceil(LOOKUPS_PER_SAMPLE / lookups.length);
  let keep = 0;
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < iterations; i++) keep += runner(lookups);
  const t1 = Bun.nanoseconds();
  do_not_optimize(keep);
  return (t1 - t0) / (iterations * lookups.length);
}

// ── rounds: every router once per round, rotating who goes first; medians over rounds ───────
const SAMPLES_PER_ROUND = quick ? 5 : 20;
const samples = new Map<string, number[]>();
const key = (set: string, name: string) => `${set} | ${name}`;
for (const [set, raw] of Object.entries(SETS)) {
  const lookups = prepare(raw);
  for (const [, runner] of ROUTERS) for (let i = 0; i < 50; i++) runner(lookups); // warm up (JIT)
  for (let round = 0; round < ROUNDS * SAMPLES_PER_ROUND; round++) {
    for (let j = 0; j < ROUTERS.length; j++) {
      const [name, runner] = ROUTERS[(j + round) % ROUTERS.length]!;
      const list = samples.get(key(set, name)) ?? [];
      list.push(sample(runner, lookups));
      samples.set(key(set, name), list);
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const rows: string[][] = [["lookups", "router", "ns/lookup", "vs faster peer", "vs faster peer, fresh string", "heap B/lookup"]];
for (const [set, raw] of Object.entries(SETS)) {
  const lookups = prepare(raw);
  const ns = new Map(ROUTERS.map(([name]) => [name, median(samples.get(key(set, name))!)]));
  const fastestPeer = Math.min(...[...PEERS].map((p) => ns.get(p)!));
  const fastestFresh = Math.min(...[...FRESH_PEERS].map((p) => ns.get(p)!));
  for (const [name, runner] of ROUTERS) {
    const own = ns.get(name)!;
    const isPeer = PEERS.has(name) || FRESH_PEERS.has(name);
    rows.push([
      set,
      name,
      own.toFixed(1),
      isPeer ? (own === fastestPeer || own === fastestFresh ? "(faster peer)" : "") : (fastestPeer / own).toFixed(2) + "x",
      isPeer ? "" : (fastestFresh / own).toFixed(2) + "x",
      heapBytesPerLookup(runner, lookups).toFixed(1),
    ]);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => "| " + r.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
console.log(
  `router lookups, ${ROUNDS * SAMPLES_PER_ROUND} alternating samples of ${LOOKUPS_PER_SAMPLE} lookups, Bun ${Bun.version}, ${new Date().toISOString()}`,
);
console.log(line(rows[0]!));
console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
for (const r of rows.slice(1)) console.log(line(r));
