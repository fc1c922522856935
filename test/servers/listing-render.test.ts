/**
 * The two forms of a listing, as tables: names that are markup, quotes, escapes, spaces,
 * non-ASCII and a lone surrogate come out escaped in HTML and percent-encoded in links, and
 * exactly themselves in JSON; sizes and times in both; the headers' links and the summary.
 */
import { describe, expect, test } from "bun:test";
import type { ListingEntry } from "../../src/servers/listing-entries.ts";
import { listingHtml, listingHtmlPieces } from "../../src/servers/listing-html.ts";
import { listingJson, listingJsonPieces } from "../../src/servers/listing-json.ts";

const T = Date.UTC(2026, 11, 7, 18, 56, 8, 123); // 2026-12-07T18:56:08.123Z

/** name, isDir, the link's href attribute as written, the link's text as written. */
const NAMES: [string, boolean, string, string][] = [
  ["plain.txt", false, "./plain.txt", "plain.txt"],
  ["a&b <c>.txt", false, "./a%26b%20%3Cc%3E.txt", "a&#38;b &#60;c&#62;.txt"],
  ['"quoted".txt', false, "./%22quoted%22.txt", "&#34;quoted&#34;.txt"],
  ["it's (1)!.txt", false, "./it&#39;s%20(1)!.txt", "it&#39;s (1)!.txt"],
  ["<script>alert(1)</script>", true, "./%3Cscript%3Ealert(1)%3C%2Fscript%3E/", "&#60;script&#62;alert(1)&#60;/script&#62;/"],
  ["100%.txt", false, "./100%25.txt", "100%.txt"],
  ["q?x=1#frag", false, "./q%3Fx%3D1%23frag", "q?x=1#frag"],
  ["colon:name", false, "./colon%3Aname", "colon:name"], // never read as a scheme
  ["ünï €.txt", false, "./%C3%BCn%C3%AF%20%E2%82%AC.txt", "ünï €.txt"],
  ["lone\ud800surrogate", false, "./lone%EF%BF%BDsurrogate", "lone\ud800surrogate"],
];

describe("names in HTML: escaped text, percent-encoded links", () => {
  for (const [name, isDir, href, text] of NAMES) {
    test(JSON.stringify(name), () => {
      const html = listingHtml("/d/", [{ name, isDir, size: isDir ? null : 5, mtimeMs: T }], 0, { key: "name", direction: "asc" });
      expect(html).toContain(`<tr><td><a href="${href}">${text}</a></td>`);
      if (name.includes("<")) expect(html).not.toContain(name);
    });
  }
});

describe("names in JSON: exactly themselves, links percent-encoded", () => {
  for (const [name, isDir, href] of NAMES) {
    test(JSON.stringify(name), () => {
      const parsed = JSON.parse(listingJson([{ name, isDir, size: isDir ? null : 5, mtimeMs: T }]));
      expect(parsed[0].name).toBe(name);
      // The JSON url is the href before HTML escaping.
      expect(parsed[0].url).toBe(href.replaceAll("&#39;", "'"));
    });
  }
});

test("JSON: every field of a file, a directory and an entry whose stat failed", () => {
  const entries: ListingEntry[] = [
    { name: "sub", isDir: true, size: null, mtimeMs: T },
    { name: "a.bin", isDir: false, size: 1234, mtimeMs: T },
    { name: "dangling", isDir: false, size: null, mtimeMs: null },
  ];
  expect(JSON.parse(listingJson(entries))).toEqual([
    { name: "sub", isDir: true, size: null, modified: "2026-12-07T18:56:08.123Z", url: "./sub/" },
    { name: "a.bin", isDir: false, size: 1234, modified: "2026-12-07T18:56:08.123Z", url: "./a.bin" },
    { name: "dangling", isDir: false, size: null, modified: null, url: "./dangling" },
  ]);
  expect(listingJson([])).toBe("[]");
});

