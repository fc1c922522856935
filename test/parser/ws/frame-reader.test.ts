import { describe, expect, test } from "bun:test";
import { rng } from "../../../bench/stress/fuzz-cases.ts";
import { E_WS_FRAME_TOO_BIG, E_WS_NO_MESSAGE_TO_CONTINUE, E_WS_UNMASKED, wsCloseCode } from "../../../src/parser/ws/errors.ts";
import {
  OPCODE_BINARY,
  OPCODE_PING,
  OPCODE_TEXT,
  smallDataFrameLength,
  WsFrameReader,
  type WsFrameSink,
  unmask,
} from "../../../src/parser/ws/frame-reader.ts";
import { heapGrowthPerCall } from "../../helpers/heap-growth.ts";
import { FRAME_ROWS } from "./frame-cases.ts";
import { RecordingSink, readInPieces, TABLE_MAX_FRAME } from "./frame-replay.ts";
import { chunkAt, clientFrame, concat, filler, waysToCut } from "./ws-build.ts";

describe("WsFrameReader table: whole, split at every point, byte by byte", () => {
  test("the table has at least 60 rows", () => {
    expect(FRAME_ROWS.length).toBeGreaterThanOrEqual(60);
  });

  for (const row of FRAME_ROWS) {
    test(row.name, () => {
      const n = row.input.length;
      const whole = readInPieces(row.input, [n], row.options);
      expect(whole).toEqual({ events: row.events, error: row.error });
      for (const [way, cuts] of waysToCut(n)) {
        const outcome = readInPieces(row.input, cuts, row.options);
        if (!Bun.deepEquals(outcome, whole)) throw new Error(`${way}: ${JSON.stringify(outcome).slice(0, 400)} differs from whole`);
      }
    });
  }
});

describe("errors map to close codes", () => {
  test("every error row fails with 1002 except the frame limit (1009)", () => {
    for (const row of FRAME_ROWS) {
      if (row.error === 0) continue;
      expect(wsCloseCode(row.error)).toBe(row.error === E_WS_FRAME_TOO_BIG ? 1009 : 1002);
    }
  });
});

describe("halt and stop", () => {
  const two = concat(clientFrame({ opcode: OPCODE_TEXT, payload: "a" }), clientFrame({ opcode: OPCODE_BINARY, payload: "b" }));

  test("halt() from a callback: read returns that error at once and from then on", () => {
    const reader = new WsFrameReader(100);
    const seen: number[] = [];
    const sink: WsFrameSink = {
      dataFrameStart: (opcode) => {
        seen.push(opcode);
        reader.halt(E_WS_NO_MESSAGE_TO_CONTINUE);
      },
      dataFramePayload: () => seen.push(-1),
      dataFrameEnd: () => seen.push(-2),
      controlFrame: () => {},
    };
    expect(reader.read(two.slice(), 0, two.length, sink)).toBe(E_WS_NO_MESSAGE_TO_CONTINUE);
    expect(seen).toEqual([OPCODE_TEXT]);
    expect(reader.read(two.slice(), 0, two.length, sink)).toBe(E_WS_NO_MESSAGE_TO_CONTINUE);
    expect(reader.halted).toBe(true);
    reader.reset();
    expect(reader.halted).toBe(false);
  });

  test("stop() from a callback: read returns the bytes up to the end of that frame, then 0", () => {
    const reader = new WsFrameReader(100);
    const sink = new RecordingSink();
    const stopping: WsFrameSink = {
      dataFrameStart: (...a) => sink.dataFrameStart(...a),
      dataFramePayload: (...a) => sink.dataFramePayload(...a),
      dataFrameEnd: () => {
        sink.dataFrameEnd();
        reader.stop();
      },
      controlFrame: (...a) => sink.controlFrame(...a),
    };
    const first = clientFrame({ opcode: OPCODE_TEXT, payload: "a" }).length;
    expect(reader.read(two.slice(), 0, two.length, stopping)).toBe(first);
    expect(sink.events).toEqual([["start", OPCODE_TEXT, true, false, 1], ["payload", "a"], ["end"]]);
    expect(reader.read(two.slice(), first, two.length, stopping)).toBe(0);
  });

  test("reset() forgets a partial head and RSV1 permission", () => {
    const reader = new WsFrameReader(100);
    reader.allowRsv1 = true;
    const sink = new RecordingSink();
    expect(reader.read(Uint8Array.of(0x82, 0x85), 0, 2, sink)).toBe(2);
    reader.reset();
    expect(reader.allowRsv1).toBe(false);
    const ping = clientFrame({ opcode: OPCODE_PING, payload: "x" });
    expect(reader.read(ping, 0, ping.length, sink)).toBe(ping.length);
    expect(sink.events).toEqual([["control", OPCODE_PING, "x"]]);
  });
});

