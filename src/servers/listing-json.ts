/**
 * The JSON form of a directory listing, for a client whose Accept asks for `application/json`:
 * an array, in the listing's order, of
 * `{ "name": "a b.txt", "isDir": false, "size": 1234, "modified": "2026-12-07T18:56:08.000Z", "url": "./a%20b.txt" }`.
 * `name` is the entry's name (no trailing slash); `size` is bytes, null for a directory or when
 * not known; `modified` is the ISO 8601 UTC time, null when not known; `url` is the link
 * relative to the listing (percent-encoded, `/` after a directory). JSON.stringify escapes
 * every name.
 */
import { entryHref, type ListingEntry } from "./listing-entries.ts";

/** One entry as the JSON listing shows it. */
export interface ListingJsonEntry {
  name: string;
  isDir: boolean;
  size: number | null;
  modified: string | null;
  url: string;
}

/** The JSON text of `entries`, in the order given. */
export function listingJson(entries: readonly ListingEntry[]): string {
  return [...listingJsonPieces(entries, entries.length || 1)].join("");
}

/** listingJson()'s text in pieces of at most `perPiece` entries, so a caller can give the event loop a turn between them. */
export function* listingJsonPieces(entries: readonly ListingEntry[], perPiece: number): Generator<string> {
  if (entries.length === 0) {
    yield "[]";
    return;
  }
  for (let start = 0; start < entries.length; start += perPiece) {
    const out: ListingJsonEntry[] = entries.slice(start, start + perPiece).map((e) => ({
      name: e.name,
      isDir: e.isDir,
      size: e.size,
      modified: e.mtimeMs === null ? null : new Date(e.mtimeMs).toISOString(),
      url: entryHref(e),
    }));
    const text = JSON.stringify(out).slice(1, -1); // the elements, without the array's brackets
    yield (start === 0 ? "[" : ",") + text + (start + perPiece >= entries.length ? "]" : "");
  }
}
