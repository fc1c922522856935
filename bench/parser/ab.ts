/**
 * A/B of two copies of src/parser on one corpus, for deciding whether a change to the parser wins.
 *
 *   bun bench/parser/ab.ts <corpus> <dirA> <dirB> [depth] [processes]
 *
 * Each process loads both copies, warms both up (interleaved), then times them in alternating
 * 25 ms slices of thread CPU time, so a slow streak of the shared host hits both alike. The copy
 * loaded second comes out 4–10% faster in the same process (measured with two identical copies),
 * so processes alternate the load order and the verdict is the geometric mean over processes of
 * A's speed-up over B: above 1, A is faster. `dirA`/`dirB` are directories holding a parser
 * (e.g. `src/parser` and a copy of it from another commit); depth is requests per buffer (64).
 */
import { spawnSync } from "node:child_process";
import { caseBuffer, CORPORA, type CorpusKey } from "./cases.ts";

type Parser = typeof import("../../src/parser/index.ts");

const WARMUP_SLICES = 20;
const WARMUP_SLICE_NS = 40e6;
const TIMED_SLICES = 40;
const TIMED_SLICE_NS = 25e6;
/** Requests per clock reading (the clock costs ~1.5 µs). */
const REQUESTS_PER_READING = 512;

/** Parses every request in buf with one parser; returns how many. */
function parserLoop(parser: Parser, buf: Uint8Array): () => number {
  const head = new parser.RequestHead();
  const decoder = new parser.BodyDecoder();
  return () => {
    let p = 0;
    let n = 0;
    while (p < buf.length) {
      head.reset();
      const r = parser.parseHead(buf, p, buf.length, head);
      if (r < 0) throw new Error(`parse error ${r} at ${p}`);
      p = r;
      if (head.chunked || head.contentLength > 0) {
        decoder.start(head.contentLength, head.chunked);
        while (!decoder.done) p = decoder.decode(buf, p, buf.length);
      }
      n++;
    }
    return n;
  };
}

const threadCpuNs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) * 1000;
};

/** Runs `parse` for at least `ns` of thread CPU time; returns nanoseconds per request. */
function slice(parse: () => number, callsPerReading: number, ns: number): number {
  let requests = 0;
  const t0 = threadCpuNs();
  let t = t0;
  while (t - t0 < ns) {
    for (let i = 0; i < callsPerReading; i++) requests += parse();
    t = threadCpuNs();
  }
  return (t - t0) / requests;
}

/** One process: prints "<ns per request of first> <ns per request of second>". */
async function child(corpus: CorpusKey, first: string, second: string, depth: number): Promise<void> {
  const a = (await import(`${first}/index.ts`)) as Parser;
  const b = (await import(`${second}/index.ts`)) as Parser;
  const buf = caseBuffer(corpus, depth);
  const [pa, pb] = [parserLoop(a, buf), parserLoop(b, buf)];
  const calls = Math.max(1, Math.round(REQUESTS_PER_READING / depth));
  for (let i = 0; i < WARMUP_SLICES; i++) {
    slice(pa, calls, WARMUP_SLICE_NS);
    slice(pb, calls, WARMUP_SLICE_NS);
  }
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < TIMED_SLICES; i++) {
    // Alternate which goes first within the pair of slices, too.
    if (i % 2 === 0) {
      sumA += slice(pa, calls, TIMED_SLICE_NS);
      sumB += slice(pb, calls, TIMED_SLICE_NS);
    } else {
      sumB += slice(pb, calls, TIMED_SLICE_NS);
      sumA += slice(pa, calls, TIMED_SLICE_NS);
    }
  }
  console.log(`${sumA / TIMED_SLICES} ${sumB / TIMED_SLICES}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    await child(args[1] as CorpusKey, args[2]!, args[3]!, Number(args[4]));
    return;
  }
  const [corpus, dirA, dirB, depthArg, processesArg] = args;
  if (!corpus || !(corpus in CORPORA) || !dirA || !dirB) {
    console.error(`usage: ab.ts <${Object.keys(CORPORA).join("|")}> <dirA> <dirB> [depth] [processes]`);
    process.exit(2);
  }
  const depth = Number(depthArg ?? 64);
  const processes = Number(processesArg ?? 6);
  const [absA, absB] = [dirA, dirB].map((d) => (d.startsWith("/") ? d : `${process.cwd()}/${d}`));
  let logSum = 0;
  for (let i = 0; i < processes; i++) {
    const aFirst = i % 2 === 0;
    const order = aFirst ? [absA, absB] : [absB, absA];
    const run = spawnSync(process.execPath, [import.meta.path, "--child", corpus, order[0]!, order[1]!, String(depth)], {
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`child failed: ${run.stderr}`);
    const [first, second] = run.stdout.trim().split(" ").map(Number) as [number, number];
    const [nsA, nsB] = aFirst ? [first, second] : [second, first];
    logSum += Math.log(nsB / nsA);
    console.log(
      `process ${i + 1} (${aFirst ? "A" : "B"} loaded first): A ${nsA.toFixed(1)} ns/req, B ${nsB.toFixed(1)} ns/req, A ÷ B speed ${(nsB / nsA).toFixed(3)}`,
    );
  }
  console.log(
    `${corpus} depth ${depth}: A is ${Math.exp(logSum / processes).toFixed(3)}x B's speed (geometric mean over ${processes} processes, load order alternated)`,
  );
}

await main();
