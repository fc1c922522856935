/**
 * Parser benchmark, the fair method: every measurement is a fresh Bun process running one parser
 * on one case (bench/parser/worker.ts: warm-up, then a steady loop for a fixed time; rates are per
 * second of the main thread's CPU time, so time the process spent descheduled on the shared
 * machine does not count). Processes run
 * one at a time, the parsers of a case back to back in an order that rotates every round, over
 * several rounds, every one pinned to the same CPU (`taskset`): the two virtual CPUs of the
 * shared host slow down independently (measured: one ran the minimal request at 17 M req/s while
 * the other ran it at 30 M, for both parsers), and an unpinned pair could split across them.
 * Printed: median requests/s and GB/s per parser, and the median over rounds of the *paired*
 * ratio netsvc ÷ llhttp (both measured moments apart in the same round), so a round in which the
 * shared machine ran slow cancels out.
 *
 *   npm run bench:parser                       5 rounds, 1000 ms warm-up, 2000 ms steady
 *   npm run bench:parser:quick                 smoke: 1 round, short loops
 *   bun bench/parser.bench.ts [--rounds N] [--warmup ms] [--steady ms] [--corpora browser,chunked,minimal,ab]
 *                             [--depths 1,64] [--parsers netsvc,llhttp,http-parser-js,netsvc+route]
 *                             [--baseline DIR] [--json FILE] [--cpu N|none]   (default: CPU 0)
 *
 * `--baseline DIR` adds our parser loaded from another copy of src/parser (e.g. a `git worktree`
 * of the previous commit) and prints netsvc ÷ baseline, paired per round: the A/B used for every
 * speed change in bench/results/parser.md.
 *
 * The in-process mitata view (all parsers in one process) is bench/parser-mitata.bench.ts; it
 * understates llhttp several-fold (see bench/results/parser.md), so its ratios are not headlines.
 */
import { resolve } from "node:path";
import { CORPORA, PIPELINE_DEPTH, type CorpusKey } from "./parser/cases.ts";
import { PARSER_NAMES, type ParserName } from "./parser/parsers.ts";

/** The figures the issue-14 targets are checked against. */
const TARGETS: { corpus: CorpusKey; ratio: number; gbPerSec?: number }[] = [
  { corpus: "browser", ratio: 4, gbPerSec: 2 },
  { corpus: "chunked", ratio: 4 },
  { corpus: "minimal", ratio: 10 },
];
const PEER = "llhttp";
const BYTES_PER_GB = 1e9;

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
function option(name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}
const rounds = Number(option("--rounds", quick ? "1" : "5"));
const warmupMs = Number(option("--warmup", quick ? "500" : "1000"));
const steadyMs = Number(option("--steady", quick ? "500" : "2000"));
const corpora = option("--corpora", "browser,chunked,minimal").split(",") as CorpusKey[];
const depths = option("--depths", `1,${PIPELINE_DEPTH}`).split(",").map(Number);
const baseline = argv.includes("--baseline") ? resolve(option("--baseline", "")) : undefined;
// An A/B (--baseline) compares two versions of ours; llhttp joins it only when asked for.
const parsers = option("--parsers", baseline ? "netsvc" : "netsvc,llhttp").split(",") as ParserName[];
if (!baseline && !parsers.includes(PEER)) parsers.push(PEER);
if (baseline && !parsers.includes("baseline")) parsers.push("baseline");
const withPeer = parsers.includes(PEER);
const jsonFile = argv.includes("--json") ? option("--json", "") : undefined;
const cpuOption = option("--cpu", "0");
/** The command prefix that pins a worker to the chosen CPU (none without taskset or with --cpu none). */
const pin = cpuOption !== "none" && Bun.which("taskset") ? ["taskset", "-c", cpuOption] : [];
for (const p of parsers) if (!PARSER_NAMES.includes(p)) throw new Error(`unknown parser ${p}`);
for (const c of corpora) if (!(c in CORPORA)) throw new Error(`unknown corpus ${c}`);

interface Sample {
  reqPerSec: number;
  bytesPerSec: number;
  heapBytesPerReq: number;
}
const worker = resolve(import.meta.dir, "parser/worker.ts");

