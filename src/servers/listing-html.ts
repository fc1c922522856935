/**
 * The HTML page of a directory listing: a table of name, size and modification time whose
 * column headers link to the other orders (listing-order.ts). Names are escaped for HTML and
 * percent-encoded in links; sizes are shown for people (human-size.ts) with the exact bytes in
 * `title` and `data-bytes`; times are UTC, shown as `2026-12-07 18:56` inside a machine-readable
 * `<time datetime>`. The page is small, has no script, and stays readable on a narrow screen
 * (long names wrap; sizes never, dates only on a phone).
 */
import { escapeHtml } from "./html.ts";
import { humanSize } from "./human-size.ts";
import { entryHref, type ListingEntry } from "./listing-entries.ts";
import { headerQuery, SORT_KEYS, type ListingOrder, type SortKey } from "./listing-order.ts";

const COLUMN_TITLES: Record<SortKey, string> = { name: "Name", size: "Size", time: "Modified (UTC)" };

// Columns are styled by position, not by a class on every cell: 5000 rows stay small.
const STYLE =
  ":root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.5}" +
  "body{margin:1rem auto;max-width:64rem;padding:0 1rem}" +
  "h1{font-size:1.25rem;font-weight:600;overflow-wrap:anywhere}" +
  "table{width:100%;border-collapse:collapse;table-layout:fixed}" +
  "th,td{padding:.25rem .5rem;text-align:left;vertical-align:top}" +
  "th{border-bottom:1px solid #8888;white-space:nowrap}" +
  "tbody tr:nth-child(even){background:#8881}" +
  "td:first-child{overflow-wrap:anywhere}" +
  "th:nth-child(2),td:nth-child(2){width:6rem;text-align:right;white-space:nowrap}" +
  "th:nth-child(3),td:nth-child(3){width:10.5rem;white-space:nowrap}" +
  // A phone: the date and time may take two lines, so names keep half the width.
  "@media(max-width:36rem){body{padding:0 .5rem}th,td{padding:.25rem .25rem}" +
  "th:nth-child(2),td:nth-child(2){width:4.5rem}th:nth-child(3),td:nth-child(3){width:6rem;white-space:normal}}" +
  "a{text-decoration:none}a:hover{text-decoration:underline}" +
  "footer{margin-top:.75rem;opacity:.75}";

/** `2026-12-07 18:56` and the full ISO form for `<time datetime>`. */
function timeCell(mtimeMs: number | null): string {
  if (mtimeMs === null) return "<td>-</td>";
  const iso = new Date(mtimeMs).toISOString();
  return `<td><time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)}</time></td>`;
}

function sizeCell(size: number | null): string {
  if (size === null) return "<td>-</td>";
  return `<td title="${size} bytes" data-bytes="${size}">${humanSize(size)}</td>`;
}

function headerCell(column: SortKey, order: ListingOrder): string {
  const link = `<a href="${escapeHtml(headerQuery(column, order))}">${COLUMN_TITLES[column]}</a>`;
  if (column !== order.key) return `<th>${link}</th>`;
  const ascending = order.direction === "asc";
  return `<th aria-sort="${ascending ? "ascending" : "descending"}">${link} ${ascending ? "↑" : "↓"}</th>`;
}

/**
 * The page for the directory at `urlPath` (the decoded request path, ending in `/`): `entries`
 * in the order given (sorted by `order`, which the headers reflect), a `../` row below the root,
 * and a footer counting directories and files (and the `omitted` ones, when there are).
 */
export function listingHtml(urlPath: string, entries: readonly ListingEntry[], omitted: number, order: ListingOrder): string {
  return [...listingHtmlPieces(urlPath, entries, omitted, order, entries.length || 1)].join("");
}

/**
 * listingHtml()'s page in pieces of at most `rowsPerPiece` rows (the head with the first piece's
 * rows, the footer with the last's), so a caller can give the event loop a turn between them.
 */
export function* listingHtmlPieces(
  urlPath: string,
  entries: readonly ListingEntry[],
  omitted: number,
  order: ListingOrder,
  rowsPerPiece: number,
): Generator<string> {
  const title = `Index of ${escapeHtml(urlPath)}`;
  let piece =
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${title}</title><style>${STYLE}</style></head>\n` +
    `<body><h1>${title}</h1>\n<table>\n<thead><tr>${SORT_KEYS.map((k) => headerCell(k, order)).join("")}</tr></thead>\n<tbody>\n`;
  if (urlPath !== "/") piece += `<tr><td><a href="../">../</a></td><td></td><td></td></tr>\n`;
  let directories = 0;
  for (let start = 0; start < entries.length; start += rowsPerPiece) {
    const rows: string[] = [];
    for (const e of entries.slice(start, start + rowsPerPiece)) {
      if (e.isDir) directories++;
      const shown = escapeHtml(e.name) + (e.isDir ? "/" : "");
      rows.push(`<tr><td><a href="${escapeHtml(entryHref(e))}">${shown}</a></td>${sizeCell(e.size)}${timeCell(e.mtimeMs)}</tr>\n`);
    }
    yield piece + rows.join("");
    piece = "";
  }
  const files = entries.length - directories;
  let summary = `${directories} ${directories === 1 ? "directory" : "directories"}, ${files} ${files === 1 ? "file" : "files"}`;
  if (omitted > 0) summary += `; ${omitted} more not listed`;
  yield `${piece}</tbody></table>\n<footer>${summary}</footer><hr><address>netsvc</address></body></html>\n`;
}
