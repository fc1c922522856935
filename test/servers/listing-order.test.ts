/**
 * A listing's order from its query (sort, order; unknown values fall back, never fail), the
 * column headers' links, and the sort itself (directories first in every order; ties by name),
 * as tables.
 */
import { describe, expect, test } from "bun:test";
import type { ListingEntry } from "../../src/servers/listing-entries.ts";
import { headerQuery, listingOrderOf, sortListing, type ListingOrder, type SortKey } from "../../src/servers/listing-order.ts";

describe("listingOrderOf", () => {
  const rows: [string, ListingOrder][] = [
    ["", { key: "name", direction: "asc" }],
    ["sort=name", { key: "name", direction: "asc" }],
    ["sort=name&order=desc", { key: "name", direction: "desc" }],
    ["sort=size", { key: "size", direction: "desc" }], // a column's first order: largest first
    ["sort=size&order=asc", { key: "size", direction: "asc" }],
    ["sort=time", { key: "time", direction: "desc" }], // newest first
    ["sort=time&order=asc", { key: "time", direction: "asc" }],
    ["sort=date&order=asc", { key: "time", direction: "asc" }], // date is taken for time
    ["sort=SIZE&order=DESC", { key: "size", direction: "desc" }],
    ["order=desc", { key: "name", direction: "desc" }],
    ["sort=owner", { key: "name", direction: "asc" }], // unknown column → name
    ["sort=size&order=sideways", { key: "size", direction: "desc" }], // unknown order → the column's first
    ["sort=%ZZ&order=%", { key: "name", direction: "asc" }], // bad escapes are just unknown values
    ["sort=size&sort=time", { key: "size", direction: "desc" }], // the first of repeated parameters
    ["sort=", { key: "name", direction: "asc" }],
  ];
  for (const [query, expected] of rows) {
    test(`?${query} → ${expected.key} ${expected.direction}`, () => {
      expect(listingOrderOf(new URLSearchParams(query))).toEqual(expected);
    });
  }
});

describe("headerQuery: a header toggles its column, another column starts at its first order", () => {
  const rows: [SortKey, ListingOrder, string][] = [
    ["name", { key: "name", direction: "asc" }, "?sort=name&order=desc"],
    ["name", { key: "name", direction: "desc" }, "?sort=name&order=asc"],
    ["size", { key: "name", direction: "asc" }, "?sort=size&order=desc"],
    ["size", { key: "size", direction: "desc" }, "?sort=size&order=asc"],
    ["size", { key: "size", direction: "asc" }, "?sort=size&order=desc"],
    ["time", { key: "size", direction: "asc" }, "?sort=time&order=desc"],
    ["time", { key: "time", direction: "desc" }, "?sort=time&order=asc"],
    ["name", { key: "time", direction: "desc" }, "?sort=name&order=asc"],
  ];
  for (const [column, current, expected] of rows) {
    test(`${column} header under ${current.key} ${current.direction} → ${expected}`, () => {
      expect(headerQuery(column, current)).toBe(expected);
    });
  }
});

describe("sortListing", () => {
  const dir = (name: string, mtimeMs: number | null): ListingEntry => ({ name, isDir: true, size: null, mtimeMs });
  const file = (name: string, size: number | null, mtimeMs: number | null): ListingEntry => ({ name, isDir: false, size, mtimeMs });
  const entries = (): ListingEntry[] => [
    file("b.txt", 300, 2000),
    dir("zdir", 5000),
    file("a.txt", 300, 1000),
    file("C.txt", 10, 3000),
    dir("adir", 1000),
    file("unknown", null, null),
    file("big.iso", 9_000_000_000, 500),
  ];
  const rows: [ListingOrder, string[]][] = [
    // Code-unit order of names: upper case before lower case, the same on every machine.
    [{ key: "name", direction: "asc" }, ["adir", "zdir", "C.txt", "a.txt", "b.txt", "big.iso", "unknown"]],
    [{ key: "name", direction: "desc" }, ["zdir", "adir", "unknown", "big.iso", "b.txt", "a.txt", "C.txt"]],
    // Equal sizes by name ascending in both directions; directories (no size) by name; unknown is smallest.
    [{ key: "size", direction: "desc" }, ["adir", "zdir", "big.iso", "a.txt", "b.txt", "C.txt", "unknown"]],
    [{ key: "size", direction: "asc" }, ["adir", "zdir", "unknown", "C.txt", "a.txt", "b.txt", "big.iso"]],
    // Directories first, each group by date; an unknown date is the oldest.
    [{ key: "time", direction: "desc" }, ["zdir", "adir", "C.txt", "b.txt", "a.txt", "big.iso", "unknown"]],
    [{ key: "time", direction: "asc" }, ["adir", "zdir", "unknown", "big.iso", "a.txt", "b.txt", "C.txt"]],
  ];
  for (const [order, expected] of rows) {
    test(`${order.key} ${order.direction}`, () => {
      expect(sortListing(entries(), order).map((e) => e.name)).toEqual(expected);
    });
  }

  test("the same entries in any starting order sort the same (the order is total)", () => {
    for (const [order, expected] of rows) {
      expect(sortListing(entries().reverse(), order).map((e) => e.name)).toEqual(expected);
    }
  });
});
