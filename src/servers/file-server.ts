/**
 * FileServer: serves a directory tree (SPEC §4). Safety comes first and touches no disk: the
 * daemon has already decoded the path once and refused NUL, CR/LF, an encoded `/`, invalid
 * UTF-8 (400) and climbing above the root (403); here a `\` is refused (400) and dotfiles are
 * hidden (404). Only then is the disk consulted, and the real path (symlinks resolved) must lie
 * inside the real root (403). Filesystem errors map to statuses in one function (fs-status.ts).
 * The hide, dotfile and plugin rules are decided once, on the name the path resolves to, never
 * on the path's spelling: `/f/`, `/f//`, `/f/.` and `/f/x/..` all name `f` addressed as a
 * directory, which for a plain file is 404 (SPEC §4.2).
 *
 * Metadata calls (stat, realpath) are synchronous: servlet() must choose a servlet at once, and a
 * stat is microseconds. A path that resolved to a regular file is remembered (with its device and
 * inode) and trusted for revalidate() ms before one stat checks it again; a changed inode means a
 * full resolution (resolved-files.ts). File contents are read asynchronously or from the
 * small-file cache.
 *
 * Beyond OSE (SPEC §4.2; docs/file-server.md): precompressed `x.br`/`x.gz` siblings (on by
 * default), on-the-fly compression (compress()), Cache-Control (cacheControl()), CORS (cors()),
 * a `404.html` at the root answering every 404, a single-page-app fallback (spa()) and HTML
 * directory listings (listing()). The fields these add are computed when an option changes, not
 * per request.
 */
import { realpathSync, type Stats } from "node:fs";
import { join, resolve, sep } from "node:path";
import { statOrError, statusForFsError } from "./fs-status.ts";
import { HttpServer } from "./http-server.ts";
import type { HttpServlet } from "./http-servlet.ts";
import { sessionInternals as internals, type HttpSession } from "./http-session.ts";
import { ErrorServlet } from "./servlets/error-servlet.ts";
import { CODINGS, GZIP, BROTLI, type Coding } from "./accept-encoding.ts";
import { isCompressible } from "./compression-cache.ts";
import { CorsPreflightServlet } from "./servlets/cors-preflight-servlet.ts";
import { DirectoryListingServlet } from "./servlets/directory-listing-servlet.ts";
import { contentTypeOf, FileServlet, type FileServeOptions, type FileVariant, type HeaderField } from "./servlets/file-servlet.ts";
import { RedirectServlet } from "./servlets/redirect-servlet.ts";
import { METHOD_GET, METHOD_HEAD, METHOD_OPTIONS } from "../parser/index.ts";
import type { Refused } from "./refusal.ts";
import { ResolvedFiles } from "./resolved-files.ts";

const encoder = new TextEncoder();

/** Makes the servlet for a plugin file: `factory(session, absolutePath)`. */
export type PluginFactory = (session: HttpSession, absolutePath: string) => HttpServlet | null;

/** Something with a factory method, like ModulePlugin. */
export interface PluginObject {
  servlet(session: HttpSession, absolutePath: string): HttpServlet | null;
}

/** The page served (with status 404) for every 404 when it exists at the root. */
export const NOT_FOUND_PAGE = "404.html";

const VARY_ACCEPT_ENCODING: HeaderField = ["Vary", "Accept-Encoding"];
/** Response fields a cross-origin script may read (the simple ones are readable anyway). */
const CORS_EXPOSED = "Content-Range, Content-Length, Content-Encoding, Accept-Ranges, ETag";

interface Plugin {
  ext: string;
  make: PluginFactory;
  alias: string | null;
}

function lower(ext: string): string {
  return ext.toLowerCase();
}

/** A server object for a directory. */
export class FileServer extends HttpServer {
  private readonly root: string;
  private realRoot: string | null = null;
  private readonly types = new Map<string, string>();
  private readonly indexes: string[] = ["index.html"];
  private readonly hidden: string[] = [];
  private readonly plugins: Plugin[] = [];
  private readonly resolved = new ResolvedFiles((absolute, type, st) => this.fileOptions(absolute, type, st));
  private cacheControlValue: string | null = null;
  private corsOrigin: string | null = null;
  private usePrecompressed = true;
  private compressCodings: readonly Coding[] = [];
  private spaFallback = false;
  private listings = false;
  /** Fields of every file response (Cache-Control, CORS), and the same with Vary. */
  private fields: readonly HeaderField[] = [];
  private fieldsVary: readonly HeaderField[] = [VARY_ACCEPT_ENCODING];
  /** Fields of error and 404-page responses (CORS only). */
  private errorFields: readonly HeaderField[] = [];

