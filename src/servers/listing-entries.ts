/**
 * The entries of a directory listing: read without blocking the event loop (SPEC §14). The
 * directory is read with one asynchronous readdir, then each listed entry is stat'ed on the
 * thread pool, at most LISTING_STAT_CONCURRENCY at a time, so a 5000-entry directory costs the
 * event loop only the callbacks, never 5000 synchronous system calls in one turn.
 */
import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";

/** One entry of a listing. */
export interface ListingEntry {
  /** The entry's name in the directory (no trailing slash). */
  readonly name: string;
  /** A directory, or a symlink to one. */
  readonly isDir: boolean;
  /** Bytes of a file (a symlink's target's); null for a directory and when not known. */
  readonly size: number | null;
  /** Modification time, ms since the epoch (a symlink's target's); null when not known. */
  readonly mtimeMs: number | null;
}

/** A directory's listed entries, in no particular order, and how many were left out. */
export interface ListingRead {
  /** At most `max` entries. */
  readonly entries: ListingEntry[];
  /** Entries that passed the filter but were beyond `max` (0 when none). */
  readonly omitted: number;
}

/** How readListing() reads. */
export interface ListingReadOptions {
  /** At most this many entries are stat'ed and listed: the first in name order. */
  readonly max: number;
  /** Stats in flight at once at most (≥ 1). */
  readonly concurrency: number;
  /**
   * Whether a symlink's real target lies where its size and date may be shown (the FileServer's
   * root). A target outside it is listed with size and date null. Default: everywhere.
   */
  readonly isInside?: (realPath: string) => boolean;
  /** Stops stat'ing once aborted (the client left); what was read is returned. */
  readonly signal?: AbortSignal;
}

/** Code-unit order of names: predictable, the same on every machine (no locale). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The entries of `directory` (absolute) that are not dotfiles and pass `isListed`. Beyond
 * `options.max`, the first `max` names in name order are kept and the rest counted. Rejects
 * when the directory cannot be read (map the error with statusForFsError); an entry that
 * vanishes before its stat is left out; one that cannot be stat'ed otherwise is listed with
 * size and date null.
 */
export async function readListing(
  directory: string,
  isListed: (name: string) => boolean,
  options: ListingReadOptions,
): Promise<ListingRead> {
  const all = await readdir(directory, { withFileTypes: true });
  const shown = all.filter((d) => !d.name.startsWith(".") && isListed(d.name));
  let kept = shown;
  if (shown.length > options.max) kept = shown.sort((a, b) => compareNames(a.name, b.name)).slice(0, options.max);
  const described: (ListingEntry | null)[] = new Array(kept.length).fill(null);
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < kept.length && !options.signal?.aborted) {
      const i = next++;
      described[i] = await describe(directory, kept[i]!, options.isInside);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, kept.length));
  await Promise.all(Array.from({ length: workers }, work));
  return { entries: described.filter((e) => e !== null), omitted: shown.length - kept.length };
}

/** One entry, stat'ed (a symlink: its target, when the target is inside); null when it has gone. */
async function describe(directory: string, d: Dirent, isInside?: (realPath: string) => boolean): Promise<ListingEntry | null> {
  const name = d.name;
  const path = join(directory, name);
  try {
    const st = await stat(path);
    const isDir = st.isDirectory();
    if (d.isSymbolicLink() && isInside && !(await isInsideAfterAll(path, isInside))) {
      // SPEC §4.1: a target outside the root is never served; its size and date are not shown.
      return { name, isDir, size: null, mtimeMs: null };
    }
    return { name, isDir, size: isDir ? null : st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A dangling symlink is listed as a file (requesting it answers 404); an entry removed
    // since the readdir is not listed at all.
    if (code === "ENOENT" && !d.isSymbolicLink()) return null;
    return { name, isDir: d.isDirectory(), size: null, mtimeMs: null };
  }
}

async function isInsideAfterAll(path: string, isInside: (realPath: string) => boolean): Promise<boolean> {
  try {
    return isInside(await realpath(path));
  } catch {
    return false;
  }
}

/** The entry's link relative to its directory's page: `./` + the percent-encoded name (+ `/`). */
export function entryHref(entry: ListingEntry): string {
  // toWellFormed: encodeURIComponent throws on a lone surrogate; a name never breaks the page.
  return `./${encodeURIComponent(entry.name.toWellFormed())}${entry.isDir ? "/" : ""}`;
}
