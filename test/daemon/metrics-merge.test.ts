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

test("a real page with traffic merges into itself doubled", async () => {
  const { HttpDaemon } = await import("../../src/index.ts");
  const d = new HttpDaemon(0);
  d.start();
  for (const path of ["/", "/a", "/b"]) await (await fetch(`http://127.0.0.1:${d.port()}${path}`)).text();
  const one = d.metrics();
  await d.stop();
  const samples = one.split("\n").filter((l) => l && !l.startsWith("#"));
  expect(samples.some((l) => Number(l.slice(l.lastIndexOf(" ") + 1)) > 0)).toBe(true);
  const two = mergeMetricsPages([one, one]);
  expect(two.split("\n").length).toBe(one.split("\n").length);
  for (const line of samples) {
    const [key, value] = [line.slice(0, line.lastIndexOf(" ")), Number(line.slice(line.lastIndexOf(" ") + 1))];
    expect(two).toContain(`${key} ${value * 2}\n`);
  }
});

test("a HELP line without text still names its family", () => {
  const a = "# HELP bare\n# TYPE bare counter\nbare 1\n# HELP other O.\n# TYPE other counter\nother 2\n";
  expect(mergeMetricsPages([a, a])).toBe("# HELP bare\n# TYPE bare counter\nbare 2\n# HELP other O.\n# TYPE other counter\nother 4\n");
});

test("fractional sums add as numbers", () => {
  const h = (sum: number) => `# HELP d Durations.\n# TYPE d histogram\nd_sum ${sum}\nd_count 1\n`;
  expect(mergeMetricsPages([h(0.25), h(1.5)])).toBe(h(1.75).replace("d_count 1", "d_count 2"));
});
