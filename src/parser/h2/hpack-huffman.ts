/**
 * The HPACK Huffman code (RFC 7541 §5.2, Appendix B): decoding by table, four bits at a time, and
 * encoding. The code table below is Appendix B written out (code right-aligned, then its length in
 * bits, four symbols a row; symbol 256 is EOS). Everything else is derived from it once at load:
 *
 * - a binary tree of the code (256 internal nodes for 257 leaves: the code is complete);
 * - a state machine whose states are the internal nodes: DECODE[state * 16 + nibble] says which
 *   node four more bits lead to and the symbol completed on the way (at most one: no code is
 *   shorter than 5 bits), or that they complete EOS, which §5.2 forbids inside a string;
 * - ACCEPTING[state]: whether a string may end there. §5.2: padding is the most significant bits
 *   of EOS (all ones), strictly fewer than 8, so the decoder must stand on the all-ones path of the
 *   tree at depth 7 or less.
 *
 * Hot path: no allocation; one table load per nibble.
 */
import { LOWER } from "../chars.ts";
import { E_HPACK_HUFFMAN_EOS, E_HPACK_HUFFMAN_PADDING } from "./hpack-errors.ts";

/** Symbols of the code: the 256 octets and EOS. */
const SYMBOLS = 257;
/** The EOS symbol (§5.2): its code is 30 ones; it never appears in a string. */
const EOS = 256;
/** Bits per decoding step. */
const NIBBLE = 4;
/** Transitions per state. */
const NIBBLE_VALUES = 1 << NIBBLE;
/** Internal nodes of the tree = states of the machine (a complete code of 257 leaves). */
const STATES = SYMBOLS - 1;
/** §5.2: "padding strictly longer than 7 bits MUST be treated as a decoding error". */
const MAX_PADDING_BITS = 7;
const BITS_PER_BYTE = 8;
const BYTE_MASK = 0xff;
/**
 * The state after EOS (§5.2: an error): every transition stays there and emits nothing, so the
 * loop needs no test for it; the end of the string reports it.
 */
const FAILED = STATES;
/** DECODE entry layout: next state in bits 0–8, the emit flag in bit 9, the symbol in bits 16–23. */
const STATE_MASK = 0x1ff;
const EMIT_SHIFT = 9;
const SYMBOL_SHIFT = 16;
/** §5.2: no code is shorter than 5 bits, so n coded bytes hold at most 8n/5 symbols. */
const MIN_CODE_BITS = 5;

/**
 * Returned by huffmanDecode when `out` has no room for the next symbol (not a protocol error:
 * the decoder then decodes into a larger buffer or stops storing). Distinct from every error code.
 */
export const HUFFMAN_NO_ROOM = -100;

