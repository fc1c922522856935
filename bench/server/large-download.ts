/**
 * Large downloads (issue 12, item 6): one 1 GiB file fetched by curl to /dev/null, alone and 8 at
 * once, from each server in turn (order alternating by round), with the server on CPU 0 and the
 * curls on CPU 1. Reports bytes/s (medians), netsvc ÷ peer as the median of per-round ratios,
 * and the server's resident memory: idle before the parallel downloads, and its peak during them
 * (sampled every SAMPLE_MS from /proc; a measurement, not a synchronisation).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { median, rssMiB } from "./measure.ts";

/** Where the large file is served from, under the document root. */
export const LARGE_PATH = "/1g.bin";
/** Its size: 1 GiB. */
export const LARGE_SIZE = 1024 ** 3;

/**
 * Writes the large file under `site`: not sparse, so every peer reads real pages (from the page
 * cache after the first download).
 */
export function writeLargeFile(site: string): void {
  const chunk = Buffer.alloc(16 * 1024 * 1024, 0x5a);
  const fd = openSync(join(site, LARGE_PATH), "w");
  for (let written = 0; written < LARGE_SIZE; written += chunk.length) writeSync(fd, chunk);
  closeSync(fd);
}

/** A server already listening, serving the large file at `path`. */
export interface DownloadPeer {
  name: string;
  port: number;
  /** The process whose memory is measured. */
  pid: number;
  /** Served over https (curl -k: the test certificate is self-signed). */
  tls?: boolean;
}

/** Parallel downloads per run. */
export const PARALLEL = 8;
/** How often resident memory is sampled during the parallel downloads (ms). */
const SAMPLE_MS = 20;
/** One download may take at most this long (ms) before curl is killed and the run fails. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/**
 * Runs curl to /dev/null on CPU 1 (`flags` added, e.g. --http2-prior-knowledge); resolves with
 * the bytes it received.
 */
export async function curl(url: string, flags: string[] = []): Promise<number> {
  const insecure = url.startsWith("https:") ? ["-k"] : [];
  const p = Bun.spawn(["taskset", "-c", "1", "curl", "-s", ...insecure, ...flags, "-o", "/dev/null", "-w", "%{size_download}", url], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => p.kill("SIGKILL"), DOWNLOAD_TIMEOUT_MS);
  const out = await new Response(p.stdout).text();
  await p.exited;
  clearTimeout(timer);
  return Number(out.trim());
}

interface Sample {
  single: number;
  parallel: number;
  idle: number;
  peak: number;
  short: number;
}

async function measure(peer: DownloadPeer, path: string, size: number): Promise<Sample> {
  const url = `${peer.tls ? "https" : "http"}://127.0.0.1:${peer.port}${path}`;
  let short = 0;
  let t = performance.now();
  const got = await curl(url);
  const single = (got / (performance.now() - t)) * 1000;
  if (got !== size) short++;
  const idle = rssMiB(peer.pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(peer.pid))), SAMPLE_MS);
  t = performance.now();
  const all = await Promise.all(Array.from({ length: PARALLEL }, () => curl(url)));
  const elapsed = performance.now() - t;
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB(peer.pid));
  short += all.filter((n) => n !== size).length;
  return { single, parallel: (all.reduce((a, b) => a + b, 0) / elapsed) * 1000, idle, peak, short };
}

const gbps = (bytesPerSecond: number) => (bytesPerSecond / 1e9).toFixed(2);

/**
 * Measures every peer for `rounds` rounds; `ours` names netsvc's peer. Returns Markdown lines
 * (a table per measure) and the raw samples.
 */
export async function largeDownloads(
  peers: DownloadPeer[],
  ours: string,
  path: string,
  size: number,
  rounds: number,
  log: (line: string) => void,
) {
  const samples = new Map<string, Sample[]>(peers.map((p) => [p.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[(i + round) % peers.length]!;
      const s = await measure(peer, path, size);
      samples.get(peer.name)!.push(s);
      log(
        `  round ${round + 1} 1 GiB download ${peer.name}: ${gbps(s.single)} GB/s alone, ${gbps(s.parallel)} GB/s with ${PARALLEL} in parallel, RSS ${s.idle.toFixed(1)} → peak ${s.peak.toFixed(1)} MiB${s.short ? ` (${s.short} short)` : ""}`,
      );
    }
  }
  const mine = samples.get(ours)!;
  const ratio = (name: string, key: "single" | "parallel") => median(samples.get(name)!.map((s, i) => mine[i]![key] / s[key]));
  const lines = [
    `| 1 GiB download | server | GB/s alone (median) | netsvc ÷ server | GB/s, ${PARALLEL} in parallel | netsvc ÷ server | RSS idle (MiB, median) | most RSS above idle (MiB) | short downloads |`,
    `|---|---|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const p of peers) {
    const s = samples.get(p.name)!;
    const same = p.name === ours;
    lines.push(
      `| curl -o /dev/null | ${p.name} | ${gbps(median(s.map((x) => x.single)))} | ${same ? "—" : ratio(p.name, "single").toFixed(2) + "x"} | ` +
        `${gbps(median(s.map((x) => x.parallel)))} | ${same ? "—" : ratio(p.name, "parallel").toFixed(2) + "x"} | ` +
        `${median(s.map((x) => x.idle)).toFixed(1)} | ${Math.max(...s.map((x) => x.peak - x.idle)).toFixed(1)} | ${s.reduce((a, x) => a + x.short, 0)} |`,
    );
  }
  return { lines, samples: Object.fromEntries(samples) };
}
