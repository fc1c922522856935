/**
 * One parser, one case, in a process of its own: warm up, then run a steady loop for a fixed
 * amount of the main thread's CPU time and print one JSON line {parser, corpus, depth, requests,
 * seconds, reqPerSec, bytesPerSec, wallReqPerSec, heapBytesPerReq}.
 *
 * Rates are per second of the main thread's own CPU time (`process.threadCpuUsage()`), not wall
 * time: on a machine shared with other work, a process descheduled for 30% of a wall-clock window
 * would otherwise look 30% slower. Work a parser causes on other threads (a concurrent collector
 * marking the strings llhttp's callbacks allocate) is not counted, which favours the allocating
 * peer, never ours. `wallReqPerSec` is kept for comparison. The driver (bench/parser.bench.ts) starts a fresh worker for every
 * measurement, so no parser's JIT profile, heap or collections colour another's figure.
 *
 *   bun bench/parser/worker.ts <parser> <corpus> <depth> [warmupMs] [steadyMs] [baselineDir]
 *
 * Defaults: 1000 ms warm-up (on the shared machine JSC needs about that to reach its top tier on
 * the long corpora: 150 ms left the chunked POST at a third of its speed), 2000 ms steady loop,
 * both in CPU time. The clock is read once per batch of about a millisecond of work, so the loop
 * is the parser alone.
 */
import { heapStats } from "bun:jsc";
import { caseBuffer, CORPORA, type CorpusKey } from "./cases.ts";
import { makeParser, PARSER_NAMES, type ParserName } from "./parsers.ts";

const DEFAULT_WARMUP_MS = 1000;
const DEFAULT_STEADY_MS = 2000;
/** Requests per clock reading: enough that reading the clock is noise, few enough to stop on time. */
const REQUESTS_PER_BATCH = 2048;
/** Requests over which heap growth is measured: one 16 KiB heap block more is 1 B/req. */
const HEAP_SAMPLE_REQUESTS = 16000;
const NS_PER_MS = 1e6;

const [name, corpus, depthArg, warmupArg, steadyArg, baselineDir] = process.argv.slice(2);
if (!PARSER_NAMES.includes(name as ParserName) || !(corpus! in CORPORA)) {
  console.error(`usage: worker.ts <${PARSER_NAMES.join("|")}> <${Object.keys(CORPORA).join("|")}> <depth> [warmupMs] [steadyMs]`);
  process.exit(2);
}
const depth = Number(depthArg);
const warmupNs = Number(warmupArg ?? DEFAULT_WARMUP_MS) * NS_PER_MS;
const steadyNs = Number(steadyArg ?? DEFAULT_STEADY_MS) * NS_PER_MS;
const parse = await makeParser(name as ParserName, baselineDir);
const buf = caseBuffer(corpus as CorpusKey, depth);
const callsPerBatch = Math.max(1, Math.round(REQUESTS_PER_BATCH / depth));

if (parse(buf) !== depth) throw new Error(`${name} did not see ${depth} requests in ${corpus}`);

const NS_PER_US = 1000;
/** CPU time of this (the main) thread, in nanoseconds. */
function threadCpuNs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) * NS_PER_US;
}

/** Runs batches for at least `ns` of thread CPU time; returns [requests, CPU ns, wall ns]. */
function loop(ns: number): [number, number, number] {
  let requests = 0;
  const wall0 = Bun.nanoseconds();
  const t0 = threadCpuNs();
  let t = t0;
  while (t - t0 < ns) {
    for (let i = 0; i < callsPerBatch; i++) requests += parse(buf);
    t = threadCpuNs();
  }
  return [requests, t - t0, Bun.nanoseconds() - wall0];
}

loop(warmupNs);
const [requests, elapsed, wallElapsed] = loop(steadyNs);

// Heap growth per request, measured after the timed loop so it cannot disturb it; best of 3.
let heapBytesPerReq = Infinity;
for (let round = 0; round < 3; round++) {
  Bun.gc(true);
  const before = heapStats().heapCapacity;
  let n = 0;
  while (n < HEAP_SAMPLE_REQUESTS) n += parse(buf);
  heapBytesPerReq = Math.min(heapBytesPerReq, (heapStats().heapCapacity - before) / n);
}

const seconds = elapsed / 1e9;
console.log(
  JSON.stringify({
    parser: name,
    corpus,
    depth,
    requests,
    seconds,
    reqPerSec: requests / seconds,
    bytesPerSec: ((requests / depth) * buf.length) / seconds,
    wallReqPerSec: requests / (wallElapsed / 1e9),
    heapBytesPerReq,
  }),
);
