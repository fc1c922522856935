/** Tables (one per server, and side by side) and the Markdown/JSON written to bench/results/. */
import type { ProbeRecord, ServerRecord } from "./harness.ts";
import type { FuzzData } from "./probes/fuzz.ts";

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "—");

function verdict(r: ProbeRecord): string {
  if (!r.alive) return "**no: server gone**";
  const judged = r.goals.filter((g) => g.met !== null);
  const missed = judged.filter((g) => !g.met);
  return missed.length === 0 ? "yes" : `**no**: ${missed.map((g) => g.goal.split(":")[0]).join("; ")}`;
}

function row(r: ProbeRecord, server?: string): string {
  const n = r.normal;
  const cells = [
    r.probe,
    ...(server ? [server] : []),
    `${fmt(n.p50Ms)} / ${fmt(n.p99Ms)} / ${fmt(n.maxMs)}${n.failed ? ` (${n.failed} failed)` : ""}`,
    `${fmt(r.before.rssMiB)} / ${fmt(r.peak.rssMiB)} / ${fmt(r.after.rssMiB)}`,
    `${r.before.fds} / ${r.peak.fds} / ${r.after.fds}`,
    `${r.cpuPercent}`,
    verdict(r),
  ];
  return `| ${cells.join(" | ")} |`;
}

const HEAD = "| normal client p50 / p99 / max (ms) | RSS before / peak / after (MiB) | fds before / peak / after | CPU % | goal met? |";

/** One table for one server, then each probe's own figures and goals. */
export function serverTable(rec: ServerRecord): string[] {
  const lines = [`### ${rec.server}`, "", `| probe ${HEAD}`, "|---|---|---|---|---:|---|"];
  for (const r of rec.probes) lines.push(row(r));
  lines.push("");
  for (const r of rec.probes) {
    lines.push(
      `- **${r.probe}** (${r.description}): ${Object.entries(r.notes)
        .map(([k, v]) => `${k} ${v}`)
        .join("; ")}`,
    );
    for (const g of r.goals) lines.push(`  - ${g.met === null ? "n/a" : g.met ? "met" : "**not met**"} — ${g.goal}: ${g.measured}`);
  }
  return lines;
}

/** The side-by-side summary: every probe, each server on its own line. */
export function summaryTable(recs: ServerRecord[]): string[] {
  const lines = [`| probe | server ${HEAD}`, "|---|---|---|---|---|---:|---|"];
  const names = [...new Set(recs.flatMap((r) => r.probes.map((p) => p.probe)))];
  for (const name of names)
    for (const rec of recs) {
      const r = rec.probes.find((p) => p.probe === name);
      if (r) lines.push(row(r, rec.server));
    }
  return lines;
}

/** Scenarios (servers of their own: no normal client or /proc figures), each server on its own line. */
export function scenarioTable(recs: ServerRecord[]): string[] {
  const names = [...new Set(recs.flatMap((r) => r.scenarios.map((s) => s.scenario)))];
  if (names.length === 0) return [];
  const lines = ["| scenario | server | figures | goal met? |", "|---|---|---|---|"];
  for (const name of names)
    for (const rec of recs) {
      const s = rec.scenarios.find((x) => x.scenario === name);
      if (!s) continue;
      const missed = s.goals.filter((g) => g.met === false);
      const met = missed.length === 0 ? "yes" : `**no**: ${missed.map((g) => g.goal.split(":")[0]).join("; ")}`;
      const figures = Object.entries(s.notes)
        .map(([k, v]) => `${k} ${v}`)
        .join("; ");
      lines.push(`| ${name} | ${rec.server} | ${figures} | ${met} |`);
    }
  lines.push("");
  for (const name of names) {
    const any = recs.flatMap((r) => r.scenarios).find((x) => x.scenario === name);
    lines.push(`- **${name}**: ${any?.description ?? ""}`);
    for (const rec of recs)
      for (const g of rec.scenarios.find((x) => x.scenario === name)?.goals ?? [])
        lines.push(`  - ${rec.server}: ${g.met === null ? "n/a" : g.met ? "met" : "**not met**"} — ${g.goal}: ${g.measured}`);
  }
  return lines;
}

/** Fuzz findings counted by kind, per server (the inputs are in stress-fuzz-findings.json). */
export function findingsSummary(recs: ServerRecord[]): string[] {
  const lines: string[] = [];
  for (const rec of recs) {
    const f = rec.probes.find((p) => p.probe === "mutation fuzz")?.data as FuzzData | undefined;
    if (!f) continue;
    const kinds = new Map<string, number>();
    for (const x of f.findings) kinds.set(x.kind, (kinds.get(x.kind) ?? 0) + 1);
    lines.push(`- ${rec.server}: ${f.findings.length === 0 ? "none" : [...kinds].map(([k, n]) => `${n} × ${k}`).join("; ")}`);
  }
  return lines;
}

/** The whole Markdown page. */
export function markdown(recs: ServerRecord[], meta: { date: string; command: string; load: string; settings: string }): string {
  return [
    "# Stress run (issue 9)",
    "",
    `${meta.date} — \`${meta.command}\` — load average before the run: ${meta.load}`,
    "",
    "Each probe starts the server fresh; the normal client sends a keep-alive GET of the 13-byte file",
    "every 20 ms during the attack. RSS/fds/CPU come from /proc of the server (nginx: its one worker).",
    '"After" is read once fds are within 2 and RSS within max(25%, 8 MiB) of the baseline, or at the recovery limit.',
    "Goals: normal client p99 ≤ 100 ms with no failure; RSS and fds back; no abandoned poll noticed",
    "more than 1 s after its client closed; ≤ 2 KB per idle connection with 10,000 held; keep-alive",
    "clients past the limit: the normal client (a new connection per request) ≥ 99% answered within 100 ms;",
    "< 1 KB of error log per 1,000 bad requests; fuzz: no crash, no hang.",
    "",
    "## Side by side",
    "",
    ...summaryTable(recs),
    "",
    "## Per server",
    "",
    ...recs.flatMap((r) => [...serverTable(r), ""]),
    "## Scenarios",
    "",
    "Each starts its own servers (a master and its workers) instead of the probes' fresh target.",
    "",
    ...scenarioTable(recs),
    "",
    "## Fuzz findings",
    "",
    ...findingsSummary(recs),
    "",
    "## Settings",
    "",
    "```json",
    meta.settings,
    "```",
    "",
  ].join("\n");
}
