/**
 * Reading a listing's entries from a real directory: sizes and dates from stat, dotfiles and
 * filtered names left out, symlinks (to a directory, to a file inside, to a file outside the
 * root, dangling), the cut at `max` (the first names in name order), and the errors of a
 * directory that cannot be read.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { readListing, type ListingEntry } from "../../src/servers/listing-entries.ts";

let base = "";
let root = "";
const OLD = new Date(Date.UTC(2001, 0, 2, 3, 4, 5));

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "netsvc-listing-")));
  root = join(base, "root");
  mkdirSync(join(root, "sub"), { recursive: true });
  writeFileSync(join(root, "ten.txt"), "0123456789");
  utimesSync(join(root, "ten.txt"), OLD, OLD);
  writeFileSync(join(root, "empty"), "");
  writeFileSync(join(root, ".env"), "SECRET");
  writeFileSync(join(root, "skip.bak"), "x");
  writeFileSync(join(base, "outside.txt"), "outside: 21 bytes....");
  symlinkSync(join(root, "sub"), join(root, "sub-link"));
  symlinkSync(join(root, "ten.txt"), join(root, "ten-link"));
  symlinkSync(join(base, "outside.txt"), join(root, "out-link"));
  symlinkSync(join(root, "nowhere"), join(root, "dangling"));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const inside = (real: string) => real === root || real.startsWith(root + sep);
const byName = (entries: ListingEntry[]) => Object.fromEntries(entries.map((e) => [e.name, e]));

test("sizes and dates from stat; dotfiles and filtered names left out; symlinks by their targets, inside the root only", async () => {
  const { entries, omitted } = await readListing(root, (n) => !n.endsWith(".bak"), { max: 100, concurrency: 3, isInside: inside });
  expect(omitted).toBe(0);
  const e = byName(entries);
  expect(Object.keys(e).sort()).toEqual(["dangling", "empty", "out-link", "sub", "sub-link", "ten-link", "ten.txt"]);
  expect(e["ten.txt"]).toEqual({ name: "ten.txt", isDir: false, size: 10, mtimeMs: OLD.getTime() });
  expect(e.empty).toMatchObject({ isDir: false, size: 0 });
  expect(e.sub).toEqual({ name: "sub", isDir: true, size: null, mtimeMs: statSync(join(root, "sub")).mtimeMs });
  expect(e["sub-link"]).toMatchObject({ isDir: true, size: null }); // a symlink to a directory is one
  expect(e["ten-link"]).toEqual({ name: "ten-link", isDir: false, size: 10, mtimeMs: OLD.getTime() }); // the target's
  // A target outside the root: listed (as today), but nothing about it is shown.
  expect(e["out-link"]).toEqual({ name: "out-link", isDir: false, size: null, mtimeMs: null });
  // A dangling link is listed as a file with nothing known (requesting it answers 404).
  expect(e.dangling).toEqual({ name: "dangling", isDir: false, size: null, mtimeMs: null });
});

test("without isInside every symlink target is described", async () => {
  const { entries } = await readListing(root, () => true, { max: 100, concurrency: 16 });
  expect(byName(entries)["out-link"]).toMatchObject({ size: 21 });
});

test("beyond max: the first names in name order are kept (each stat'ed), the rest counted", async () => {
  const many = join(base, "many");
  mkdirSync(many);
  for (let i = 0; i < 50; i++) writeFileSync(join(many, `f${String(i).padStart(2, "0")}`), "x".repeat(i));
  const { entries, omitted } = await readListing(many, () => true, { max: 20, concurrency: 4 });
  expect(omitted).toBe(30);
  expect(entries.map((e) => e.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, "0")}`));
  for (const e of entries) expect(e.size).toBe(Number(e.name.slice(1)));
});

test("concurrency 1 and an empty directory", async () => {
  expect((await readListing(root, () => true, { max: 100, concurrency: 1 })).entries.length).toBe(8);
  const empty = join(base, "empty-dir");
  mkdirSync(empty);
  expect(await readListing(empty, () => true, { max: 100, concurrency: 16 })).toEqual({ entries: [], omitted: 0 });
});

test("an aborted signal stops the stats: nothing more is described", async () => {
  const { entries } = await readListing(root, () => true, { max: 100, concurrency: 4, signal: AbortSignal.abort() });
  expect(entries).toEqual([]);
});

test("a directory that cannot be read rejects with the system's code (mapped to a status by the servlet)", async () => {
  const opts = { max: 100, concurrency: 4 };
  await expect(readListing(join(base, "missing"), () => true, opts)).rejects.toMatchObject({ code: "ENOENT" });
  await expect(readListing(join(root, "ten.txt"), () => true, opts)).rejects.toMatchObject({ code: "ENOTDIR" });
});
