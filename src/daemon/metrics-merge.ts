/**
 * One metrics page for several processes (the binary's `--workers`, SPEC §14): the pages of the
 * workers (metrics-text.ts, the Prometheus text format) summed sample by sample — a counter,
 * a histogram's buckets, sum and count, and a gauge (open connections) alike add up across
 * processes serving one port. Pages of workers that are gone (replaced by a reload, or dead)
 * still count for their counters and histograms, so the totals never go down across a reload
 * (Prometheus would read a drop as a reset), but not for their gauges (their connections closed).
 */

/** A sample line's name and labels (`name{labels}`) → its value, in the order first seen. */
type Samples = Map<string, number>;

/** A metric family: its HELP and TYPE lines and its samples. */
interface MergedFamily {
  header: string[];
  type: string;
  samples: Samples;
}

/** What a metrics page is made of, family by family, in the page's order. */
export class MetricsTotals {
  private readonly families = new Map<string, MergedFamily>();

  /** Adds `page`'s samples (every family, or only counters and histograms with `countersOnly`). */
  add(page: string, countersOnly = false): this {
    let family: MergedFamily | null = null;
    for (const line of page.split("\n")) {
      if (line === "") continue;
      if (line.startsWith("# HELP ")) {
        const space = line.indexOf(" ", 7);
        const name = line.slice(7, space < 0 ? line.length : space);
        family = this.familyOf(name);
        if (family.header.length === 0) family.header.push(line);
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        const rest = line.slice(7);
        const space = rest.indexOf(" ");
        const name = space < 0 ? rest : rest.slice(0, space);
        family = this.familyOf(name);
        if (family.type === "") {
          family.type = rest.slice(name.length + 1);
          family.header.push(line);
        }
        continue;
      }
      if (line.startsWith("#") || family === null) continue;
      if (countersOnly && family.type === "gauge") continue;
      const space = line.lastIndexOf(" ");
      const value = Number(line.slice(space + 1));
      const key = line.slice(0, space);
      family.samples.set(key, (family.samples.get(key) ?? 0) + (Number.isFinite(value) ? value : 0));
    }
    return this;
  }

  /** The page: every family in the order first seen, each sample once with its total. */
  text(): string {
    const lines: string[] = [];
    for (const f of this.families.values()) {
      lines.push(...f.header);
      for (const [key, value] of f.samples) lines.push(`${key} ${value}`);
    }
    return `${lines.join("\n")}\n`;
  }

  private familyOf(name: string): MergedFamily {
    let f = this.families.get(name);
    if (f === undefined) this.families.set(name, (f = { header: [], type: "", samples: new Map() }));
    return f;
  }
}

/**
 * The workers' pages as one: `current`, the latest page of each running worker, and `retired`,
 * the counters of those gone (MetricsTotals with countersOnly).
 */
export function mergeMetricsPages(current: Iterable<string>, retired: MetricsTotals | null = null): string {
  const totals = new MetricsTotals();
  for (const page of current) totals.add(page);
  if (retired !== null) totals.add(retired.text(), true);
  return totals.text();
}
