/**
 * The message-level conformance table, in the spirit of the Autobahn testsuite's groups 1–7
 * (framing, pings, reserved bits and opcodes, fragmentation, UTF-8, close): each row is what a
 * client sends and what the WsMessageHandler hears — messages, pings, pongs, then the close or the
 * failure with its close code.
 */
import { compressMessage } from "../../src/http/ws/permessage-deflate.ts";
import {
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
} from "../../src/parser/ws/frame-reader.ts";
import { clientFrame, concat, filler, latin1Of, utf8Bytes } from "../parser/ws/ws-build.ts";

/** What the handler heard, as data (binary as latin1 text). */
export type Heard =
  | ["text", string]
  | ["binary", string]
  | ["ping", string]
  | ["pong", string]
  | ["close", number, string]
  | ["failed", number];

export interface MessageRow {
  /** Autobahn-style group and case, then what it checks. */
  name: string;
  input: Uint8Array;
  heard: Heard[];
  /** The message limit (default 70,000). */
  maxMessage?: number;
  /** permessage-deflate negotiated. */
  deflate?: boolean;
}

const T = OPCODE_TEXT;
const B = OPCODE_BINARY;
const C = OPCODE_CONTINUATION;
const f = clientFrame;
const text = (s: string, fin = true, opcode = T) => f({ opcode, payload: utf8Bytes(s), fin });
const close = (code: number, reason: number[] = []) => f({ opcode: OPCODE_CLOSE, payload: [code >>> 8, code & 0xff, ...reason] });
const CLOSE_1000 = close(1000);
const u8 = (...b: number[]) => Uint8Array.from(b);
/** Autobahn's "κόσμε": its ό is U+1F79 (GREEK SMALL LETTER OMICRON WITH OXIA), bytes E1 BD B9. */
const KOSME = "\u03ba\u1f79\u03c3\u03bc\u03b5";

