import { describe, expect, test } from "bun:test";
import { BODY_CASES } from "./body-cases.ts";
import { bytes, decodeInPieces } from "./replay.ts";

describe("BodyDecoder table: whole, split at every byte boundary, byte by byte", () => {
  for (const row of BODY_CASES) {
    test(row.name, () => {
      const data = bytes(row.input);
      const n = data.length;
      const whole = decodeInPieces(data, [n], row.contentLength, row.chunked);
      if ("error" in row.expect) {
        expect(whole).toEqual({ error: row.expect.error });
      } else if ("incomplete" in row.expect) {
        expect(whole).toMatchObject({ body: row.expect.incomplete, done: false });
      } else {
        expect(whole).toEqual({ body: row.expect.body, done: true, consumed: row.expect.consumed, trailers: row.expect.trailers ?? 0 });
      }
      const ways: [string, number[]][] = [];
      for (let s = 1; s < n; s++) ways.push([`split at ${s}`, [s, n]]);
      ways.push(["byte by byte", Array.from({ length: n }, (_, i) => i + 1)]);
      for (const [way, cuts] of ways) {
        const outcome = decodeInPieces(data, cuts, row.contentLength, row.chunked);
        if (!Bun.deepEquals(outcome, whole)) {
          throw new Error(`${way}: ${JSON.stringify(outcome)} differs from whole: ${JSON.stringify(whole)}`);
        }
      }
    });
  }
});
