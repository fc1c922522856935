import { describe, expect, test } from "bun:test";
import { HEAD_CASES } from "./head-cases.ts";
import { WORD_EDGE_CASES } from "./word-edge-cases.ts";
import { bytes, everyWay } from "./replay.ts";
import { isRecognisedMethod, parseHead, RequestHead, statusOf } from "../../src/parser/index.ts";

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

describe("recognised methods (RFC 9110 §9.1)", () => {
  // RFC 9110 §9.3 defines eight methods; RFC 5789 adds PATCH. Names are case-sensitive.
  const recognised = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
  const others = ["get", "Get", "FOO", "PROPFIND", "M-SEARCH", "GETS", "PUTT", "HEADER", "PATCHY", "OPTION"];
  test.each([...recognised.map((m) => [m, true] as const), ...others.map((m) => [m, false] as const)])("%s → %p", (method, want) => {
    const target = method === "CONNECT" ? "example.com:443" : "/";
    const head = new RequestHead();
    const data = bytes(`${method} ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(parseHead(data, 0, data.length, head)).toBe(data.length);
    expect(isRecognisedMethod(head.method)).toBe(want);
  });
});
