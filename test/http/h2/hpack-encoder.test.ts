import { describe, expect, test } from "bun:test";
import { HpackEncoder } from "../../../src/http/h2/hpack-encoder.ts";
import { encodeResponseHead } from "../../../src/http/h2/head-transcoder.ts";
import { HpackDecoder } from "../../../src/parser/h2/hpack-decoder.ts";
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from "../../../src/parser/h2/hpack-huffman.ts";
import { rng } from "../../../bench/stress/fuzz-cases.ts";
import { tableOf } from "../../parser/h2/hpack-replay.ts";
import { decodeBlock, latin1Bytes } from "./hpack-round-trip.ts";

const HEAD =
  "HTTP/1.1 200 OK\r\n" +
  "Date: Mon, 07 Dec 2026 13:40:00 GMT\r\n" +
  "Server: netsvc\r\n" +
  "Content-Type: text/plain; charset=utf-8\r\n" +
  "Content-Length: 13\r\n" +
  "Connection: keep-alive\r\n" +
  "Keep-Alive: timeout=5\r\n" +
  "X-Frame-Options: DENY\r\n" +
  "\r\n";

const HEAD_FIELDS: [string, string][] = [
  [":status", "200"],
  ["date", "Mon, 07 Dec 2026 13:40:00 GMT"],
  ["server", "netsvc"],
  ["content-type", "text/plain; charset=utf-8"],
  ["content-length", "13"],
  ["x-frame-options", "DENY"],
];

function transcode(encoder: HpackEncoder, head: string): Uint8Array {
  const src = latin1Bytes(head);
  const out = new Uint8Array(2 * src.length + 64);
  const n = encodeResponseHead(src, 0, src.length, encoder, out, 0);
  return out.slice(0, n);
}

