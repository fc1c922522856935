/**
 * DirectoryListingServlet: an index of one directory (FileServer with listing on, `--list`;
 * SPEC §14). An HTML table of name, size and modification time (listing-html.ts), or JSON when
 * the client's Accept asks for it (listing-json.ts; the same test as error pages, acceptsJson),
 * sorted by the query's `sort` and `order` (listing-order.ts), with `Vary: Accept`. With
 * `compress`, a body of COMPRESS_MIN_BYTES or more goes out in the coding Accept-Encoding
 * prefers, compressed on the thread pool (compressBytes), with `Vary: Accept-Encoding`.
 * Names the FileServer would refuse to serve (dotfiles, hidden suffixes) are never listed; at
 * most LISTING_MAX_ENTRIES entries. The directory is read and its entries stat'ed asynchronously
 * (listing-entries.ts), and the page is made LISTING_ROWS_PER_TURN rows a turn, so a large
 * listing never holds the event loop for long. GET and HEAD only; no validators, so a
 * conditional request gets the listing.
 */
import { acceptsJson, HTML_TYPE, JSON_TYPE } from "../../http/error-page.ts";
import { METHOD_GET, METHOD_HEAD } from "../../parser/index.ts";
import { chooseCoding, type Coding } from "../accept-encoding.ts";
import { compressBytes } from "../compression-cache.ts";
import { COMPRESS_MIN_BYTES, LISTING_MAX_ENTRIES, LISTING_ROWS_PER_TURN, LISTING_STAT_CONCURRENCY } from "../file-limits.ts";
import { statusForFsError } from "../fs-status.ts";
import { HttpServlet } from "../http-servlet.ts";
import type { HttpSession } from "../http-session.ts";
import { readListing, type ListingRead } from "../listing-entries.ts";
import { listingHtmlPieces } from "../listing-html.ts";
import { listingJsonPieces } from "../listing-json.ts";
import { listingOrderOf, sortListing } from "../listing-order.ts";

const encoder = new TextEncoder();

/** Options of a listing beyond the directory itself. Every field is optional. */
export interface DirectoryListingOptions {
  /** Codings to compress the page into, preferred first on a tie (the FileServer's compress()). Default none. */
  compress?: readonly Coding[];
  /**
   * Whether a symlink's real target may have its size and date shown (the FileServer: inside its
   * real root). Default: every target.
   */
  isInside?: (realPath: string) => boolean;
}

/** Lists `directory` (absolute) as the page for `urlPath` (the decoded request path, ending in `/`). */
export class DirectoryListingServlet extends HttpServlet {
  /**
   * `isListed(name)` says whether an entry may appear (the FileServer's hiding rules);
   * `extraFields` go out with the listing (CORS).
   */
  constructor(
    session: HttpSession,
    private readonly directory: string,
    private readonly urlPath: string,
    private readonly isListed: (name: string) => boolean,
    private readonly extraFields: readonly (readonly [string, string])[] = [],
    private readonly options: DirectoryListingOptions = {},
  ) {
    super(session);
  }

  /** Sends the listing (200), 405 for other methods (501 for unrecognised ones), or the status of a failed read. */
  override processRequest(): void | Promise<void> {
    const method = this.session.methodCode();
    if (method !== METHOD_GET && method !== METHOD_HEAD) return this.sendError(405);
    return this.list();
  }

  private async list(): Promise<void> {
    let read: ListingRead;
    try {
      read = await readListing(this.directory, this.isListed, {
        max: LISTING_MAX_ENTRIES,
        concurrency: LISTING_STAT_CONCURRENCY,
        isInside: this.options.isInside,
        signal: this.signal,
      });
    } catch (e) {
      return this.sendError(statusForFsError(e));
    }
    if (this.signal.aborted) return; // the client left: nobody to answer
    const s = this.session;
    const order = listingOrderOf(s.query());
    sortListing(read.entries, order);
    const json = acceptsJson(s.header("accept"));
    const pieces = json
      ? listingJsonPieces(read.entries, LISTING_ROWS_PER_TURN)
      : listingHtmlPieces(this.urlPath, read.entries, read.omitted, order, LISTING_ROWS_PER_TURN);
    // The page is made a few hundred rows a turn: 5000 rows at once held the event loop ~10-20 ms.
    const body: Uint8Array[] = [];
    let length = 0;
    for (const piece of pieces) {
      if (body.length > 0) await nextTurn();
      if (this.signal.aborted) return;
      const bytes = encoder.encode(piece);
      body.push(bytes);
      length += bytes.length;
    }
    const codings = this.options.compress ?? [];
    const fields: [string, string][] = this.extraFields.map(([n, v]) => [n, v]);
    // RFC 9110 §12.5.5: the answer depends on Accept (HTML or JSON) and, with compression on, on Accept-Encoding.
    fields.push(["Vary", codings.length > 0 ? "Accept, Accept-Encoding" : "Accept"]);
    if (read.omitted > 0) fields.push(["Listing-Omitted", String(read.omitted)]);
    const coding = codings.length > 0 && length >= COMPRESS_MIN_BYTES ? chooseCoding(s.header("accept-encoding") ?? "", codings) : null;
    if (coding !== null) {
      const compressed = await compressBytes(Buffer.concat(body, length), coding);
      if (this.signal.aborted) return;
      if (compressed !== null) {
        fields.push(["Content-Encoding", coding.token]);
        return this.sendDocument(200, json ? JSON_TYPE : HTML_TYPE, compressed, fields);
      }
    }
    this.sendResponse(200);
    this.sendHeader("Content-Type", json ? JSON_TYPE : HTML_TYPE);
    for (const [name, value] of fields) this.sendHeader(name, value);
    s.sendContentLength(length);
    this.endHeaders();
    for (const bytes of body) this.sendContent(bytes);
    this.endContent();
  }
}

/** Resolves in the next turn of the event loop, after the I/O waiting now (setImmediate). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
