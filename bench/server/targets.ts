/**
 * The performance targets of issue 5, checked against one run of the server benchmark, as a
 * Markdown table: each target, the figure measured, and whether it was met.
 */

/** netsvc ÷ peer for a workload and mode (the benchmark's paired median), NaN when not measured. */
export type RatioOf = (workload: string, mode: "plain" | "pipelined", peer: string) => number;

/** One target: netsvc's ratio to `peer` must be at least `min`. */
interface RatioTarget {
  workload: string;
  mode: "plain" | "pipelined";
  peer: string;
  min: number;
}

const RATIO_TARGETS: RatioTarget[] = [
  { workload: "dynamic hello", mode: "plain", peer: "Bun.serve fetch", min: 1.0 },
  { workload: "dynamic hello", mode: "pipelined", peer: "Bun.serve fetch", min: 5 },
  { workload: "dynamic hello", mode: "plain", peer: "node:http", min: 2.5 },
  { workload: "dynamic hello", mode: "pipelined", peer: "node:http", min: 2.5 },
  { workload: "static 13 B", mode: "plain", peer: "Bun.serve routes", min: 0.9 },
  { workload: "static 13 B", mode: "pipelined", peer: "Bun.serve routes", min: 0.5 },
  { workload: "static 13 B", mode: "plain", peer: "Bun.serve Bun.file", min: 2 },
  { workload: "static 13 B", mode: "pipelined", peer: "Bun.serve Bun.file", min: 2 },
  { workload: "static 13 B", mode: "plain", peer: "nginx", min: 1.0 },
  { workload: "static 13 B", mode: "pipelined", peer: "nginx", min: 1.0 },
  { workload: "dynamic hello", mode: "plain", peer: "bare Bun.listen", min: 0.9 },
];

/**
 * Resident memory is flat when it grew by less than 10% (and less than 8 MiB) from the first
 * round to the last: millions of requests pass between them, so even a few bytes kept per
 * request would show as tens of MiB.
 */
function isFlat(rss: number[]): boolean {
  if (rss.length < 2) return false;
  const growth = rss[rss.length - 1]! - rss[0]!;
  return growth < 8 && growth < rss[0]! * 0.1;
}

/**
 * The targets table for one run: ratios from `ratioOf`, memory from the RSS series of our servers.
 * `ceilingOf` gives, for the dynamic targets, the bare Bun.listen responder's own ratio to the same
 * peer in the same rounds: what no HTTP server on Bun.listen can exceed on this machine.
 */
export function targetTable(ratioOf: RatioOf, ceilingOf: RatioOf, rss: Record<string, number[]>, ourServers: string[]): string[] {
  const lines = ["| target | measured | bare responder ÷ same peer | |", "|---|---:|---:|---|"];
  for (const t of RATIO_TARGETS) {
    const r = ratioOf(t.workload, t.mode, t.peer);
    const ceiling = t.workload === "dynamic hello" && t.peer !== "bare Bun.listen" ? ceilingOf(t.workload, t.mode, t.peer) : NaN;
    const verdict = Number.isNaN(r) ? "not measured" : r >= t.min ? "met" : "**not met**";
    lines.push(
      `| ${t.workload}: ≥ ${t.min}x ${t.peer}, ${t.mode} | ${r.toFixed(2)}x | ${Number.isNaN(ceiling) ? "—" : ceiling.toFixed(2) + "x"} | ${verdict} |`,
    );
  }
  for (const name of ourServers) {
    const series = rss[name] ?? [];
    lines.push(
      `| ${name}: resident memory flat across the run | ${series.map((m) => m.toFixed(1)).join(" → ")} MiB | — | ${isFlat(series) ? "met" : "**not met**"} |`,
    );
  }
  return lines;
}
