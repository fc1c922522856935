import { describe, expect, test } from "bun:test";
import { HEAD_CASES } from "./head-cases.ts";
import { WORD_EDGE_CASES } from "./word-edge-cases.ts";
import { bytes, everyWay } from "./replay.ts";
import { statusOf } from "../../src/parser/index.ts";

describe("parseHead table: whole, split at every byte boundary, byte by byte", () => {
  test("the table has at least 120 cases", () => {
    expect(HEAD_CASES.length).toBeGreaterThanOrEqual(120);
  });

  for (const row of [...HEAD_CASES, ...WORD_EDGE_CASES]) {
    test(row.name, () => {
      const data = bytes(row.input);
      const results = everyWay(data, row.limits);
      const whole = results[0]!.outcome;
      if ("error" in row.expect) {
        expect(whole).toEqual({ error: row.expect.error });
        expect(statusOf(row.expect.error)).toBeGreaterThanOrEqual(400);
      } else {
        expect("consumed" in whole).toBe(true);
        expect(whole).toMatchObject(row.expect);
      }
      for (const { way, outcome } of results) {
        if (!Bun.deepEquals(outcome, whole)) {
          throw new Error(`${way}: ${JSON.stringify(outcome)} differs from whole: ${JSON.stringify(whole)}`);
        }
      }
    });
  }
});