/** RFC 7541 Appendix B: code (right-aligned), length in bits; symbol i at [2i, 2i+1]. */
// biome-ignore format: the RFC's table, four symbols a row, the first symbol of the row at its end
const CODE_TABLE: readonly number[] = [
  0x1ff8, 13, 0x7fffd8, 23, 0xfffffe2, 28, 0xfffffe3, 28, // 0
  0xfffffe4, 28, 0xfffffe5, 28, 0xfffffe6, 28, 0xfffffe7, 28, // 4
  0xfffffe8, 28, 0xffffea, 24, 0x3ffffffc, 30, 0xfffffe9, 28, // 8
  0xfffffea, 28, 0x3ffffffd, 30, 0xfffffeb, 28, 0xfffffec, 28, // 12
  0xfffffed, 28, 0xfffffee, 28, 0xfffffef, 28, 0xffffff0, 28, // 16
  0xffffff1, 28, 0xffffff2, 28, 0x3ffffffe, 30, 0xffffff3, 28, // 20
  0xffffff4, 28, 0xffffff5, 28, 0xffffff6, 28, 0xffffff7, 28, // 24
  0xffffff8, 28, 0xffffff9, 28, 0xffffffa, 28, 0xffffffb, 28, // 28
  0x14, 6, 0x3f8, 10, 0x3f9, 10, 0xffa, 12, // 32
  0x1ff9, 13, 0x15, 6, 0xf8, 8, 0x7fa, 11, // 36
  0x3fa, 10, 0x3fb, 10, 0xf9, 8, 0x7fb, 11, // 40
  0xfa, 8, 0x16, 6, 0x17, 6, 0x18, 6, // 44
  0x0, 5, 0x1, 5, 0x2, 5, 0x19, 6, // 48
  0x1a, 6, 0x1b, 6, 0x1c, 6, 0x1d, 6, // 52
  0x1e, 6, 0x1f, 6, 0x5c, 7, 0xfb, 8, // 56
  0x7ffc, 15, 0x20, 6, 0xffb, 12, 0x3fc, 10, // 60
  0x1ffa, 13, 0x21, 6, 0x5d, 7, 0x5e, 7, // 64
  0x5f, 7, 0x60, 7, 0x61, 7, 0x62, 7, // 68
  0x63, 7, 0x64, 7, 0x65, 7, 0x66, 7, // 72
  0x67, 7, 0x68, 7, 0x69, 7, 0x6a, 7, // 76
  0x6b, 7, 0x6c, 7, 0x6d, 7, 0x6e, 7, // 80
  0x6f, 7, 0x70, 7, 0x71, 7, 0x72, 7, // 84
  0xfc, 8, 0x73, 7, 0xfd, 8, 0x1ffb, 13, // 88
  0x7fff0, 19, 0x1ffc, 13, 0x3ffc, 14, 0x22, 6, // 92
  0x7ffd, 15, 0x3, 5, 0x23, 6, 0x4, 5, // 96
  0x24, 6, 0x5, 5, 0x25, 6, 0x26, 6, // 100
  0x27, 6, 0x6, 5, 0x74, 7, 0x75, 7, // 104
  0x28, 6, 0x29, 6, 0x2a, 6, 0x7, 5, // 108
  0x2b, 6, 0x76, 7, 0x2c, 6, 0x8, 5, // 112
  0x9, 5, 0x2d, 6, 0x77, 7, 0x78, 7, // 116
  0x79, 7, 0x7a, 7, 0x7b, 7, 0x7ffe, 15, // 120
  0x7fc, 11, 0x3ffd, 14, 0x1ffd, 13, 0xffffffc, 28, // 124
  0xfffe6, 20, 0x3fffd2, 22, 0xfffe7, 20, 0xfffe8, 20, // 128
  0x3fffd3, 22, 0x3fffd4, 22, 0x3fffd5, 22, 0x7fffd9, 23, // 132
  0x3fffd6, 22, 0x7fffda, 23, 0x7fffdb, 23, 0x7fffdc, 23, // 136
  0x7fffdd, 23, 0x7fffde, 23, 0xffffeb, 24, 0x7fffdf, 23, // 140
  0xffffec, 24, 0xffffed, 24, 0x3fffd7, 22, 0x7fffe0, 23, // 144
  0xffffee, 24, 0x7fffe1, 23, 0x7fffe2, 23, 0x7fffe3, 23, // 148
  0x7fffe4, 23, 0x1fffdc, 21, 0x3fffd8, 22, 0x7fffe5, 23, // 152
  0x3fffd9, 22, 0x7fffe6, 23, 0x7fffe7, 23, 0xffffef, 24, // 156
  0x3fffda, 22, 0x1fffdd, 21, 0xfffe9, 20, 0x3fffdb, 22, // 160
  0x3fffdc, 22, 0x7fffe8, 23, 0x7fffe9, 23, 0x1fffde, 21, // 164
  0x7fffea, 23, 0x3fffdd, 22, 0x3fffde, 22, 0xfffff0, 24, // 168
  0x1fffdf, 21, 0x3fffdf, 22, 0x7fffeb, 23, 0x7fffec, 23, // 172
  0x1fffe0, 21, 0x1fffe1, 21, 0x3fffe0, 22, 0x1fffe2, 21, // 176
  0x7fffed, 23, 0x3fffe1, 22, 0x7fffee, 23, 0x7fffef, 23, // 180
  0xfffea, 20, 0x3fffe2, 22, 0x3fffe3, 22, 0x3fffe4, 22, // 184
  0x7ffff0, 23, 0x3fffe5, 22, 0x3fffe6, 22, 0x7ffff1, 23, // 188
  0x3ffffe0, 26, 0x3ffffe1, 26, 0xfffeb, 20, 0x7fff1, 19, // 192
  0x3fffe7, 22, 0x7ffff2, 23, 0x3fffe8, 22, 0x1ffffec, 25, // 196
  0x3ffffe2, 26, 0x3ffffe3, 26, 0x3ffffe4, 26, 0x7ffffde, 27, // 200
  0x7ffffdf, 27, 0x3ffffe5, 26, 0xfffff1, 24, 0x1ffffed, 25, // 204
  0x7fff2, 19, 0x1fffe3, 21, 0x3ffffe6, 26, 0x7ffffe0, 27, // 208
  0x7ffffe1, 27, 0x3ffffe7, 26, 0x7ffffe2, 27, 0xfffff2, 24, // 212
  0x1fffe4, 21, 0x1fffe5, 21, 0x3ffffe8, 26, 0x3ffffe9, 26, // 216
  0xffffffd, 28, 0x7ffffe3, 27, 0x7ffffe4, 27, 0x7ffffe5, 27, // 220
  0xfffec, 20, 0xfffff3, 24, 0xfffed, 20, 0x1fffe6, 21, // 224
  0x3fffe9, 22, 0x1fffe7, 21, 0x1fffe8, 21, 0x7ffff3, 23, // 228
  0x3fffea, 22, 0x3fffeb, 22, 0x1ffffee, 25, 0x1ffffef, 25, // 232
  0xfffff4, 24, 0xfffff5, 24, 0x3ffffea, 26, 0x7ffff4, 23, // 236
  0x3ffffeb, 26, 0x7ffffe6, 27, 0x3ffffec, 26, 0x3ffffed, 26, // 240
  0x7ffffe7, 27, 0x7ffffe8, 27, 0x7ffffe9, 27, 0x7ffffea, 27, // 244
  0x7ffffeb, 27, 0xffffffe, 28, 0x7ffffec, 27, 0x7ffffed, 27, // 248
  0x7ffffee, 27, 0x7ffffef, 27, 0x7fffff0, 27, 0x3ffffee, 26, // 252
  0x3fffffff, 30, // 256
];

