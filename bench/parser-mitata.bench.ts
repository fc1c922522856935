/**
 * Parser benchmark, secondary in-process view (the headline is bench/parser.bench.ts, one fresh
 * process per parser and round): our parser, llhttp (Node's binding, shipped inside Bun as
 * `require("_http_common").HTTPParser`) and http-parser-js, side by side in one Bun process, on
 * four corpora, each fed once and as 64 pipelined requests. Prints requests/s, bytes/s, the ratio
 * to llhttp, and the JS heap bytes each parser allocates per request.
 *
 *   npm run bench:parser:mitata     (or: bun run bench/parser-mitata.bench.ts [--quick] [--rounds N])
 *
 * In one shared process, with mitata's forced collections and averages, llhttp's binding measures
 * about 2-3x slower than in a steady loop of its own, so the ratios here overstate ours.
 *
 * Every function parses heads and bodies (the chunked corpus is decoded in full by all three) and
 * returns the number of requests it saw, so nothing is optimised away. Each parser is used the way
 * its own API offers: llhttp and http-parser-js hand strings to callbacks; ours yields offsets.
 */
import { do_not_optimize, bench, run } from "mitata";
import { heapStats } from "bun:jsc";
import { AB_REQUEST, BROWSER_REQUEST, CHUNKED_POST, WRK_REQUEST, toBytes } from "./corpora.ts";
import { makeParser, type Parse } from "./parser/parsers.ts";

const quick = process.argv.includes("--quick");

// The same adapters as the fair method's workers (bench/parser/parsers.ts), all in this process.
const ours = await makeParser("netsvc");
const routed = await makeParser("netsvc+route");
const llhttp = await makeParser("llhttp");
const hpjs = await makeParser("http-parser-js");

// ── corpora ─────────────────────────────────────────────────────────────────────────────
const CORPORA: [string, string][] = [
  ["browser 703 B", BROWSER_REQUEST],
  ["chunked POST 520 B", CHUNKED_POST],
  ["ab -k 1.0", AB_REQUEST],
  ["wrk minimal", WRK_REQUEST],
];
const PARSERS: [string, Parse][] = [
  ["netsvc", ours],
  ["llhttp", llhttp],
  ["http-parser-js", hpjs],
];

interface Case {
  corpus: string;
  pipelined: number;
  buf: Buffer;
}
const cases: Case[] = [];
for (const [corpus, text] of CORPORA) {
  for (const pipelined of [1, 64]) cases.push({ corpus, pipelined, buf: Buffer.from(toBytes(text.repeat(pipelined))) });
}

// Every parser must agree on the request count before anything is timed.
for (const c of cases) {
  for (const [name, parse] of PARSERS) {
    const n = parse(c.buf);
    if (n !== c.pipelined) throw new Error(`${name} saw ${n} requests in ${c.corpus} ×${c.pipelined}`);
  }
}

/** JS heap bytes allocated per request: growth of heap capacity over enough requests to see it. */
function heapBytesPerRequest(parse: Parse, c: Case): number {
  // 16000 requests: one 16 KiB heap block more is 1 B/req, below the smallest cell (16 B).
  const iterations = Math.max(1, Math.floor(16000 / c.pipelined));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 200; i++) do_not_optimize(parse(c.buf));
    Bun.gc(true);
    const before = heapStats().heapCapacity;
    for (let i = 0; i < iterations; i++) do_not_optimize(parse(c.buf));
    const after = heapStats().heapCapacity;
    best = Math.min(best, (after - before) / (iterations * c.pipelined));
  }
  return best;
}

// Rounds: in each, every case runs its three parsers back to back (rotating who goes first), so
// each ratio compares measurements taken moments apart; the table shows medians over rounds.
const ROUNDS = quick ? 1 : Number(process.argv[process.argv.indexOf("--rounds") + 1] ?? 0) || 3;
const measured = cases.filter((c) => !quick || c.pipelined === 64);
const samples = new Map<string, { ns: number[]; ratio: number[] }>();
const key = (name: string, c: Case) => `${name} | ${c.corpus} | x${c.pipelined}`;
for (let round = 0; round < ROUNDS; round++) {
  for (const c of measured) {
    const order = PARSERS.map((_, i) => PARSERS[(i + round) % PARSERS.length]!);
    for (const [name, parse] of order) {
      const buf = c.buf;
      bench(key(name, c), () => do_not_optimize(parse(buf)));
    }
    const { benchmarks } = await run({ format: "quiet", throw: true });
    const ns = new Map<string, number>();
    for (const b of benchmarks) {
      const r = b.runs[0];
      if (r?.stats) ns.set(r.name, r.stats.avg);
    }
    for (const [name] of PARSERS) {
      const own = ns.get(key(name, c))!;
      const entry = samples.get(key(name, c)) ?? { ns: [], ratio: [] };
      entry.ns.push(own);
      entry.ratio.push(ns.get(key("llhttp", c))! / own);
      samples.set(key(name, c), entry);
    }
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const rows: string[][] = [["corpus", "fed", "parser", "requests/s", "MB/s", "vs llhttp", "heap B/req"]];
for (const c of measured) {
  for (const [name, parse] of PARSERS) {
    const entry = samples.get(key(name, c))!;
    const ns = median(entry.ns);
    rows.push([
      c.corpus,
      c.pipelined === 1 ? "once" : "64 pipelined",
      name,
      Math.round((c.pipelined * 1e9) / ns).toLocaleString("en-US"),
      ((c.buf.length * 1e9) / ns / 1e6).toFixed(0),
      median(entry.ratio).toFixed(2) + "x",
      heapBytesPerRequest(parse, c).toFixed(1),
    ]);
  }
}

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(`parser benchmark, ${new Date().toISOString().slice(0, 10)}, Bun ${Bun.version}, ${process.arch}, median of ${ROUNDS} rounds`);
for (const [i, r] of rows.entries()) {
  console.log("| " + r.map((cell, j) => (j >= 3 ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!))).join(" | ") + " |");
  if (i === 0) console.log("|" + widths.map((w, j) => (j >= 3 ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|") + "|");
}
const browser64 = cases.find((c) => c.corpus === "browser 703 B" && c.pipelined === 64)!;
console.log(`parse + route (PrefixTrie.lookupBytes), browser request x64: ${heapBytesPerRequest(routed, browser64).toFixed(1)} heap B/req`);
console.log(
  "heap B/req: growth of the JS heap's capacity (bun:jsc heapStats) per parsed request, best of 3;" +
    " 0 means no heap object was allocated (the smallest JS cell is 16 B).",
);