describe("Huffman code (RFC 7541 §5.2)", () => {
  test("every octet value round-trips, alone and all 256 in one string", () => {
    const out = new Uint8Array(2048);
    const back = new Uint8Array(512);
    for (let c = 0; c < 256; c++) {
      const src = Uint8Array.of(c);
      const n = huffmanEncode(src, 0, 1, out, 0);
      expect(n).toBe(huffmanEncodedLength(src, 0, 1));
      expect(huffmanDecode(out, 0, n, back, 0)).toBe(1);
      expect(back[0]).toBe(c);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const n = huffmanEncode(all, 0, 256, out, 0);
    expect(huffmanDecode(out, 0, n, back, 0)).toBe(256);
    expect([...back.subarray(0, 256)]).toEqual([...all]);
  });

  test("lowercasing while encoding gives the lowercase string, and the length agrees", () => {
    const src = latin1Bytes("Content-Type");
    const out = new Uint8Array(64);
    const n = huffmanEncode(src, 0, src.length, out, 0, true);
    expect(n).toBe(huffmanEncodedLength(src, 0, src.length, true));
    const back = new Uint8Array(64);
    expect(String.fromCharCode(...back.subarray(0, huffmanDecode(out, 0, n, back, 0)))).toBe("content-type");
  });
});

describe("HpackEncoder and encodeResponseHead", () => {
  test("a response head round-trips: :status first, names lowercased, connection-specific fields dropped", () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    expect(decodeBlock(decoder, transcode(encoder, HEAD))).toEqual(HEAD_FIELDS);
    expect(tableOf(decoder)).toEqual(tableOf(encoder));
  });

  test("a warm table makes a repeated head one byte per field", () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const first = transcode(encoder, HEAD);
    const second = transcode(encoder, HEAD);
    expect(first.length).toBeGreaterThan(60);
    // :status 200 (static), date, server, content-type, content-length, x-frame-options (dynamic).
    expect(second.length).toBe(HEAD_FIELDS.length);
    expect(decodeBlock(decoder, first)).toEqual(HEAD_FIELDS);
    expect(decodeBlock(decoder, second)).toEqual(HEAD_FIELDS);
  });

  test("statuses: the static seven in one byte, others a literal; every one decodes", () => {
    const decoder = new HpackDecoder();
    const encoder = new HpackEncoder();
    const out = new Uint8Array(16);
    for (const code of [100, 200, 204, 206, 301, 302, 304, 400, 404, 418, 500, 503, 599]) {
      const n = encoder.encodeStatus(code, out, 0);
      expect(n).toBe([200, 204, 206, 304, 400, 404, 500].includes(code) ? 1 : 5);
      expect(decodeBlock(decoder, out, 0, n)).toEqual([[":status", String(code)]]);
    }
  });

  test("policy: set-cookie never indexed, long content-length and oversized values not indexed", () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const head =
      "HTTP/1.1 200 OK\r\nSet-Cookie: id=secret\r\nContent-Length: 1234567\r\n" +
      `X-Big: ${"b".repeat(1100)}\r\nContent-Length: 42\r\n\r\n`;
    const block = transcode(encoder, head);
    expect(decodeBlock(decoder, block)).toEqual([
      [":status", "200"],
      ["set-cookie", "id=secret"],
      ["content-length", "1234567"],
      ["x-big", "b".repeat(1100)],
      ["content-length", "42"],
    ]);
    expect(tableOf(decoder)).toEqual([[32 + 14 + 2, "content-length", "42"]]);
    // §6.2.3: set-cookie went out as a never-indexed literal (0001xxxx) with its static name (55).
    expect([block[1]! >> 4, block[1]! & 0x0f, block[2]]).toEqual([1, 0x0f, 55 - 15]);
  });

  test("setPeerTableSize: the next block starts with the smallest and the final size (§4.2), the decoder follows", () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    decodeBlock(decoder, transcode(encoder, HEAD));
    encoder.setPeerTableSize(0);
    encoder.setPeerTableSize(100);
    const block = transcode(encoder, HEAD);
    expect([...block.subarray(0, 3)]).toEqual([0x20, 0x3f, 100 - 31]);
    expect(decodeBlock(decoder, block)).toEqual(HEAD_FIELDS);
    expect(decoder.table.maxSize).toBe(100);
    expect(tableOf(decoder)).toEqual(tableOf(encoder));
    // No change, no update.
    encoder.setPeerTableSize(100);
    expect(transcode(encoder, HEAD)[0]).not.toBe(0x3f);
  });

  test("an encoder capped below 4096 says so in its first block", () => {
    const encoder = new HpackEncoder(256);
    const decoder = new HpackDecoder();
    const block = transcode(encoder, HEAD);
    expect(decodeBlock(decoder, block)).toEqual(HEAD_FIELDS);
    expect(decoder.table.maxSize).toBe(256);
  });

  test("random heads over random peer table sizes: 300 blocks on one connection decode to what was encoded", () => {
    const rand = rng(7);
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const names = [
      "Content-Type",
      "ETag",
      "Cache-Control",
      "X-Request-Id",
      "Set-Cookie",
      "Vary",
      "Last-Modified",
      "Content-Length",
      "Location",
    ];
    for (let i = 0; i < 300; i++) {
      if (rand() < 0.05) encoder.setPeerTableSize(Math.floor(rand() * 5000));
      const fields: [string, string][] = [[":status", String(200 + Math.floor(rand() * 4) * 100 + Math.floor(rand() * 8))]];
      let head = `HTTP/1.1 ${fields[0]![1]} X\r\n`;
      for (let k = Math.floor(rand() * 8); k > 0; k--) {
        const name = names[Math.floor(rand() * names.length)]!;
        const value = rand() < 0.5 ? `v${Math.floor(rand() * 5)}` : "x".repeat(Math.floor(rand() * 300));
        head += `${name}: ${value}\r\n`;
        fields.push([name.toLowerCase(), value]);
      }
      const got = decodeBlock(decoder, transcode(encoder, `${head}\r\n`));
      if (!Bun.deepEquals(got, fields)) throw new Error(`block ${i}: ${JSON.stringify(got)} != ${JSON.stringify(fields)}`);
      expect(tableOf(decoder)).toEqual(tableOf(encoder));
    }
  });
});
