/**
 * The delimiter counter behind "parts() never drops a part" (issue 19, item 8), as tables: the
 * parts each body opens, replayed at every split point and byte by byte (the count must equal the
 * one-shot count, and the copies must be the body), and the boundary parameter as parsed from a
 * Content-Type (RFC 2046 §5.1.1: 1–70 bchars; RFC 9110 §5.6.6 parameters).
 */
import { describe, expect, test } from "bun:test";
import { DelimiterCounter, multipartBoundary } from "../../src/servers/multipart-delimiters.ts";

/** name, boundary, body, parts opened, close delimiter seen. */
const BODIES: [string, string, string, number, boolean][] = [
  ["one part", "xx", "--xx\r\nA: b\r\n\r\nv\r\n--xx--\r\n", 1, true],
  ["a preamble, two parts", "xx", "pre\r\n--xx\r\nA: b\r\n\r\nv\r\n--xx\r\nA: c\r\n\r\nw\r\n--xx--", 2, true],
  ["no parts at all", "xx", "--xx--\r\n", 0, true],
  ["the epilogue does not count", "xx", "--xx\r\n\r\nv\r\n--xx--\r\nepi\r\n--xx\r\n\r\nz\r\n--xx--\r\n", 1, true],
  ["--xx not after CRLF is content", "xx", "--xx\r\n\r\na--xx b --xx\n--xx\r--xx\r\n--xx--", 1, true],
  ["a delimiter followed by junk still opens a part", "xx", "--xx\r\n\r\nv\r\n--xx is junk\r\n--xx--", 2, true],
  ["a longer boundary after a shorter one's text", "xx", "--xx\r\n\r\nv\r\n--xxx\r\n--xx--", 2, true],
  ["a single dash after the delimiter is not the close", "xx", "--xx\r\n\r\nv\r\n--xx-a\r\n--xx--", 2, true],
  ["no close delimiter yet", "xx", "--xx\r\n\r\nv\r\n--xx\r\n\r\nw", 2, false],
  ["a delimiter at the very end, undecided", "xx", "--xx\r\n\r\nv\r\n--xx", 1, false],
  ["one byte after the last delimiter, undecided", "xx", "--xx\r\n\r\nv\r\n--xx-", 1, false],
  ["boundary characters RFC 2046 allows", "a'()+_,-./:=? b", "--a'()+_,-./:=? b\r\n\r\nv\r\n--a'()+_,-./:=? b--", 1, true],
  ["a boundary that is a prefix of itself repeated", "aa", "--aa\r\n\r\n\r\n--a\r\n--aa\r\n--aa--", 2, true],
];

function countOnce(boundary: string, body: Buffer): [number, boolean] {
  const c = new DelimiterCounter(boundary);
  c.take(body);
  return [c.opened, c.closed];
}

/** Feeds `pieces`; checks that the copies put together are the body. */
function countPieces(boundary: string, body: Buffer, pieces: Buffer[]): [number, boolean] {
  const c = new DelimiterCounter(boundary);
  const copies = pieces.map((p) => c.take(p));
  expect(Buffer.concat(copies).equals(body)).toBe(true);
  return [c.opened, c.closed];
}

describe("DelimiterCounter", () => {
  for (const [name, boundary, text, opened, closed] of BODIES) {
    test(`${name}: whole, at every split point, byte by byte`, () => {
      const body = Buffer.from(text, "latin1");
      expect(countOnce(boundary, body)).toEqual([opened, closed]);
      for (let at = 0; at <= body.length; at++) {
        expect(countPieces(boundary, body, [body.subarray(0, at), body.subarray(at)])).toEqual([opened, closed]);
      }
      const bytes = Array.from({ length: body.length }, (_, i) => body.subarray(i, i + 1));
      expect(countPieces(boundary, body, bytes)).toEqual([opened, closed]);
    });
  }

  test("a copy is a copy: changing the piece afterwards changes nothing", () => {
    const c = new DelimiterCounter("xx");
    const piece = Buffer.from("--xx\r\nabc");
    const copy = c.take(piece);
    piece.fill(0);
    expect(copy.toString("latin1")).toBe("--xx\r\nabc");
  });
});

describe("multipartBoundary", () => {
  const ROWS: [string, string | null][] = [
    ["multipart/form-data; boundary=xx", "xx"],
    ["multipart/form-data;boundary=----WebKitFormBoundaryAbC123", "----WebKitFormBoundaryAbC123"],
    ['multipart/form-data; boundary="a b:c"', "a b:c"],
    ["multipart/form-data; charset=utf-8; Boundary=X1", "X1"],
    ['multipart/form-data; x="a;boundary=evil"; boundary=good', "good"],
    [`multipart/form-data; boundary=${"b".repeat(70)}`, "b".repeat(70)],
    [`multipart/form-data; boundary=${"b".repeat(71)}`, null],
    ['multipart/form-data; boundary="ab "', null],
    ['multipart/form-data; boundary="a\\"b"', null],
    ["multipart/form-data; boundary=a@b", null],
    ['multipart/form-data; boundary="a@b"', null],
    ["multipart/form-data; boundary=", null],
    ["multipart/form-data", null],
    ["multipart/form-data; boundary = xx", null],
  ];
  for (const [contentType, boundary] of ROWS) {
    test(`${JSON.stringify(contentType).slice(0, 70)} → ${JSON.stringify(boundary)}`, () => {
      expect(multipartBoundary(contentType)).toBe(boundary);
    });
  }
});