/** Length in bits of each symbol's code. */
const LENGTHS = new Uint8Array(SYMBOLS);
/** Code of each symbol, right-aligned (up to 30 bits: fits an int32). */
const CODES = new Int32Array(SYMBOLS);
for (let s = 0; s < SYMBOLS; s++) {
  CODES[s] = CODE_TABLE[2 * s]!;
  LENGTHS[s] = CODE_TABLE[2 * s + 1]!;
}

const DECODE = new Int32Array((STATES + 1) * NIBBLE_VALUES);
const ACCEPTING = new Uint8Array(STATES + 1);

/** Builds the tree, then the four-bit machine over its internal nodes. Throws only on a mistyped table. */
function buildDecoder(): void {
  // children[2n + bit]: > 0 an internal node, < 0 a leaf -(symbol + 1), 0 not yet made (root is 0, never a child).
  const children = new Int32Array(STATES * 2);
  let nodes = 1;
  for (let s = 0; s < SYMBOLS; s++) {
    let node = 0;
    for (let b = LENGTHS[s]! - 1; b >= 0; b--) {
      const slot = 2 * node + ((CODES[s]! >>> b) & 1);
      if (b === 0) {
        if (children[slot] !== 0) throw new Error(`Huffman table: code of ${s} is not prefix-free`);
        children[slot] = -(s + 1);
      } else {
        if (children[slot]! < 0) throw new Error(`Huffman table: code of ${s} is not prefix-free`);
        if (children[slot] === 0) children[slot] = nodes++;
        node = children[slot]!;
      }
    }
  }
  if (nodes !== STATES || children.includes(0, 2)) throw new Error("Huffman table: the code is not complete");
  // Accepting states: the all-ones path from the root, depth 0..7.
  let node = 0;
  for (let depth = 0; depth <= MAX_PADDING_BITS; depth++) {
    ACCEPTING[node] = 1;
    node = children[2 * node + 1]!;
  }
  for (let state = 0; state < STATES; state++) {
    for (let nibble = 0; nibble < NIBBLE_VALUES; nibble++) {
      let at = state;
      let entry = 0;
      for (let b = NIBBLE - 1; b >= 0 && at !== FAILED; b--) {
        const child = children[2 * at + ((nibble >>> b) & 1)]!;
        if (child > 0) {
          at = child;
          continue;
        }
        const symbol = -child - 1;
        if (symbol === EOS) at = FAILED;
        else {
          entry = (1 << EMIT_SHIFT) | (symbol << SYMBOL_SHIFT);
          at = 0;
        }
      }
      DECODE[state * NIBBLE_VALUES + nibble] = entry | at;
    }
  }
  for (let nibble = 0; nibble < NIBBLE_VALUES; nibble++) DECODE[FAILED * NIBBLE_VALUES + nibble] = FAILED;
}
buildDecoder();

