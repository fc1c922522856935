import { describe, expect, test } from "bun:test";
import { E_H2_BAD_ENABLE_PUSH, E_H2_BAD_MAX_FRAME_SIZE, E_H2_INITIAL_WINDOW_TOO_LARGE } from "../../../src/parser/h2/errors.ts";
import { FLAG_ACK, FRAME_SETTINGS, Frame, parseFrame } from "../../../src/parser/h2/frame.ts";
import {
  PeerSettings,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_MAX_HEADER_LIST_SIZE,
  UNLIMITED,
  applySettings,
} from "../../../src/parser/h2/settings.ts";
import { relocate } from "../replay.ts";
import { MAX_FRAME, be, frameBytes } from "./frame-cases.ts";
import { everySplit } from "./frame-replay.ts";

type Entry = [id: number, value: number];
type Values = Omit<PeerSettings, "reset">;

const DEFAULTS: Values = {
  headerTableSize: 4096,
  enablePush: 1,
  maxConcurrentStreams: UNLIMITED,
  initialWindowSize: 65535,
  previousInitialWindowSize: 65535,
  maxFrameSize: 16384,
  maxHeaderListSize: UNLIMITED,
};

interface SettingsCase {
  name: string;
  entries: Entry[];
  expect: { error: number } | Partial<Values>;
}

/** RFC 9113 §6.5.2: each identifier's range; unknown ones ignored; the last of a repeated one wins (§6.5.3). */
const CASES: SettingsCase[] = [
  { name: "empty: the RFC defaults", entries: [], expect: {} },
  {
    name: "all six",
    entries: [
      [SETTINGS_HEADER_TABLE_SIZE, 0],
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_MAX_CONCURRENT_STREAMS, 100],
      [SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20],
      [SETTINGS_MAX_FRAME_SIZE, 1 << 15],
      [SETTINGS_MAX_HEADER_LIST_SIZE, 8192],
    ],
    expect: {
      headerTableSize: 0,
      enablePush: 0,
      maxConcurrentStreams: 100,
      initialWindowSize: 1 << 20,
      maxFrameSize: 1 << 15,
      maxHeaderListSize: 8192,
    },
  },
  { name: "ENABLE_PUSH 1", entries: [[SETTINGS_ENABLE_PUSH, 1]], expect: { enablePush: 1 } },
  { name: "ENABLE_PUSH 2", entries: [[SETTINGS_ENABLE_PUSH, 2]], expect: { error: E_H2_BAD_ENABLE_PUSH } },
  { name: "ENABLE_PUSH 2^32-1", entries: [[SETTINGS_ENABLE_PUSH, 2 ** 32 - 1]], expect: { error: E_H2_BAD_ENABLE_PUSH } },
  { name: "INITIAL_WINDOW_SIZE 0", entries: [[SETTINGS_INITIAL_WINDOW_SIZE, 0]], expect: { initialWindowSize: 0 } },
  {
    name: "INITIAL_WINDOW_SIZE 2^31-1",
    entries: [[SETTINGS_INITIAL_WINDOW_SIZE, 2 ** 31 - 1]],
    expect: { initialWindowSize: 2 ** 31 - 1 },
  },
  {
    name: "INITIAL_WINDOW_SIZE 2^31",
    entries: [[SETTINGS_INITIAL_WINDOW_SIZE, 2 ** 31]],
    expect: { error: E_H2_INITIAL_WINDOW_TOO_LARGE },
  },
  { name: "MAX_FRAME_SIZE 16384", entries: [[SETTINGS_MAX_FRAME_SIZE, 16384]], expect: { maxFrameSize: 16384 } },
  { name: "MAX_FRAME_SIZE 2^24-1", entries: [[SETTINGS_MAX_FRAME_SIZE, 2 ** 24 - 1]], expect: { maxFrameSize: 2 ** 24 - 1 } },
  { name: "MAX_FRAME_SIZE 16383", entries: [[SETTINGS_MAX_FRAME_SIZE, 16383]], expect: { error: E_H2_BAD_MAX_FRAME_SIZE } },
  { name: "MAX_FRAME_SIZE 2^24", entries: [[SETTINGS_MAX_FRAME_SIZE, 2 ** 24]], expect: { error: E_H2_BAD_MAX_FRAME_SIZE } },
  { name: "MAX_FRAME_SIZE 0", entries: [[SETTINGS_MAX_FRAME_SIZE, 0]], expect: { error: E_H2_BAD_MAX_FRAME_SIZE } },
  { name: "HEADER_TABLE_SIZE 2^32-1", entries: [[SETTINGS_HEADER_TABLE_SIZE, 2 ** 32 - 1]], expect: { headerTableSize: 2 ** 32 - 1 } },
  { name: "MAX_CONCURRENT_STREAMS 0", entries: [[SETTINGS_MAX_CONCURRENT_STREAMS, 0]], expect: { maxConcurrentStreams: 0 } },
  {
    name: "unknown identifiers 0, 7, 0xffff ignored",
    entries: [
      [0, 1],
      [7, 2],
      [0xffff, 3],
      [SETTINGS_MAX_HEADER_LIST_SIZE, 100],
    ],
    expect: { maxHeaderListSize: 100 },
  },
  {
    name: "repeated: the last value wins",
    entries: [
      [SETTINGS_INITIAL_WINDOW_SIZE, 10],
      [SETTINGS_INITIAL_WINDOW_SIZE, 20],
    ],
    expect: { initialWindowSize: 20 },
  },
  {
    name: "a bad entry after good ones: nothing applied",
    entries: [
      [SETTINGS_MAX_CONCURRENT_STREAMS, 5],
      [SETTINGS_INITIAL_WINDOW_SIZE, 2 ** 31],
    ],
    expect: { error: E_H2_INITIAL_WINDOW_TOO_LARGE },
  },
];

