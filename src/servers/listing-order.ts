/**
 * The order of a directory listing, from the request's query (docs/file-server.md, "Listings"):
 * `sort=name|size|time` (Caddy's names; `date` is taken for `time`) and `order=asc|desc`.
 * Unknown or missing values never fail a request: an unknown `sort` is `name`, and an unknown or
 * missing `order` is the column's first order — ascending for names, descending (largest,
 * newest first) for size and time, as a file manager's first click on those columns.
 * Directories always come first, whatever the order.
 */
import { compareNames, type ListingEntry } from "./listing-entries.ts";

/** A column a listing sorts by. */
export type SortKey = "name" | "size" | "time";
/** Ascending or descending. */
export type SortDirection = "asc" | "desc";

/** How a listing is sorted. */
export interface ListingOrder {
  readonly key: SortKey;
  readonly direction: SortDirection;
}

/** The columns, in the order the page shows them. */
export const SORT_KEYS: readonly SortKey[] = ["name", "size", "time"];

/** The order of a column's first click (and of `sort=` without a valid `order=`). */
export function firstDirection(key: SortKey): SortDirection {
  return key === "name" ? "asc" : "desc";
}

/** The order asked for by `query` (see the module comment); never throws. */
export function listingOrderOf(query: URLSearchParams): ListingOrder {
  const sort = (query.get("sort") ?? "").toLowerCase();
  const key: SortKey = sort === "size" ? "size" : sort === "time" || sort === "date" ? "time" : "name";
  const order = (query.get("order") ?? "").toLowerCase();
  const direction: SortDirection = order === "asc" || order === "desc" ? order : firstDirection(key);
  return { key, direction };
}

/**
 * The query a column header links to: the other direction when the listing is sorted by that
 * column, else the column's first direction (`?sort=size&order=desc`).
 */
export function headerQuery(column: SortKey, current: ListingOrder): string {
  const direction = column === current.key ? (current.direction === "asc" ? "desc" : "asc") : firstDirection(column);
  return `?sort=${column}&order=${direction}`;
}

/**
 * Sorts `entries` in place: directories first, then by the key in the direction asked; ties
 * (equal sizes or dates, and directories under a size sort, which have none) by name,
 * ascending. An unknown size or date sorts as the smallest, oldest.
 */
export function sortListing(entries: ListingEntry[], order: ListingOrder): ListingEntry[] {
  const sign = order.direction === "asc" ? 1 : -1;
  const byKey =
    order.key === "size"
      ? (a: ListingEntry, b: ListingEntry) => sign * ((a.size ?? -1) - (b.size ?? -1))
      : order.key === "time"
        ? (a: ListingEntry, b: ListingEntry) => sign * Math.sign((a.mtimeMs ?? -Infinity) - (b.mtimeMs ?? -Infinity) || 0)
        : (a: ListingEntry, b: ListingEntry) => sign * compareNames(a.name, b.name);
  return entries.sort((a, b) => {
    if (a.isDir !== b.isDir) return a.isDir ? -1 : 1;
    return byKey(a, b) || compareNames(a.name, b.name);
  });
}