/**
 * Decodes the Huffman-coded string `src[s..e)` into `out` from `at` (RFC 7541 §5.2). Returns the
 * offset after the last octet written, E_HPACK_HUFFMAN_EOS, E_HPACK_HUFFMAN_PADDING, or
 * HUFFMAN_NO_ROOM when `out` ends before the string does (what was written is then garbage).
 * Hot path: no allocation; with room for the longest possible result (8/5 of the input), no
 * branch per nibble: the symbol is written every time and the offset advances by the emit bit.
 */
export function huffmanDecode(src: Uint8Array, s: number, e: number, out: Uint8Array, at: number): number {
  if (at + Math.floor(((e - s) * BITS_PER_BYTE) / MIN_CODE_BITS) >= out.length) return huffmanDecodeChecked(src, s, e, out, at);
  let state = 0;
  for (let p = s; p < e; p++) {
    const byte = src[p]!;
    let entry = DECODE[(state << NIBBLE) | (byte >>> NIBBLE)]!;
    out[at] = entry >>> SYMBOL_SHIFT;
    at += (entry >>> EMIT_SHIFT) & 1;
    entry = DECODE[((entry & STATE_MASK) << NIBBLE) | (byte & (NIBBLE_VALUES - 1))]!;
    out[at] = entry >>> SYMBOL_SHIFT;
    at += (entry >>> EMIT_SHIFT) & 1;
    state = entry & STATE_MASK;
  }
  return endOfString(state, at);
}

/** huffmanDecode near the end of `out`: checks the room before every octet. */
function huffmanDecodeChecked(src: Uint8Array, s: number, e: number, out: Uint8Array, at: number): number {
  const limit = out.length;
  let state = 0;
  for (let p = s; p < e; p++) {
    const byte = src[p]!;
    for (let shift = NIBBLE; shift >= 0; shift -= NIBBLE) {
      const entry = DECODE[(state << NIBBLE) | ((byte >>> shift) & (NIBBLE_VALUES - 1))]!;
      if (((entry >>> EMIT_SHIFT) & 1) !== 0) {
        if (at >= limit) return HUFFMAN_NO_ROOM;
        out[at++] = entry >>> SYMBOL_SHIFT;
      }
      state = entry & STATE_MASK;
    }
  }
  return endOfString(state, at);
}

/** §5.2: EOS seen, or padding that is not 0–7 one bits, is an error; else the offset. */
function endOfString(state: number, at: number): number {
  if (state === FAILED) return E_HPACK_HUFFMAN_EOS;
  return ACCEPTING[state] === 1 ? at : E_HPACK_HUFFMAN_PADDING;
}

/** Octets `src[s..e)` take Huffman-coded, padding included (§5.2); `lower` as in huffmanEncode. */
export function huffmanEncodedLength(src: Uint8Array, s: number, e: number, lower = false): number {
  let bits = 0;
  for (let p = s; p < e; p++) {
    const c = src[p]!;
    bits += LENGTHS[lower ? LOWER[c]! : c]!;
  }
  return (bits + BITS_PER_BYTE - 1) >>> 3;
}

/** 2^k for the bit accumulator, which holds up to 7 + 30 bits (beyond int32, within a double's 53). */
const POW2 = Float64Array.from({ length: 40 }, (_, k) => 2 ** k);

/**
 * Writes `src[s..e)` Huffman-coded into `out` from `at`, padded with the high bits of EOS (ones,
 * §5.2); returns the offset after it. `out` must hold huffmanEncodedLength(src, s, e) bytes from
 * `at`. When `lower` is true, ASCII uppercase letters are coded as their lowercase (field names,
 * RFC 9113 §8.2.1). Hot path: no allocation.
 */
export function huffmanEncode(src: Uint8Array, s: number, e: number, out: Uint8Array, at: number, lower = false): number {
  let acc = 0; // pending bits, right-aligned
  let bits = 0;
  for (let p = s; p < e; p++) {
    let c = src[p]!;
    if (lower) c = LOWER[c]!;
    const len = LENGTHS[c]!;
    acc = acc * POW2[len]! + CODES[c]!;
    bits += len;
    while (bits >= BITS_PER_BYTE) {
      bits -= BITS_PER_BYTE;
      const high = Math.floor(acc / POW2[bits]!);
      out[at++] = high;
      acc -= high * POW2[bits]!;
    }
  }
  if (bits > 0) out[at++] = ((acc << (BITS_PER_BYTE - bits)) | (BYTE_MASK >>> bits)) & BYTE_MASK;
  return at;
}
