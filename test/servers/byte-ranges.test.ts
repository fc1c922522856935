/** Range parsing (RFC 9110 §14.1.2) and the multipart/byteranges layout, as tables. */
import { describe, expect, test } from "bun:test";
import { contentRange, multipartBody, MULTIPART_TYPE, parseRange, UNSATISFIABLE } from "../../src/servers/byte-ranges.ts";
import { MAX_RANGES } from "../../src/servers/file-limits.ts";

const SIZE = 1000;

describe("parseRange against a 1000-byte file", () => {
  const rows: [string, string, [number, number][] | "ignore" | "416"][] = [
    // name, field, expected [start, end) list
    ["one range", "bytes=0-9", [[0, 10]]],
    ["a last byte past the end is clamped", "bytes=990-5000", [[990, 1000]]],
    ["an open range", "bytes=995-", [[995, 1000]]],
    ["a suffix range", "bytes=-10", [[990, 1000]]],
    ["a suffix longer than the file is the whole file", "bytes=-5000", [[0, 1000]]],
    [
      "the unit is case-insensitive, spaces around elements allowed",
      "Bytes= 0-0 , 500-509",
      [
        [0, 1],
        [500, 510],
      ],
    ],
    [
      "ranges are sorted",
      "bytes=500-509,0-9",
      [
        [0, 10],
        [500, 510],
      ],
    ],
    ["overlapping ranges are merged (never more bytes than the file)", "bytes=0-499,100-999,0-999", [[0, 1000]]],
    ["ranges within the merge gap are merged", "bytes=0-9,20-29", [[0, 30]]],
    ["an unsatisfiable range among satisfiable ones is dropped", "bytes=2000-3000,0-0", [[0, 1]]],
    ["a first byte at the end", "bytes=1000-", "416"],
    ["a first byte past the end", "bytes=5000-6000", "416"],
    ["a zero suffix", "bytes=-0", "416"],
    ["another unit", "items=0-9", "ignore"],
    ["no equals sign", "bytes 0-9", "ignore"],
    ["last before first", "bytes=9-0", "ignore"],
    ["a sign", "bytes=+1-9", "ignore"],
    ["letters", "bytes=a-b", "ignore"],
    ["no dash", "bytes=10", "ignore"],
    ["a bare dash", "bytes=-", "ignore"],
    ["nothing after the unit", "bytes=", "ignore"],
    ["too many ranges", "bytes=" + Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 200}-${i * 200}`).join(","), "ignore"],
  ];
  for (const [name, field, expected] of rows) {
    test(`${name}: ${field.slice(0, 40)}`, () => {
      const r = parseRange(field, SIZE);
      if (expected === "ignore") expect(r).toBeNull();
      else if (expected === "416") expect(r).toBe(UNSATISFIABLE);
      else expect(r?.map((x) => [x.start, x.end])).toEqual(expected);
    });
  }

  test("an empty file satisfies no range", () => {
    expect(parseRange("bytes=0-", 0)).toBe(UNSATISFIABLE);
    expect(parseRange("bytes=-1", 0)).toBe(UNSATISFIABLE);
  });
});

test("multipart/byteranges: parts in order, exact length, closing delimiter", () => {
  const file = "0123456789".repeat(100);
  const ranges = parseRange("bytes=0-4,500-504", 1000)!;
  const { pieces, length } = multipartBody(ranges, "text/plain", 1000);
  const body = pieces.map((p) => (p instanceof Uint8Array ? new TextDecoder().decode(p) : file.slice(p.start, p.end))).join("");
  expect(body.length).toBe(length);
  const boundary = MULTIPART_TYPE.split("boundary=")[1]!;
  expect(body).toBe(
    `--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-4/1000\r\n\r\n01234` +
      `\r\n--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 500-504/1000\r\n\r\n01234` +
      `\r\n--${boundary}--\r\n`,
  );
  expect(contentRange({ start: 990, end: 1000 }, 1000)).toBe("bytes 990-999/1000");
});

test("random Range fields: never a throw, ranges inside the file, sorted, disjoint, never more bytes than the file", () => {
  // A fixed-seed generator so a failure is reproducible.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const num = () => String(next() % 3500);
  const spec = () => [() => `${num()}-${num()}`, () => `${num()}-`, () => `-${num()}`, () => " ", () => "x"][next() % 5]!();
  let satisfiable = 0;
  for (let i = 0; i < 20000; i++) {
    const size = next() % 3000;
    const specs = Array.from({ length: 1 + (next() % 6) }, () => (next() % 20 === 0 ? spec() + spec() : spec()));
    const field = (next() % 10 === 0 ? "items=" : "bytes=") + specs.join(next() % 2 ? "," : " , ");
    const r = parseRange(field, size);
    if (r === null || r === UNSATISFIABLE) continue;
    satisfiable++;
    let total = 0;
    let previousEnd = -1;
    for (const x of r) {
      expect(x.start).toBeGreaterThanOrEqual(0);
      expect(x.end).toBeGreaterThan(x.start);
      expect(x.end).toBeLessThanOrEqual(size);
      expect(x.start).toBeGreaterThan(previousEnd);
      previousEnd = x.end;
      total += x.end - x.start;
    }
    expect(total).toBeLessThanOrEqual(size);
  }
  expect(satisfiable).toBeGreaterThan(1000); // the generator reaches the interesting cases
});