describe("HTML cells", () => {
  const page = (entries: ListingEntry[], omitted = 0) => listingHtml("/", entries, omitted, { key: "size", direction: "desc" });
  const rows: [string, ListingEntry, string][] = [
    [
      "a file: human size with exact bytes, UTC time in <time datetime>",
      { name: "f", isDir: false, size: 1536, mtimeMs: T },
      `<td title="1536 bytes" data-bytes="1536">1.5 KiB</td><td><time datetime="2026-12-07T18:56:08.123Z">2026-12-07 18:56</time></td>`,
    ],
    [
      "a directory: no size",
      { name: "d", isDir: true, size: null, mtimeMs: T },
      `<td>-</td><td><time datetime="2026-12-07T18:56:08.123Z">`,
    ],
    ["an entry whose stat failed", { name: "x", isDir: false, size: null, mtimeMs: null }, `<td>-</td><td>-</td></tr>`],
    [
      "an empty file",
      { name: "e", isDir: false, size: 0, mtimeMs: 0 },
      `<td title="0 bytes" data-bytes="0">0 B</td><td><time datetime="1970-01-01T00:00:00.000Z">1970-01-01 00:00</time>`,
    ],
  ];
  for (const [title, entry, cells] of rows) {
    test(title, () => {
      expect(page([entry])).toContain(cells);
    });
  }

  test("headers link to the other orders (escaped &), the sorted one marked with aria-sort and an arrow", () => {
    const html = page([]);
    expect(html).toContain(`<th><a href="?sort=name&#38;order=asc">Name</a></th>`);
    expect(html).toContain(`<th aria-sort="descending"><a href="?sort=size&#38;order=asc">Size</a> ↓</th>`);
    expect(html).toContain(`<th><a href="?sort=time&#38;order=desc">Modified (UTC)</a></th>`);
  });

  test("the root has no ../ row; a subdirectory has one, first; the title is escaped", () => {
    expect(page([])).not.toContain(`href="../"`);
    const html = listingHtml("/a <b>/", [{ name: "z", isDir: false, size: 1, mtimeMs: T }], 0, { key: "name", direction: "asc" });
    expect(html).toContain("<title>Index of /a &#60;b&#62;/</title>");
    expect(html.indexOf(`href="../"`)).toBeLessThan(html.indexOf(`href="./z"`));
  });

  test("the footer counts directories and files, and the entries left out", () => {
    const entries: ListingEntry[] = [
      { name: "d", isDir: true, size: null, mtimeMs: T },
      { name: "f", isDir: false, size: 1, mtimeMs: T },
      { name: "g", isDir: false, size: 1, mtimeMs: T },
    ];
    expect(page(entries)).toContain("<footer>1 directory, 2 files</footer>");
    expect(page(entries.slice(1, 2), 7)).toContain("<footer>0 directories, 1 file; 7 more not listed</footer>");
  });

  test("the entries appear in the order given", () => {
    const names = ["m", "b", "z", "a"];
    const html = page(names.map((name) => ({ name, isDir: false, size: 1, mtimeMs: T })));
    const positions = names.map((n) => html.indexOf(`href="./${n}"`));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
  });
});

describe("in pieces (a turn of the event loop between them): the same text, at most N entries a piece", () => {
  const entries = (n: number): ListingEntry[] =>
    Array.from({ length: n }, (_, i) => ({ name: `f${i} <${i}>`, isDir: i % 4 === 0, size: i % 4 === 0 ? null : i, mtimeMs: T + i }));
  const order = { key: "name", direction: "asc" } as const;
  for (const n of [0, 1, 5, 7]) {
    for (const per of [1, 2, 3, 7, 50]) {
      test(`${n} entries, ${per} a piece`, () => {
        const list = entries(n);
        const html = [...listingHtmlPieces("/d/", list, 2, order, per)];
        expect(html.join("")).toBe(listingHtml("/d/", list, 2, order));
        expect(html.length).toBe(Math.ceil(n / per) + 1); // the row pieces, then the footer
        for (const piece of html) expect(piece.match(/<tr><td><a href="\.\//g)?.length ?? 0).toBeLessThanOrEqual(per);
        const json = [...listingJsonPieces(list, per)];
        expect(json.join("")).toBe(listingJson(list));
        expect(JSON.parse(json.join(""))).toEqual(JSON.parse(listingJson(list)));
        expect(json.length).toBe(Math.max(1, Math.ceil(n / per)));
      });
    }
  }
});
