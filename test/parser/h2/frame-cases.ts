/**
 * The frame table: every type, valid and each invalid shape parseFrame decides (RFC 9113 §4.2,
 * §6.x), padded and not, with priority and not, unknown types, the largest sizes. Each row is one
 * frame's bytes and the outcome a one-shot parse gives with MAX_FRAME (16384) as the limit.
 */
import {
  E_H2_BAD_PADDING,
  E_H2_BAD_PING_LENGTH,
  E_H2_BAD_PRIORITY_LENGTH,
  E_H2_BAD_RST_STREAM_LENGTH,
  E_H2_BAD_SETTINGS_LENGTH,
  E_H2_BAD_WINDOW_UPDATE_LENGTH,
  E_H2_FRAME_TOO_LARGE,
  E_H2_FRAME_TOO_SHORT,
  E_H2_SELF_DEPENDENCY,
  E_H2_SETTINGS_ACK_WITH_PAYLOAD,
  E_H2_STREAM_ID_FORBIDDEN,
  E_H2_STREAM_ID_REQUIRED,
  E_H2_ZERO_CONNECTION_WINDOW_INCREMENT,
  E_H2_ZERO_WINDOW_INCREMENT,
} from "../../../src/parser/h2/errors.ts";
import {
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLAG_PRIORITY,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_PRIORITY,
  FRAME_PUSH_PROMISE,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  FRAME_WINDOW_UPDATE,
} from "../../../src/parser/h2/frame.ts";

/** The SETTINGS_MAX_FRAME_SIZE every row is parsed with. */
export const MAX_FRAME = 16384;

/** A frame's fields as plain data (the payload as latin1 text of the span parseFrame gave). */
export interface FrameFields {
  consumed: number;
  length: number;
  type: number;
  flags: number;
  streamId: number;
  payload: string;
  padLength: number;
  dependency: number;
  exclusive: boolean;
  weight: number;
  promisedStreamId: number;
}

/** What a parse comes to: a frame, or an error (with the stream id and length for a stream error). */
export type FrameOutcome =
  | { error: number }
  | { streamError: number; streamId: number; length: number }
  | { incomplete: true }
  | FrameFields;

export interface FrameCase {
  name: string;
  input: Uint8Array;
  expect: { error: number } | { streamError: number; streamId: number; length: number } | Partial<FrameFields>;
}

/** Big-endian bytes of `value` in `n` bytes. */
export function be(value: number, n: number): number[] {
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(Math.floor(value / 2 ** (8 * i)) & 0xff);
  return out;
}

/** A frame's bytes: header (length taken from the payload unless given) and payload. */
export function frameBytes(type: number, flags: number, streamId: number, payload: number[] | string, length?: number): Uint8Array {
  const body = typeof payload === "string" ? Array.from(payload, (c) => c.charCodeAt(0)) : payload;
  return Uint8Array.from([...be(length ?? body.length, 3), type, flags, ...be(streamId, 4), ...body]);
}

const text = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const zeros = (n: number) => new Array<number>(n).fill(0);
/** Priority fields: exclusive bit, dependency, weight byte (§6.2). */
const prio = (exclusive: boolean, dependency: number, weightByte: number) => [...be(dependency + (exclusive ? 2 ** 31 : 0), 4), weightByte];

const ok = (fields: Partial<FrameFields>) => fields;
const err = (error: number) => ({ error });

