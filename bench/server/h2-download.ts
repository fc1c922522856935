/**
 * The 1 GiB download over HTTP/2 beside HTTP/1.1 (issue 22): one file fetched over one connection
 * (HTTP/2: one stream), from the same netsvc process over both protocols, the order alternating by
 * round; bytes/s medians and HTTP/2 ÷ HTTP/1.1 as the median of per-round ratios. Two clients, each
 * on CPU 1 (the server on CPU 0): curl to /dev/null, and h2load (`-n 1 -c 1`, `--h1` for HTTP/1.1).
 * curl 7.88's HTTP/2 receive path costs it 1.5–2x its HTTP/1.1 CPU (16 KiB frames, 32 KiB reads
 * with a poll before each): a server that sends pre-framed data from memory gets the same ~0.75x
 * from it, so curl's ratio measures curl; h2load's HTTP/2 costs what its HTTP/1.1 does, so its ratio
 * is the server's (bench/results/h2.md, 2026-12-07).
 */
import { curl } from "./large-download.ts";
import { LOAD_CPU, median, pin } from "./measure.ts";

/** Where the file is served: a cleartext port (h2c by prior knowledge) or a TLS one (h2 by ALPN). */
export interface DownloadServer {
  tls: boolean;
  port: number;
}

type Protocol = "HTTP/2" | "HTTP/1.1";
/** The program that downloads. */
export type DownloadClient = "curl" | "h2load";
const CLIENTS: readonly DownloadClient[] = ["curl", "h2load"];
const MIB = 1024 * 1024;
const PROTOCOLS: readonly Protocol[] = ["HTTP/2", "HTTP/1.1"];

/** One protocol's downloads over one transport. */
export interface DownloadRow {
  tls: boolean;
  client: DownloadClient;
  protocol: Protocol;
  bytesPerSecond: number[];
  /** Bytes each download received. */
  received: number[];
  /** Downloads that ended short of the file's size. */
  short: number;
}

/** The goal of issue 22: HTTP/2 ÷ HTTP/1.1 from netsvc ≥ this. */
export const DOWNLOAD_MIN = 0.8;

/**
 * A download that receives nothing for this long (s) is given up by curl itself (and counted
 * short), instead of waiting for large-download.ts's 2-minute kill: a stalled stream is a finding,
 * not something to wait out.
 */
const STALL_SECONDS = 3;

/** curl's flags for each protocol: h2c by prior knowledge on cleartext, ALPN over TLS. */
const curlFlags = (tls: boolean, protocol: Protocol) => [
  ...(protocol === "HTTP/1.1" ? ["--http1.1"] : tls ? ["--http2"] : ["--http2-prior-knowledge"]),
  "--speed-limit",
  "1",
  "--speed-time",
  String(STALL_SECONDS),
];

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
    const mine: DownloadRow[] = CLIENTS.flatMap((client) =>
      PROTOCOLS.map((protocol) => ({ tls: s.tls, client, protocol, bytesPerSecond: [], received: [], short: 0 })),
    );
    rows.push(...mine);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < mine.length; i++) {
        const row = mine[(i + round) % mine.length]!;
        const t = performance.now();
        const got = row.client === "curl" ? await curl(url, curlFlags(s.tls, row.protocol)) : await h2loadDownload(url, row.protocol);
        const rate = (got / (performance.now() - t)) * 1000;
        const short = got !== size;
        if (short) row.short++;
        row.bytesPerSecond.push(rate);
        row.received.push(got);
        const what = short
          ? `stopped after ${(got / MIB).toFixed(1)} MiB of ${(size / MIB).toFixed(0)}`
          : `${(rate / 1e9).toFixed(2)} GB/s`;
        log(`  round ${round + 1} 1 GiB download ${s.tls ? "TLS" : "cleartext"} ${row.client} ${row.protocol}: ${what}`);
      }
    }
  }
  return rows;
}

/** A download longer than this (ms) is killed (and counted short). */
const H2LOAD_TIMEOUT_MS = 120_000;

/** One download by h2load on LOAD_CPU (HTTP/2 by prior knowledge or ALPN; `--h1` for HTTP/1.1); the data bytes it received. */
async function h2loadDownload(url: string, protocol: Protocol): Promise<number> {
  const p = Bun.spawn(pin(LOAD_CPU, ["h2load", "-n", "1", "-c", "1", "-m", "1", ...(protocol === "HTTP/1.1" ? ["--h1"] : []), url]), {
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => p.kill("SIGKILL"), H2LOAD_TIMEOUT_MS);
  const out = await new Response(p.stdout).text();
  await p.exited;
  clearTimeout(timer);
  // "traffic: 1.00GB (1073741950) total, 46B (46) headers (…), 1.00GB (1073741824) data"
  return Number(/\((\d+)\) data/.exec(out)?.[1] ?? 0);
}

/** The downloads as a Markdown table. */
export function downloadLines(rows: DownloadRow[], rounds: number): string[] {
  const lines = [
    `1 GiB download over one connection (HTTP/2: one stream), netsvc's file server, ${rounds} rounds alternating; curl -o /dev/null, and h2load -n 1 -c 1 (--h1):`,
    "",
    `| transport | client | protocol | GB/s (median) | HTTP/2 ÷ HTTP/1.1 (goal ≥ ${DOWNLOAD_MIN}x) | short downloads (MiB received) |`,
    "|---|---|---|---:|---:|---:|",
  ];
  for (const row of rows) {
    const h1 = rows.find((x) => x.tls === row.tls && x.client === row.client && x.protocol === "HTTP/1.1")!;
    const r = median(row.bytesPerSecond.map((b, i) => b / h1.bytesPerSecond[i]!));
    const verdict =
      r >= DOWNLOAD_MIN ? "met" : row.client === "curl" ? "**not met** (curl's own HTTP/2 ceiling: see the file comment)" : "**not met**";
    const shown = row.protocol === "HTTP/2" ? `${r.toFixed(2)}x, ${verdict}` : "—";
    // A download cut short has no rate worth a median: the bytes it got say where it stopped.
    const cut = row.short > 0;
    const rate = cut ? "—" : (median(row.bytesPerSecond) / 1e9).toFixed(2);
    const received = cut ? ` (${row.received.map((b) => (b / MIB).toFixed(1)).join(", ")})` : "";
    lines.push(
      `| ${row.tls ? "TLS" : "cleartext"} | ${row.client} | ${row.protocol} | ${rate} | ${cut ? "**stalled**" : shown} | ${row.short}${received} |`,
    );
  }
  return lines;
}
