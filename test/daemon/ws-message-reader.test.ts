import { describe, expect, test } from "bun:test";
import { deflateRawSync } from "node:zlib";
import { WsMessageReader, type WsMessageHandler } from "../../src/daemon/ws-message-reader.ts";
import { compressMessage } from "../../src/http/ws/permessage-deflate.ts";
import { WS_MESSAGE_BUFFER_KEEP } from "../../src/parser/limits.ts";
import { OPCODE_BINARY, OPCODE_CONTINUATION, OPCODE_TEXT } from "../../src/parser/ws/frame-reader.ts";
import { heapGrowthPerCall } from "../helpers/heap-growth.ts";
import { chunkAt, clientFrame, concat, filler, latin1Of, utf8Bytes, waysToCut } from "../parser/ws/ws-build.ts";
import { type Heard, MESSAGE_ROWS } from "./ws-message-cases.ts";

/** A handler that records what it hears. After close/failed nothing else may come. */
class Recorder implements WsMessageHandler {
  heard: Heard[] = [];
  private ended = false;
  private note(h: Heard): void {
    if (this.ended) throw new Error(`${JSON.stringify(h)} heard after the end`);
    this.heard.push(h);
  }
  text(message: string): void {
    this.note(["text", message]);
  }
  binary(message: Uint8Array): void {
    this.note(["binary", latin1Of(message)]);
  }
  ping(payload: Uint8Array): void {
    this.note(["ping", latin1Of(payload)]);
  }
  pong(payload: Uint8Array): void {
    this.note(["pong", latin1Of(payload)]);
  }
  close(code: number, _reason: string): void {
    this.note(["close", code, _reason]);
    this.ended = true;
  }
  failed(closeCode: number, _reason: string): void {
    this.note(["failed", closeCode]);
    this.ended = true;
  }
}

const DEFAULT_MAX = 70_000;

function readMessages(input: Uint8Array, cuts: number[], maxMessage = DEFAULT_MAX, deflate = false): Heard[] {
  const recorder = new Recorder();
  const reader = new WsMessageReader(recorder, maxMessage);
  reader.deflate = deflate;
  let from = 0;
  for (let i = 0; i < cuts.length; i++) {
    const offset = i % 5;
    const chunk = chunkAt(input, from, cuts[i]!, offset);
    reader.read(chunk, offset, offset + cuts[i]! - from);
    // The caller's bytes may be reused at once: scribble over them.
    chunk.fill(0xee);
    from = cuts[i]!;
  }
  return recorder.heard;
}

describe("Autobahn-style table (groups 1–7, 9, 12): whole, at every split, byte by byte", () => {
  test("the table has at least 120 rows", () => {
    expect(MESSAGE_ROWS.length).toBeGreaterThanOrEqual(120);
  });
  for (const row of MESSAGE_ROWS) {
    test(row.name, () => {
      const n = row.input.length;
      expect(readMessages(row.input, [n], row.maxMessage, row.deflate)).toEqual(row.heard);
      for (const [way, cuts] of waysToCut(n, 300)) {
        const heard = readMessages(row.input, cuts, row.maxMessage, row.deflate);
        if (!Bun.deepEquals(heard, row.heard)) throw new Error(`${way}: ${JSON.stringify(heard).slice(0, 300)}`);
      }
    });
  }
});