function entryBytes(entries: Entry[]): number[] {
  return entries.flatMap(([id, value]) => [...be(id, 2), ...be(value, 4)]);
}

/** Parses the SETTINGS frame from `data` fed in pieces, then applies it to fresh settings. */
function settleInPieces(data: Uint8Array, cuts: number[]): { error: number } | Values | { incomplete: true } {
  const frame = new Frame();
  for (let i = 0; i < cuts.length; i++) {
    const start = 2 + (i % 3);
    const buf = relocate(data, cuts[i]!, start);
    const r = parseFrame(buf, start, start + cuts[i]!, MAX_FRAME, frame);
    if (r < 0 && i < cuts.length - 1) continue;
    if (r < 0) return { error: r };
    const settings = new PeerSettings();
    const before = { ...settings };
    const e = applySettings(buf, frame.payloadStart, frame.payloadEnd, settings);
    if (e < 0) {
      expect({ ...settings }).toEqual(before);
      return { error: e };
    }
    return { ...settings };
  }
  return { incomplete: true };
}

describe("applySettings table: whole, split at every point, byte by byte", () => {
  for (const row of CASES) {
    test(row.name, () => {
      const data = frameBytes(FRAME_SETTINGS, 0, 0, entryBytes(row.entries));
      const whole = settleInPieces(data, [data.length]);
      if ("error" in row.expect) expect(whole).toEqual(row.expect);
      else expect(whole).toEqual({ ...DEFAULTS, ...row.expect });
      for (const [way, cuts] of everySplit(data.length)) {
        const outcome = settleInPieces(data, cuts);
        if (!Bun.deepEquals(outcome, whole)) throw new Error(`${way}: ${JSON.stringify(outcome)} differs from whole`);
      }
    });
  }
});

describe("the initial window before the last SETTINGS stays readable (§6.9.2)", () => {
  test("previousInitialWindowSize follows each application; an unchanged window reads as no change", () => {
    const s = new PeerSettings();
    const apply = (entries: Entry[]) => {
      const b = Uint8Array.from(entryBytes(entries));
      return applySettings(b, 0, b.length, s);
    };
    expect(apply([[SETTINGS_INITIAL_WINDOW_SIZE, 100]])).toBe(0);
    expect([s.previousInitialWindowSize, s.initialWindowSize]).toEqual([65535, 100]);
    expect(apply([[SETTINGS_INITIAL_WINDOW_SIZE, 200_000]])).toBe(0);
    expect([s.previousInitialWindowSize, s.initialWindowSize]).toEqual([100, 200_000]);
    expect(apply([[SETTINGS_MAX_CONCURRENT_STREAMS, 1]])).toBe(0);
    expect([s.previousInitialWindowSize, s.initialWindowSize]).toEqual([200_000, 200_000]);
    s.reset();
    expect({ ...s }).toEqual(DEFAULTS);
  });

  test("a SETTINGS ACK carries nothing to apply", () => {
    const data = frameBytes(FRAME_SETTINGS, FLAG_ACK, 0, []);
    const frame = new Frame();
    expect(parseFrame(data, 0, data.length, MAX_FRAME, frame)).toBe(9);
    const s = new PeerSettings();
    expect(applySettings(data, frame.payloadStart, frame.payloadEnd, s)).toBe(0);
    expect({ ...s }).toEqual(DEFAULTS);
  });
});
