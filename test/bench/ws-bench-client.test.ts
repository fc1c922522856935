/**
 * The WebSocket benchmark's own pieces (bench/ws, issue 23), so its figures can be trusted: the
 * load client's reader of server frames replayed whole, at every split and byte by byte; message
 * numbering; and a tiny run of each load against the netsvc peer and Bun.serve's peer that must
 * deliver every message with no error counted (a client that miscounted would report nothing
 * wrong in the benchmark itself).
 */
import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { OP_CLOSE, OP_PING, OP_TEXT, ServerFrameReader } from "../../bench/ws/frames.ts";
import { BusRig } from "../../bench/ws/bus.ts";
import { idleWebSockets, measureLoad } from "../../bench/ws/loads.ts";
import { readSequence, writeMessage, MESSAGE_BYTES } from "../../bench/ws/protocol.ts";
import { report, type ReportContext } from "../../bench/ws/report.ts";

const ROOT = resolve(import.meta.dir, "../..");
/** How the tiny runs below are described in a report. */
const REPORT_CONTEXT: ReportContext = {
  connections: 4,
  echoMessages: 200,
  subscribers: 5,
  publications: 30,
  fanoutSeconds: 60,
  burst: 10,
  netsvcFanout: "publish",
  idle: 20,
};

/** An unmasked server frame (RFC 6455 §5.2) of `opcode` carrying `payload`. */
function serverFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const head =
    n < 126
      ? [0x80 | opcode, n]
      : n < 65536
        ? [0x80 | opcode, 126, n >> 8, n & 255]
        : [0x80 | opcode, 127, 0, 0, 0, 0, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
/** Frames at every length class: empty, 7-bit, 16-bit and 64-bit lengths. */
const TABLE: [number, Uint8Array][] = [
  [OP_TEXT, bytes(0, 1)],
  [OP_TEXT, bytes(32, 2)],
  [OP_PING, bytes(125, 3)],
  [OP_TEXT, bytes(126, 4)],
  [2, bytes(65535, 5)],
  [2, bytes(65536, 6)],
  [OP_CLOSE, bytes(2, 7)],
];
const WIRE = Uint8Array.from(TABLE.flatMap(([op, p]) => [...serverFrame(op, p)]));

/** A frame as the tests compare it: opcode, length and a hash of the payload (cheap at every split). */
type Seen = [opcode: number, length: number, hash: number];
const digest = (op: number, p: Uint8Array): Seen => [op, p.length, Bun.hash.crc32(p)];

function replay(chunks: Uint8Array[]): Seen[] {
  const seen: Seen[] = [];
  const reader = new ServerFrameReader((op, b, from, to) => void seen.push(digest(op, b.subarray(from, to))));
  for (const c of chunks) expect(reader.feed(c)).toBe(true);
  return seen;
}

describe("the load client's frame reader", () => {
  const expected = TABLE.map(([op, p]) => digest(op, p));
  test("the table whole", () => expect(replay([WIRE])).toEqual(expected));
  test("at every split", () => {
    // Every split through the small frames and the heads of the large ones, then every 257th byte
    // (each split copies the rest of a 64 KiB frame: all of them would take seconds).
    for (let i = 1; i < WIRE.length; i += i < 600 ? 1 : 257) expect(replay([WIRE.subarray(0, i), WIRE.subarray(i)])).toEqual(expected);
    for (let i = 1; i < 20; i++) expect(replay([WIRE.subarray(0, i), WIRE.subarray(i)])).toEqual(expected);
  });
  test("byte by byte (the frames up to 126 bytes)", () => {
    const small = WIRE.subarray(0, 2 + 0 + 2 + 32 + 2 + 125 + 4 + 126);
    expect(replay(Array.from(small, (b) => Uint8Array.of(b)))).toEqual(expected.slice(0, 4));
  });
  test("a masked server frame is refused (RFC 6455 §5.1)", () => {
    const reader = new ServerFrameReader(() => {});
    expect(reader.feed(Uint8Array.of(0x81, 0x80 | 1, 0, 0, 0, 0, 0x41))).toBe(false);
  });
});

test("message numbers survive writing and reading, also inside a report's JSON", () => {
  const out = new Uint8Array(MESSAGE_BYTES);
  for (const n of [0, 7, 1234567890]) {
    writeMessage(out, 0, n);
    expect(readSequence(out, 0, MESSAGE_BYTES)).toBe(n);
    const json = new TextEncoder().encode(JSON.stringify({ subject: "bench.topic", value: new TextDecoder().decode(out) }));
    expect(readSequence(json, 0, json.length)).toBe(n);
  }
  expect(readSequence(new TextEncoder().encode("no mark here"), 0, 12)).toBe(-1);
});

/** Starts a peer script of bench/ws on port 0's stand-in: a free port found by listening first. */
async function withPeer(script: string, f: (port: number, pid: number) => Promise<void>): Promise<void> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const proc = Bun.spawn([process.execPath, join(ROOT, "bench/ws", script), String(port)], { stdout: "pipe", stderr: "inherit" });
  try {
    const reader = proc.stdout.getReader();
    const first = await reader.read(); // the peer says "ready" once it listens
    expect(new TextDecoder().decode(first.value)).toContain("ready");
    reader.releaseLock();
    await f(port, proc.pid);
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

describe.each(["netsvc-ws.ts", "bun-ws.ts"])("every load against %s, every message checked", (script) => {
  test("echo, fan-out and idle: no error, every message delivered", async () => {
    await withPeer(script, async (port, pid) => {
      const echo = await measureLoad(port, pid, ["echo", 4, 200]);
      expect(echo).toMatchObject({ messages: 200, errors: 0 });
      const fan = await measureLoad(port, pid, ["fanout", 5, 30, 10, 60]);
      expect(fan).toMatchObject({ messages: 150, errors: 0 });
      const idle = await idleWebSockets(port, pid, 20);
      expect(idle).toMatchObject({ held: 20, errors: 0 });
    });
  }, 30_000);
});

/** A free port on 127.0.0.1 (listened on with port 0, then let go): the bus rig's processes take ports by number. */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

test("the fan-out across the bus (a real nats-server, the publisher in another process) delivers every message, beside the local one, and the rig stops", async () => {
  const rig = await BusRig.start(freePort);
  let stopped = false;
  try {
    const local = await rig.measure("local", ["fanout", 5, 30, 10, 60]);
    expect(local).toMatchObject({ messages: 150, errors: 0 });
    expect(local.othersCpuUsPerMessage).toBeUndefined();
    const bus = await rig.measure("bus", ["fanout", 5, 30, 10, 60]);
    expect(bus).toMatchObject({ messages: 150, errors: 0 });
    expect(bus.othersCpuUsPerMessage).toHaveLength(2); // the publisher process, nats-server
    const lines = report([], [], { ...REPORT_CONTEXT, subscribers: 5 }, [
      { mode: "local", runs: [local] },
      { mode: "bus", runs: [bus] },
    ]);
    expect(lines.some((l) => l.startsWith("| a report across the bus to 5 WebSockets"))).toBe(true);
    await rig.stop(); // every process exits on SIGTERM (the Exchange's connection kept one alive before)
    stopped = true;
  } finally {
    if (!stopped) await rig.stop();
  }
}, 30_000);