export const FRAME_CASES: FrameCase[] = [
  // ── DATA §6.1 ──
  {
    name: "DATA",
    input: frameBytes(FRAME_DATA, 0, 1, "hello"),
    expect: ok({ consumed: 14, type: FRAME_DATA, streamId: 1, payload: "hello", padLength: 0 }),
  },
  {
    name: "DATA empty with END_STREAM",
    input: frameBytes(FRAME_DATA, FLAG_END_STREAM, 3, ""),
    expect: ok({ consumed: 9, flags: 1, payload: "" }),
  },
  {
    name: "DATA padded",
    input: frameBytes(FRAME_DATA, FLAG_PADDED, 1, [3, ...text("abc"), 0, 0, 0]),
    expect: ok({ consumed: 16, length: 7, payload: "abc", padLength: 3 }),
  },
  {
    name: "DATA padded, pad length 0",
    input: frameBytes(FRAME_DATA, FLAG_PADDED, 1, [0, ...text("ab")]),
    expect: ok({ payload: "ab", padLength: 0 }),
  },
  {
    name: "DATA padded, all padding (data empty)",
    input: frameBytes(FRAME_DATA, FLAG_PADDED, 1, [4, 0, 0, 0, 0]),
    expect: ok({ payload: "", padLength: 4 }),
  },
  {
    name: "DATA padded, nonzero padding bytes accepted",
    input: frameBytes(FRAME_DATA, FLAG_PADDED, 1, [1, 0x61, 0xff]),
    expect: ok({ payload: "a", padLength: 1 }),
  },
  {
    name: "DATA padded, padding = payload length",
    input: frameBytes(FRAME_DATA, FLAG_PADDED, 1, [5, 0, 0, 0, 0]),
    expect: err(E_H2_BAD_PADDING),
  },
  { name: "DATA padded, padding past the payload", input: frameBytes(FRAME_DATA, FLAG_PADDED, 1, [200, 1]), expect: err(E_H2_BAD_PADDING) },
  { name: "DATA padded, no Pad Length byte", input: frameBytes(FRAME_DATA, FLAG_PADDED, 1, []), expect: err(E_H2_FRAME_TOO_SHORT) },
  { name: "DATA on stream 0", input: frameBytes(FRAME_DATA, 0, 0, "x"), expect: err(E_H2_STREAM_ID_REQUIRED) },
  {
    name: "DATA, reserved bit set: ignored",
    input: frameBytes(FRAME_DATA, 0, 2 ** 31 + 5, "x"),
    expect: ok({ streamId: 5, payload: "x" }),
  },
  { name: "DATA, largest stream id", input: frameBytes(FRAME_DATA, 0, 2 ** 31 - 1, "x"), expect: ok({ streamId: 2 ** 31 - 1 }) },
  {
    name: "DATA, stream 0 with only the reserved bit",
    input: frameBytes(FRAME_DATA, 0, 2 ** 31, "x"),
    expect: err(E_H2_STREAM_ID_REQUIRED),
  },
  {
    name: "DATA of exactly the max frame size",
    input: frameBytes(FRAME_DATA, 0, 1, zeros(MAX_FRAME)),
    expect: ok({ consumed: 9 + MAX_FRAME, length: MAX_FRAME }),
  },
  {
    name: "DATA one byte over the max frame size",
    input: frameBytes(FRAME_DATA, 0, 1, zeros(MAX_FRAME + 1)),
    expect: err(E_H2_FRAME_TOO_LARGE),
  },
  { name: "DATA announcing 2^24-1 (header only)", input: frameBytes(FRAME_DATA, 0, 1, [], 0xffffff), expect: err(E_H2_FRAME_TOO_LARGE) },
  { name: "DATA, undefined flags kept", input: frameBytes(FRAME_DATA, 0xf6, 1, "z"), expect: ok({ flags: 0xf6, payload: "z" }) },

  // ── HEADERS §6.2 ──
  {
    name: "HEADERS",
    input: frameBytes(FRAME_HEADERS, FLAG_END_HEADERS, 1, [0x82, 0x84]),
    expect: ok({ consumed: 11, type: FRAME_HEADERS, flags: 4, payload: "\x82\x84", weight: 16 }),
  },
  {
    name: "HEADERS with priority",
    input: frameBytes(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_PRIORITY, 3, [...prio(true, 1, 255), 0x82]),
    expect: ok({ payload: "\x82", dependency: 1, exclusive: true, weight: 256, padLength: 0 }),
  },
  {
    name: "HEADERS with priority, not exclusive, weight 1",
    input: frameBytes(FRAME_HEADERS, FLAG_PRIORITY, 5, [...prio(false, 0, 0), 0x82, 0x86]),
    expect: ok({ payload: "\x82\x86", dependency: 0, exclusive: false, weight: 1 }),
  },
  {
    name: "HEADERS padded with priority",
    input: frameBytes(FRAME_HEADERS, FLAG_PADDED | FLAG_PRIORITY | FLAG_END_STREAM, 7, [2, ...prio(false, 3, 15), 0x82, 0, 0]),
    expect: ok({ length: 9, payload: "\x82", padLength: 2, dependency: 3, weight: 16 }),
  },
  { name: "HEADERS padded", input: frameBytes(FRAME_HEADERS, FLAG_PADDED, 1, [1, 0x82, 0]), expect: ok({ payload: "\x82", padLength: 1 }) },
  {
    name: "HEADERS padded, empty fragment",
    input: frameBytes(FRAME_HEADERS, FLAG_PADDED, 1, [2, 0, 0]),
    expect: ok({ payload: "", padLength: 2 }),
  },
  { name: "HEADERS padded, padding too long", input: frameBytes(FRAME_HEADERS, FLAG_PADDED, 1, [3, 0, 0]), expect: err(E_H2_BAD_PADDING) },
  {
    name: "HEADERS padded with priority, padding over the priority fields",
    input: frameBytes(FRAME_HEADERS, FLAG_PADDED | FLAG_PRIORITY, 1, [1, ...prio(false, 0, 0)]),
    expect: err(E_H2_BAD_PADDING),
  },
  {
    name: "HEADERS priority flag, 4 bytes only",
    input: frameBytes(FRAME_HEADERS, FLAG_PRIORITY, 1, [0, 0, 0, 0]),
    expect: err(E_H2_FRAME_TOO_SHORT),
  },
  {
    name: "HEADERS padded + priority, 5 bytes",
    input: frameBytes(FRAME_HEADERS, FLAG_PADDED | FLAG_PRIORITY, 1, [0, 0, 0, 0, 0]),
    expect: err(E_H2_FRAME_TOO_SHORT),
  },
  {
    name: "HEADERS depending on its own stream",
    input: frameBytes(FRAME_HEADERS, FLAG_PRIORITY | FLAG_END_HEADERS, 9, [...prio(false, 9, 0), 0x82]),
    expect: { streamError: E_H2_SELF_DEPENDENCY, streamId: 9, length: 6 },
  },
  {
    name: "HEADERS depending exclusively on its own stream",
    input: frameBytes(FRAME_HEADERS, FLAG_PRIORITY, 9, prio(true, 9, 0)),
    expect: { streamError: E_H2_SELF_DEPENDENCY, streamId: 9, length: 5 },
  },
  { name: "HEADERS on stream 0", input: frameBytes(FRAME_HEADERS, FLAG_END_HEADERS, 0, [0x82]), expect: err(E_H2_STREAM_ID_REQUIRED) },
  { name: "HEADERS, the max frame size", input: frameBytes(FRAME_HEADERS, 0, 1, zeros(MAX_FRAME)), expect: ok({ length: MAX_FRAME }) },
  { name: "HEADERS over the max frame size", input: frameBytes(FRAME_HEADERS, 0, 1, [], MAX_FRAME + 1), expect: err(E_H2_FRAME_TOO_LARGE) },

  // ── PRIORITY §6.3 ──
  {
    name: "PRIORITY",
    input: frameBytes(FRAME_PRIORITY, 0, 3, prio(false, 1, 31)),
    expect: ok({ consumed: 14, payload: "\x00\x00\x00\x01\x1f", dependency: 1, weight: 32 }),
  },
  {
    name: "PRIORITY exclusive on stream 0's child",
    input: frameBytes(FRAME_PRIORITY, 0, 5, prio(true, 0, 0)),
    expect: ok({ exclusive: true, dependency: 0, weight: 1 }),
  },
  {
    name: "PRIORITY length 4",
    input: frameBytes(FRAME_PRIORITY, 0, 3, [0, 0, 0, 1]),
    expect: { streamError: E_H2_BAD_PRIORITY_LENGTH, streamId: 3, length: 4 },
  },
  {
    name: "PRIORITY length 6",
    input: frameBytes(FRAME_PRIORITY, 0, 3, [0, 0, 0, 1, 0, 0]),
    expect: { streamError: E_H2_BAD_PRIORITY_LENGTH, streamId: 3, length: 6 },
  },
  { name: "PRIORITY on stream 0", input: frameBytes(FRAME_PRIORITY, 0, 0, prio(false, 1, 0)), expect: err(E_H2_STREAM_ID_REQUIRED) },
  {
    name: "PRIORITY depending on itself",
    input: frameBytes(FRAME_PRIORITY, 0, 7, prio(false, 7, 0)),
    expect: { streamError: E_H2_SELF_DEPENDENCY, streamId: 7, length: 5 },
  },

  // ── RST_STREAM §6.4 ──
  { name: "RST_STREAM", input: frameBytes(FRAME_RST_STREAM, 0, 1, be(8, 4)), expect: ok({ consumed: 13, payload: "\x00\x00\x00\x08" }) },
  { name: "RST_STREAM length 3", input: frameBytes(FRAME_RST_STREAM, 0, 1, [0, 0, 8]), expect: err(E_H2_BAD_RST_STREAM_LENGTH) },
  { name: "RST_STREAM length 5", input: frameBytes(FRAME_RST_STREAM, 0, 1, [0, 0, 0, 8, 0]), expect: err(E_H2_BAD_RST_STREAM_LENGTH) },
  { name: "RST_STREAM on stream 0", input: frameBytes(FRAME_RST_STREAM, 0, 0, be(8, 4)), expect: err(E_H2_STREAM_ID_REQUIRED) },

  // ── SETTINGS §6.5 ──
  { name: "SETTINGS empty", input: frameBytes(FRAME_SETTINGS, 0, 0, []), expect: ok({ consumed: 9, type: FRAME_SETTINGS }) },
  {
    name: "SETTINGS two entries",
    input: frameBytes(FRAME_SETTINGS, 0, 0, [0, 3, ...be(100, 4), 0, 4, ...be(65535, 4)]),
    expect: ok({ length: 12 }),
  },
  { name: "SETTINGS ACK", input: frameBytes(FRAME_SETTINGS, FLAG_ACK, 0, []), expect: ok({ flags: FLAG_ACK, length: 0 }) },
  {
    name: "SETTINGS ACK with a payload",
    input: frameBytes(FRAME_SETTINGS, FLAG_ACK, 0, zeros(6)),
    expect: err(E_H2_SETTINGS_ACK_WITH_PAYLOAD),
  },
  { name: "SETTINGS length 5", input: frameBytes(FRAME_SETTINGS, 0, 0, zeros(5)), expect: err(E_H2_BAD_SETTINGS_LENGTH) },
  { name: "SETTINGS length 7", input: frameBytes(FRAME_SETTINGS, 0, 0, zeros(7)), expect: err(E_H2_BAD_SETTINGS_LENGTH) },
  { name: "SETTINGS on stream 1", input: frameBytes(FRAME_SETTINGS, 0, 1, []), expect: err(E_H2_STREAM_ID_FORBIDDEN) },
  { name: "SETTINGS on stream 0 with the reserved bit", input: frameBytes(FRAME_SETTINGS, 0, 2 ** 31, []), expect: ok({ streamId: 0 }) },

  // ── PUSH_PROMISE §6.6 (a client's; parsed so the connection can refuse it) ──
  {
    name: "PUSH_PROMISE",
    input: frameBytes(FRAME_PUSH_PROMISE, FLAG_END_HEADERS, 1, [...be(2, 4), 0x82]),
    expect: ok({ promisedStreamId: 2, payload: "\x82" }),
  },
  {
    name: "PUSH_PROMISE padded",
    input: frameBytes(FRAME_PUSH_PROMISE, FLAG_PADDED, 1, [1, ...be(2 ** 31 + 4, 4), 0x82, 0]),
    expect: ok({ promisedStreamId: 4, payload: "\x82", padLength: 1 }),
  },
  { name: "PUSH_PROMISE 3 bytes", input: frameBytes(FRAME_PUSH_PROMISE, 0, 1, [0, 0, 2]), expect: err(E_H2_FRAME_TOO_SHORT) },
  {
    name: "PUSH_PROMISE padding over the promised id",
    input: frameBytes(FRAME_PUSH_PROMISE, FLAG_PADDED, 1, [1, 0, 0, 0, 2]),
    expect: err(E_H2_BAD_PADDING),
  },
  { name: "PUSH_PROMISE on stream 0", input: frameBytes(FRAME_PUSH_PROMISE, 0, 0, be(2, 4)), expect: err(E_H2_STREAM_ID_REQUIRED) },

  // ── PING §6.7 ──
  { name: "PING", input: frameBytes(FRAME_PING, 0, 0, "12345678"), expect: ok({ consumed: 17, payload: "12345678" }) },
  { name: "PING ACK", input: frameBytes(FRAME_PING, FLAG_ACK, 0, "abcdefgh"), expect: ok({ flags: FLAG_ACK, payload: "abcdefgh" }) },
  { name: "PING length 7", input: frameBytes(FRAME_PING, 0, 0, "1234567"), expect: err(E_H2_BAD_PING_LENGTH) },
  { name: "PING length 9", input: frameBytes(FRAME_PING, 0, 0, "123456789"), expect: err(E_H2_BAD_PING_LENGTH) },
  { name: "PING on stream 1", input: frameBytes(FRAME_PING, 0, 1, "12345678"), expect: err(E_H2_STREAM_ID_FORBIDDEN) },

  // ── GOAWAY §6.8 ──
  { name: "GOAWAY", input: frameBytes(FRAME_GOAWAY, 0, 0, [...be(7, 4), ...be(0, 4)]), expect: ok({ consumed: 17, length: 8 }) },
  {
    name: "GOAWAY with debug data",
    input: frameBytes(FRAME_GOAWAY, 0, 0, [...be(7, 4), ...be(1, 4), ...text("why")]),
    expect: ok({ length: 11 }),
  },
  { name: "GOAWAY 7 bytes", input: frameBytes(FRAME_GOAWAY, 0, 0, zeros(7)), expect: err(E_H2_FRAME_TOO_SHORT) },
  { name: "GOAWAY on stream 3", input: frameBytes(FRAME_GOAWAY, 0, 3, zeros(8)), expect: err(E_H2_STREAM_ID_FORBIDDEN) },

  // ── WINDOW_UPDATE §6.9 ──
  {
    name: "WINDOW_UPDATE on a stream",
    input: frameBytes(FRAME_WINDOW_UPDATE, 0, 1, be(1000, 4)),
    expect: ok({ consumed: 13, streamId: 1 }),
  },
  {
    name: "WINDOW_UPDATE on the connection, largest increment",
    input: frameBytes(FRAME_WINDOW_UPDATE, 0, 0, be(2 ** 31 - 1, 4)),
    expect: ok({ streamId: 0 }),
  },
  {
    name: "WINDOW_UPDATE increment 0 on a stream",
    input: frameBytes(FRAME_WINDOW_UPDATE, 0, 3, be(0, 4)),
    expect: { streamError: E_H2_ZERO_WINDOW_INCREMENT, streamId: 3, length: 4 },
  },
  {
    name: "WINDOW_UPDATE increment 0 on the connection",
    input: frameBytes(FRAME_WINDOW_UPDATE, 0, 0, be(0, 4)),
    expect: err(E_H2_ZERO_CONNECTION_WINDOW_INCREMENT),
  },
  {
    name: "WINDOW_UPDATE with only the reserved bit (increment 0)",
    input: frameBytes(FRAME_WINDOW_UPDATE, 0, 1, be(2 ** 31, 4)),
    expect: { streamError: E_H2_ZERO_WINDOW_INCREMENT, streamId: 1, length: 4 },
  },
  { name: "WINDOW_UPDATE length 3", input: frameBytes(FRAME_WINDOW_UPDATE, 0, 1, [0, 0, 1]), expect: err(E_H2_BAD_WINDOW_UPDATE_LENGTH) },
  {
    name: "WINDOW_UPDATE length 5",
    input: frameBytes(FRAME_WINDOW_UPDATE, 0, 0, [0, 0, 0, 1, 0]),
    expect: err(E_H2_BAD_WINDOW_UPDATE_LENGTH),
  },

  // ── CONTINUATION §6.10 ──
  {
    name: "CONTINUATION",
    input: frameBytes(FRAME_CONTINUATION, FLAG_END_HEADERS, 1, [0x82, 0x87]),
    expect: ok({ payload: "\x82\x87", flags: FLAG_END_HEADERS }),
  },
  { name: "CONTINUATION empty", input: frameBytes(FRAME_CONTINUATION, 0, 1, []), expect: ok({ consumed: 9, payload: "" }) },
  { name: "CONTINUATION on stream 0", input: frameBytes(FRAME_CONTINUATION, 0, 0, [0x82]), expect: err(E_H2_STREAM_ID_REQUIRED) },
  {
    name: "CONTINUATION, padded flag has no meaning",
    input: frameBytes(FRAME_CONTINUATION, FLAG_PADDED, 1, [9, 0x82]),
    expect: ok({ payload: "\x09\x82", padLength: 0 }),
  },

  // ── unknown types §4.1, §5.5: parsed whole, left to be ignored ──
  {
    name: "unknown type 0x0a on stream 0",
    input: frameBytes(0x0a, 0xff, 0, "ext"),
    expect: ok({ type: 0x0a, flags: 0xff, payload: "ext" }),
  },
  { name: "unknown type 0xff on a stream", input: frameBytes(0xff, 0, 5, []), expect: ok({ type: 0xff, streamId: 5, consumed: 9 }) },
  { name: "unknown type, max frame size", input: frameBytes(0x42, 0, 0, zeros(MAX_FRAME)), expect: ok({ length: MAX_FRAME }) },
  { name: "unknown type over the max frame size", input: frameBytes(0x42, 0, 0, [], MAX_FRAME + 1), expect: err(E_H2_FRAME_TOO_LARGE) },
];
