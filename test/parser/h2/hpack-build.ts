/**
 * Test helpers that write HPACK representations by hand (raw strings, RFC 7541 §6), so a test
 * table reads as the representations it holds. Independent of the encoder under test.
 */

/** §5.1: `value` with an N-bit prefix, the prefix's other bits from `pattern`. */
export function int(value: number, prefixBits: number, pattern = 0): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [pattern | value];
  const out = [pattern | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest & 127) | 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** §5.2: a raw (not Huffman-coded) string literal. */
export function str(s: string): number[] {
  return [...int(s.length, 7), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** §6.1: an indexed field. */
export const idx = (i: number) => int(i, 7, 0x80);
/** §6.2.1 incremental indexing (pattern 0x40), §6.2.2 without (0x00), §6.2.3 never (0x10): new name. */
export const lit = (name: string, value: string, pattern = 0x00) => [
  ...int(0, pattern === 0x40 ? 6 : 4, pattern),
  ...str(name),
  ...str(value),
];
/** The same with an indexed name. */
export const litIndexed = (index: number, value: string, pattern = 0x00) => [
  ...int(index, pattern === 0x40 ? 6 : 4, pattern),
  ...str(value),
];
/** §6.3: a dynamic table size update. */
export const sizeUpdate = (n: number) => int(n, 5, 0x20);

/** :method GET, :scheme https, :path /, :authority example.com (static indices, then a literal). */
export const GET_HEAD = [...idx(2), ...idx(7), ...idx(4), ...litIndexed(1, "example.com")];
