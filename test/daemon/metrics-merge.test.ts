import { expect, test } from "bun:test";
import { MetricsTotals, mergeMetricsPages } from "../../src/daemon/metrics-merge.ts";

const page = (requests: number, open: number, le1: number, count: number) =>
  [
    "# HELP x_requests_total Responses.",
    "# TYPE x_requests_total counter",
    `x_requests_total{method="GET",code="2xx"} ${requests}`,
    "# HELP x_open_connections Open connections.",
    "# TYPE x_open_connections gauge",
    `x_open_connections{state="idle"} ${open}`,
    "# HELP x_duration_seconds Durations.",
    "# TYPE x_duration_seconds histogram",
    `x_duration_seconds_bucket{le="1"} ${le1}`,
    `x_duration_seconds_bucket{le="+Inf"} ${count}`,
    `x_duration_seconds_count ${count}`,
    "",
  ].join("\n");

test("pages sum sample by sample: counters, gauges and histogram buckets; each header once, in order", () => {
  expect(mergeMetricsPages([page(3, 1, 2, 3), page(4, 2, 4, 5)])).toBe(page(7, 3, 6, 8));
});

test("a family or sample only one page has is kept; a value that is no number counts 0", () => {
  const a = '# HELP y_total Y.\n# TYPE y_total counter\ny_total{kind="a"} 1\n';
  const b = '# HELP y_total Y.\n# TYPE y_total counter\ny_total{kind="b"} 2\ny_total{kind="a"} NaN\n# HELP z Z.\n# TYPE z gauge\nz 5\n';
  expect(mergeMetricsPages([a, b])).toBe(
    '# HELP y_total Y.\n# TYPE y_total counter\ny_total{kind="a"} 1\ny_total{kind="b"} 2\n# HELP z Z.\n# TYPE z gauge\nz 5\n',
  );
});

test("workers gone count for their counters and histograms, not their gauges", () => {
  const retired = new MetricsTotals().add(page(10, 9, 10, 10), true);
  expect(mergeMetricsPages([page(1, 1, 1, 1)], retired)).toBe(page(11, 1, 11, 11));
  expect(mergeMetricsPages([], retired)).not.toContain("x_open_connections{");
});

test("a real page merges into itself doubled", async () => {
  const { HttpDaemon } = await import("../../src/index.ts");
  const d = new HttpDaemon(0);
  const one = d.metrics();
  const two = mergeMetricsPages([one, one]);
  expect(two.split("\n").length).toBe(one.split("\n").length);
  for (const line of one.split("\n").filter((l) => l && !l.startsWith("#"))) {
    const [key, value] = [line.slice(0, line.lastIndexOf(" ")), Number(line.slice(line.lastIndexOf(" ") + 1))];
    expect(two).toContain(`${key} ${value * 2}\n`);
  }
});
