/**
 * A 1,000-entry listing in headless chromium (the binary with `--list --compress`, driven over
 * the DevTools protocol) stays readable: the table renders every row, rows are tall enough to
 * read and click, the text is not tiny, nothing is wider than the viewport (a 200-character name
 * wraps; sizes and dates do not), the page arrived compressed, the column headers sort (a click
 * on Size puts the largest file first, another click the smallest; Modified puts the newest
 * first), a phone's width still needs no sideways scrolling, and a screenshot is a real PNG of
 * the viewport's width. Set NETSVC_SCREENSHOT_DIR to
 * keep the screenshot (listing.png) for a person to look at.
 */
import { expect } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Browser } from "../helpers/cdp.ts";
import { peerTest } from "../helpers/peers.ts";
import { withCli } from "../helpers/spawn.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Entries in the listed directory: DIRECTORIES of them directories. */
const ENTRIES = 1000;
const DIRECTORIES = 5;
/** Viewport width cdp.ts launches chromium with (--window-size=800,700). */
const VIEWPORT_WIDTH = 800;
/** A phone's viewport width (CSS px). */
const PHONE_WIDTH = 360;
/** Smallest row height (CSS px) that reads and clicks comfortably; 16px text alone is ~19px. */
const MIN_ROW_PX = 24;
const LONG_NAME = `${"a-very-long-file-name-without-spaces-".repeat(5)}end.txt`;

/** Makes the directory: sizes and dates all different, so every order is checkable. */
function makeSite(root: string): void {
  const big = join(root, "big");
  mkdirSync(big, { recursive: true });
  const base = Date.UTC(2026, 0, 1) / 1000;
  for (let i = 0; i < DIRECTORIES; i++) {
    const d = join(big, `folder-${String(i).padStart(2, "0")}`);
    mkdirSync(d);
    utimesSync(d, base + i, base + i);
  }
  for (let i = DIRECTORIES; i < ENTRIES - 1; i++) {
    const name = join(big, `file-${String(i).padStart(4, "0")} <${i % 7}>&.txt`);
    writeFileSync(name, "x".repeat(((i * 7919) % 997) * 13 + i)); // distinct sizes in a shuffled order
    utimesSync(name, base + ((i * 104729) % 100_000), base + ((i * 104729) % 100_000));
  }
  writeFileSync(join(big, LONG_NAME), "long");
}

/**
 * Waits for the page at `search` to have loaded its table: retried while a navigation replaces
 * the page under the check (its context is destroyed), bounded.
 */
async function waitForListing(browser: Browser, search: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await browser.waitFor(
        `location.search === ${JSON.stringify(search)} && document.readyState === "complete" && document.querySelectorAll("tbody tr").length === ${ENTRIES + 1}`,
        2000,
      );
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
}

/** The byte counts of the file rows, in page order. */
function fileSizes(browser: Browser): Promise<number[]> {
  return browser.evaluate<number[]>(`[...document.querySelectorAll("td[data-bytes]")].map((td) => Number(td.dataset.bytes))`);
}

