/**
 * WebSocket reading micro benchmark: chunks of masked client frames (bench/parser/ws-cases.ts)
 * through our WsFrameReader alone and our WsMessageReader (what a connection runs per read), and
 * beside them, in the same run, alternating, the `ws` package's Receiver under Node 20 (Node's
 * most used WebSocket server; pure JavaScript unmasking unless its optional native bufferutil is
 * installed, which it is not here). Also the unmask function against a plain byte loop. Each
 * figure is the median over rounds of a fresh process per measurement, in messages per second of
 * process CPU time, with heap growth per message for ours (measured as the parser benchmark does).
 *
 *   bun bench/parser/ws-frames.ts [rounds] [steadyMs]      (run under flock /tmp/netsvc-heavy.lock)
 *
 * The peer needs `ws` somewhere: WS_PEER_DIR=/path/to/node_modules/ws (default
 * /tmp/ws-peer/node_modules/ws; `npm install --prefix /tmp/ws-peer ws`). Without it its rows are
 * left out and said so.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WS_CASES, type WsCaseKey, wsCaseBuffer } from "./ws-cases.ts";

const rounds = Number(process.argv[2] ?? 3);
const steadyMs = Number(process.argv[3] ?? 1500);
const WARMUP_MS = 800;
const WS_DIR = process.env.WS_PEER_DIR ?? "/tmp/ws-peer/node_modules/ws";
const hasPeer = existsSync(join(WS_DIR, "lib", "receiver.js")) && Bun.which("node") !== null;

interface Result {
  msgPerSec: number;
  bytesPerSec: number;
  heapBytesPerMsg?: number;
}

function run(cmd: string[]): Result {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), "ws-bench-"));
const bun = process.execPath;
const rows: string[] = [];
try {
  for (const key of Object.keys(WS_CASES) as WsCaseKey[]) {
    const c = WS_CASES[key];
    const file = join(dir, `${key}.bin`);
    writeFileSync(file, wsCaseBuffer(key));
    const impls: [string, () => string[]][] = [
      ["netsvc WsFrameReader", () => [bun, "bench/parser/ws-worker.ts", "frames", key, String(WARMUP_MS), String(steadyMs)]],
      ["netsvc WsMessageReader", () => [bun, "bench/parser/ws-worker.ts", "messages", key, String(WARMUP_MS), String(steadyMs)]],
    ];
    if (hasPeer) {
      impls.push([
        "ws 8 Receiver (Node 20)",
        () => [
          "node",
          "bench/parser/ws-receiver-peer.mjs",
          WS_DIR,
          file,
          String(c.count),
          String(c.length),
          String(WARMUP_MS),
          String(steadyMs),
        ],
      ]);
    }
    if (c.length >= 1024) {
      impls.push(["unmask (32-bit path)", () => [bun, "bench/parser/ws-worker.ts", "unmask", key, String(WARMUP_MS), String(steadyMs)]]);
      impls.push(["plain byte loop", () => [bun, "bench/parser/ws-worker.ts", "unmask-bytes", key, String(WARMUP_MS), String(steadyMs)]]);
    }
    const got = new Map<string, Result[]>(impls.map(([name]) => [name, []]));
    // Alternating: every implementation once per round.
    for (let round = 0; round < rounds; round++) for (const [name, cmd] of impls) got.get(name)!.push(run(cmd()));
    const peer = got.get("ws 8 Receiver (Node 20)");
    const peerRate = peer ? median(peer.map((r) => r.msgPerSec)) : Number.NaN;
    for (const [name] of impls) {
      const rs = got.get(name)!;
      const rate = median(rs.map((r) => r.msgPerSec));
      const mbps = median(rs.map((r) => r.bytesPerSec)) / 1e6;
      const heap = rs[0]!.heapBytesPerMsg;
      const lo = Math.min(...rs.map((r) => r.msgPerSec));
      const hi = Math.max(...rs.map((r) => r.msgPerSec));
      rows.push(
        [
          c.label,
          name,
          rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)} k` : rate.toFixed(0),
          mbps.toFixed(0),
          Number.isNaN(peerRate) ? "n/a" : `${(rate / peerRate).toFixed(2)}x (${(lo / peerRate).toFixed(2)}–${(hi / peerRate).toFixed(2)})`,
          heap === undefined ? "n/a" : median(rs.map((r) => r.heapBytesPerMsg!)).toFixed(1),
        ].join(" | "),
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`WebSocket reading, ${rounds} rounds alternating, ${steadyMs} ms steady per measurement, process CPU time, medians`);
console.log("case | reader | messages/s | MB/s payload | ÷ ws (range) | heap B/msg");
for (const row of rows) console.log(row);
if (!hasPeer) console.log(`ws not found at ${WS_DIR}: its rows are left out (npm install --prefix /tmp/ws-peer ws)`);