describe("unmask", () => {
  function naive(data: Uint8Array, key: number, phase: number): Uint8Array<ArrayBufferLike> {
    const out = data.slice();
    for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ ((key >>> (24 - (((phase + i) & 3) << 3))) & 0xff);
    return out;
  }

  test("agrees with a byte-by-byte XOR at every offset, phase and length up to 300, in views of odd offset", () => {
    const r = rng(23);
    const backing = new ArrayBuffer(1024);
    for (let trial = 0; trial < 3000; trial++) {
      const viewOffset = Math.floor(r() * 8);
      const view = new Uint8Array(backing, viewOffset, 900);
      const start = Math.floor(r() * 16);
      const length = Math.floor(r() * 300);
      for (let i = 0; i < view.length; i++) view[i] = Math.floor(r() * 256);
      const key = Math.floor(r() * 2 ** 32);
      const phase = Math.floor(r() * 4);
      const before = view.slice();
      const expected = naive(before.subarray(start, start + length), key, phase);
      unmask(view, start, start + length, key, phase);
      expect(Bun.deepEquals(view.subarray(start, start + length), expected)).toBe(true);
      // Bytes around the span are untouched.
      expect(view.subarray(0, start)).toEqual(before.subarray(0, start));
      expect(view.subarray(start + length)).toEqual(before.subarray(start + length));
    }
  });

  test("a payload split anywhere unmasks the same as whole (the phase carries)", () => {
    const payload = filler(333, 1);
    const frame = clientFrame({ opcode: OPCODE_BINARY, payload, key: [0x01, 0x02, 0x03, 0xf4] });
    for (let cut = 1; cut < frame.length; cut++) {
      expect(readInPieces(frame, [cut, frame.length]).events[1]).toEqual(["payload", payload]);
    }
  });
});

