/**
 * The 1 GiB download over HTTP/2 beside HTTP/1.1 (issue 22): one file fetched by curl to
 * /dev/null over one connection (HTTP/2: one stream), from the same netsvc process over both
 * protocols, the order alternating by round; bytes/s medians and HTTP/2 ÷ HTTP/1.1 as the median
 * of per-round ratios. curl runs on CPU 1 (large-download.ts), the server on CPU 0.
 */
import { curl } from "./large-download.ts";
import { median } from "./measure.ts";

/** Where the file is served: a cleartext port (h2c by prior knowledge) or a TLS one (h2 by ALPN). */
export interface DownloadServer {
  tls: boolean;
  port: number;
}

type Protocol = "HTTP/2" | "HTTP/1.1";
const PROTOCOLS: readonly Protocol[] = ["HTTP/2", "HTTP/1.1"];

/** One protocol's downloads over one transport. */
export interface DownloadRow {
  tls: boolean;
  protocol: Protocol;
  bytesPerSecond: number[];
  /** Downloads that ended short of the file's size. */
  short: number;
}

/** The goal of issue 22: HTTP/2 ÷ HTTP/1.1 from netsvc ≥ this. */
export const DOWNLOAD_MIN = 0.8;

/** curl's flags for each protocol: h2c by prior knowledge on cleartext, ALPN over TLS. */
const curlFlags = (tls: boolean, protocol: Protocol) =>
  protocol === "HTTP/1.1" ? ["--http1.1"] : tls ? ["--http2"] : ["--http2-prior-knowledge"];

/** `rounds` downloads of `path` (`size` bytes) per protocol from each of `servers`. */
export async function h2Downloads(
  servers: DownloadServer[],
  path: string,
  size: number,
  rounds: number,
  log: (line: string) => void,
): Promise<DownloadRow[]> {
  const rows: DownloadRow[] = [];
  for (const s of servers) {
    const url = `${s.tls ? "https" : "http"}://127.0.0.1:${s.port}${path}`;
    const mine: DownloadRow[] = PROTOCOLS.map((protocol) => ({ tls: s.tls, protocol, bytesPerSecond: [], short: 0 }));
    rows.push(...mine);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < mine.length; i++) {
        const row = mine[(i + round) % mine.length]!;
        const t = performance.now();
        const got = await curl(url, curlFlags(s.tls, row.protocol));
        const rate = (got / (performance.now() - t)) * 1000;
        if (got !== size) row.short++;
        row.bytesPerSecond.push(rate);
        log(`  round ${round + 1} 1 GiB download ${s.tls ? "TLS" : "cleartext"} ${row.protocol}: ${(rate / 1e9).toFixed(2)} GB/s`);
      }
    }
  }
  return rows;
}

/** The downloads as a Markdown table. */
export function downloadLines(rows: DownloadRow[], rounds: number): string[] {
  const lines = [
    `1 GiB download over one connection (curl -o /dev/null; HTTP/2: one stream), netsvc's file server, ${rounds} rounds alternating:`,
    "",
    `| transport | protocol | GB/s (median) | HTTP/2 ÷ HTTP/1.1 (goal ≥ ${DOWNLOAD_MIN}x) | short downloads |`,
    "|---|---|---:|---:|---:|",
  ];
  for (const row of rows) {
    const h1 = rows.find((x) => x.tls === row.tls && x.protocol === "HTTP/1.1")!;
    const r = median(row.bytesPerSecond.map((b, i) => b / h1.bytesPerSecond[i]!));
    const shown = row.protocol === "HTTP/2" ? `${r.toFixed(2)}x, ${r >= DOWNLOAD_MIN ? "met" : "**not met**"}` : "—";
    lines.push(
      `| ${row.tls ? "TLS" : "cleartext"} | ${row.protocol} | ${(median(row.bytesPerSecond) / 1e9).toFixed(2)} | ${shown} | ${row.short} |`,
    );
  }
  return lines;
}
