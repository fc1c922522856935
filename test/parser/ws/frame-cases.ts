/**
 * The client frame table: every rule WsFrameReader decides (RFC 6455 §5.1, §5.2, §5.5; RFC 7692
 * §6.1), valid and invalid, each size form at its edges, frames back to back. Each row is the
 * bytes a client sends and what a reader hears, read whole.
 */
import {
  E_WS_CONTROL_FRAGMENTED,
  E_WS_CONTROL_TOO_LONG,
  E_WS_FRAME_TOO_BIG,
  E_WS_LENGTH_TOP_BIT,
  E_WS_NON_MINIMAL_LENGTH,
  E_WS_RESERVED_BIT,
  E_WS_RESERVED_OPCODE,
  E_WS_RSV1_NOT_FIRST,
  E_WS_UNMASKED,
} from "../../../src/parser/ws/errors.ts";
import {
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
} from "../../../src/parser/ws/frame-reader.ts";
import type { FrameEvent, ReaderOptions } from "./frame-replay.ts";
import { clientFrame, concat, filler } from "./ws-build.ts";

export interface FrameRow {
  name: string;
  input: Uint8Array;
  options?: ReaderOptions;
  events: FrameEvent[];
  /** The error the reading ends with; 0 when none. */
  error: number;
}

/** A data frame's events when its payload is `p` (none for an empty one). */
function data(opcode: number, p: string, fin = true, rsv1 = false): FrameEvent[] {
  return p.length === 0 ? [["start", opcode, fin, rsv1, 0], ["end"]] : [["start", opcode, fin, rsv1, p.length], ["payload", p], ["end"]];
}

const RESERVED_OPCODES = [3, 4, 5, 6, 7, 11, 12, 13, 14, 15];

