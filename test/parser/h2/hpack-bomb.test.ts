/**
 * The HPACK bomb (issue 22 item 3): a small block that expands far past the 16 KiB header list
 * limit by indexing one large dynamic entry over and over. The block must come out tooLarge with
 * the table in step, having copied next to nothing and allocated nothing (heap measured as the
 * parser benchmark does: JSC heap capacity growth over many blocks after a full collection).
 */
import { describe, expect, test } from "bun:test";
import { HeaderBlock } from "../../../src/parser/h2/header-block.ts";
import { HpackDecoder } from "../../../src/parser/h2/hpack-decoder.ts";
import { H2_MAX_HEADER_LIST } from "../../../src/parser/limits.ts";
import { heapGrowthPerCall } from "../../helpers/heap-growth.ts";
import { GET_HEAD, idx, lit } from "./hpack-build.ts";

/** One 4 KiB-ish entry: name "x", value of 4000 bytes; entry size 4033 (fits the 4096 table). */
const BIG_VALUE = "v".repeat(4000);
/** References to it in one block: 16 KiB of 1-byte indexed fields. */
const REFERENCES = 16 * 1024;
/** Frame-sized fragments the block is fed in (SETTINGS_MAX_FRAME_SIZE default, RFC 9113 §6.5.2). */
const FRAGMENT = 16 * 1024;
/** Bomb blocks decoded for the heap measurement. */
const HEAP_SAMPLE_BLOCKS = 400;
/** Heap growth allowed per block: one 16 KiB heap block over the sample is 41 B/block. */
const MAX_HEAP_BYTES_PER_BLOCK = 64;

function bombBlock(): Uint8Array {
  return Uint8Array.from([...GET_HEAD, ...lit("x", BIG_VALUE, 0x40), ...Array(REFERENCES).fill(idx(62)[0])]);
}

function decodeBomb(decoder: HpackDecoder, block: HeaderBlock, data: Uint8Array): number {
  block.reset(false);
  for (let p = 0; p < data.length; p += FRAGMENT) {
    const r = decoder.decodeFragment(data, p, Math.min(data.length, p + FRAGMENT), block);
    if (r !== 0) return r;
  }
  return decoder.endBlock(block);
}

describe("HPACK bomb", () => {
  const data = bombBlock();

  test("expands to ~66 MB of fields, comes out tooLarge, stores under 16 KiB, table in step", () => {
    const decoder = new HpackDecoder();
    const block = new HeaderBlock();
    expect(decodeBomb(decoder, block, data)).toBe(0);
    expect(block.tooLarge).toBe(true);
    const entry = 1 + BIG_VALUE.length + 32;
    expect(block.listSize).toBeGreaterThan(REFERENCES * entry);
    expect(block.used).toBeLessThanOrEqual(H2_MAX_HEADER_LIST);
    expect(block.count).toBeLessThan(5);
    // In step: the next block (a normal one) can still use the big entry, and gets it whole.
    expect(decoder.table.count).toBe(1);
    block.reset(false);
    const next = Uint8Array.from([...GET_HEAD, ...idx(62)]);
    expect(decoder.decodeFragment(next, 0, next.length, block)).toBe(0);
    expect(decoder.endBlock(block)).toBe(0);
    expect(block.tooLarge).toBe(false);
    expect(block.count).toBe(1);
    expect(block.fields[3]! - block.fields[2]!).toBe(BIG_VALUE.length);
  });

  test(`decoding it allocates nothing: heap growth under ${MAX_HEAP_BYTES_PER_BLOCK} B per block over ${HEAP_SAMPLE_BLOCKS} blocks`, () => {
    const decoder = new HpackDecoder();
    const block = new HeaderBlock();
    const best = heapGrowthPerCall(() => decodeBomb(decoder, block, data), HEAP_SAMPLE_BLOCKS);
    expect(best).toBeLessThan(MAX_HEAP_BYTES_PER_BLOCK);
  });
});
