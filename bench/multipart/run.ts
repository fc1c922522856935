/**
 * Multipart upload measurement (issue 13 item 3): one file of `--mb` MiB (default 1024) sent as
 * multipart/form-data with a Content-Length, generated on the fly by this process (node:http,
 * waiting for 'drain': the client never holds the body), to
 *   netsvc   — a servlet writing `parts()` to disk as the bytes arrive, and
 *   formdata — Bun.serve with `await request.formData()` (the whole body buffered), then to disk.
 * Each round starts a fresh server process; reported per server: peak RSS above its idle RSS
 * (VmHWM − VmRSS before the upload), time and MB/s. Rounds alternate the servers; medians.
 *   npm run bench:multipart                     (1 GiB, 3 rounds)
 *   npm run bench:multipart -- --quick          (64 MiB, 3 rounds)
 *   bun bench/multipart/run.ts --mb 256 --rounds 5
 */
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Output } from "../../test/helpers/spawn.ts";

const MIB = 1024 * 1024;
/** The generator's piece size: the body is written in pieces of this many bytes. */
const PIECE_BYTES = 256 * 1024;
/** The goal for the streaming server's peak RSS above idle (issue 13 item 3). */
const GOAL_PEAK_MIB = 64;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const quick = process.argv.includes("--quick");
const mb = option("mb", quick ? 64 : 1024);
const rounds = option("rounds", 3);
const size = mb * MIB;

interface Round {
  peak: number;
  seconds: number;
}

/** Sends one multipart upload of `size` bytes to `url`; resolves with the answer and the seconds it took. */
function upload(url: string): Promise<{ status: number; body: string; seconds: number }> {
  const boundary = "----netsvcbench" + Math.random().toString(36).slice(2);
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const piece = Buffer.alloc(PIECE_BYTES, 0x61);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": head.length + size + tail.length },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, seconds: (performance.now() - started) / 1000 }));
    });
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        const n = Math.min(PIECE_BYTES, size - sent);
        sent += n;
        if (!req.write(n === PIECE_BYTES ? piece : piece.subarray(0, n))) return void req.once("drain", pump);
      }
      req.end(tail);
    };
    req.write(head);
    pump();
  });
}

async function round(mode: "netsvc" | "formdata"): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-multipart-bench-"));
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "server.ts"), mode, dir], { stdout: "pipe", stderr: "inherit" });
  try {
    const url = (await new Output(child.stdout as ReadableStream<Uint8Array>).url()).replace(/\/$/, "");
    const idle = (await (await fetch(url + "/memory")).json()) as { rss: number };
    const r = await upload(url + "/upload");
    if (r.status !== 200 || JSON.parse(r.body).bytes !== size) throw new Error(`${mode}: ${r.status} ${r.body}`);
    const after = (await (await fetch(url + "/memory")).json()) as { peak: number };
    return { peak: after.peak - idle.rss, seconds: r.seconds };
  } finally {
    child.kill("SIGKILL");
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, Round[]> = { netsvc: [], formdata: [] };
for (let i = 0; i < rounds; i++) {
  // Alternate which server goes first, so neither always meets a warmer page cache.
  for (const mode of i % 2 ? (["formdata", "netsvc"] as const) : (["netsvc", "formdata"] as const)) {
    const r = await round(mode);
    results[mode]!.push(r);
    console.error(`round ${i + 1} ${mode}: peak +${(r.peak / MIB).toFixed(1)} MiB, ${r.seconds.toFixed(2)} s`);
  }
}

console.log(`multipart upload of ${mb} MiB (one file part), ${rounds} rounds, medians — ${new Date().toISOString()}`);
console.log(`| server | peak RSS above idle | time | MB/s |`);
console.log(`|---|---|---|---|`);
for (const [name, label] of [
  ["netsvc", "netsvc parts() → disk"],
  ["formdata", "Bun.serve formData() → disk"],
] as const) {
  const rs = results[name]!;
  const seconds = median(rs.map((r) => r.seconds));
  console.log(
    `| ${label} | ${(median(rs.map((r) => r.peak)) / MIB).toFixed(1)} MiB | ${seconds.toFixed(2)} s | ${(size / 1e6 / seconds).toFixed(0)} |`,
  );
}
const peak = median(results.netsvc!.map((r) => r.peak)) / MIB;
console.log(`netsvc peak ${peak <= GOAL_PEAK_MIB ? "within" : "OVER"} the ${GOAL_PEAK_MIB} MiB goal`);
