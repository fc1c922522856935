import { describe, expect, test } from "bun:test";
import { APPENDIX_C, hexBytes } from "./hpack-appendix-c.ts";
import { H2_PROTOCOL_ERROR, hpackH2ErrorOf, hpackReasonOf, isMalformed } from "../../../src/parser/h2/hpack-errors.ts";
import { encodeBlocks } from "../../../bench/parser/hpack-cases.ts";
import { BAD_CASES } from "./hpack-bad-cases.ts";
import { GET_HEAD, idx } from "./hpack-build.ts";
import { decodeSequence, everyCut } from "./hpack-replay.ts";

describe("RFC 7541 Appendix C: fields and dynamic table after every block, whole, at every split, byte by byte", () => {
  for (const example of APPENDIX_C) {
    test(example.name, () => {
      const blocks = example.blocks.map((b) => hexBytes(b.hex));
      const whole = decodeSequence(blocks, (n) => [n], example.maxTableSize);
      expect(whole.length).toBe(example.blocks.length);
      for (let i = 0; i < example.blocks.length; i++) {
        const got = whole[i]!;
        const want = example.blocks[i]!;
        if ("error" in got) throw new Error(`block ${i}: error ${got.error}`);
        expect(got.fields.toSorted()).toEqual(want.fields.map(([n, v]) => [n, v] as [string, string]).toSorted());
        expect(got.table).toEqual(want.table.map(([s, n, v]) => [s, n, v] as [number, string, string]));
        expect(got.tableSize).toBe(want.tableSize);
      }
      const longest = Math.max(...blocks.map((b) => b.length));
      for (const { way, cuts } of everyCut(longest)) {
        const outcome = decodeSequence(blocks, cuts, example.maxTableSize);
        if (!Bun.deepEquals(outcome, whole))
          throw new Error(`${way}: ${JSON.stringify(outcome)} differs from whole: ${JSON.stringify(whole)}`);
      }
    });
  }
});

describe("bad blocks: whole, at every split, byte by byte, same outcome and table", () => {
  test("the table has at least 50 cases", () => {
    expect(BAD_CASES.length).toBeGreaterThanOrEqual(50);
  });
  for (const row of BAD_CASES) {
    test(row.name, () => {
      const blocks = row.blocks.map((b) => Uint8Array.from(b));
      const trailersAt = row.trailers ? blocks.length - 1 : -1;
      const whole = decodeSequence(blocks, (n) => [n], 4096, {}, trailersAt);
      const last = whole[whole.length - 1]!;
      if ("error" in row.expect) {
        expect(whole.length).toBe(blocks.length);
        expect("error" in last ? last.error : 0).toBe(row.expect.error);
        expect(isMalformed(row.expect.error)).toBe(false);
      } else {
        if ("error" in last) throw new Error(`connection error ${last.error} (${hpackReasonOf(last.error)})`);
        expect(last.check).toBe(row.expect.check);
        if (row.expect.check !== 0) expect(hpackH2ErrorOf(row.expect.check)).toBe(H2_PROTOCOL_ERROR);
      }
      const longest = Math.max(...blocks.map((b) => b.length));
      // Long rows: every split of the first 64 bytes and the last 64 (the middle is the same code path).
      for (const { way, cuts } of everyCut(longest)) {
        const at = Number(way.split(" ").pop());
        if (Number.isFinite(at) && at > 64 && at < longest - 64) continue;
        const outcome = decodeSequence(blocks, cuts, 4096, {}, trailersAt);
        if (!Bun.deepEquals(outcome, whole))
          throw new Error(`${way}: ${JSON.stringify(outcome)} differs from whole: ${JSON.stringify(whole)}`);
      }
    });
  }
});

describe("a field past the block's room (HeaderBlock maxListSize 60)", () => {
  // Huffman-coded "x-big: <80 × 'a'>" with incremental indexing, then a reference to it: the
  // literal cannot fit the block's bytes (decoded into the scratch instead), the block is
  // tooLarge, and the entry still enters the table, so the next block finds it whole.
  const encoded = encodeBlocks([["x-big", "a".repeat(80)]], 1)[0]!;
  const blocks = [encoded, Uint8Array.from([...GET_HEAD, ...idx(62)])];

  test("tooLarge, then the table serves the entry to a block that has room; same at every split", () => {
    const small = decodeSequence(blocks, (n) => [n], 4096, { maxListSize: 60 });
    const first = small[0]!;
    if ("error" in first) throw new Error(`error ${first.error}`);
    expect(first.tooLarge).toBe(true);
    expect(first.table).toEqual([[32 + 5 + 80, "x-big", "a".repeat(80)]]);
    const large = decodeSequence(blocks, (n) => [n], 4096, { maxListSize: 1000 });
    const second = large[1]!;
    if ("error" in second) throw new Error(`error ${second.error}`);
    expect(second.fields).toContainEqual(["x-big", "a".repeat(80)]);
    for (const { way, cuts } of everyCut(blocks[0]!.length)) {
      if (!Bun.deepEquals(decodeSequence(blocks, cuts, 4096, { maxListSize: 60 }), small)) throw new Error(`${way} differs from whole`);
    }
  });
});
