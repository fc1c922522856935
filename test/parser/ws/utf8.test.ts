import { describe, expect, test } from "bun:test";
import { rng } from "../../../bench/stress/fuzz-cases.ts";
import { UTF8_ACCEPT, UTF8_REJECT, Utf8Validator, isValidUtf8, utf8Step } from "../../../src/parser/ws/utf8.ts";

const fatal = new TextDecoder("utf-8", { fatal: true });
function decoderSays(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Feeds `bytes` to a validator split at `cuts`; returns [valid so far at every step, complete at the end]. */
function validateInPieces(bytes: Uint8Array, cuts: number[]): boolean {
  const v = new Utf8Validator();
  let from = 0;
  for (const cut of cuts) {
    if (!v.write(bytes, from, cut)) return false;
    from = cut;
  }
  return v.isComplete;
}

const EDGES: [string, number[], boolean][] = [
  ["empty", [], true],
  ["ASCII", [0x48, 0x69], true],
  ["NUL and DEL", [0x00, 0x7f], true],
  ["U+0080 (smallest 2-byte)", [0xc2, 0x80], true],
  ["U+07FF (largest 2-byte)", [0xdf, 0xbf], true],
  ["U+0800 (smallest 3-byte)", [0xe0, 0xa0, 0x80], true],
  ["U+D7FF (below the surrogates)", [0xed, 0x9f, 0xbf], true],
  ["U+E000 (above the surrogates)", [0xee, 0x80, 0x80], true],
  ["U+FFFD", [0xef, 0xbf, 0xbd], true],
  ["U+FFFF (a noncharacter, still valid)", [0xef, 0xbf, 0xbf], true],
  ["U+10000 (smallest 4-byte)", [0xf0, 0x90, 0x80, 0x80], true],
  ["U+10FFFF (largest)", [0xf4, 0x8f, 0xbf, 0xbf], true],
  ["κόσμε (Autobahn 6.2)", [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5], true],
  ["overlong '/' in 2 bytes (C0 AF)", [0xc0, 0xaf], false],
  ["overlong NUL in 2 bytes (C1 80)", [0xc1, 0x80], false],
  ["overlong U+07FF in 3 bytes (E0 9F BF)", [0xe0, 0x9f, 0xbf], false],
  ["overlong U+FFFF in 4 bytes (F0 8F BF BF)", [0xf0, 0x8f, 0xbf, 0xbf], false],
  ["surrogate U+D800 (ED A0 80)", [0xed, 0xa0, 0x80], false],
  ["surrogate U+DFFF (ED BF BF)", [0xed, 0xbf, 0xbf], false],
  ["surrogate pair encoded (CESU-8)", [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80], false],
  ["U+110000 (F4 90 80 80)", [0xf4, 0x90, 0x80, 0x80], false],
  ["F5 lead", [0xf5, 0x80, 0x80, 0x80], false],
  ["FF byte", [0x41, 0xff], false],
  ["FE byte", [0xfe], false],
  ["a stray continuation byte", [0x80], false],
  ["a lead followed by ASCII", [0xc3, 0x41], false],
  ["a 3-byte lead cut short by a new lead", [0xe2, 0x82, 0xe2, 0x82, 0xac], false],
  ["truncated 2-byte at the end", [0x41, 0xc3], false],
  ["truncated 3-byte at the end", [0xe2, 0x82], false],
  ["truncated 4-byte at the end", [0xf0, 0x9f, 0x98], false],
  ["5-byte form (F8)", [0xf8, 0x88, 0x80, 0x80, 0x80], false],
  ["Hello-µ@ßöäüàá-UTF-8!! (Autobahn 6.2.x)", [...new TextEncoder().encode("Hello-µ@ßöäüàá-UTF-8!!")], true],
];

describe("edge inputs, whole and at every split", () => {
  for (const [name, list, valid] of EDGES) {
    test(`${name}: ${valid ? "valid" : "invalid"}`, () => {
      const bytes = Uint8Array.from(list);
      expect(decoderSays(bytes)).toBe(valid);
      expect(isValidUtf8(bytes, 0, bytes.length)).toBe(valid);
      for (let s = 0; s <= bytes.length; s++) expect(validateInPieces(bytes, [s, bytes.length])).toBe(valid);
      expect(
        validateInPieces(
          bytes,
          Array.from(bytes, (_, i) => i + 1),
        ),
      ).toBe(valid);
    });
  }
});

test("every 1-, 2- and 3-byte sequence agrees with TextDecoder({ fatal: true })", () => {
  const b = new Uint8Array(3);
  for (let x = 0; x < 256; x++) {
    b[0] = x;
    expect(isValidUtf8(b, 0, 1)).toBe(decoderSays(b.subarray(0, 1)));
    for (let y = 0; y < 256; y++) {
      b[1] = y;
      expect(isValidUtf8(b, 0, 2)).toBe(decoderSays(b.subarray(0, 2)));
      // Three-byte sequences only where the first byte is a lead (the rest are covered above).
      if (x < 0xe0 || x > 0xf4) continue;
      for (let z = 0x70; z < 0xc8; z++) {
        b[2] = z;
        const expected = decoderSays(b);
        if (isValidUtf8(b, 0, 3) !== expected)
          throw new Error(`${x.toString(16)} ${y.toString(16)} ${z.toString(16)}: expected ${expected}`);
      }
    }
  }
});

test("every 2-, 3- and 4-byte sequence followed by ASCII (the range-check path) agrees with TextDecoder", () => {
  // Trailing ASCII makes 4 bytes readable at every lead, so utf8Step checks sequences by their
  // ranges instead of the table; the test above (no padding) covers the table.
  const b = new Uint8Array(8).fill(0x41);
  const CONT_EDGES = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xf4, 0xff];
  for (let x = 0x80; x < 256; x++) {
    b[0] = x;
    for (let y = 0; y < 256; y++) {
      b[1] = y;
      for (const z of CONT_EDGES) {
        b[2] = z;
        for (const w of x >= 0xf0 ? CONT_EDGES : [0x41]) {
          b[3] = w;
          const expected = decoderSays(b);
          if (isValidUtf8(b, 0, b.length) !== expected) {
            throw new Error(`${[x, y, z, w].map((v) => v.toString(16)).join(" ")}: expected ${expected}`);
          }
        }
      }
    }
  }
});

