import { expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { acceptKey, isValidClientKey } from "../../../src/http/ws/accept-key.ts";
import {
  MAX_CLOSE_REASON,
  MAX_CONTROL_FRAME,
  MAX_SERVER_FRAME_HEAD,
  frameHeadLength,
  writeClose,
  writeFrameHead,
  writePing,
  writePong,
} from "../../../src/http/ws/frame-writer.ts";
import { checkClosePayload, closeCode } from "../../../src/parser/ws/close-payload.ts";
import {
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
} from "../../../src/parser/ws/frame-reader.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test('RFC 6455 §5.7: the unmasked "Hello" head, and the 256-byte and 64 KiB binary heads', () => {
  const out = new Uint8Array(MAX_SERVER_FRAME_HEAD + 2);
  expect(writeFrameHead(out, 1, OPCODE_TEXT, true, false, 5)).toBe(2);
  expect(hex(out.subarray(1, 3))).toBe("8105");
  expect(writeFrameHead(out, 0, OPCODE_BINARY, true, false, 256)).toBe(4);
  expect(hex(out.subarray(0, 4))).toBe("827e0100");
  expect(writeFrameHead(out, 0, OPCODE_BINARY, true, false, 65536)).toBe(10);
  expect(hex(out.subarray(0, 10))).toBe("827f0000000000010000");
});

test("§5.2: minimal length forms at every edge; FIN, RSV1 and the opcode in the first byte", () => {
  const out = new Uint8Array(MAX_SERVER_FRAME_HEAD);
  const cases: [number, string][] = [
    [0, "00"],
    [125, "7d"],
    [126, "7e007e"],
    [65535, "7effff"],
    [65536, "7f0000000000010000"],
    [2 ** 32 + 5, "7f0000000100000005"],
    [2 ** 53 - 1, "7f001fffffffffffff"],
  ];
  for (const [length, tail] of cases) {
    const n = writeFrameHead(out, 0, OPCODE_BINARY, true, false, length);
    expect(n).toBe(frameHeadLength(length));
    expect(hex(out.subarray(1, n))).toBe(tail);
  }
  writeFrameHead(out, 0, OPCODE_TEXT, false, true, 1);
  expect(out[0]).toBe(0x41);
  writeFrameHead(out, 0, OPCODE_CONTINUATION, true, false, 1);
  expect(out[0]).toBe(0x80);
});

test("ping and pong carry their payload unmasked; more than 125 bytes is a RangeError", () => {
  const out = new Uint8Array(MAX_CONTROL_FRAME + 4);
  const payload = Uint8Array.of(9, 1, 2, 3, 9);
  expect(writePing(out, 2, payload, 1, 4)).toBe(5);
  expect(hex(out.subarray(2, 7))).toBe(`${(0x80 | OPCODE_PING).toString(16)}03010203`);
  expect(writePong(out, 0, payload, 0, 0)).toBe(2);
  expect(hex(out.subarray(0, 2))).toBe(`${(0x80 | OPCODE_PONG).toString(16)}00`);
  expect(() => writePing(out, 0, new Uint8Array(126), 0, 126)).toThrow(RangeError);
});

test("close: code and UTF-8 reason, cut on a code point boundary to fit 125 bytes; code 0 is an empty close", () => {
  const out = new Uint8Array(MAX_CONTROL_FRAME);
  let n = writeClose(out, 0, 1000, "bye");
  expect(hex(out.subarray(0, n))).toBe(`88${(5).toString(16).padStart(2, "0")}03e8${Buffer.from("bye").toString("hex")}`);
  n = writeClose(out, 0, 0, "ignored");
  expect(hex(out.subarray(0, n))).toBe("8800");
  // 61 two-byte characters = 122 bytes, then a 3-byte one that does not fit in the 123 left.
  const reason = `${"é".repeat(61)}€`;
  n = writeClose(out, 0, 1001, reason);
  expect(n).toBe(2 + 2 + 122);
  expect(checkClosePayload(out, 2, n)).toBe(0);
  expect(new TextDecoder().decode(out.subarray(4, n))).toBe("é".repeat(61));
  // Emoji (surrogate pairs) are never cut in half; a lone surrogate becomes U+FFFD.
  n = writeClose(out, 0, 4000, "😀".repeat(40));
  expect(n - 4).toBe(120);
  expect(new TextDecoder().decode(out.subarray(4, n))).toBe("😀".repeat(30));
  n = writeClose(out, 0, 1000, "a\ud800b");
  expect(new TextDecoder().decode(out.subarray(4, n))).toBe("a\ufffdb");
  n = writeClose(out, 0, 1011, "x".repeat(500));
  expect(n).toBe(MAX_CONTROL_FRAME);
  expect(n - 4).toBe(MAX_CLOSE_REASON);
  expect(out[0]).toBe(0x80 | OPCODE_CLOSE);
  expect(closeCode(out, 2, n)).toBe(1011);
});

test("writing heads allocates nothing", () => {
  const out = new Uint8Array(64);
  let sink = 0;
  for (let i = 0; i < 10_000; i++) sink += writeFrameHead(out, 0, OPCODE_TEXT, true, false, i * 13);
  Bun.gc(true);
  const before = heapStats().objectCount;
  for (let i = 0; i < 200_000; i++)
    sink += writeFrameHead(out, i & 7, OPCODE_BINARY, true, false, i * 977) + writeClose(out, 0, 1000, "bye");
  expect(heapStats().objectCount - before).toBeLessThan(20);
  expect(sink).toBeGreaterThan(0);
});

test("RFC 6455 §4.2.2: the accept key of the RFC's example, and which client keys are valid", () => {
  expect(acceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  expect(isValidClientKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe(true);
  for (let i = 0; i < 50; i++)
    expect(isValidClientKey(Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"))).toBe(true);
  for (const bad of [
    "",
    "dGhlIHNhbXBsZSBub25jZQ",
    "dGhlIHNhbXBsZSBub25jZR==",
    "dGhlIHNhbXBsZSBub25j",
    "dGhlIHNhbXBsZSBub25jZQ==x",
    "dGhlIHNhbXBsZSBub25jZ!==",
    Buffer.from("17 bytes of stuff").toString("base64"),
  ]) {
    expect(isValidClientKey(bad)).toBe(false);
  }
});
