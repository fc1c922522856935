import { describe, expect, test } from "bun:test";
import { encodeResponseHead } from "../../../src/http/h2/head-transcoder.ts";
import { HpackEncoder } from "../../../src/http/h2/hpack-encoder.ts";
import { HpackDecoder } from "../../../src/parser/h2/hpack-decoder.ts";
import { heapGrowthPerCall } from "../../helpers/heap-growth.ts";
import { decodeBlock, latin1Bytes } from "./hpack-round-trip.ts";

/** Heads per allocation measurement, and the bound per head (far under one object). */
const SAMPLE_HEADS = 20_000;
const MAX_HEAP_BYTES_PER_HEAD = 8;

/** The head at an offset inside a larger buffer, with other bytes after it (as in an output buffer). */
function transcodeAt(head: string, encoder = new HpackEncoder()): [string, string][] | number {
  const src = latin1Bytes(`junk${head}HTTP/1.1 999 after\r\n`);
  const out = new Uint8Array(2 * src.length + 64 + 7);
  const n = encodeResponseHead(src, 4, 4 + head.length, encoder, out, 7);
  return decodeBlock(new HpackDecoder(), out, 7, n);
}

describe("encodeResponseHead", () => {
  const cases: [string, string, [string, string][]][] = [
    ["status line only", "HTTP/1.1 204 No Content\r\n\r\n", [[":status", "204"]]],
    [
      "HTTP/1.0 status line",
      "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
      [
        [":status", "200"],
        ["content-length", "0"],
      ],
    ],
    ["reason phrase with spaces and an odd status", "HTTP/1.1 418 I'm a teapot\r\n\r\n", [[":status", "418"]]],
    [
      "names lowercased, values kept",
      "HTTP/1.1 200 OK\r\nX-MiXeD: VaLuE\r\n\r\n",
      [
        [":status", "200"],
        ["x-mixed", "VaLuE"],
      ],
    ],
    [
      "whitespace around values trimmed",
      "HTTP/1.1 200 OK\r\nA:  b \t\r\nC:d\r\n\r\n",
      [
        [":status", "200"],
        ["a", "b"],
        ["c", "d"],
      ],
    ],
    [
      "empty value",
      "HTTP/1.1 200 OK\r\nX-Empty:\r\n\r\n",
      [
        [":status", "200"],
        ["x-empty", ""],
      ],
    ],
    [
      "connection-specific fields dropped in any case (RFC 9113 §8.2.2)",
      "HTTP/1.1 200 OK\r\nConnection: close\r\nKEEP-ALIVE: timeout=5\r\nProxy-Connection: x\r\nTransfer-Encoding: chunked\r\nUpgrade: h2c\r\nVary: Accept\r\n\r\n",
      [
        [":status", "200"],
        ["vary", "Accept"],
      ],
    ],
    [
      "repeated fields kept in order",
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n",
      [
        [":status", "200"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
      ],
    ],
    [
      "head without its final empty line ends at end",
      "HTTP/1.1 200 OK\r\nA: b\r\n",
      [
        [":status", "200"],
        ["a", "b"],
      ],
    ],
  ];
  for (const [name, head, fields] of cases) {
    test(name, () => {
      expect(transcodeAt(head)).toEqual(fields);
    });
  }

  test(`a warm head allocates nothing (< ${MAX_HEAP_BYTES_PER_HEAD} B/head over ${SAMPLE_HEADS})`, () => {
    const src = latin1Bytes(
      "HTTP/1.1 200 OK\r\nDate: Mon, 07 Dec 2026 13:40:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n",
    );
    const out = new Uint8Array(2 * src.length + 64);
    const encoder = new HpackEncoder();
    expect(encodeResponseHead(src, 0, src.length, encoder, out, 0)).toBeGreaterThan(20);
    expect(encodeResponseHead(src, 0, src.length, encoder, out, 0)).toBe(4);
    expect(heapGrowthPerCall(() => encodeResponseHead(src, 0, src.length, encoder, out, 0), SAMPLE_HEADS)).toBeLessThan(
      MAX_HEAP_BYTES_PER_HEAD,
    );
  });

  test("a cold head (literals, Huffman, inserts) allocates nothing either", () => {
    const src = latin1Bytes(
      "HTTP/1.1 302 Found\r\nLocation: https://example.com/somewhere/else\r\nSet-Cookie: id=abc\r\nX-Id: 12345\r\n\r\n",
    );
    const out = new Uint8Array(2 * src.length + 64);
    const encoder = new HpackEncoder();
    const cold = () => {
      encoder.setPeerTableSize(0);
      encoder.setPeerTableSize(4096);
      return encodeResponseHead(src, 0, src.length, encoder, out, 0);
    };
    expect(cold()).toBeGreaterThan(40);
    expect(heapGrowthPerCall(cold, SAMPLE_HEADS)).toBeLessThan(MAX_HEAP_BYTES_PER_HEAD);
  });
});