peerTest(
  ["chromium"],
  "a 1,000-entry listing in chromium: rendered, readable, no wider than the viewport, sorted by its headers, a screenshot",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "netsvc-listing-shot-"));
    makeSite(join(dir, "site"));
    try {
      await withCli([join(dir, "site"), "--port", "0", "--list", "--compress"], async (base) => {
        const browser = await Browser.launch();
        try {
          await browser.send("Page.navigate", { url: `${base}big/` });
          await waitForListing(browser, "");
          const layout = await browser.evaluate<{
            rows: number;
            minRow: number;
            fontPx: number;
            scrollWidth: number;
            innerWidth: number;
            tableRight: number;
            overflowingCells: number;
            longRowHeight: number;
            wrappedSizesOrDates: number;
            encoded: number;
            decoded: number;
          }>(`(() => {
            const rows = [...document.querySelectorAll("tbody tr")];
            const heights = rows.map((r) => r.getBoundingClientRect().height);
            const cells = [...document.querySelectorAll("td")];
            const long = [...document.querySelectorAll("tbody a")].find((a) => a.textContent.startsWith("a-very-long"));
            const lines = (node) => { const r = document.createRange(); r.selectNodeContents(node); return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; };
            const nav = performance.getEntriesByType("navigation")[0];
            return {
              rows: rows.length,
              minRow: Math.min(...heights),
              fontPx: parseFloat(getComputedStyle(document.querySelector("td")).fontSize),
              scrollWidth: document.documentElement.scrollWidth,
              innerWidth: window.innerWidth,
              tableRight: document.querySelector("table").getBoundingClientRect().right,
              overflowingCells: cells.filter((c) => c.scrollWidth > c.clientWidth + 1).length,
              longRowHeight: long.closest("tr").getBoundingClientRect().height,
              wrappedSizesOrDates: rows.flatMap((r) => [r.cells[1], r.cells[2]]).filter((c) => c.textContent && lines(c) > 1).length,
              encoded: nav.encodedBodySize,
              decoded: nav.decodedBodySize,
            };
          })()`);
          expect(layout.rows).toBe(ENTRIES + 1); // every entry, and ../
          expect(layout.innerWidth).toBe(VIEWPORT_WIDTH);
          expect(layout.minRow).toBeGreaterThanOrEqual(MIN_ROW_PX);
          expect(layout.fontPx).toBeGreaterThanOrEqual(14);
          expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth); // no horizontal scrolling
          expect(layout.tableRight).toBeLessThanOrEqual(layout.innerWidth);
          expect(layout.overflowingCells).toBe(0); // no cell's text spills out of it
          expect(layout.longRowHeight).toBeGreaterThan(layout.minRow); // the long name wrapped instead
          expect(layout.wrappedSizesOrDates).toBe(0); // sizes and dates stay on one line
          expect(layout.encoded).toBeLessThan(layout.decoded / 3); // the page came compressed
          const firstRows = await browser.evaluate<string[]>(
            `[...document.querySelectorAll("tbody tr")].slice(0, 3).map((r) => r.cells[0].textContent)`,
          );
          expect(firstRows).toEqual(["../", "folder-00/", "folder-01/"]); // directories first, by name

          const shot = await browser.send("Page.captureScreenshot", { format: "png" });
          const file = join(dir, "listing.png");
          writeFileSync(file, Buffer.from(shot.data, "base64"));
          const png = readFileSync(file);
          expect([...png.subarray(0, PNG_SIGNATURE.length)]).toEqual(PNG_SIGNATURE);
          expect(png.toString("latin1", 12, 16)).toBe("IHDR");
          expect(png.readUInt32BE(16)).toBe(VIEWPORT_WIDTH); // width: the page was not drawn wider
          expect(png.length).toBeGreaterThan(10_000); // a page of text, not a blank image
          const keep = process.env.NETSVC_SCREENSHOT_DIR;
          if (keep) copyFileSync(file, join(keep, "listing.png"));

          // Size: the first click puts the largest file first (directories stay on top).
          await browser.evaluate(
            `setTimeout(() => [...document.querySelectorAll("th a")].find((a) => a.textContent === "Size").click(), 0)`,
          );
          await waitForListing(browser, "?sort=size&order=desc");
          const desc = await fileSizes(browser);
          expect(desc.length).toBe(ENTRIES - DIRECTORIES);
          expect(desc[0]).toBe(Math.max(...desc));
          expect(desc).toEqual([...desc].sort((a, b) => b - a));
          expect(await browser.evaluate<string>(`document.querySelector("th[aria-sort]").textContent`)).toBe("Size ↓");
          // A second click on the same header: the smallest first.
          await browser.evaluate(
            `setTimeout(() => [...document.querySelectorAll("th a")].find((a) => a.textContent === "Size").click(), 0)`,
          );
          await waitForListing(browser, "?sort=size&order=asc");
          const asc = await fileSizes(browser);
          expect(asc[0]).toBe(Math.min(...asc));
          expect(asc).toEqual([...asc].sort((a, b) => a - b));
          // Modified: the newest first.
          await browser.evaluate(
            `setTimeout(() => [...document.querySelectorAll("th a")].find((a) => a.textContent.startsWith("Modified")).click(), 0)`,
          );
          await waitForListing(browser, "?sort=time&order=desc");
          const times = await browser.evaluate<number[]>(
            `[...document.querySelectorAll("tbody tr")].slice(1).map((r) => Date.parse(r.querySelector("time").dateTime))`,
          );
          expect(times.slice(0, DIRECTORIES)).toEqual([...times.slice(0, DIRECTORIES)].sort((a, b) => b - a));
          expect(times.slice(DIRECTORIES)).toEqual([...times.slice(DIRECTORIES)].sort((a, b) => b - a));

          // A phone's width: still no horizontal scrolling, and names keep a usable column.
          await browser.send("Emulation.setDeviceMetricsOverride", { width: PHONE_WIDTH, height: 640, deviceScaleFactor: 1, mobile: true });
          const phone = await browser.evaluate<{ scrollWidth: number; nameColumn: number }>(
            `({ scrollWidth: document.documentElement.scrollWidth, nameColumn: document.querySelector("th").getBoundingClientRect().width })`,
          );
          expect(phone.scrollWidth).toBeLessThanOrEqual(PHONE_WIDTH);
          expect(phone.nameColumn).toBeGreaterThanOrEqual(PHONE_WIDTH / 3);
        } finally {
          await browser.close();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  120_000,
);