export const FRAME_ROWS: FrameRow[] = [
  // ── §5.7's examples and the size forms ──
  {
    name: '§5.7: a single-frame masked text message "Hello"',
    input: Uint8Array.of(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58),
    events: data(OPCODE_TEXT, "Hello"),
    error: 0,
  },
  { name: "empty text frame", input: clientFrame({ opcode: OPCODE_TEXT }), events: data(OPCODE_TEXT, ""), error: 0 },
  { name: "empty binary frame", input: clientFrame({ opcode: OPCODE_BINARY }), events: data(OPCODE_BINARY, ""), error: 0 },
  ...[1, 2, 3, 4, 5, 63, 64, 65, 67, 124, 125].map((n) => ({
    name: `binary, ${n} bytes, 7-bit length`,
    input: clientFrame({ opcode: OPCODE_BINARY, payload: filler(n) }),
    events: data(OPCODE_BINARY, filler(n)),
    error: 0,
  })),
  ...[126, 127, 1000, 65535].map((n) => ({
    name: `binary, ${n} bytes, 16-bit length`,
    input: clientFrame({ opcode: OPCODE_BINARY, payload: filler(n, 3) }),
    events: data(OPCODE_BINARY, filler(n, 3)),
    error: 0,
  })),
  {
    name: "binary, 65536 bytes, 64-bit length",
    input: clientFrame({ opcode: OPCODE_BINARY, payload: filler(65536, 5) }),
    events: data(OPCODE_BINARY, filler(65536, 5)),
    error: 0,
  },
  {
    name: "a zero masking key leaves the payload as sent",
    input: clientFrame({ opcode: OPCODE_TEXT, payload: "plain", key: [0, 0, 0, 0] }),
    events: data(OPCODE_TEXT, "plain"),
    error: 0,
  },
  {
    name: "a 200-byte payload with a key of high bytes (the 32-bit path, every phase)",
    input: clientFrame({ opcode: OPCODE_BINARY, payload: filler(200, 9), key: [0xff, 0x80, 0x01, 0xfe] }),
    events: data(OPCODE_BINARY, filler(200, 9)),
    error: 0,
  },
  // ── fragments: the reader reports them, the message layer judges their order ──
  {
    name: "text in three fragments: FIN clear, continuation, continuation with FIN",
    input: concat(
      clientFrame({ opcode: OPCODE_TEXT, payload: "Hel", fin: false }),
      clientFrame({ opcode: OPCODE_CONTINUATION, payload: "lo", fin: false }),
      clientFrame({ opcode: OPCODE_CONTINUATION, payload: "!" }),
    ),
    events: [...data(OPCODE_TEXT, "Hel", false), ...data(OPCODE_CONTINUATION, "lo", false), ...data(OPCODE_CONTINUATION, "!")],
    error: 0,
  },
  {
    name: "a continuation with no message open is reported, not judged",
    input: clientFrame({ opcode: OPCODE_CONTINUATION, payload: "x" }),
    events: data(OPCODE_CONTINUATION, "x"),
    error: 0,
  },
  {
    name: "a ping between two fragments",
    input: concat(
      clientFrame({ opcode: OPCODE_BINARY, payload: "ab", fin: false }),
      clientFrame({ opcode: OPCODE_PING, payload: "p" }),
      clientFrame({ opcode: OPCODE_CONTINUATION, payload: "cd" }),
    ),
    events: [...data(OPCODE_BINARY, "ab", false), ["control", OPCODE_PING, "p"], ...data(OPCODE_CONTINUATION, "cd")],
    error: 0,
  },
  // ── control frames (§5.5) ──
  { name: "empty ping", input: clientFrame({ opcode: OPCODE_PING }), events: [["control", OPCODE_PING, ""]], error: 0 },
  {
    name: "ping with 125 bytes (the most a control frame carries)",
    input: clientFrame({ opcode: OPCODE_PING, payload: filler(125) }),
    events: [["control", OPCODE_PING, filler(125)]],
    error: 0,
  },
  {
    name: "pong with a payload",
    input: clientFrame({ opcode: OPCODE_PONG, payload: "pong!" }),
    events: [["control", OPCODE_PONG, "pong!"]],
    error: 0,
  },
  {
    name: "close with code 1000 and a reason",
    input: clientFrame({ opcode: OPCODE_CLOSE, payload: "\x03\xe8bye" }),
    events: [["control", OPCODE_CLOSE, "\x03\xe8bye"]],
    error: 0,
  },
  { name: "empty close", input: clientFrame({ opcode: OPCODE_CLOSE }), events: [["control", OPCODE_CLOSE, ""]], error: 0 },
  {
    name: "control frames are not held to the data frame limit",
    input: clientFrame({ opcode: OPCODE_PING, payload: filler(100) }),
    options: { maxFramePayload: 10 },
    events: [["control", OPCODE_PING, filler(100)]],
    error: 0,
  },
  {
    name: "§5.5: a 126-byte ping (16-bit form) is refused from its second byte",
    input: clientFrame({ opcode: OPCODE_PING, payload: filler(126) }),
    events: [],
    error: E_WS_CONTROL_TOO_LONG,
  },
  {
    name: "§5.5: a close with a 64-bit length is refused",
    input: clientFrame({ opcode: OPCODE_CLOSE, payload: "\x03\xe8", form: "64" }),
    events: [],
    error: E_WS_CONTROL_TOO_LONG,
  },
  {
    name: "§5.5: a ping without FIN (fragmented control frame)",
    input: clientFrame({ opcode: OPCODE_PING, payload: "x", fin: false }),
    events: [],
    error: E_WS_CONTROL_FRAGMENTED,
  },
  {
    name: "§5.5: a close without FIN",
    input: clientFrame({ opcode: OPCODE_CLOSE, fin: false }),
    events: [],
    error: E_WS_CONTROL_FRAGMENTED,
  },
  // ── §5.1: masking ──
  {
    name: "§5.1: an unmasked text frame",
    input: clientFrame({ opcode: OPCODE_TEXT, payload: "Hello", masked: false }),
    events: [],
    error: E_WS_UNMASKED,
  },
  { name: "§5.1: an unmasked ping", input: clientFrame({ opcode: OPCODE_PING, masked: false }), events: [], error: E_WS_UNMASKED },
  {
    name: "§5.1: an unmasked frame after a good one: the good one is heard first",
    input: concat(
      clientFrame({ opcode: OPCODE_TEXT, payload: "ok" }),
      clientFrame({ opcode: OPCODE_BINARY, payload: "no", masked: false }),
    ),
    events: data(OPCODE_TEXT, "ok"),
    error: E_WS_UNMASKED,
  },
  // ── §5.2 / RFC 7692 §6.1: reserved bits ──
  {
    name: "RSV1 without permessage-deflate",
    input: clientFrame({ opcode: OPCODE_TEXT, payload: "x", rsv: 4 }),
    events: [],
    error: E_WS_RESERVED_BIT,
  },
  {
    name: "RSV1 on a text frame with permessage-deflate",
    input: clientFrame({ opcode: OPCODE_TEXT, payload: "x", rsv: 4 }),
    options: { allowRsv1: true },
    events: data(OPCODE_TEXT, "x", true, true),
    error: 0,
  },
  {
    name: "RSV1 on a binary first fragment with permessage-deflate, continuation without",
    input: concat(
      clientFrame({ opcode: OPCODE_BINARY, payload: "ab", rsv: 4, fin: false }),
      clientFrame({ opcode: OPCODE_CONTINUATION, payload: "c" }),
    ),
    options: { allowRsv1: true },
    events: [...data(OPCODE_BINARY, "ab", false, true), ...data(OPCODE_CONTINUATION, "c")],
    error: 0,
  },
  {
    name: "RFC 7692 §6.1: RSV1 on a continuation frame",
    input: concat(
      clientFrame({ opcode: OPCODE_BINARY, payload: "ab", rsv: 4, fin: false }),
      clientFrame({ opcode: OPCODE_CONTINUATION, payload: "c", rsv: 4 }),
    ),
    options: { allowRsv1: true },
    events: [["start", OPCODE_BINARY, false, true, 2], ["payload", "ab"], ["end"]],
    error: E_WS_RSV1_NOT_FIRST,
  },
  {
    name: "RFC 7692 §6.1: RSV1 on a ping",
    input: clientFrame({ opcode: OPCODE_PING, rsv: 4 }),
    options: { allowRsv1: true },
    events: [],
    error: E_WS_RSV1_NOT_FIRST,
  },
  { name: "RSV2 set", input: clientFrame({ opcode: OPCODE_TEXT, payload: "x", rsv: 2 }), events: [], error: E_WS_RESERVED_BIT },
  { name: "RSV3 set", input: clientFrame({ opcode: OPCODE_TEXT, payload: "x", rsv: 1 }), events: [], error: E_WS_RESERVED_BIT },
  {
    name: "RSV2 set even with permessage-deflate",
    input: clientFrame({ opcode: OPCODE_BINARY, rsv: 2 }),
    options: { allowRsv1: true },
    events: [],
    error: E_WS_RESERVED_BIT,
  },
  {
    name: "all three reserved bits on a ping",
    input: clientFrame({ opcode: OPCODE_PING, rsv: 7 }),
    events: [],
    error: E_WS_RESERVED_BIT,
  },
  // ── §5.2: reserved opcodes ──
  ...RESERVED_OPCODES.map((opcode) => ({
    name: `§5.2: reserved opcode ${opcode}`,
    input: clientFrame({ opcode, payload: "x" }),
    events: [],
    error: E_WS_RESERVED_OPCODE,
  })),
  {
    name: "§5.2: reserved opcode 11 after a ping",
    input: concat(clientFrame({ opcode: OPCODE_PING, payload: "p" }), clientFrame({ opcode: 11 })),
    events: [["control", OPCODE_PING, "p"]],
    error: E_WS_RESERVED_OPCODE,
  },
  // ── §5.2: lengths ──
  {
    name: "§5.2: 125 in the 16-bit form (not minimal)",
    input: clientFrame({ opcode: OPCODE_BINARY, payload: filler(125), form: "16" }),
    events: [],
    error: E_WS_NON_MINIMAL_LENGTH,
  },
  {
    name: "§5.2: 0 in the 16-bit form (not minimal)",
    input: clientFrame({ opcode: OPCODE_BINARY, form: "16" }),
    events: [],
    error: E_WS_NON_MINIMAL_LENGTH,
  },
  {
    name: "§5.2: 126 in the 16-bit form is minimal",
    input: clientFrame({ opcode: OPCODE_TEXT, payload: filler(126), form: "16" }),
    events: data(OPCODE_TEXT, filler(126)),
    error: 0,
  },
  {
    name: "§5.2: 65535 in the 64-bit form (not minimal)",
    input: clientFrame({ opcode: OPCODE_BINARY, length: 65535, form: "64" }),
    events: [],
    error: E_WS_NON_MINIMAL_LENGTH,
  },
  {
    name: "§5.2: 5 in the 64-bit form (not minimal)",
    input: clientFrame({ opcode: OPCODE_BINARY, payload: "12345", form: "64" }),
    events: [],
    error: E_WS_NON_MINIMAL_LENGTH,
  },
  {
    name: "§5.2: a 64-bit length with its top bit set",
    input: clientFrame({ opcode: OPCODE_BINARY, length: 70000, form: "64", topBit: true }),
    events: [],
    error: E_WS_LENGTH_TOP_BIT,
  },
  {
    name: "§5.2: the largest 64-bit length (2^63 - 1) is over the limit, not a protocol error",
    input: Uint8Array.of(0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4),
    events: [],
    error: E_WS_FRAME_TOO_BIG,
  },
  {
    name: "a frame over the limit is refused from its head, before any payload",
    input: clientFrame({ opcode: OPCODE_BINARY, length: 70_001 }),
    events: [],
    error: E_WS_FRAME_TOO_BIG,
  },
  {
    name: "a frame exactly at the limit is read",
    input: clientFrame({ opcode: OPCODE_BINARY, payload: filler(1000) }),
    options: { maxFramePayload: 1000 },
    events: data(OPCODE_BINARY, filler(1000)),
    error: 0,
  },
  {
    name: "a frame one byte over a small limit",
    input: clientFrame({ opcode: OPCODE_TEXT, payload: filler(11) }),
    options: { maxFramePayload: 10 },
    events: [],
    error: E_WS_FRAME_TOO_BIG,
  },
  {
    name: "a continuation over the limit (the limit is per frame here)",
    input: concat(
      clientFrame({ opcode: OPCODE_TEXT, payload: filler(10), fin: false }),
      clientFrame({ opcode: OPCODE_CONTINUATION, payload: filler(11) }),
    ),
    options: { maxFramePayload: 10 },
    events: data(OPCODE_TEXT, filler(10), false),
    error: E_WS_FRAME_TOO_BIG,
  },
  // ── frames back to back, and heads that stop short ──
  {
    name: "text, ping, binary, pong, close back to back",
    input: concat(
      clientFrame({ opcode: OPCODE_TEXT, payload: "one" }),
      clientFrame({ opcode: OPCODE_PING, payload: "two" }),
      clientFrame({ opcode: OPCODE_BINARY, payload: filler(300) }),
      clientFrame({ opcode: OPCODE_PONG }),
      clientFrame({ opcode: OPCODE_CLOSE, payload: "\x03\xe9" }),
    ),
    events: [
      ...data(OPCODE_TEXT, "one"),
      ["control", OPCODE_PING, "two"],
      ...data(OPCODE_BINARY, filler(300)),
      ["control", OPCODE_PONG, ""],
      ["control", OPCODE_CLOSE, "\x03\xe9"],
    ],
    error: 0,
  },
  {
    name: "a head cut after its first byte waits",
    input: Uint8Array.of(0x81),
    events: [],
    error: 0,
  },
  {
    name: "a 64-bit head cut inside its length waits",
    input: clientFrame({ opcode: OPCODE_BINARY, payload: filler(65536) }).subarray(0, 7),
    events: [],
    error: 0,
  },
  {
    name: "a frame whose payload has not all arrived: the part that did is heard",
    input: clientFrame({ opcode: OPCODE_BINARY, payload: filler(50) }).subarray(0, 30),
    events: [
      ["start", OPCODE_BINARY, true, false, 50],
      ["payload", filler(50).slice(0, 24)],
    ],
    error: 0,
  },
];
