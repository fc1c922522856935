/**
 * One WebSocket reader on one case, in a process of its own (as bench/parser/worker.ts does for
 * HTTP heads): warm up, run a steady loop for a fixed amount of the process's CPU time (all
 * threads, the collector's included: the Node peer has no per-thread clock, so both are measured
 * alike), print one JSON line {impl, case, messages, seconds, msgPerSec, bytesPerSec,
 * heapBytesPerMsg}.
 *
 *   bun bench/parser/ws-worker.ts <frames|messages|unmask|unmask-bytes> <case> [warmupMs] [steadyMs]
 *
 * - frames: WsFrameReader alone (heads, unmasking in place), a sink that only counts;
 * - messages: WsMessageReader (the frame reader, fragmentation, UTF-8, a string per text message,
 *   a copy per binary one), what a WebSocket connection runs per read;
 * - unmask: the unmask function alone over every payload; unmask-bytes: a plain byte loop doing
 *   the same (the 32-bit path's own baseline).
 */
import { heapStats } from "bun:jsc";
import { WsMessageReader } from "../../src/daemon/ws-message-reader.ts";
import { WsFrameReader, type WsFrameSink, unmask } from "../../src/parser/ws/frame-reader.ts";
import { WS_CASES, type WsCaseKey, wsCaseBuffer } from "./ws-cases.ts";

const IMPLS = ["frames", "messages", "unmask", "unmask-bytes"] as const;
type Impl = (typeof IMPLS)[number];

const [impl, caseKey, warmupArg, steadyArg] = process.argv.slice(2) as [Impl, WsCaseKey, string?, string?];
if (!IMPLS.includes(impl) || !(caseKey in WS_CASES)) {
  console.error(`usage: ws-worker.ts <${IMPLS.join("|")}> <${Object.keys(WS_CASES).join("|")}> [warmupMs] [steadyMs]`);
  process.exit(2);
}
const NS_PER_MS = 1e6;
const NS_PER_US = 1000;
const warmupNs = Number(warmupArg ?? 1000) * NS_PER_MS;
const steadyNs = Number(steadyArg ?? 2000) * NS_PER_MS;
/** Chunks over which heap growth is measured. */
const HEAP_SAMPLE_CHUNKS = 4000;

const c = WS_CASES[caseKey];
const buf = wsCaseBuffer(caseKey);
const frameLength = buf.length / c.count;
const headLength = frameLength - c.length;
const MAX = 2 * 1024 * 1024;

let delivered = 0;
let sinkBytes = 0;

/** Reads the chunk once; returns messages seen. */
function makeRead(): () => number {
  if (impl === "frames") {
    const reader = new WsFrameReader(MAX);
    const sink: WsFrameSink = {
      dataFrameStart() {},
      dataFramePayload(_b, s, e) {
        sinkBytes += e - s;
      },
      dataFrameEnd() {
        delivered++;
      },
      controlFrame() {},
    };
    return () => {
      const before = delivered;
      if (reader.read(buf, 0, buf.length, sink) !== buf.length) throw new Error("frame reader failed");
      return delivered - before;
    };
  }
  if (impl === "messages") {
    const reader = new WsMessageReader(
      {
        text: (m) => {
          sinkBytes += m.length;
          delivered++;
        },
        binary: (m) => {
          sinkBytes += m.length;
          delivered++;
        },
        ping() {},
        pong() {},
        close() {},
        failed: (code, reason) => {
          throw new Error(`failed ${code} ${reason}`);
        },
      },
      MAX,
    );
    return () => {
      const before = delivered;
      reader.read(buf, 0, buf.length);
      return delivered - before;
    };
  }
  const key = 0x112a354c;
  if (impl === "unmask") {
    return () => {
      for (let i = 0; i < c.count; i++) unmask(buf, i * frameLength + headLength, (i + 1) * frameLength, key, 0);
      return c.count;
    };
  }
  const k = [0x11, 0x2a, 0x35, 0x4c];
  return () => {
    for (let i = 0; i < c.count; i++) {
      const start = i * frameLength + headLength;
      const end = start + c.length;
      for (let p = start, j = 0; p < end; p++, j++) buf[p] = buf[p]! ^ k[j & 3]!;
    }
    return c.count;
  };
}

function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * NS_PER_US;
}

const read = makeRead();
if (read() !== c.count) throw new Error(`${impl} did not see ${c.count} messages`);
/** Chunks per clock reading: about a millisecond of work. */
const batch = Math.max(1, Math.round(2048 / c.count / Math.max(1, c.length / 256)));

function loop(ns: number): [number, number] {
  let messages = 0;
  const t0 = cpuNs();
  let t = t0;
  while (t - t0 < ns) {
    for (let i = 0; i < batch; i++) messages += read();
    t = cpuNs();
  }
  return [messages, t - t0];
}

loop(warmupNs);
const [messages, ns] = loop(steadyNs);
let heap = Number.POSITIVE_INFINITY;
const chunks = Math.max(16, Math.round(HEAP_SAMPLE_CHUNKS / Math.max(1, (c.length * c.count) / 65536)));
for (let round = 0; round < 3; round++) {
  Bun.gc(true);
  const before = heapStats().heapCapacity;
  let m = 0;
  for (let i = 0; i < chunks; i++) m += read();
  heap = Math.min(heap, (heapStats().heapCapacity - before) / m);
}
const seconds = ns / 1e9;
console.log(
  JSON.stringify({
    impl,
    case: caseKey,
    messages,
    seconds,
    msgPerSec: messages / seconds,
    bytesPerSec: (messages * c.length) / seconds,
    heapBytesPerMsg: heap,
    check: sinkBytes > 0 ? 1 : 0,
  }),
);