  /** Serves `directory` (made absolute). The default index file is index.html. */
  constructor(directory: string) {
    super();
    this.root = resolve(directory);
  }

  /** The directory served. */
  directory(): string {
    return this.root;
  }

  /** Sets the content type for files ending in `ext` (e.g. ".py", "text/plain"), over Bun's table. */
  map(ext: string, type: string): this {
    this.resolved.clear(); // a new rule applies to paths resolved before it
    this.types.set(lower(ext), type);
    return this;
  }

  /** Adds an index file name; names declared later are tried first. */
  index(name: string): this {
    this.resolved.clear(); // a new rule applies to paths resolved before it
    if (name.includes("/") || name.includes("\\") || name.startsWith("."))
      throw new TypeError(`index: bad file name ${JSON.stringify(name)}`);
    this.indexes.unshift(name);
    return this;
  }

  /**
   * Files ending in `ext` (case-insensitive) answer 404 as if absent, by every spelling of their
   * path (`/x.bak/`, `/x%2ebak`), and so do their precompressed copies (`x.bak.gz`, `x.bak.br`).
   */
  hide(ext: string): this {
    this.resolved.clear(); // a new rule applies to paths resolved before it
    this.hidden.push(lower(ext));
    return this;
  }

  /**
   * Files ending in `ext` are answered by a servlet from `factory(session, absolutePath)`; extra
   * path below such a file becomes servletInfo() (`/x.ts/a/b` → "a/b"; `/x.ts/` → "", the plugin
   * runs: its source is never served, nor its precompressed copies `x.ts.gz`/`x.ts.br`). With
   * `alias`, a request for a name ending in `alias` is served from the file ending in `ext`
   * instead (combine with hide(ext)); an alias names the file as a whole, so a path below it
   * (`/login.html/`) is 404. An empty alias serves `login` from `login.ts`.
   */
  plugin(ext: string, factory: PluginFactory | PluginObject, alias?: string): this {
    this.resolved.clear(); // a new rule applies to paths resolved before it
    const make: PluginFactory = typeof factory === "function" ? factory : (s, p) => factory.servlet(s, p);
    this.plugins.push({ ext: lower(ext), make, alias: alias === undefined ? null : lower(alias) });
    return this;
  }

  /**
   * How long (ms) a file found by an earlier request is trusted before it is stat'ed again
   * (default 1000; 0: stat on every request). Within that window an edit is not seen yet — as
   * with nginx's open_file_cache_valid — and no system call is made for a hot file.
   */
  revalidate(ms: number): this {
    this.resolved.revalidateMs = Math.max(0, ms);
    return this;
  }

  /**
   * Cache-Control sent with every file (200, 206, 304), e.g. "public, max-age=3600"; null (the
   * default) sends none, leaving caches to revalidate with the ETag and Last-Modified.
   */
  cacheControl(value: string | null): this {
    return this.reconfigure(() => (this.cacheControlValue = value));
  }

  /**
   * CORS: `Access-Control-Allow-Origin: origin` on every response (default origin `*`), the
   * range and validator fields exposed, and OPTIONS preflights answered 204. null turns it off
   * (the default).
   */
  cors(origin: string | null = "*"): this {
    return this.reconfigure(() => (this.corsOrigin = origin));
  }

  /**
   * Serves `x.br` or `x.gz` next to `x` to clients that accept that coding, with the type and
   * validators of the sibling's own bytes and `Vary: Accept-Encoding` (default on).
   */
  precompressed(on = true): this {
    return this.reconfigure(() => (this.usePrecompressed = on));
  }

  /**
   * Compresses compressible files (text, scripts, JSON, SVG; 1 KiB to 4 MiB) with br or gzip on
   * the fly when no precompressed sibling serves, caching the results (16 MiB in all; see
   * file-limits.ts), and listings of 1 KiB or more (not cached). Never for ranges. Default off.
   */
  compress(on = true): this {
    return this.reconfigure(() => (this.compressCodings = on ? CODINGS : []));
  }

