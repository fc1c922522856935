/**
 * DirectoryListingServlet: an HTML index of one directory (FileServer with listing on, `--list`).
 * Names are escaped for HTML and percent-encoded in links; names the FileServer would refuse to
 * serve (dotfiles, hidden suffixes) are never listed. Directories first, then files, each sorted
 * by name; at most LISTING_MAX_ENTRIES entries. GET and HEAD only.
 */
import { readdirSync, statSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { METHOD_GET, METHOD_HEAD } from "../../parser/index.ts";
import { LISTING_MAX_ENTRIES } from "../file-limits.ts";
import { statusForFsError } from "../fs-status.ts";
import { escapeHtml } from "../html.ts";
import { HttpServlet } from "../http-servlet.ts";
import type { HttpSession } from "../http-session.ts";

/** Lists `directory` (absolute) as the page for `urlPath` (the decoded request path, ending in `/`). */
export class DirectoryListingServlet extends HttpServlet {
  /** `isListed(name)` says whether an entry may appear (the FileServer's hiding rules). */
  constructor(
    session: HttpSession,
    private readonly directory: string,
    private readonly urlPath: string,
    private readonly isListed: (name: string) => boolean,
    private readonly extraFields: readonly (readonly [string, string])[] = [],
  ) {
    super(session);
  }

  /** Sends the listing (200), 405 for other methods (501 for unrecognised ones), or the status of a failed read. */
  override processRequest(): void {
    const method = this.session.methodCode();
    if (method !== METHOD_GET && method !== METHOD_HEAD) return this.sendError(405);
    let entries: Dirent[];
    try {
      entries = readdirSync(this.directory, { withFileTypes: true });
    } catch (e) {
      return this.sendError(statusForFsError(e));
    }
    const shown = entries.filter((e) => !e.name.startsWith(".") && this.isListed(e.name));
    // A symlink to a directory is listed as one (its target is checked when it is requested).
    const isDirectory = (e: Dirent) => e.isDirectory() || (e.isSymbolicLink() && this.isDirectoryPath(join(this.directory, e.name)));
    const directories = new Set(shown.filter(isDirectory));
    shown.sort((a, b) => Number(directories.has(b)) - Number(directories.has(a)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const title = `Index of ${escapeHtml(this.urlPath)}`;
    const rows: string[] = [];
    if (this.urlPath !== "/") rows.push(`<li><a href="../">../</a></li>`);
    for (const e of shown.slice(0, LISTING_MAX_ENTRIES)) {
      const slash = directories.has(e) ? "/" : "";
      rows.push(`<li><a href="./${escapeHtml(encodeURIComponent(e.name))}${slash}">${escapeHtml(e.name)}${slash}</a></li>`);
    }
    if (shown.length > LISTING_MAX_ENTRIES) rows.push(`<li>… ${shown.length - LISTING_MAX_ENTRIES} more not listed</li>`);
    const html =
      `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n` +
      `<body><h1>${title}</h1>\n<ul>\n${rows.join("\n")}\n</ul><hr><address>netsvc</address></body></html>\n`;
    this.sendDocument(
      200,
      "text/html; charset=utf-8",
      html,
      this.extraFields.map(([n, v]) => [n, v]),
    );
  }

  private isDirectoryPath(path: string): boolean {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false; // a dangling link is listed as a file; requesting it answers 404
    }
  }
}
