/**
 * Test helpers for the HPACK decoder: feed a sequence of header blocks (one connection) to one
 * decoder, each block whole or in pieces (each piece relocated to a fresh buffer at a different
 * offset, as frames arrive in different reads), and describe what came out as plain data, so
 * the ways can be compared.
 */
import { HeaderBlock, type HeaderBlockOptions } from "../../../src/parser/h2/header-block.ts";
import { HpackDecoder } from "../../../src/parser/h2/hpack-decoder.ts";
import type { DynamicTable } from "../../../src/parser/h2/hpack-dynamic-table.ts";
import { relocate } from "../replay.ts";

/** What one block came to. */
export type BlockOutcome =
  | { error: number; table: [number, string, string][]; tableSize: number }
  | {
      fields: [string, string][];
      listSize: number;
      tooLarge: boolean;
      malformed: number;
      check: number;
      table: [number, string, string][];
      tableSize: number;
    };

const latin1 = (b: Uint8Array, s: number, e: number) => String.fromCharCode(...b.subarray(s, e));

/** A decoder's or an encoder's dynamic table, newest first: [size, name, value]. */
export function tableOf(owner: { readonly table: DynamicTable }): [number, string, string][] {
  const t = owner.table;
  const out: [number, string, string][] = [];
  for (let i = 1; i <= t.count; i++) {
    const name = latin1(t.bytes, t.nameStart(i), t.nameEnd(i));
    const value = latin1(t.bytes, t.nameEnd(i), t.valueEnd(i));
    out.push([name.length + value.length + 32, name, value]);
  }
  return out;
}

/** The block's fields: pseudo-headers first (request order, then :status), then regular fields in order. */
export function fieldsOf(block: HeaderBlock): [string, string][] {
  const b = block.bytes;
  const out: [string, string][] = [];
  const pseudo: [string, number, number][] = [
    [":method", block.methodStart, block.methodEnd],
    [":scheme", block.schemeStart, block.schemeEnd],
    [":path", block.pathStart, block.pathEnd],
    [":authority", block.authorityStart, block.authorityEnd],
    [":protocol", block.protocolStart, block.protocolEnd],
    [":status", block.statusStart, block.statusEnd],
  ];
  for (const [name, s, e] of pseudo) if (s >= 0) out.push([name, latin1(b, s, e)]);
  for (let i = 0; i < block.count; i++) {
    const f = block.fields;
    out.push([latin1(b, f[4 * i]!, f[4 * i + 1]!), latin1(b, f[4 * i + 2]!, f[4 * i + 3]!)]);
  }
  return out;
}

/** Cuts for the ways of the house rule over `n` bytes: whole, split at each point, byte by byte. */
export function everyCut(n: number): { way: string; cuts: (len: number) => number[] }[] {
  const ways: { way: string; cuts: (len: number) => number[] }[] = [{ way: "whole", cuts: (len) => [len] }];
  for (let s = 1; s < n; s++) ways.push({ way: `split at ${s}`, cuts: (len) => (s < len ? [s, len] : [len]) });
  ways.push({ way: "byte by byte", cuts: (len) => Array.from({ length: len }, (_, i) => i + 1) });
  return ways;
}

/**
 * Decodes `blocks` in order with one decoder and one reused HeaderBlock, each block fed in the
 * pieces `cuts(block.length)` gives (ascending, last = length). Stops at the first error. Block
 * `trailersAt` is decoded as a trailer section.
 */
export function decodeSequence(
  blocks: readonly Uint8Array[],
  cuts: (len: number) => number[],
  maxTableSize = 4096,
  options: HeaderBlockOptions = {},
  trailersAt = -1,
): BlockOutcome[] {
  const decoder = new HpackDecoder(maxTableSize);
  const block = new HeaderBlock(options);
  const out: BlockOutcome[] = [];
  for (let k = 0; k < blocks.length; k++) {
    const data = blocks[k]!;
    block.reset(k === trailersAt);
    let r = 0;
    let from = 0;
    const pieces = cuts(data.length);
    for (let i = 0; i < pieces.length && r === 0; i++) {
      const offset = 1 + (i % 5);
      const buf = relocate(data.subarray(from), pieces[i]! - from, offset);
      r = decoder.decodeFragment(buf, offset, offset + pieces[i]! - from, block);
      from = pieces[i]!;
    }
    if (r === 0) r = decoder.endBlock(block);
    const table = tableOf(decoder);
    if (r !== 0) {
      out.push({ error: r, table, tableSize: decoder.table.size });
      break;
    }
    out.push({
      fields: fieldsOf(block),
      listSize: block.listSize,
      tooLarge: block.tooLarge,
      malformed: block.malformed,
      check: block.checkRequest(),
      table,
      tableSize: decoder.table.size,
    });
  }
  return out;
}
