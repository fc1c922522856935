/**
 * The functions a `bun --cpu-prof` profile (Chrome .cpuprofile JSON) spent its samples in, by
 * self time: `bun bench/ws/profile-top.ts FILE.cpuprofile [N]` prints the top N (default 25) as
 * a Markdown table (share of all samples, function, file:line), then the same grouped by file.
 * Used to say where netsvc's WebSocket time goes when it misses a goal (issue 23).
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
}

/** The Markdown lines of `file`'s top `n` functions by self time, then its top files. */
export function profileTop(file: string, n = 25): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const hits = new Map<number, number>();
  if (profile.samples) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  const total = [...hits.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const short = (url: string) => url.replace(/^.*\/(src|bench|node_modules)\//, "$1/") || "(native)";
  for (const node of profile.nodes) {
    const h = hits.get(node.id) ?? 0;
    if (h === 0) continue;
    const f = node.callFrame;
    const key = `${f.functionName || "(anonymous)"} | ${short(f.url)}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + h);
    byFile.set(short(f.url), (byFile.get(short(f.url)) ?? 0) + h);
  }
  const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
  const pct = (h: number) => `${((h / total) * 100).toFixed(1)}%`;
  const lines = [`${total} samples`, "", "| self | function | where |", "|---:|---|---|"];
  for (const [k, h] of top(byFunction, n)) {
    const [fn, where] = k.split(" | ");
    lines.push(`| ${pct(h)} | ${fn} | ${where} |`);
  }
  lines.push("", "| self | file |", "|---:|---|");
  for (const [k, h] of top(byFile, 15)) lines.push(`| ${pct(h)} | ${k} |`);
  return lines;
}

if (import.meta.main) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    console.error("usage: bun bench/ws/profile-top.ts FILE.cpuprofile [N]");
    process.exit(2);
  }
  console.log(profileTop(file, Number(n ?? 25)).join("\n"));
}