  /**
   * Single-page apps: a GET for a missing path whose last segment has no extension is answered
   * with the root's index file (200), so client-side routes load the app. Default off.
   */
  spa(on = true): this {
    return this.reconfigure(() => (this.spaFallback = on));
  }

  /**
   * Listings for directories without an index file (default off: 403): an HTML table of name,
   * size and modification time, or JSON for a client that asks for it, sorted by the query's
   * `sort` (name, size, time) and `order` (asc, desc); compressed when compress() is on.
   * Dotfiles and hidden suffixes are never listed (docs/file-server.md, "Listings").
   */
  listing(on = true): this {
    return this.reconfigure(() => (this.listings = on));
  }

  /** Applies an option change and recomputes the fields sent; forgets resolved paths. */
  private reconfigure(change: () => unknown): this {
    change();
    this.resolved.clear();
    const fields: HeaderField[] = [];
    if (this.cacheControlValue !== null) fields.push(["Cache-Control", this.cacheControlValue]);
    const cors: HeaderField[] = [];
    if (this.corsOrigin !== null) {
      cors.push(["Access-Control-Allow-Origin", this.corsOrigin], ["Access-Control-Expose-Headers", CORS_EXPOSED]);
      if (this.corsOrigin !== "*") cors.push(["Vary", "Origin"]);
    }
    fields.push(...cors);
    this.fields = fields;
    this.fieldsVary = [...fields, VARY_ACCEPT_ENCODING];
    this.errorFields = cors;
    return this;
  }

  /** How the file at `absolute` is served: its siblings, and the fields (Vary when the coding may differ). */
  private fileOptions(absolute: string, type: string, st: Stats): FileServeOptions {
    const variants: FileVariant[] = [];
    if (this.usePrecompressed) {
      for (const coding of [BROTLI, GZIP]) {
        const path = absolute + coding.suffix;
        const sibling = statOrError(path);
        if (typeof sibling !== "number" && sibling.isFile() && this.checkContained(path) === null)
          variants.push({ coding, path, stats: sibling });
      }
    }
    const compress = this.compressCodings.length > 0 && isCompressible(type, st.size) ? this.compressCodings : [];
    const varies = variants.length > 0 || compress.length > 0;
    return { headers: varies ? this.fieldsVary : this.fields, variants, compress };
  }

  /** Resolves the request to a servlet: a file, a plugin, a redirect, or an error. */
  override servlet(session: HttpSession): HttpServlet {
    // hot path: a path that resolved to a contained regular file before (so it also passed the
    // backslash, dotfile and hide checks below), and whose stat still shows the same file (device
    // and inode), skips those checks and the containment walk (realpath). A file swapped for a
    // symlink stats as another inode and is resolved again from scratch. The memory is keyed by
    // the servlet path's UTF-8 bytes; a plain path (already normal, ASCII) is looked up in the
    // request's own bytes, so no string is made for it.
    if (this.corsOrigin !== null && session.methodCode() === METHOD_OPTIONS) return new CorsPreflightServlet(session, this.corsOrigin);
    const plain = internals.isPlainPath(session);
    if (plain) {
      const known = this.resolved.recall(internals.headBytes(session), internals.servletPathStart(session), internals.pathEnd(session));
      if (known !== null) return new FileServlet(session, known.absolute, known.type, known.stats, known.options);
    }
    const path = session.requestPath();
    // SPEC §4.1: a backslash could be a separator on some systems: refuse it.
    if (path.includes("\\")) return new ErrorServlet(session, 400);
    const rel = session.servletPath();
    if (!plain) {
      const key = encoder.encode(rel);
      const known = this.resolved.recall(key, 0, key.length);
      if (known !== null) return new FileServlet(session, known.absolute, known.type, known.stats, known.options);
    }

    // SPEC §4.2: every rule below is decided once, on the name the path resolves to. The daemon
    // has normalised the path (RFC 3986 §5.2.4), so every spelling of a file that addresses it
    // as a directory (/f/, /f//, /f/., /f/x/.., /f/%2e) arrives as "f/": the trailing "/" is not
    // part of the name (the disk lookup would drop it, and a rule testing the path's end would
    // miss the name: issue 19 served hidden files and plugin source that way).
    const asDirectory = rel.endsWith("/");
    const name = asDirectory ? rel.slice(0, -1) : rel;
    const segments = name === "" ? [] : name.split("/");
    // SPEC §4.2: dotfiles (and dot-directories) are hidden.
    if (segments.some((s) => s.startsWith("."))) return this.notFound(session);
    if (this.isHidden(name)) return this.notFound(session);

    const absolute = join(this.root, ...segments);
    const st = statOrError(absolute);
    if (typeof st === "number") return this.resolveMissing(session, name, asDirectory, segments, st);
    if (st.isDirectory()) return this.resolveDirectory(session, absolute, path);
    if (!st.isFile()) return this.notFound(session);
    if (asDirectory) {
      // A file addressed as a directory is not there (POSIX ENOTDIR; nginx answers 404), but a
      // plugin file runs, with an empty extra path, as it runs with one below it (/plug.ts/x).
      const plugin = this.pluginFor(name);
      return plugin ? this.runPlugin(session, plugin, absolute, name, "") : this.notFound(session);
    }
    return this.serveFile(session, absolute, name, "", st, true);
  }