test("a sequence is rejected at its first invalid byte (fail fast), and rejection is sticky", () => {
  const v = new Utf8Validator();
  expect(v.write(Uint8Array.of(0xce, 0xba), 0, 2)).toBe(true);
  expect(v.write(Uint8Array.of(0xe1, 0xbd), 0, 2)).toBe(true);
  expect(v.isComplete).toBe(false);
  expect(v.write(Uint8Array.of(0xc0), 0, 1)).toBe(false);
  expect(v.state).toBe(UTF8_REJECT);
  expect(v.write(Uint8Array.of(0x41), 0, 1)).toBe(false);
  v.reset();
  expect(v.state).toBe(UTF8_ACCEPT);
});

test("20,000 random inputs (mostly valid text, some mutated) at a random split agree with TextDecoder", () => {
  const r = rng(3629);
  const encoder = new TextEncoder();
  const alphabet = ["a", "Z", " ", "é", "ß", "€", "中", "😀", "\u{10ffff}", "\u0080", "\u07ff", "\u0800", "\uffff", "\u{10000}"];
  let invalid = 0;
  for (let trial = 0; trial < 20_000; trial++) {
    let s = "";
    for (let i = 0, n = Math.floor(r() * 12); i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
    const bytes = encoder.encode(s);
    const mutations = r() < 0.5 ? 0 : 1 + Math.floor(r() * 2);
    for (let m = 0; m < mutations && bytes.length > 0; m++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    // Sometimes cut the end off (a sequence unfinished).
    const end = r() < 0.2 ? Math.floor(r() * (bytes.length + 1)) : bytes.length;
    const text = bytes.subarray(0, end);
    const expected = decoderSays(text);
    if (!expected) invalid++;
    const cut = Math.floor(r() * (end + 1));
    expect(validateInPieces(text, [cut, end])).toBe(expected);
  }
  expect(invalid).toBeGreaterThan(3000);
});

test("utf8Step skips long ASCII runs and stops inside a trailing sequence", () => {
  const bytes = new TextEncoder().encode(`${"x".repeat(1001)}€`);
  expect(utf8Step(UTF8_ACCEPT, bytes, 0, bytes.length - 1)).not.toBe(UTF8_ACCEPT);
  expect(utf8Step(UTF8_ACCEPT, bytes, 0, bytes.length)).toBe(UTF8_ACCEPT);
});