/** Runs one worker to completion and returns its figures. */
async function measure(parser: ParserName, corpus: CorpusKey, depth: number): Promise<Sample> {
  const args = [worker, parser, corpus, String(depth), String(warmupMs), String(steadyMs)];
  if (parser === "baseline") args.push(baseline!);
  const proc = Bun.spawn([...pin, process.execPath, ...args], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`worker ${parser} ${corpus} ×${depth} failed`);
  return JSON.parse(out) as Sample;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const cases = corpora.flatMap((corpus) => depths.map((depth) => ({ corpus, depth })));
const key = (parser: string, corpus: string, depth: number) => `${parser}|${corpus}|${depth}`;
const samples = new Map<string, Sample[]>();
const started = Date.now();
for (let round = 0; round < rounds; round++) {
  for (const [ci, { corpus, depth }] of cases.entries()) {
    // Rotate who goes first, by round and by case, so no parser always follows another.
    const order = parsers.map((_, i) => parsers[(i + round + ci) % parsers.length]!);
    for (const parser of order) {
      const k = key(parser, corpus, depth);
      samples.set(k, [...(samples.get(k) ?? []), await measure(parser, corpus, depth)]);
    }
  }
  process.stderr.write(`round ${round + 1}/${rounds} done (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}

/** Median over rounds of a ÷ b, each pair taken from the same round. */
function pairedRatio(a: string, b: string, corpus: CorpusKey, depth: number): number[] {
  const xs = samples.get(key(a, corpus, depth))!;
  const ys = samples.get(key(b, corpus, depth))!;
  return xs.map((x, i) => x.reqPerSec / ys[i]!.reqPerSec);
}

const header = ["corpus", "fed", "parser", "requests/s", "GB/s", "vs llhttp", "ratio range", "heap B/req"];
if (baseline) header.push("vs baseline");
const rows: string[][] = [header];
const results: Record<string, unknown>[] = [];
for (const { corpus, depth } of cases) {
  for (const parser of parsers) {
    const xs = samples.get(key(parser, corpus, depth))!;
    const ratios = withPeer ? pairedRatio(parser, PEER, corpus, depth) : [NaN];
    const row = {
      corpus,
      depth,
      parser,
      reqPerSec: median(xs.map((x) => x.reqPerSec)),
      gbPerSec: median(xs.map((x) => x.bytesPerSec)) / BYTES_PER_GB,
      vsLlhttp: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      heapBytesPerReq: Math.max(...xs.map((x) => x.heapBytesPerReq)),
      vsBaseline: baseline ? median(pairedRatio(parser, "baseline", corpus, depth)) : undefined,
    };
    results.push(row);
    const cells = [
      CORPORA[corpus][0],
      depth === 1 ? "once" : `${depth} pipelined`,
      parser,
      Math.round(row.reqPerSec).toLocaleString("en-US"),
      row.gbPerSec.toFixed(2),
      withPeer ? row.vsLlhttp.toFixed(2) + "x" : "—",
      withPeer ? `${row.ratioMin.toFixed(2)}–${row.ratioMax.toFixed(2)}` : "—",
      row.heapBytesPerReq.toFixed(1),
    ];
    if (baseline) cells.push(row.vsBaseline!.toFixed(3) + "x");
    rows.push(cells);
  }
}

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(
  `parser benchmark (fair method), ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, Bun ${Bun.version}, ${process.arch}; ` +
    `each figure a fresh process${pin.length ? ` on CPU ${cpuOption}` : " (not pinned)"}: ${warmupMs} ms warm-up + ${steadyMs} ms steady loop (thread CPU time); medians of ${rounds} alternating round(s)`,
);
for (const [i, r] of rows.entries()) {
  console.log("| " + r.map((cell, j) => (j >= 3 ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!))).join(" | ") + " |");
  if (i === 0) console.log("|" + widths.map((w, j) => (j >= 3 ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|") + "|");
}
console.log(
  "vs llhttp: median over rounds of the paired ratio (netsvc ÷ llhttp in the same round); ratio range: min–max of those pairs." +
    " heap B/req: JS heap capacity growth per request after the loop (worst round); under 16 B means no object per request.",
);

// The issue-14 targets, on the pipelined and the once feeds alike.
if (parsers.includes("netsvc") && withPeer) {
  for (const t of TARGETS) {
    if (!corpora.includes(t.corpus)) continue;
    for (const depth of depths) {
      const r = results.find((x) => x.parser === "netsvc" && x.corpus === t.corpus && x.depth === depth)!;
      const ratio = r.vsLlhttp as number;
      const gb = r.gbPerSec as number;
      let line = `target ${CORPORA[t.corpus][0]} ${depth === 1 ? "once" : "pipelined"}: ${ratio.toFixed(2)}x llhttp (≥ ${t.ratio}x: ${ratio >= t.ratio ? "met" : "NOT met"})`;
      if (t.gbPerSec) line += `, ${gb.toFixed(2)} GB/s (≥ ${t.gbPerSec}: ${gb >= t.gbPerSec ? "met" : "NOT met"})`;
      console.log(line);
    }
  }
}
if (jsonFile)
  await Bun.write(
    jsonFile,
    JSON.stringify({ date: new Date().toISOString(), bun: Bun.version, rounds, warmupMs, steadyMs, results }, null, 2) + "\n",
  );