describe("random split and mutation: never a throw, never a hang, every byte accounted", () => {
  const BASE: Uint8Array[] = [
    clientFrame({ opcode: OPCODE_TEXT, payload: "Hello" }),
    clientFrame({ opcode: OPCODE_BINARY, payload: filler(130) }),
    clientFrame({ opcode: OPCODE_PING, payload: "ping" }),
    clientFrame({ opcode: 0, payload: "cont", fin: false }),
    clientFrame({ opcode: 8, payload: "\x03\xe8" }),
    clientFrame({ opcode: OPCODE_BINARY, payload: filler(70) }),
  ];

  test("4000 random streams of frames, mutated, read in random pieces (readInPieces throws unless each read takes all it is given or errs)", () => {
    const r = rng(6455);
    const started = performance.now();
    let errors = 0;
    for (let trial = 0; trial < 4000; trial++) {
      const parts: Uint8Array[] = [];
      const count = 1 + Math.floor(r() * 5);
      for (let i = 0; i < count; i++) parts.push(BASE[Math.floor(r() * BASE.length)]!);
      const data = concat(...parts);
      const mutations = Math.floor(r() * 4);
      for (let m = 0; m < mutations; m++) data[Math.floor(r() * data.length)] = Math.floor(r() * 256);
      const cuts: number[] = [];
      for (let at = 0; at < data.length; ) {
        at = Math.min(data.length, at + 1 + Math.floor(r() * 40));
        cuts.push(at);
      }
      const clean = mutations === 0;
      const outcome = readInPieces(data, cuts, { maxFramePayload: 1000, allowRsv1: r() < 0.5 });
      if (clean) expect(outcome.error).toBe(0);
      if (outcome.error !== 0) errors++;
    }
    expect(errors).toBeGreaterThan(100);
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  test("random pieces of any stream give the same outcome as whole", () => {
    const r = rng(7692);
    for (let trial = 0; trial < 1500; trial++) {
      const parts: Uint8Array[] = [];
      for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) parts.push(BASE[Math.floor(r() * BASE.length)]!);
      const data = concat(...parts);
      if (r() < 0.7) data[Math.floor(r() * data.length)] = Math.floor(r() * 256);
      const cuts: number[] = [];
      for (let at = 0; at < data.length; ) {
        at = Math.min(data.length, at + 1 + Math.floor(r() * 20));
        cuts.push(at);
      }
      const options = { maxFramePayload: 100, allowRsv1: trial % 2 === 0 };
      expect(readInPieces(data, cuts, options)).toEqual(readInPieces(data, [data.length], options));
    }
  });
});

describe("hot path: no allocation", () => {
  test("reading small frames (text, binary, ping) allocates nothing per frame", () => {
    const frames = concat(
      clientFrame({ opcode: OPCODE_TEXT, payload: "hello, world" }),
      clientFrame({ opcode: OPCODE_BINARY, payload: filler(32) }),
      clientFrame({ opcode: OPCODE_PING, payload: "p" }),
    );
    const reader = new WsFrameReader(TABLE_MAX_FRAME);
    let n = 0;
    const sink: WsFrameSink = {
      dataFrameStart: () => n++,
      dataFramePayload: (_b, s, e) => {
        n += e - s;
      },
      dataFrameEnd: () => n++,
      controlFrame: () => n++,
    };
    // Unmasking in place twice restores the bytes: read the same buffer again and again.
    const read = () => reader.read(frames, 0, frames.length, sink);
    expect(read()).toBe(frames.length);
    // 20,000 calls of 3 frames: a 16 KiB heap block is 0.27 B per frame.
    expect(heapGrowthPerCall(read, 20_000)).toBeLessThan(4);
    expect(n).toBeGreaterThan(0);
  });

  test("reading a 4 KiB frame in 3 pieces allocates nothing (the 32-bit path reuses its view for one buffer)", () => {
    const frame = clientFrame({ opcode: OPCODE_BINARY, payload: filler(4096) });
    const buf = chunkAt(frame, 0, frame.length, 3);
    const reader = new WsFrameReader(TABLE_MAX_FRAME);
    const sink = new RecordingSink();
    const quiet: WsFrameSink = { dataFrameStart() {}, dataFramePayload() {}, dataFrameEnd() {}, controlFrame: sink.controlFrame };
    const read = () => {
      reader.read(buf, 3, 1003, quiet);
      reader.read(buf, 1003, 2500, quiet);
      return reader.read(buf, 2500, 3 + frame.length, quiet);
    };
    expect(heapGrowthPerCall(read, 20_000)).toBeLessThan(4);
  });
});

test("an unmasked frame is refused from its second byte", () => {
  const reader = new WsFrameReader(100);
  expect(reader.read(Uint8Array.of(0x81, 0x05), 0, 2, new RecordingSink())).toBe(E_WS_UNMASKED);
});

test("unmask over a resizable ArrayBuffer that grew after its view was made", () => {
  const buffer = new ArrayBuffer(128, { maxByteLength: 4096 });
  const small = new Uint8Array(buffer);
  unmask(small, 0, 128, 0x01020304, 0);
  buffer.resize(4096);
  const big = new Uint8Array(buffer);
  big.fill(0);
  unmask(big, 0, 4096, 0xffffffff, 0);
  expect(big.every((b) => b === 0xff)).toBe(true);
});

describe("smallDataFrameLength: the whole small data frames read without the state machine", () => {
  const ok = clientFrame({ opcode: OPCODE_TEXT, payload: "hello" });
  test("a whole final masked text or binary frame of a 7-bit length gives its payload length", () => {
    expect(smallDataFrameLength(ok, 0, ok.length, 1000)).toBe(5);
    const bin = clientFrame({ opcode: OPCODE_BINARY, payload: filler(125) });
    expect(smallDataFrameLength(bin, 0, bin.length, 125)).toBe(125);
    const both = concat(ok, bin);
    expect(smallDataFrameLength(both, ok.length, both.length, 1000)).toBe(125);
  });
  test.each([
    ["a fragment (FIN clear)", clientFrame({ opcode: OPCODE_TEXT, payload: "x", fin: false }), 1000],
    ["a continuation", clientFrame({ opcode: 0, payload: "x" }), 1000],
    ["a ping", clientFrame({ opcode: OPCODE_PING, payload: "x" }), 1000],
    ["RSV1 (compressed)", clientFrame({ opcode: OPCODE_TEXT, payload: "x", rsv: 4 }), 1000],
    ["RSV3", clientFrame({ opcode: OPCODE_BINARY, payload: "x", rsv: 1 }), 1000],
    // Unmasked, its head is 4 bytes short: another frame after it supplies what would be its key.
    ["unmasked, another frame after it", concat(clientFrame({ opcode: OPCODE_TEXT, payload: "hello", masked: false }), ok), 1000],
    ["a 16-bit length", clientFrame({ opcode: OPCODE_TEXT, payload: filler(126) }), 1000],
    ["over the limit", clientFrame({ opcode: OPCODE_TEXT, payload: filler(11) }), 10],
  ])("%s: -1 (the frame reader judges it)", (_name, frame, max) => {
    expect(smallDataFrameLength(frame, 0, frame.length, max)).toBe(-1);
  });
  test("a frame cut anywhere: -1 (its head, or its payload, is not all here)", () => {
    for (let cut = 0; cut < ok.length; cut++) expect(smallDataFrameLength(ok, 0, cut, 1000)).toBe(-1);
  });
});
