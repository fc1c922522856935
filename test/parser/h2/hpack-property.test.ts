/**
 * Property tests with a seeded generator (a failure prints the seed):
 * - random sequences of valid blocks (every representation kind, table size updates, a small
 *   table so eviction happens), cut at random points, decode to the same fields and tables as
 *   when whole, and to the fields that were generated;
 * - random mutations of them (byte flips, insertions, deletions, truncations) never throw, always
 *   terminate, and still decode the same whole or cut (an error included).
 */
import { describe, expect, test } from "bun:test";
import { rng } from "../../../bench/stress/fuzz-cases.ts";
import { idx, lit, litIndexed, sizeUpdate } from "./hpack-build.ts";
import { decodeSequence } from "./hpack-replay.ts";

/** Sequences per property; each is also replayed under several random cuttings. */
const SEQUENCES = 300;
const CUTTINGS = 4;
/** A small table (bytes) so inserts evict often. */
const TABLE_SIZE = 256;
const NAMES = ["x-a", "x-b", "accept", "cookie", "x-long-name-for-eviction", "user-agent"];
const VALUE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_./;=, ";

function randomValue(rand: () => number): string {
  const n = Math.floor(rand() * 40);
  let s = "";
  for (let i = 0; i < n; i++) s += VALUE_CHARS[Math.floor(rand() * VALUE_CHARS.length)];
  return s.trim();
}

/** A random block (as bytes) and the regular fields it carries, tracking the encoder's table. */
function randomBlock(
  rand: () => number,
  table: [string, string][],
  maxSize: { n: number },
): { bytes: number[]; fields: [string, string][] } {
  const bytes: number[] = [];
  const fields: [string, string][] = [];
  const sizeOf = (t: [string, string][]) => t.reduce((a, [n, v]) => a + n.length + v.length + 32, 0);
  const evict = () => {
    while (sizeOf(table) > maxSize.n) table.pop();
  };
  if (rand() < 0.2) {
    maxSize.n = Math.floor(rand() * (TABLE_SIZE + 1));
    bytes.push(...sizeUpdate(maxSize.n));
    evict();
  }
  bytes.push(...idx(2), ...idx(7), ...idx(4), ...litIndexed(1, "example.com"));
  const count = Math.floor(rand() * 10);
  for (let i = 0; i < count; i++) {
    const roll = rand();
    if (roll < 0.3 && table.length > 0) {
      const k = Math.floor(rand() * table.length);
      bytes.push(...idx(62 + k));
      fields.push(table[k]!);
      continue;
    }
    const name = NAMES[Math.floor(rand() * NAMES.length)]!;
    const value = randomValue(rand);
    const pattern = roll < 0.7 ? 0x40 : roll < 0.85 ? 0x00 : 0x10;
    bytes.push(...lit(name, value, pattern));
    fields.push([name, value]);
    if (pattern === 0x40) {
      table.unshift([name, value]);
      if (name.length + value.length + 32 > maxSize.n) table.length = 0;
      else evict();
    }
  }
  return { bytes, fields };
}

function randomCuts(rand: () => number): (len: number) => number[] {
  return (len) => {
    const cuts: number[] = [];
    for (let p = 0; p < len; ) {
      p = Math.min(len, p + 1 + Math.floor(rand() * 8));
      cuts.push(p);
    }
    return cuts;
  };
}

function mutate(rand: () => number, data: Uint8Array): Uint8Array {
  const bytes = [...data];
  const edits = 1 + Math.floor(rand() * 3);
  for (let e = 0; e < edits && bytes.length > 0; e++) {
    const at = Math.floor(rand() * bytes.length);
    const roll = rand();
    if (roll < 0.4) bytes[at] = Math.floor(rand() * 256);
    else if (roll < 0.6) bytes.splice(at, 0, Math.floor(rand() * 256));
    else if (roll < 0.8) bytes.splice(at, 1);
    else bytes.length = at;
  }
  return Uint8Array.from(bytes);
}

describe("HPACK decoder properties", () => {
  test(`${SEQUENCES} random valid sequences decode to what was generated, however cut`, () => {
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const rand = rng(seed);
      const table: [string, string][] = [];
      const maxSize = { n: TABLE_SIZE };
      const generated = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => randomBlock(rand, table, maxSize));
      const blocks = generated.map((g) => Uint8Array.from(g.bytes));
      const whole = decodeSequence(blocks, (n) => [n], TABLE_SIZE);
      for (let i = 0; i < blocks.length; i++) {
        const got = whole[i]!;
        if ("error" in got) throw new Error(`seed ${seed} block ${i}: error ${got.error}`);
        expect(got.check).toBe(0);
        const regular = got.fields.filter(([n]) => !n.startsWith(":"));
        if (!Bun.deepEquals(regular, generated[i]!.fields)) throw new Error(`seed ${seed} block ${i}: ${JSON.stringify(regular)}`);
      }
      const last = whole[whole.length - 1]!;
      expect(last.table.map(([, n, v]) => [n, v])).toEqual(table);
      for (let c = 0; c < CUTTINGS; c++) {
        const outcome = decodeSequence(blocks, randomCuts(rand), TABLE_SIZE);
        if (!Bun.deepEquals(outcome, whole)) throw new Error(`seed ${seed} cutting ${c} differs from whole`);
      }
    }
  });

  test(`${SEQUENCES} mutated sequences never throw, end, and decode the same whole or cut`, () => {
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const rand = rng(1_000_000 + seed);
      const table: [string, string][] = [];
      const maxSize = { n: TABLE_SIZE };
      const blocks = Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
        mutate(rand, Uint8Array.from(randomBlock(rand, table, maxSize).bytes)),
      );
      const whole = decodeSequence(blocks, (n) => [n], TABLE_SIZE);
      for (let c = 0; c < CUTTINGS; c++) {
        const outcome = decodeSequence(blocks, randomCuts(rand), TABLE_SIZE);
        if (!Bun.deepEquals(outcome, whole)) throw new Error(`seed ${seed} cutting ${c} differs from whole`);
      }
    }
  });
});