  /**
   * SPEC §4.2: a name ending in a hidden suffix; also a precompressed copy (`x.gz`, `x.br`) of a
   * hidden name or of a plugin file, since it holds the same bytes (a plugin's source).
   */
  private isHidden(name: string): boolean {
    const n = lower(name);
    if (this.endsHidden(n)) return true;
    for (const coding of CODINGS) {
      if (!n.endsWith(coding.suffix)) continue;
      const original = n.slice(0, n.length - coding.suffix.length);
      return this.endsHidden(original) || this.pluginFor(original) !== undefined;
    }
    return false;
  }

  /** `n` (lower case) ends in a suffix given to hide(). */
  private endsHidden(n: string): boolean {
    return this.hidden.some((ext) => n.endsWith(ext));
  }

  private pluginFor(name: string): Plugin | undefined {
    const n = lower(name);
    return this.plugins.find((p) => n.endsWith(p.ext));
  }

  /**
   * Every 404 of this server: the root's 404.html (status 404, no validators) when it exists, is a
   * regular file inside the root and is not hidden; else the standard page. Methods other than GET
   * and HEAD get the standard page.
   */
  private notFound(session: HttpSession): HttpServlet {
    const method = session.methodCode();
    if ((method === METHOD_GET || method === METHOD_HEAD) && !this.isHidden(NOT_FOUND_PAGE)) {
      const page = join(this.root, NOT_FOUND_PAGE);
      const st = statOrError(page);
      if (typeof st !== "number" && st.isFile() && this.checkContained(page) === null) {
        return new FileServlet(session, page, this.typeOf(page, NOT_FOUND_PAGE), st, { status: 404, headers: this.errorFields });
      }
    }
    return new ErrorServlet(session, 404);
  }

  /** The content type of a file: Bun's table, overridden by map(). */
  private typeOf(absolute: string, rel: string): string {
    let type = contentTypeOf(absolute);
    const n = lower(rel);
    for (const [ext, t] of this.types) if (n.endsWith(ext)) type = t;
    return type;
  }

  /** A directory: redirect to the slash form, else the first index file, else a listing (when on) or 403. */
  private resolveDirectory(session: HttpSession, absolute: string, path: string): HttpServlet {
    if (!path.endsWith("/")) {
      const q = session.queryString();
      return new RedirectServlet(session, session.rawPath() + "/" + (q ? "?" + q : ""), 301);
    }
    for (const name of this.indexes) {
      const candidate = join(absolute, name);
      const st = statOrError(candidate);
      if (typeof st !== "number" && st.isFile() && !this.isHidden(name)) {
        const rel = session.servletPath() + name;
        return this.serveFile(session, candidate, rel, "", st);
      }
    }
    if (this.listings) {
      // SPEC §4.1: a directory reached through a symlink out of the root is not listed either.
      const refused = this.checkContained(absolute);
      if (refused) return new ErrorServlet(session, refused);
      const isListed = (name: string) => !this.isHidden(name);
      const isInside = (real: string) => this.isInsideRoot(real);
      return new DirectoryListingServlet(session, absolute, path, isListed, this.errorFields, { compress: this.compressCodings, isInside });
    }
    return new ErrorServlet(session, 403);
  }

