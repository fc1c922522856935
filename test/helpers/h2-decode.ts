/**
 * Response field blocks decoded by the project's own HPACK decoder, for H2Client's `decode` option:
 * one decoder per connection (its dynamic table follows the server's encoder across blocks), and
 * `:status` first as the response's pseudo-header.
 */
import { HeaderBlock } from "../../src/parser/h2/header-block.ts";
import { HpackDecoder } from "../../src/parser/h2/hpack-decoder.ts";
import type { HeaderDecoder } from "./h2-frame-reader.ts";

const latin1 = (b: Uint8Array, s: number, e: number) => Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("latin1");

/** A decoder for one connection's response blocks; throws on a block the decoder refuses. */
export function responseDecoder(): HeaderDecoder {
  const decoder = new HpackDecoder();
  const block = new HeaderBlock({ maxListSize: 1 << 20 });
  return (bytes) => {
    block.reset(false);
    const r = decoder.decodeFragment(bytes, 0, bytes.length, block);
    if (r < 0 || decoder.endBlock(block) < 0) throw new Error(`HPACK: the server's block did not decode (${r})`);
    const out: [string, string][] = [];
    if (block.statusStart >= 0) out.push([":status", latin1(block.bytes, block.statusStart, block.statusEnd)]);
    for (let i = 0; i < block.count; i++) {
      const f = block.fields;
      out.push([latin1(block.bytes, f[4 * i]!, f[4 * i + 1]!), latin1(block.bytes, f[4 * i + 2]!, f[4 * i + 3]!)]);
    }
    return out;
  };
}

/** The value of `name` in decoded `fields`, or undefined. */
export function field(fields: [string, string][] | undefined, name: string): string | undefined {
  return fields?.find(([n]) => n === name)?.[1];
}
