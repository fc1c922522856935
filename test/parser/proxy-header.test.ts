import { describe, expect, test } from "bun:test";
import { PROXY_CASES } from "./proxy-cases.ts";
import { bytes, relocate } from "./replay.ts";
import { INCOMPLETE, NOT_PROXY_HEADER, ProxyHeader, addressText, parseProxyHeader, statusOf } from "../../src/parser/index.ts";

type Outcome =
  | { error: number }
  | { incomplete: true }
  | { consumed: number; version: number; source: string; sourcePort: number; destination: string; destinationPort: number };

/**
 * Feeds `data` in pieces ending at `cuts`, each time the bytes so far relocated to a new offset in
 * a fresh buffer (as a receive buffer moves), with one reused ProxyHeader.
 */
function parseInPieces(data: Uint8Array, cuts: number[], header: ProxyHeader): Outcome {
  header.reset();
  for (let i = 0; i < cuts.length; i++) {
    const start = 1 + (i % 5);
    const buf = relocate(data, cuts[i]!, start);
    const r = parseProxyHeader(buf, start, start + cuts[i]!, header);
    if (r === INCOMPLETE) continue;
    if (r < 0) return { error: r };
    const has = header.family !== 0;
    return {
      consumed: r - start,
      version: header.version,
      source: has ? addressText(header.source, header.family) : "",
      sourcePort: header.sourcePort,
      destination: has ? addressText(header.destination, header.family) : "",
      destinationPort: header.destinationPort,
    };
  }
  return { incomplete: true };
}

describe("parseProxyHeader table: whole, split at every byte boundary, byte by byte", () => {
  test("the table has at least 60 cases", () => {
    expect(PROXY_CASES.length).toBeGreaterThanOrEqual(60);
  });

  // One result object for every row and way: a reused header must not leak a previous parse.
  const header = new ProxyHeader();
  for (const row of PROXY_CASES) {
    test(row.name, () => {
      const data = bytes(row.input);
      const n = data.length;
      const whole = parseInPieces(data, [n], header);
      if ("error" in row.expect) {
        expect(whole).toEqual({ error: row.expect.error });
        if (row.expect.error !== NOT_PROXY_HEADER) expect(statusOf(row.expect.error)).toBe(400);
      } else {
        expect(whole).toEqual(row.expect);
      }
      const each: number[] = [];
      for (let s = 1; s <= n; s++) each.push(s);
      const ways: [string, number[]][] = [["byte by byte", each]];
      for (let s = 1; s < n; s++) ways.push([`split at ${s}`, [s, n]]);
      for (const [way, cuts] of ways) {
        const outcome = parseInPieces(data, cuts, header);
        if (!Bun.deepEquals(outcome, whole)) {
          throw new Error(`${way}: ${JSON.stringify(outcome)} differs from whole: ${JSON.stringify(whole)}`);
        }
      }
    });
  }

  test("every proper prefix of a valid header is INCOMPLETE", () => {
    const data = bytes("PROXY TCP4 192.0.2.7 10.0.0.1 51234 80\r\n");
    for (let s = 0; s < data.length; s++) expect(parseProxyHeader(data, 0, s, header)).toBe(INCOMPLETE);
  });
});