  /** The root's index file for a client-side route (spa()): a GET for a path without an extension. */
  private spaIndex(session: HttpSession, rel: string): HttpServlet | null {
    const last = rel.slice(rel.lastIndexOf("/") + 1);
    const method = session.methodCode();
    if (last.includes(".") || (method !== METHOD_GET && method !== METHOD_HEAD)) return null;
    for (const name of this.indexes) {
      const candidate = join(this.root, name);
      const st = statOrError(candidate);
      if (typeof st !== "number" && st.isFile() && !this.isHidden(name)) return this.serveFile(session, candidate, name, "", st);
    }
    return null;
  }

  /**
   * Not on disk as named: a plugin alias, or a plugin file with extra path below it. `name` is
   * the resolved name (no trailing "/"); `asDirectory` says the request addressed it as a
   * directory. An alias names a file as a whole: with any path below it (`/login.html/`,
   * `/login.html/x`) it is absent, as a static file would be.
   */
  private resolveMissing(session: HttpSession, name: string, asDirectory: boolean, segments: string[], status: number): HttpServlet {
    if (!asDirectory) {
      for (const p of this.plugins) {
        if (p.alias !== null && lower(name).endsWith(p.alias)) {
          const sourceRel = name.slice(0, name.length - p.alias.length) + p.ext;
          const source = join(this.root, ...sourceRel.split("/"));
          const st = statOrError(source);
          if (typeof st !== "number" && st.isFile()) return this.runPlugin(session, p, source, name, "");
        }
      }
    }
    if (status === 404 && this.plugins.length > 0) {
      // Walk down: the first prefix that is a file may be a plugin taking the rest as servletInfo
      // (with the request's trailing "/": /plug.ts/a/ → "a/").
      let absolute = this.root;
      for (let i = 0; i < segments.length - 1; i++) {
        absolute = join(absolute, segments[i]!);
        const st = statOrError(absolute);
        if (typeof st === "number") break;
        if (st.isDirectory()) continue;
        const fileRel = segments.slice(0, i + 1).join("/");
        // A hidden plugin file is as absent with extra path below it as without.
        const plugin = st.isFile() && !this.isHidden(fileRel) ? this.pluginFor(fileRel) : undefined;
        if (!plugin) break; // extra path below a plain file → 404
        const info = segments.slice(i + 1).join("/") + (asDirectory ? "/" : "");
        return this.runPlugin(session, plugin, absolute, fileRel, info);
      }
    }
    if (status === 404) return (this.spaFallback ? this.spaIndex(session, name) : null) ?? this.notFound(session);
    return new ErrorServlet(session, status);
  }

  /** A regular file (or plugin file) that exists: containment check, then plugin or FileServlet. */
  private serveFile(session: HttpSession, absolute: string, rel: string, info: string, st: Stats, remember = false): HttpServlet {
    const plugin = this.pluginFor(rel);
    if (plugin) return this.runPlugin(session, plugin, absolute, rel, info);
    const refused = this.checkContained(absolute);
    if (refused) return new ErrorServlet(session, refused);
    const type = this.typeOf(absolute, rel);
    const options = this.fileOptions(absolute, type, st);
    if (remember) this.resolved.remember(rel, absolute, type, st, options);
    return new FileServlet(session, absolute, type, st, options);
  }

  private runPlugin(session: HttpSession, plugin: Plugin, absolute: string, rel: string, info: string): HttpServlet {
    const refused = this.checkContained(absolute);
    if (refused) return new ErrorServlet(session, refused);
    session.bindServlet(rel, info);
    const servlet = plugin.make(session, absolute);
    return servlet ?? new ErrorServlet(session, 404);
  }

  /** SPEC §4.1: the real path (symlinks resolved) must lie inside the real root; null when it does, else the refusal. */
  private checkContained(absolute: string): Refused | null {
    try {
      return this.isInsideRoot(realpathSync(absolute)) ? null : 403;
    } catch (e) {
      return statusForFsError(e);
    }
  }

  /** `real` (a real path, symlinks resolved) is the real root or below it. Throws when the root cannot be resolved. */
  private isInsideRoot(real: string): boolean {
    this.realRoot ??= realpathSync(this.root);
    return real === this.realRoot || real.startsWith(this.realRoot.endsWith(sep) ? this.realRoot : this.realRoot + sep);
  }
}