/** Autobahn 6.x's invalid sequences (each a whole text message). */
const INVALID_UTF8: [string, number[]][] = [
  [
    "6.3.1 κόσμε with a surrogate inside",
    [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64],
  ],
  ["6.6.x truncated 3-byte at the end", [0xce, 0xba, 0xe1, 0xbd]],
  ["6.8.1 5-byte form", [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ["6.9.1 overlong '/'", [0xc0, 0xaf]],
  ["6.10.1 overlong U+007F", [0xc1, 0xbf]],
  ["6.14.x a lone continuation", [0x80]],
  ["6.18.1 surrogate D800", [0xed, 0xa0, 0x80]],
  ["6.21.1 surrogate pair (CESU-8)", [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80]],
  ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ["FE and FF", [0x61, 0xfe, 0xff]],
];

export const MESSAGE_ROWS: MessageRow[] = [
  // ── 1. framing: text and binary at the size edges ──
  ...[0, 125, 126, 127, 128, 65535, 65536].flatMap((n): MessageRow[] => [
    {
      name: `1.1 text of ${n} bytes`,
      input: concat(f({ opcode: T, payload: filler(n) }), CLOSE_1000),
      heard: [
        ["text", filler(n)],
        ["close", 1000, ""],
      ],
    },
    {
      name: `1.2 binary of ${n} bytes`,
      input: concat(f({ opcode: B, payload: filler(n, 1) }), CLOSE_1000),
      heard: [
        ["binary", filler(n, 1)],
        ["close", 1000, ""],
      ],
    },
  ]),
  {
    name: "1.1.8 text of 65536 bytes in chunks of 997 (each frame then read in pieces)",
    input: concat(f({ opcode: T, payload: filler(65536, 2) }), CLOSE_1000),
    heard: [
      ["text", filler(65536, 2)],
      ["close", 1000, ""],
    ],
  },
  // ── 2. pings and pongs ──
  { name: "2.1 empty ping", input: f({ opcode: OPCODE_PING }), heard: [["ping", ""]] },
  { name: "2.2 ping with a text payload", input: f({ opcode: OPCODE_PING, payload: "Hello, world!" }), heard: [["ping", "Hello, world!"]] },
  {
    name: "2.3 ping with a binary payload",
    input: f({ opcode: OPCODE_PING, payload: [0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff] }),
    heard: [["ping", "\x00\xff\xfe\xfd\xfc\xfb\x00\xff"]],
  },
  { name: "2.4 ping with 125 bytes", input: f({ opcode: OPCODE_PING, payload: filler(125) }), heard: [["ping", filler(125)]] },
  { name: "2.5 ping with 126 bytes: 1002", input: f({ opcode: OPCODE_PING, payload: filler(126) }), heard: [["failed", 1002]] },
  { name: "2.7 unsolicited pong", input: f({ opcode: OPCODE_PONG }), heard: [["pong", ""]] },
  {
    name: "2.8 unsolicited pong with a payload",
    input: f({ opcode: OPCODE_PONG, payload: "unsolicited" }),
    heard: [["pong", "unsolicited"]],
  },
  {
    name: "2.10 ten pings in a row",
    input: concat(...Array.from({ length: 10 }, (_, i) => f({ opcode: OPCODE_PING, payload: `p${i}` }))),
    heard: Array.from({ length: 10 }, (_, i): Heard => ["ping", `p${i}`]),
  },
  // ── 3. reserved bits ──
  { name: "3.1 RSV1 on a text frame without deflate: 1002", input: f({ opcode: T, payload: "x", rsv: 4 }), heard: [["failed", 1002]] },
  {
    name: "3.2 RSV2 after a good text: the text, then 1002",
    input: concat(text("ok"), f({ opcode: T, payload: "x", rsv: 2 })),
    heard: [
      ["text", "ok"],
      ["failed", 1002],
    ],
  },
  { name: "3.3 RSV3 on a binary frame: 1002", input: f({ opcode: B, payload: "x", rsv: 1 }), heard: [["failed", 1002]] },
  { name: "3.6 RSV1+RSV3 on a ping: 1002", input: f({ opcode: OPCODE_PING, rsv: 5 }), heard: [["failed", 1002]] },
  { name: "3.7 all RSV bits on a close: 1002", input: f({ opcode: OPCODE_CLOSE, payload: [3, 0xe8], rsv: 7 }), heard: [["failed", 1002]] },
  // ── 4. opcodes ──
  ...[3, 4, 5, 6, 7].map(
    (op): MessageRow => ({ name: `4.1 reserved data opcode ${op}: 1002`, input: f({ opcode: op }), heard: [["failed", 1002]] }),
  ),
  ...[11, 12, 13, 14, 15].map(
    (op): MessageRow => ({
      name: `4.2 reserved control opcode ${op}: 1002`,
      input: f({ opcode: op, payload: "x" }),
      heard: [["failed", 1002]],
    }),
  ),
  {
    name: "4.1.3 reserved opcode after a text and before a ping",
    input: concat(text("a"), f({ opcode: 5 }), f({ opcode: OPCODE_PING })),
    heard: [
      ["text", "a"],
      ["failed", 1002],
    ],
  },
  // ── 5. fragmentation ──
  {
    name: "5.1 a fragmented ping: 1002",
    input: concat(f({ opcode: OPCODE_PING, payload: "frag", fin: false }), f({ opcode: C, payload: "ment" })),
    heard: [["failed", 1002]],
  },
  { name: "5.2 a fragmented pong: 1002", input: f({ opcode: OPCODE_PONG, payload: "x", fin: false }), heard: [["failed", 1002]] },
  { name: "5.3 text in two fragments", input: concat(text("frag", false), text("ment", true, C)), heard: [["text", "fragment"]] },
  {
    name: "5.5 text in many 1-byte fragments",
    input: concat(...[..."fragmented"].map((ch, i, a) => text(ch, i === a.length - 1, i === 0 ? T : C))),
    heard: [["text", "fragmented"]],
  },
  {
    name: "5.6 a ping between text fragments",
    input: concat(text("frag", false), f({ opcode: OPCODE_PING, payload: "p" }), text("ment", true, C)),
    heard: [
      ["ping", "p"],
      ["text", "fragment"],
    ],
  },
  {
    name: "5.7 a pong between binary fragments",
    input: concat(f({ opcode: B, payload: "ab", fin: false }), f({ opcode: OPCODE_PONG }), f({ opcode: C, payload: "cd" })),
    heard: [
      ["pong", ""],
      ["binary", "abcd"],
    ],
  },
  { name: "5.9 a continuation with no message (FIN): 1002", input: f({ opcode: C, payload: "x" }), heard: [["failed", 1002]] },
  {
    name: "5.10 a continuation with no message (no FIN): 1002",
    input: f({ opcode: C, payload: "x", fin: false }),
    heard: [["failed", 1002]],
  },
  {
    name: "5.12 continuation after a whole text: 1002",
    input: concat(text("done"), f({ opcode: C, payload: "x" })),
    heard: [
      ["text", "done"],
      ["failed", 1002],
    ],
  },
  { name: "5.15 a new text while a text is open: 1002", input: concat(text("a", false), text("b")), heard: [["failed", 1002]] },
  {
    name: "5.16 a new binary while a text is open: 1002",
    input: concat(text("a", false), f({ opcode: B, payload: "b" })),
    heard: [["failed", 1002]],
  },
  {
    name: "5.19 empty fragments around a ping",
    input: concat(text("", false), f({ opcode: OPCODE_PING }), text("", false, C), text("x", true, C)),
    heard: [
      ["ping", ""],
      ["text", "x"],
    ],
  },
  {
    name: "5.20 a close between fragments ends the reading",
    input: concat(text("a", false), CLOSE_1000, text("b", true, C)),
    heard: [["close", 1000, ""]],
  },
  // ── 6. UTF-8 ──
  { name: "6.1 empty text", input: text(""), heard: [["text", ""]] },
  { name: "6.2 κόσμε, whole", input: text("κόσμε"), heard: [["text", "κόσμε"]] },
  {
    name: "6.2.2 κόσμε split inside a code point across fragments",
    input: concat(
      f({ opcode: T, payload: [0xce], fin: false }),
      f({ opcode: C, payload: [0xba, 0xe1, 0xbd], fin: false }),
      f({ opcode: C, payload: [0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5] }),
    ),
    heard: [["text", KOSME]],
  },
  {
    name: "6.2.4 a 4-byte code point in 4 fragments",
    input: concat(
      f({ opcode: T, payload: [0xf0], fin: false }),
      f({ opcode: C, payload: [0x9f], fin: false }),
      f({ opcode: C, payload: [0x98], fin: false }),
      f({ opcode: C, payload: [0x80] }),
    ),
    heard: [["text", "😀"]],
  },
  {
    name: "6.x the largest code point U+10FFFF",
    input: f({ opcode: T, payload: [0xf4, 0x8f, 0xbf, 0xbf] }),
    heard: [["text", "\u{10ffff}"]],
  },
  ...INVALID_UTF8.map(
    ([name, bytes]): MessageRow => ({
      name: `${name}: 1007`,
      input: concat(f({ opcode: T, payload: bytes }), CLOSE_1000),
      heard: [["failed", 1007]],
    }),
  ),
  {
    name: "6.4.1 fail fast: invalid in the first fragment, failed before the message's other fragments arrive",
    input: f({ opcode: T, payload: [0xce, 0xba, 0xf4, 0x90], fin: false }),
    heard: [["failed", 1007]],
  },
  {
    name: "6.4.1b fail fast: nothing after the invalid fragment is heard (a ping behind it)",
    input: concat(
      f({ opcode: T, payload: [0xce, 0xba, 0xf4, 0x90], fin: false }),
      f({ opcode: OPCODE_PING, payload: "p" }),
      f({ opcode: C, payload: "never" }),
    ),
    heard: [["failed", 1007]],
  },
  {
    name: "6.4.2 fail fast: a fragment that arrives in part (the invalid byte is enough)",
    input: f({ opcode: T, payload: [0x61, 0xc0, 0x62, 0x63, 0x64] }).subarray(0, 6 + 2),
    heard: [["failed", 1007]],
  },
  { name: "6.x binary is not checked as UTF-8", input: f({ opcode: B, payload: [0xc0, 0xaf, 0xff] }), heard: [["binary", "\xc0\xaf\xff"]] },
  {
    name: "6.x text ending inside a code point: 1007 at FIN",
    input: concat(f({ opcode: T, payload: [0x61, 0xe2, 0x82], fin: false }), f({ opcode: C, payload: [] })),
    heard: [["failed", 1007]],
  },
  // ── 7. close ──
  { name: "7.1.1 close 1000", input: CLOSE_1000, heard: [["close", 1000, ""]] },
  {
    name: "7.1.2 close after text",
    input: concat(text("Hello"), CLOSE_1000),
    heard: [
      ["text", "Hello"],
      ["close", 1000, ""],
    ],
  },
  {
    name: "7.1.3 nothing after a close is read",
    input: concat(CLOSE_1000, text("after"), f({ opcode: OPCODE_PING })),
    heard: [["close", 1000, ""]],
  },
  { name: "7.1.4 nothing after a close, not even garbage", input: concat(CLOSE_1000, u8(0xff, 0xff, 0xff)), heard: [["close", 1000, ""]] },
  { name: "7.3.1 empty close: 1005", input: f({ opcode: OPCODE_CLOSE }), heard: [["close", 1005, ""]] },
  { name: "7.3.2 a 1-byte close: 1002", input: f({ opcode: OPCODE_CLOSE, payload: [0x03] }), heard: [["failed", 1002]] },
  { name: "7.3.4 close with a reason", input: close(1000, [...utf8Bytes("Hello World!")]), heard: [["close", 1000, "Hello World!"]] },
  { name: "7.3.5 close with a 123-byte reason", input: close(1000, [...utf8Bytes(filler(123))]), heard: [["close", 1000, filler(123)]] },
  {
    name: "7.3.6 close with a 124-byte reason (126 payload): 1002",
    input: close(1000, [...utf8Bytes(filler(124))]),
    heard: [["failed", 1002]],
  },
  {
    name: "7.5.1 close with an invalid UTF-8 reason: 1007",
    input: close(1000, [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80]),
    heard: [["failed", 1007]],
  },
  // 1012–1014: registered with IANA after Autobahn's 7.9 listed them as invalid (close-payload.ts).
  ...[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999].map(
    (code): MessageRow => ({ name: `7.7 close ${code}`, input: close(code), heard: [["close", code, ""]] }),
  ),
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000].map(
    (code): MessageRow => ({ name: `7.9 close ${code}: 1002`, input: close(code), heard: [["failed", 1002]] }),
  ),
  // ── masking and limits ──
  { name: "an unmasked text: 1002", input: f({ opcode: T, payload: "x", masked: false }), heard: [["failed", 1002]] },
  {
    // An unmasked head is 4 bytes shorter than a masked one: with a frame after it, the bytes
    // that would be its masking key and payload are there, and must still not be read as one.
    name: "an unmasked text followed by a masked one: 1002",
    input: concat(f({ opcode: T, payload: "hello", masked: false }), text("world")),
    heard: [["failed", 1002]],
  },
  {
    // Read split after the first byte, the rest of the head (0x82 = mask bit and length 2, then a
    // key starting 0x85) looks like the start of a small masked binary frame: only a reader that
    // knows it holds a head's first byte reads it as the text it is.
    name: "a head split after its first byte whose rest looks like a frame's start",
    input: concat(f({ opcode: T, payload: "ab", key: [0x85, 1, 2, 3] }), f({ opcode: T, payload: "hello world" })),
    heard: [
      ["text", "ab"],
      ["text", "hello world"],
    ],
  },
  {
    name: "9.x a message at the limit",
    input: f({ opcode: B, payload: filler(1000) }),
    maxMessage: 1000,
    heard: [["binary", filler(1000)]],
  },
  {
    name: "9.x a frame over the limit: 1009 from its head",
    input: f({ opcode: B, length: 1001 }),
    maxMessage: 1000,
    heard: [["failed", 1009]],
  },
  {
    name: "9.x a small text at a small limit, then one a byte over it: the first, then 1009",
    input: concat(f({ opcode: T, payload: filler(10) }), f({ opcode: T, payload: filler(11) })),
    maxMessage: 10,
    heard: [
      ["text", filler(10)],
      ["failed", 1009],
    ],
  },
  {
    name: "9.x fragments adding up past the limit: 1009 at the fragment that passes it",
    input: concat(f({ opcode: T, payload: filler(600), fin: false }), f({ opcode: C, length: 401, fin: true })),
    maxMessage: 1000,
    heard: [["failed", 1009]],
  },
  {
    name: "9.x fragments adding up to the limit exactly",
    input: concat(f({ opcode: T, payload: filler(600), fin: false }), f({ opcode: C, payload: filler(400, 3) })),
    maxMessage: 1000,
    heard: [["text", filler(600) + filler(400, 3)]],
  },
  // ── 12/13. permessage-deflate ──
  {
    name: "12.1 a compressed text",
    deflate: true,
    input: f({ opcode: T, rsv: 4, payload: compressMessage(utf8Bytes("Hello Hello Hello κόσμε")) }),
    heard: [["text", "Hello Hello Hello κόσμε"]],
  },
  {
    name: "12.2 a compressed binary",
    deflate: true,
    input: f({ opcode: B, rsv: 4, payload: compressMessage(utf8Bytes(filler(5000))) }),
    heard: [["binary", filler(5000)]],
  },
  {
    name: "12.3 a compressed text in three fragments, a ping between",
    deflate: true,
    input: (() => {
      const z = compressMessage(utf8Bytes(filler(3000, 4)));
      const a = Math.floor(z.length / 3);
      return concat(
        f({ opcode: T, rsv: 4, payload: z.subarray(0, a), fin: false }),
        f({ opcode: OPCODE_PING }),
        f({ opcode: C, payload: z.subarray(a, 2 * a), fin: false }),
        f({ opcode: C, payload: z.subarray(2 * a) }),
      );
    })(),
    heard: [
      ["ping", ""],
      ["text", filler(3000, 4)],
    ],
  },
  {
    name: "12.4 an empty compressed message (a single 00 byte)",
    deflate: true,
    input: f({ opcode: T, rsv: 4, payload: [0] }),
    heard: [["text", ""]],
  },
  { name: "12.5 an uncompressed message on a deflate connection", deflate: true, input: text("plain"), heard: [["text", "plain"]] },
  {
    name: "12.6 compressed invalid UTF-8: 1007",
    deflate: true,
    input: f({ opcode: T, rsv: 4, payload: compressMessage(u8(0x61, 0xed, 0xa0, 0x80)) }),
    heard: [["failed", 1007]],
  },
  {
    name: "12.7 compressed data that is not deflate: 1007",
    deflate: true,
    input: f({ opcode: B, rsv: 4, payload: [0xff, 0xff, 0xff, 0xff, 0xff] }),
    heard: [["failed", 1007]],
  },
  {
    name: "12.8 a compressed message that inflates past the limit: 1009",
    deflate: true,
    maxMessage: 10_000,
    input: f({ opcode: B, rsv: 4, payload: compressMessage(new Uint8Array(10_001)) }),
    heard: [["failed", 1009]],
  },
  {
    name: "12.9 a compressed message that inflates to the limit exactly",
    deflate: true,
    maxMessage: 10_000,
    input: f({ opcode: B, rsv: 4, payload: compressMessage(new Uint8Array(10_000)) }),
    heard: [["binary", latin1Of(new Uint8Array(10_000))]],
  },
  {
    name: "12.10 RSV1 on a continuation: 1002",
    deflate: true,
    input: concat(f({ opcode: T, rsv: 4, payload: [0], fin: false }), f({ opcode: C, rsv: 4, payload: [0] })),
    heard: [["failed", 1002]],
  },
];
