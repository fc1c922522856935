/**
 * HPACK literal header fields without indexing and without Huffman coding (RFC 7541 §6.2.2,
 * §5.1, §5.2): the one representation a test client can write with no encoder state. Every
 * HPACK decoder must accept it; it leaves the peer's dynamic table untouched.
 */

/** §6.2.2: the pattern 0000 and a 4-bit name index; index 0 means the name follows as a literal. */
const LITERAL_WITHOUT_INDEXING_NEW_NAME = 0x00;
/** §6.2.2: the name index has a 4-bit prefix. */
const NAME_INDEX_PREFIX_BITS = 4;
/** §5.2: the string length has a 7-bit prefix after the H (Huffman) bit, here 0. */
const STRING_LENGTH_PREFIX_BITS = 7;
/** §5.1: a continuation byte carries 7 bits and a high "more follows" bit. */
const CONTINUATION_BIT = 0x80;

/** Appends `value` as an HPACK integer with an `n`-bit prefix, OR-ed into `firstByte` (§5.1). */
export function pushInteger(out: number[], value: number, n: number, firstByte: number): void {
  const max = (1 << n) - 1;
  if (value < max) {
    out.push(firstByte | value);
    return;
  }
  out.push(firstByte | max);
  let rest = value - max;
  while (rest >= CONTINUATION_BIT) {
    out.push((rest % CONTINUATION_BIT) | CONTINUATION_BIT);
    rest = Math.floor(rest / CONTINUATION_BIT);
  }
  out.push(rest);
}

/** Appends a string literal, not Huffman-coded (§5.2): its bytes as latin1. */
function pushString(out: number[], s: string): void {
  pushInteger(out, s.length, STRING_LENGTH_PREFIX_BITS, 0);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}

/**
 * The field block of `fields`, each a literal field without indexing with a literal name
 * (§6.2.2), in order and exactly as given (no lower-casing: a test may send what a server must
 * refuse). Strings are latin1 (one byte per char).
 */
export function encodeLiteralFields(fields: readonly (readonly [name: string, value: string])[]): Uint8Array {
  const out: number[] = [];
  for (const [name, value] of fields) {
    pushInteger(out, 0, NAME_INDEX_PREFIX_BITS, LITERAL_WITHOUT_INDEXING_NEW_NAME);
    pushString(out, name);
    pushString(out, value);
  }
  return Uint8Array.from(out);
}
