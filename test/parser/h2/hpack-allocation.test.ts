/**
 * The decoder's hot path allocates nothing (issue 22 item 4): a browser's request block with a
 * warm dynamic table (what every request after the first on a connection looks like), and the
 * same cold (literals decoded, inserted, evicting), fed whole and in two fragments.
 */
import { expect, test } from "bun:test";
import { browserRequestFields, encodeBlocks } from "../../../bench/parser/hpack-cases.ts";
import { HeaderBlock } from "../../../src/parser/h2/header-block.ts";
import { HpackDecoder } from "../../../src/parser/h2/hpack-decoder.ts";
import { heapGrowthPerCall } from "../../helpers/heap-growth.ts";

/** Blocks per measurement: one 16 KiB heap block over them is 0.8 B/block. */
const SAMPLE_BLOCKS = 20_000;
/** Bound per block: far under one object (a Uint8Array view alone is over 64 bytes). */
const MAX_HEAP_BYTES_PER_BLOCK = 8;

/** §6.3: size update 0, then 4096 (0x3f 0xe1 0x1f): empties the table. */
const RESET_TABLE = Uint8Array.of(0x20, 0x3f, 0xe1, 0x1f);

const [cold, warm] = encodeBlocks(browserRequestFields(), 2) as [Uint8Array, Uint8Array];

test(`decoding a warm browser request block allocates nothing (< ${MAX_HEAP_BYTES_PER_BLOCK} B/block over ${SAMPLE_BLOCKS})`, () => {
  const decoder = new HpackDecoder();
  const block = new HeaderBlock();
  block.reset(false);
  expect(decoder.decodeFragment(cold, 0, cold.length, block) + decoder.endBlock(block)).toBe(0);
  const decodeWarm = () => {
    block.reset(false);
    decoder.decodeFragment(warm, 0, warm.length, block);
    return decoder.endBlock(block);
  };
  expect(decodeWarm()).toBe(0);
  expect(block.checkRequest()).toBe(0);
  expect(heapGrowthPerCall(decodeWarm, SAMPLE_BLOCKS)).toBeLessThan(MAX_HEAP_BYTES_PER_BLOCK);
});

test("decoding cold blocks split in two (the carry in use, the table inserting and evicting) allocates nothing", () => {
  const decoder = new HpackDecoder();
  const block = new HeaderBlock();
  const cut = cold.length >> 1;
  const decodeCold = () => {
    // A size update to 0 and back empties the table, so every block is decoded cold.
    block.reset(false);
    decoder.decodeFragment(RESET_TABLE, 0, RESET_TABLE.length, block);
    decoder.decodeFragment(cold, 0, cut, block);
    decoder.decodeFragment(cold, cut, cold.length, block);
    return decoder.endBlock(block);
  };
  expect(decodeCold()).toBe(0);
  expect(decoder.table.count).toBeGreaterThan(3);
  expect(heapGrowthPerCall(decodeCold, SAMPLE_BLOCKS)).toBeLessThan(MAX_HEAP_BYTES_PER_BLOCK);
});
