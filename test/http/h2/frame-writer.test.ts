import { describe, expect, test } from "bun:test";
import {
  GOAWAY_FRAME_LENGTH,
  PING_FRAME_LENGTH,
  RST_STREAM_FRAME_LENGTH,
  SETTINGS_ACK_FRAME_LENGTH,
  SETTINGS_FRAME_LENGTH,
  WINDOW_UPDATE_FRAME_LENGTH,
  writeFrameHeader,
  writeGoaway,
  writePingAck,
  writeRstStream,
  writeSettings,
  writeSettingsAck,
  writeWindowUpdate,
} from "../../../src/http/h2/frame-writer.ts";
import { CANCEL, ENHANCE_YOUR_CALM, INCOMPLETE } from "../../../src/parser/h2/errors.ts";
import {
  FLAG_ACK,
  FLAG_END_STREAM,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_PING,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  FRAME_WINDOW_UPDATE,
  Frame,
  parseFrame,
  readErrorCode,
  readUint31,
  readWindowIncrement,
} from "../../../src/parser/h2/frame.ts";
import { PeerSettings, applySettings } from "../../../src/parser/h2/settings.ts";

const MAX_FRAME = 16384;

/** Parses the one frame at out[at..end) and checks it takes exactly `length` bytes. */
function parseOne(out: Uint8Array, at: number, end: number, length: number): Frame {
  const frame = new Frame();
  expect(parseFrame(out, at, end, MAX_FRAME, frame)).toBe(length);
  return frame;
}

describe("frame writer: every frame round-trips through parseFrame at an offset", () => {
  const AT = 7; // not 0: the writers write where they are told
  const out = new Uint8Array(256).fill(0xee);

  test("our SETTINGS: the six values we advertise, push off", () => {
    const values = {
      maxConcurrentStreams: 100,
      initialWindowSize: 1 << 20,
      maxFrameSize: 32768,
      maxHeaderListSize: 16384,
      headerTableSize: 4096,
    };
    const end = writeSettings(out, AT, values);
    expect(end - AT).toBe(SETTINGS_FRAME_LENGTH);
    const f = parseOne(out, AT, end, SETTINGS_FRAME_LENGTH);
    expect([f.type, f.flags, f.streamId]).toEqual([FRAME_SETTINGS, 0, 0]);
    const s = new PeerSettings();
    expect(applySettings(out, f.payloadStart, f.payloadEnd, s)).toBe(0);
    expect(s.maxConcurrentStreams).toBe(100);
    expect(s.initialWindowSize).toBe(1 << 20);
    expect(s.maxFrameSize).toBe(32768);
    expect(s.maxHeaderListSize).toBe(16384);
    expect(s.headerTableSize).toBe(4096);
    expect(s.enablePush).toBe(0);
  });

  test("SETTINGS by default: 100 streams, 65535 window, 16384 frames and header list", () => {
    const end = writeSettings(out, AT);
    const f = parseOne(out, AT, end, SETTINGS_FRAME_LENGTH);
    const s = new PeerSettings();
    applySettings(out, f.payloadStart, f.payloadEnd, s);
    expect([s.maxConcurrentStreams, s.initialWindowSize, s.maxFrameSize, s.maxHeaderListSize, s.enablePush]).toEqual([
      100, 65535, 16384, 16384, 0,
    ]);
  });

  test("SETTINGS ACK", () => {
    const end = writeSettingsAck(out, AT);
    expect(end - AT).toBe(SETTINGS_ACK_FRAME_LENGTH);
    const f = parseOne(out, AT, end, 9);
    expect([f.type, f.flags, f.length]).toEqual([FRAME_SETTINGS, FLAG_ACK, 0]);
  });

  test("PING ACK copies the 8 opaque bytes", () => {
    const ping = Uint8Array.from([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
    const end = writePingAck(out, AT, ping, 2);
    expect(end - AT).toBe(PING_FRAME_LENGTH);
    const f = parseOne(out, AT, end, PING_FRAME_LENGTH);
    expect([f.type, f.flags]).toEqual([FRAME_PING, FLAG_ACK]);
    expect([...out.subarray(f.payloadStart, f.payloadEnd)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test("WINDOW_UPDATE on a stream and on the connection, up to 2^31-1", () => {
    for (const [stream, increment] of [
      [1, 1],
      [0, 2 ** 31 - 1],
      [2 ** 31 - 1, 65535],
    ] as const) {
      const end = writeWindowUpdate(out, AT, stream, increment);
      expect(end - AT).toBe(WINDOW_UPDATE_FRAME_LENGTH);
      const f = parseOne(out, AT, end, WINDOW_UPDATE_FRAME_LENGTH);
      expect([f.type, f.streamId, readWindowIncrement(out, f.payloadStart)]).toEqual([FRAME_WINDOW_UPDATE, stream, increment]);
    }
  });

  test("RST_STREAM with its code", () => {
    const end = writeRstStream(out, AT, 5, CANCEL);
    expect(end - AT).toBe(RST_STREAM_FRAME_LENGTH);
    const f = parseOne(out, AT, end, RST_STREAM_FRAME_LENGTH);
    expect([f.type, f.streamId, readErrorCode(out, f.payloadStart)]).toEqual([FRAME_RST_STREAM, 5, CANCEL]);
  });

  test("GOAWAY: last stream id and code, no debug data", () => {
    const end = writeGoaway(out, AT, 2 ** 31 - 1, ENHANCE_YOUR_CALM);
    expect(end - AT).toBe(GOAWAY_FRAME_LENGTH);
    const f = parseOne(out, AT, end, GOAWAY_FRAME_LENGTH);
    expect([f.type, f.streamId, f.length]).toEqual([FRAME_GOAWAY, 0, 8]);
    expect([readUint31(out, f.payloadStart), readErrorCode(out, f.payloadStart + 4)]).toEqual([2 ** 31 - 1, ENHANCE_YOUR_CALM]);
  });

  test("writeFrameHeader: a DATA header the parser waits on until its payload is there", () => {
    const buf = new Uint8Array(9 + 3);
    expect(writeFrameHeader(buf, 0, 3, FRAME_DATA, FLAG_END_STREAM, 3)).toBe(9);
    expect(parseFrame(buf, 0, 11, MAX_FRAME, new Frame())).toBe(INCOMPLETE);
    buf.set([0x61, 0x62, 0x63], 9);
    const f = parseOne(buf, 0, 12, 12);
    expect([f.type, f.flags, f.streamId, f.payloadEnd - f.payloadStart]).toEqual([FRAME_DATA, FLAG_END_STREAM, 3, 3]);
  });

  test("frames written back to back parse one after another", () => {
    const buf = new Uint8Array(128);
    let p = writeSettings(buf, 0);
    p = writeSettingsAck(buf, p);
    p = writeWindowUpdate(buf, p, 0, 1 << 20);
    p = writeGoaway(buf, p, 7, 0);
    const frame = new Frame();
    const types: number[] = [];
    for (let q = 0; q < p; ) {
      const r = parseFrame(buf, q, p, MAX_FRAME, frame);
      expect(r).toBeGreaterThan(0);
      types.push(frame.type);
      q += r;
    }
    expect(types).toEqual([FRAME_SETTINGS, FRAME_SETTINGS, FRAME_WINDOW_UPDATE, FRAME_GOAWAY]);
  });
});
