/**
 * path-safety as a table: every shape of raw path and what SPEC §4.1/§5 make of it — the
 * normalised path, or the status that refuses it (400 bad escape/encoding, 403 above the root).
 */
import { describe, expect, test } from "bun:test";
import { PATH_BAD_REQUEST, PATH_FORBIDDEN, needsNormalising, normaliseRequestPath } from "../../src/servers/path-safety.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");

const ROWS: [name: string, raw: string, expected: string | number, alreadyNormal: boolean][] = [
  ["root", "/", "/", true],
  ["plain file", "/a/b.txt", "/a/b.txt", true],
  ["dots inside a name", "/do..ts.txt", "/do..ts.txt", true],
  ["trailing slash kept", "/a/", "/a/", true],
  ["double slash collapsed", "//a//b", "/a/b", false],
  ["dot segment", "/a/./b", "/a/b", false],
  ["dot-dot segment", "/a/../b", "/b", false],
  ["dot-dot at the end keeps the slash", "/a/b/..", "/a/", false],
  ["dot at the end keeps the slash", "/a/.", "/a/", false],
  ["above the root", "/..", PATH_FORBIDDEN, false],
  ["above the root later", "/a/../../b", PATH_FORBIDDEN, false],
  ["encoded dot-dot above the root", "/%2e%2e/x", PATH_FORBIDDEN, false],
  ["encoded dot-dot inside", "/a/%2E%2E/b", "/b", false],
  ["space escape", "/sp%20ace", "/sp ace", false],
  ["UTF-8 escape", "/caf%C3%A9", "/caf\u00e9", false],
  ["encoded slash", "/a%2Fb", PATH_BAD_REQUEST, false],
  ["encoded slash lower case", "/a%2fb", PATH_BAD_REQUEST, false],
  ["encoded NUL", "/a%00", PATH_BAD_REQUEST, false],
  ["encoded CR", "/a%0d", PATH_BAD_REQUEST, false],
  ["encoded LF", "/a%0A", PATH_BAD_REQUEST, false],
  ["invalid UTF-8", "/%ff%fe", PATH_BAD_REQUEST, false],
  ["overlong UTF-8 slash", "/%c0%af", PATH_BAD_REQUEST, false],
  ["truncated escape", "/a%2", PATH_BAD_REQUEST, false],
  ["non-hex escape", "/a%zz", PATH_BAD_REQUEST, false],
  ["escape decoded once only", "/a%252e%252e", "/a%2e%2e", false],
];

describe("path safety", () => {
  for (const [name, raw, expected, alreadyNormal] of ROWS) {
    test(`${name}: ${raw}`, () => {
      const b = bytes(raw);
      expect(needsNormalising(b, 0, b.length)).toBe(!alreadyNormal);
      expect(normaliseRequestPath(b, 0, b.length)).toBe(expected);
    });
  }

  test("a span inside a larger buffer is read from its offsets only", () => {
    const b = bytes("GET /a/../b?x=/.. HTTP/1.0");
    expect(normaliseRequestPath(b, 4, 11)).toBe("/b");
  });
});
