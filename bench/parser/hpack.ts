/**
 * HPACK decoding micro benchmark: the browser's request (bench/corpora.ts, 703 bytes over
 * HTTP/1.1) as an HTTP/2 client sends it, decoded with a warm dynamic table (every request after
 * the first on a connection) and cold (the table emptied before each block), in ns per block of
 * this thread's CPU time and heap growth per block; beside it, in the same run:
 * - the same request's HTTP/1.1 head through our parseHead (what the request costs over HTTP/1);
 * - Python's hpack (Debian python3-h2) decoding the same blocks, timed inside Python: the only
 *   standalone HPACK decoder here. Not a fair peer (pure Python), printed for scale.
 * Node's http2 (and Bun's) has no standalone HPACK API: its decoder runs only inside a session,
 * so there is no fair in-process peer; the end-to-end comparison is h2load against Bun.serve.
 *
 *   bun bench/parser/hpack.ts [steadyMs]     (run under flock /tmp/netsvc-heavy.lock)
 */
import { heapStats } from "bun:jsc";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { PEERS } from "../../scripts/peers.ts";
import { HeaderBlock } from "../../src/parser/h2/header-block.ts";
import { HpackDecoder } from "../../src/parser/h2/hpack-decoder.ts";
import { parseHead, RequestHead } from "../../src/parser/index.ts";
import { BROWSER_REQUEST, toBytes } from "../corpora.ts";
import { browserRequestFields, encodeBlocks } from "./hpack-cases.ts";

const DEFAULT_STEADY_MS = 2000;
const WARMUP_MS = 1000;
/** Blocks per clock reading. */
const BATCH = 1024;
/** Blocks over which heap growth is measured: one 16 KiB heap block is 0.8 B/block. */
const HEAP_SAMPLE = 20_000;
/** Python iterations (its decoder is roughly a thousand times slower). */
const PYTHON_ITERATIONS = 20_000;
const NS_PER_US = 1000;
const NS_PER_MS = 1e6;

const steadyNs = Number(process.argv[2] ?? DEFAULT_STEADY_MS) * NS_PER_MS;

function threadCpuNs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) * NS_PER_US;
}

/** ns of thread CPU per call of `fn` over `ns` of steady running, and heap growth per call. */
function measure(fn: () => number): { nsPerCall: number; heapPerCall: number } {
  const run = (ns: number) => {
    let calls = 0;
    let sink = 0;
    const t0 = threadCpuNs();
    let t = t0;
    while (t - t0 < ns) {
      for (let i = 0; i < BATCH; i++) sink += fn();
      calls += BATCH;
      t = threadCpuNs();
    }
    if (sink === Number.MIN_SAFE_INTEGER) console.log(sink); // keeps the results alive
    return (t - t0) / calls;
  };
  run(WARMUP_MS * NS_PER_MS);
  const nsPerCall = run(steadyNs);
  let heapPerCall = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    Bun.gc(true);
    const before = heapStats().heapCapacity;
    for (let i = 0; i < HEAP_SAMPLE; i++) fn();
    heapPerCall = Math.min(heapPerCall, (heapStats().heapCapacity - before) / HEAP_SAMPLE);
  }
  return { nsPerCall, heapPerCall };
}

const fields = browserRequestFields();
const [cold, warm] = encodeBlocks(fields, 2) as [Uint8Array, Uint8Array];
/** §6.3 size updates 0 then 4096: the table emptied, so the block after it decodes cold. */
const EMPTY_TABLE = Uint8Array.of(0x20, 0x3f, 0xe1, 0x1f);

const decoder = new HpackDecoder();
const block = new HeaderBlock();
const decode = (data: Uint8Array) => {
  block.reset(false);
  if (decoder.decodeFragment(data, 0, data.length, block) !== 0 || decoder.endBlock(block) !== 0) throw new Error("decode failed");
  return block.count;
};
const decodeCold = () => {
  block.reset(false);
  decoder.decodeFragment(EMPTY_TABLE, 0, EMPTY_TABLE.length, block);
  decoder.decodeFragment(cold, 0, cold.length, block);
  decoder.endBlock(block);
  return block.count;
};
decode(cold);
const http1 = toBytes(BROWSER_REQUEST);
const head = new RequestHead();
const parseHttp1 = () => {
  head.reset();
  return parseHead(http1, 0, http1.length, head);
};

const rows: [string, string, number, number][] = [];
const warmOurs = measure(() => decode(warm));
rows.push(["netsvc HpackDecoder, warm table", `${warm.length} B block`, warmOurs.nsPerCall, warmOurs.heapPerCall]);
const coldOurs = measure(decodeCold);
rows.push(["netsvc HpackDecoder, cold table", `${cold.length} B block`, coldOurs.nsPerCall, coldOurs.heapPerCall]);
const h1 = measure(parseHttp1);
rows.push(["netsvc parseHead (HTTP/1.1)", `${http1.length} B head`, h1.nsPerCall, h1.heapPerCall]);

const PYTHON = `
import sys, time
from hpack import Decoder
cold, warm, n = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), int(sys.argv[3])
d = Decoder(); d.decode(cold)
t = time.process_time_ns()
for _ in range(n): d.decode(warm)
print((time.process_time_ns() - t) / n)
`;
const python = Bun.which("python3");
const hpackFile = PEERS["python3-hpack"].file;
if (python && existsSync(hpackFile)) {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const r = spawnSync(python, ["-c", PYTHON, hex(cold), hex(warm), String(PYTHON_ITERATIONS)], {
    env: { ...process.env, PYTHONPATH: dirname(dirname(hpackFile)) },
    encoding: "utf8",
  });
  if (r.status === 0) rows.push(["Python hpack 4 (pure Python), warm", `${warm.length} B block`, Number(r.stdout.trim()), Number.NaN]);
  else console.error(`python3 hpack failed: ${r.stderr}`);
} else {
  console.error("Python's hpack not installed (apt-get install python3-h2): its row is left out");
}

const base = warmOurs.nsPerCall;
console.log(`HPACK decoding, browser request (${fields.length} fields), ${steadyNs / NS_PER_MS} ms steady per row, thread CPU time`);
console.log(["case", "input", "ns/block", "vs warm ours", "heap B/block"].join(" | "));
for (const [name, input, ns, heap] of rows) {
  console.log([name, input, ns.toFixed(0), `${(ns / base).toFixed(2)}x`, Number.isNaN(heap) ? "n/a" : heap.toFixed(1)].join(" | "));
}
console.log("Node's http2 / Bun: no standalone HPACK decoder to call, so no fair in-process peer (compare end to end with h2load).");
