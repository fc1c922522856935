/** ETags, entity-tag lists, the RFC 9110 §13.2.2 order, If-Range, and Accept-Encoding choice. */
import { describe, expect, test } from "bun:test";
import type { Stats } from "node:fs";
import { BROTLI, chooseCoding, CODINGS, GZIP } from "../../src/servers/accept-encoding.ts";
import {
  type Preconditions,
  etagOf,
  evaluatePreconditions,
  ifRangeHolds,
  listMatches,
  NOT_MODIFIED,
  PRECONDITION_FAILED,
  PROCEED,
} from "../../src/servers/validators.ts";

const TAG = '"abc-1"';

describe("listMatches", () => {
  const rows: [string, boolean, boolean][] = [
    // field, weak result, strong result
    ['"abc-1"', true, true],
    ['"other", "abc-1"', true, true],
    ['"other","abc-1"', true, true],
    ['W/"abc-1"', true, false],
    ['"abc-10"', false, false],
    ['"abc-', false, false],
    ['"abc-1', false, false],
    ["*", true, true],
    ['"x,y", "abc-1"', true, true], // a comma inside an opaque tag is not a separator
    ["abc-1", false, false], // not quoted: malformed
    ["", false, false],
  ];
  for (const [field, weak, strong] of rows) {
    test(`${JSON.stringify(field)}: weak ${weak}, strong ${strong}`, () => {
      expect(listMatches(field, TAG, true)).toBe(weak);
      expect(listMatches(field, TAG, false)).toBe(strong);
    });
  }
});

describe("evaluatePreconditions (RFC 9110 §13.2.2)", () => {
  const mtime = Date.parse("2026-01-02T03:04:05Z") + 500;
  const at = "Fri, 02 Jan 2026 03:04:05 GMT";
  const before = "Fri, 02 Jan 2026 03:04:04 GMT";
  const none: Preconditions = { ifMatch: null, ifNoneMatch: null, ifModifiedSince: null, ifUnmodifiedSince: null };
  const rows: [string, Partial<Preconditions>, number][] = [
    ["no preconditions", {}, PROCEED],
    ["If-None-Match matching", { ifNoneMatch: TAG }, NOT_MODIFIED],
    ["If-None-Match *", { ifNoneMatch: "*" }, NOT_MODIFIED],
    ["If-None-Match not matching", { ifNoneMatch: '"zzz"' }, PROCEED],
    ["If-None-Match not matching wins over a fresh If-Modified-Since", { ifNoneMatch: '"zzz"', ifModifiedSince: at }, PROCEED],
    ["If-None-Match matching wins over a stale If-Modified-Since", { ifNoneMatch: TAG, ifModifiedSince: before }, NOT_MODIFIED],
    ["If-Modified-Since at the modification second", { ifModifiedSince: at }, NOT_MODIFIED],
    ["If-Modified-Since before it", { ifModifiedSince: before }, PROCEED],
    ["If-Modified-Since not a date", { ifModifiedSince: "yesterday" }, PROCEED],
    ["If-Match matching", { ifMatch: TAG }, PROCEED],
    ["If-Match not matching", { ifMatch: '"zzz"' }, PRECONDITION_FAILED],
    ["If-Match weak never matches", { ifMatch: `W/${TAG}` }, PRECONDITION_FAILED],
    ["If-Match * on an existing file", { ifMatch: "*" }, PROCEED],
    ["If-Match failing before If-None-Match matching", { ifMatch: '"zzz"', ifNoneMatch: TAG }, PRECONDITION_FAILED],
    ["If-Unmodified-Since before the modification", { ifUnmodifiedSince: before }, PRECONDITION_FAILED],
    ["If-Unmodified-Since at it", { ifUnmodifiedSince: at }, PROCEED],
    ["If-Unmodified-Since ignored when If-Match is present", { ifMatch: TAG, ifUnmodifiedSince: before }, PROCEED],
  ];
  for (const [name, fields, verdict] of rows) {
    test(`${name} → ${verdict}`, () => expect(evaluatePreconditions({ ...none, ...fields }, TAG, mtime)).toBe(verdict));
  }
});

test("If-Range: a strong tag or the exact Last-Modified date", () => {
  const mtime = Date.parse("2026-01-02T03:04:05Z");
  expect(ifRangeHolds(TAG, TAG, mtime)).toBe(true);
  expect(ifRangeHolds('"zzz"', TAG, mtime)).toBe(false);
  expect(ifRangeHolds(`W/${TAG}`, TAG, mtime)).toBe(false);
  expect(ifRangeHolds("Fri, 02 Jan 2026 03:04:05 GMT", TAG, mtime)).toBe(true);
  expect(ifRangeHolds("Fri, 02 Jan 2026 03:04:06 GMT", TAG, mtime)).toBe(false);
  expect(ifRangeHolds("garbage", TAG, mtime)).toBe(false);
});

test("etagOf changes with size, mtime and inode", () => {
  const st = (size: number, mtimeMs: number, ino: number) => ({ size, mtimeMs, ino }) as Stats;
  const a = etagOf(st(10, 1000.5, 7));
  expect(a).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
  expect(new Set([a, etagOf(st(11, 1000.5, 7)), etagOf(st(10, 1000.6, 7)), etagOf(st(10, 1000.5, 8))]).size).toBe(4);
});

describe("chooseCoding", () => {
  const rows: [string, string | null][] = [
    ["gzip, deflate, br", "br"],
    ["gzip", "gzip"],
    ["x-gzip", "gzip"],
    ["br;q=0.5, gzip", "gzip"],
    ["br;q=0, gzip;q=0", null],
    ["identity", null],
    ["*", "br"],
    ["*;q=0, gzip", "gzip"],
    ["GZIP;Q=0.8", "gzip"],
    ["", null],
  ];
  for (const [field, expected] of rows) {
    test(`${JSON.stringify(field)} → ${expected}`, () => {
      const chosen: string | null = chooseCoding(field, CODINGS)?.token ?? null;
      expect(chosen).toBe(expected);
    });
  }
  test("only among the available codings", () => {
    expect(chooseCoding("br, gzip", [GZIP])).toBe(GZIP);
    expect(chooseCoding("br", [GZIP])).toBeNull();
    expect(chooseCoding("gzip;q=0.1, br;q=0.2", [BROTLI, GZIP])).toBe(BROTLI);
  });
});
