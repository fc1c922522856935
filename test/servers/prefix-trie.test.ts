/**
 * PrefixTrie as a table, every case run through both lookups — lookup(string) and
 * lookupBytes(buffer span) — which must agree on the value, the attached path and where the match
 * ends (SPEC §2.1: the deepest whole-segment prefix wins; /logs never matches /logsfoo).
 */
import { describe, expect, test } from "bun:test";
import { PrefixTrie } from "../../src/servers/prefix-trie.ts";

function trie(): PrefixTrie<string> {
  const t = new PrefixTrie<string>();
  for (const path of ["/", "/logs", "/logs/archive", "/a/b/c", "/caf\u00e9"]) t.attach(path, `at ${path}`);
  return t;
}

const ROWS: [request: string, value: string | null, attached: string, rest: string][] = [
  ["/", "at /", "/", "/"],
  ["/x", "at /", "/", "/x"],
  ["/logs", "at /logs", "/logs", ""],
  ["/logs/", "at /logs", "/logs", "/"],
  ["/logs/today", "at /logs", "/logs", "/today"],
  ["/logsfoo", "at /", "/", "/logsfoo"],
  ["/logs/archive/2026", "at /logs/archive", "/logs/archive", "/2026"],
  ["/logs/archived", "at /logs", "/logs", "/archived"],
  ["/a/b", "at /", "/", "/a/b"],
  ["/a/b/c/d", "at /a/b/c", "/a/b/c", "/d"],
  ["/caf\u00e9/menu", "at /caf\u00e9", "/caf\u00e9", "/menu"],
];

describe("prefix trie, through lookup and lookupBytes", () => {
  for (const [request, value, attached, rest] of ROWS) {
    test(request, () => {
      const t = trie();
      expect(t.lookup(request)).toBe(value);
      expect(t.matchedPath()).toBe(attached);
      expect(request.slice(t.matchEnd)).toBe(rest);

      // The same path as bytes inside a larger buffer (as the daemon looks it up in a request).
      const bytes = Buffer.from(`GET ${request}?q HTTP/1.0`, "utf8");
      const start = 4;
      const end = start + Buffer.byteLength(request);
      expect(t.lookupBytes(bytes, start, end)).toBe(value);
      expect(t.matchedPath()).toBe(attached);
      expect(bytes.subarray(t.matchEnd, end).toString("utf8")).toBe(rest);
    });
  }

  test("without a root, an unmatched path is null; detaching removes one level only", () => {
    const t = new PrefixTrie<string>();
    t.attach("/a", "a");
    t.attach("/a/b", "b");
    expect(t.lookup("/z")).toBeNull();
    expect(t.lookup("/a/b/c")).toBe("b");
    t.attach("/a/b", null);
    expect(t.lookup("/a/b/c")).toBe("a");
    expect(t.matchedPath()).toBe("/a");
  });

  test("a path that is not normalised is a TypeError naming it", () => {
    const t = new PrefixTrie<string>();
    for (const bad of ["logs", "/logs/", "/a//b", "/a/./b", "/a/../b", "/a?b"]) {
      expect(() => t.attach(bad, "x")).toThrow(new RegExp(bad.replace(/[.?/]/g, "\\$&")));
    }
  });
});