describe("deflate bombs", () => {
  test("a 10 MB zero bomb in a few KB is 1009, with bounded memory", () => {
    const bomb = deflateRawSync(new Uint8Array(10 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(12 * 1024);
    const frame = clientFrame({ opcode: OPCODE_BINARY, rsv: 4, payload: bomb });
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 20; i++) {
      const heard = readMessages(frame, [frame.length], 64 * 1024, true);
      expect(heard).toEqual([["failed", 1009]]);
    }
    Bun.gc(true);
    // 20 bombs of 10 MB each: had any been inflated whole, 200 MB would have passed through.
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
  });

  test("a bomb sent as many small fragments is still stopped at the limit", () => {
    const bomb = compressMessage(new Uint8Array(4 * 1024 * 1024));
    const frames: Uint8Array[] = [];
    for (let at = 0; at < bomb.length; at += 100) {
      const last = at + 100 >= bomb.length;
      frames.push(
        clientFrame({
          opcode: at === 0 ? OPCODE_BINARY : OPCODE_CONTINUATION,
          rsv: at === 0 ? 4 : 0,
          payload: bomb.subarray(at, at + 100),
          fin: last,
        }),
      );
    }
    const input = concat(...frames);
    expect(readMessages(input, [input.length], 100_000, true)).toEqual([["failed", 1009]]);
  });
});

describe("memory", () => {
  test("the gathering buffer is dropped after a large fragmented message, kept small otherwise", () => {
    const recorder = new Recorder();
    const reader = new WsMessageReader(recorder, 1 << 20);
    expect(reader.bufferedCapacity).toBe(0);
    // A whole message in one read: delivered from the caller's bytes, no buffer.
    const one = clientFrame({ opcode: OPCODE_TEXT, payload: filler(5000) });
    reader.read(one, 0, one.length);
    expect(reader.bufferedCapacity).toBe(0);
    // A small fragmented message keeps a small buffer.
    const small = concat(
      clientFrame({ opcode: OPCODE_TEXT, payload: "ab", fin: false }),
      clientFrame({ opcode: OPCODE_CONTINUATION, payload: "cd" }),
    );
    reader.read(small, 0, small.length);
    expect(reader.bufferedCapacity).toBeGreaterThan(0);
    expect(reader.bufferedCapacity).toBeLessThanOrEqual(WS_MESSAGE_BUFFER_KEEP);
    // A large fragmented one grows it, and it is dropped afterwards.
    const big = concat(
      clientFrame({ opcode: OPCODE_BINARY, payload: filler(200_000), fin: false }),
      clientFrame({ opcode: OPCODE_CONTINUATION, payload: filler(100_000) }),
    );
    reader.read(big, 0, big.length);
    expect(reader.bufferedCapacity).toBe(0);
    expect(recorder.heard.map((h) => [h[0], (h[1] as string).length])).toEqual([
      ["text", 5000],
      ["text", 4],
      ["binary", 300_000],
    ]);
  });

  test("a head claiming a large frame does not allocate for it: the buffer grows with what arrived", () => {
    const reader = new WsMessageReader(new Recorder(), 16 << 20);
    const frame = clientFrame({ opcode: OPCODE_BINARY, payload: filler(1000), length: 16 << 20 });
    // The head and 1000 bytes of a claimed 16 MiB payload, in two reads.
    reader.read(frame, 0, 500);
    reader.read(frame, 500, frame.length);
    expect(reader.bufferedCapacity).toBeLessThan(4096);
  });

  test("reading small whole messages allocates only the delivered string (no buffer growth)", () => {
    let count = 0;
    const handler: WsMessageHandler = {
      text: () => count++,
      binary: () => count++,
      ping: () => count++,
      pong: () => count++,
      close: () => {},
      failed: () => {
        throw new Error("failed");
      },
    };
    const reader = new WsMessageReader(handler, 1 << 20);
    // A zero masking key: the bytes stay as sent, so the same frame can be read again and again.
    const frame = clientFrame({ opcode: OPCODE_TEXT, payload: utf8Bytes("hello, websocket"), key: [0, 0, 0, 0] });
    const read = () => reader.read(frame, 0, frame.length);
    read();
    // The string for each message is the one allocation (measured: 16 B per message; 80 B when
    // the text was decoded by TextDecoder over a subarray).
    expect(heapGrowthPerCall(read, 20_000)).toBeLessThan(40);
    expect(count).toBeGreaterThan(20_000);
  });
});

test("a failure is reported once, and nothing after it", () => {
  const recorder = new Recorder();
  const reader = new WsMessageReader(recorder, 100);
  const bad = clientFrame({ opcode: 3 });
  reader.read(bad.slice(), 0, bad.length);
  reader.read(bad.slice(), 0, bad.length);
  const ok = clientFrame({ opcode: OPCODE_TEXT, payload: "x" });
  reader.read(ok, 0, ok.length);
  expect(recorder.heard).toEqual([["failed", 1002]]);
  expect(reader.isFinished).toBe(true);
});

describe("random split and mutation at the message level", () => {
  const BASE = [
    clientFrame({ opcode: OPCODE_TEXT, payload: utf8Bytes("héllo wörld") }),
    clientFrame({ opcode: OPCODE_TEXT, payload: utf8Bytes("κόσμε"), fin: false }),
    clientFrame({ opcode: OPCODE_CONTINUATION, payload: utf8Bytes("…end") }),
    clientFrame({ opcode: OPCODE_BINARY, payload: filler(200) }),
    clientFrame({ opcode: 9, payload: "ping" }),
    clientFrame({ opcode: OPCODE_TEXT, rsv: 4, payload: compressMessage(utf8Bytes(filler(300))) }),
    clientFrame({ opcode: 8, payload: [3, 0xe8, 0x6f, 0x6b] }),
  ];

  test("3000 mutated streams: never a throw, one end at most, and random pieces hear what whole reading hears", () => {
    let seed = 12345;
    const r = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let failures = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const parts: Uint8Array[] = [];
      for (let i = 0, n = 1 + Math.floor(r() * 5); i < n; i++) parts.push(BASE[Math.floor(r() * BASE.length)]!);
      const data = concat(...parts);
      for (let m = Math.floor(r() * 3); m > 0; m--) data[Math.floor(r() * data.length)] = Math.floor(r() * 256);
      const cuts: number[] = [];
      for (let at = 0; at < data.length; ) {
        at = Math.min(data.length, at + 1 + Math.floor(r() * 60));
        cuts.push(at);
      }
      const deflate = r() < 0.5;
      // The Recorder throws if anything is heard after a close or a failure.
      const whole = readMessages(data, [data.length], 1000, deflate);
      expect(readMessages(data, cuts, 1000, deflate)).toEqual(whole);
      if (whole.some((h) => h[0] === "failed")) failures++;
    }
    expect(failures).toBeGreaterThan(300);
  });
});

test("an idle reader costs well under the issue's 4 KB per WebSocket (measured ~0.6 KB)", () => {
  const keep: WsMessageReader[] = [];
  const handler = new Recorder();
  Bun.gc(true);
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10_000; i++) keep.push(new WsMessageReader(handler, 1 << 20));
  Bun.gc(true);
  const perReader = (process.memoryUsage().heapUsed - before) / keep.length;
  expect(perReader).toBeLessThan(1024);
  expect(keep.length).toBe(10_000);
});
