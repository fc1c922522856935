/**
 * FileServlet: serves one file (SPEC §4). GET and HEAD; other methods → 405 with Allow (501 for a
 * method the server does not recognise, RFC 9110 §9.1).
 * Content-Type, Content-Length, Last-Modified, ETag and `Accept-Ranges: bytes` on every file;
 * the RFC 9110 §13.2.2 preconditions (304, 412); byte ranges (206, multipart/byteranges, 416,
 * If-Range); a precompressed sibling or an on-the-fly compressed copy chosen by Accept-Encoding.
 * Small files come from a bounded in-memory cache validated by modification time, size and
 * inode; large files (and large ranges) are streamed in pieces under flow control and never read
 * whole.
 *
 * Hot path: a request carrying none of the fields acted on (one pass over the header names,
 * file-request-fields.ts) for a small file is a status line, one pre-encoded header block and one
 * body copy — no string is read from the request.
 */
import { openSync, readSync, closeSync, statSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { METHOD_GET, METHOD_HEAD } from "../../parser/index.ts";
import { chooseCoding, type Coding } from "../accept-encoding.ts";
import { contentRange, multipartBody, MULTIPART_TYPE, parseRange, UNSATISFIABLE, type BodyPiece, type ByteRange } from "../byte-ranges.ts";
import { compressedFile } from "../compression-cache.ts";
import { errorPage } from "../../http/error-page.ts";
import { CACHE_BYTES, LARGE_PIECE, PIECE, SMALL_FILE, STREAM_BUFFER_BUDGET } from "../file-limits.ts";
import {
  fileRequestFields,
  HAS_ACCEPT_ENCODING,
  HAS_IF_MATCH,
  HAS_IF_MODIFIED_SINCE,
  HAS_IF_NONE_MATCH,
  HAS_IF_RANGE,
  HAS_IF_UNMODIFIED_SINCE,
  HAS_PRECONDITION,
  HAS_RANGE,
} from "../file-request-fields.ts";
import { statusForFsError } from "../fs-status.ts";
import { HttpServlet } from "../http-servlet.ts";
import { sessionInternals as internals, type HttpSession } from "../http-session.ts";
import { reasonPhrase } from "../../http/status.ts";
import { etagOf, evaluatePreconditions, ifRangeHolds, lastModifiedOf, NOT_MODIFIED, PRECONDITION_FAILED } from "../validators.ts";

export { CACHE_BYTES, SMALL_FILE } from "../file-limits.ts";

const encoder = new TextEncoder();

/** A header field as name and value. */
export type HeaderField = readonly [string, string];

/** A precompressed sibling of a file (`x.js.br` for `x.js`). */
export interface FileVariant {
  /** The coding its bytes are in. */
  coding: Coding;
  /** Absolute path of the sibling. */
  path: string;
  /** Its stat (size, mtime and inode make its ETag). */
  stats: Stats;
}

/**
 * How a file is to be served. Every field is optional: a bare FileServlet answers 200 with
 * validators, conditionals and ranges, and no extra fields.
 */
export interface FileServeOptions {
  /** Fields added to every 200, 206 and 304 of the file (Cache-Control, CORS, Vary). Default none. */
  headers?: readonly HeaderField[];
  /** Precompressed siblings to choose from by Accept-Encoding, preferred first. Default none. */
  variants?: readonly FileVariant[];
  /** Codings to compress into on the fly when no sibling is chosen (compressible files only). Default none. */
  compress?: readonly Coding[];
  /** Status of the answer. Anything but 200 (a 404.html page) sends the whole file with no validators. Default 200. */
  status?: number;
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  ino: number;
  type: string;
  bytes: Uint8Array;
  /** Content-Type, Content-Length, Last-Modified, ETag and Accept-Ranges lines, pre-encoded. */
  headers: Uint8Array;
  /** The field list `block` was made for (compared by identity). */
  extraFor: readonly HeaderField[] | null;
  /** `headers` followed by the lines of `extraFor`. */
  block: Uint8Array;
}

const cache = new Map<string, CachedFile>();
let cachedBytes = 0;
/** Streams reading a file now (they share STREAM_BUFFER_BUDGET). */
let activeStreams = 0;

/** The read size for a stream starting now: the budget shared, between PIECE and LARGE_PIECE. */
function pieceSize(): number {
  const share = Math.floor(STREAM_BUFFER_BUDGET / (activeStreams + 1));
  return Math.max(PIECE, Math.min(LARGE_PIECE, share));
}

/** Forgets every cached file (tests and reloads). */
export function clearFileCache(): void {
  cache.clear();
  cachedBytes = 0;
}

/** The content type of a path by Bun's own table (extension based). */
export function contentTypeOf(path: string): string {
  return Bun.file(path).type;
}

function fileHeaderLines(type: string, st: Stats): Uint8Array {
  return encoder.encode(
    `Content-Type: ${type}\r\nContent-Length: ${st.size}\r\nLast-Modified: ${lastModifiedOf(st)}\r\nETag: ${etagOf(st)}\r\nAccept-Ranges: bytes\r\n`,
  );
}

/** The pre-encoded header block of a cached file with `extra` fields after its own. */
function headerBlock(entry: CachedFile, extra: readonly HeaderField[]): Uint8Array {
  if (entry.extraFor === extra) return entry.block;
  const lines = encoder.encode(extra.map(([name, value]) => `${name}: ${value}\r\n`).join(""));
  const block = new Uint8Array(entry.headers.length + lines.length);
  block.set(entry.headers);
  block.set(lines, entry.headers.length);
  entry.extraFor = extra;
  entry.block = block;
  return block;
}

/** Reads a small file into the cache (sync: ≤ SMALL_FILE), or returns the valid entry. */
function cachedFile(path: string, st: Stats, type: string): CachedFile {
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && hit.ino === st.ino && hit.type === type) return hit;
  if (hit) {
    cache.delete(path);
    cachedBytes -= hit.size;
  }
  const bytes = new Uint8Array(st.size);
  const fd = openSync(path, "r");
  try {
    let n = 0;
    while (n < bytes.length) {
      const r = readSync(fd, bytes, n, bytes.length - n, n);
      if (r === 0) break;
      n += r;
    }
  } finally {
    closeSync(fd);
  }
  const headers = fileHeaderLines(type, st);
  const entry: CachedFile = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, type, bytes, headers, extraFor: null, block: headers };
  cache.set(path, entry);
  cachedBytes += st.size;
  for (const [key, old] of cache) {
    if (cachedBytes <= CACHE_BYTES) break;
    cache.delete(key);
    cachedBytes -= old.size;
  }
  return entry;
}

const NO_FIELDS: readonly HeaderField[] = [];
const NO_VARIANTS: readonly FileVariant[] = [];
const NO_CODINGS: readonly Coding[] = [];

/** The representation chosen for a request: the file itself, a sibling, or compressed bytes. */
interface Representation {
  path: string;
  stats: Stats;
  coding: Coding | null;
  etag: string;
  /** Compressed on the fly: the whole body in memory. */
  bytes: Uint8Array | null;
}

/** Serves the file at `filePath` (absolute); `type` overrides the content type. */
export class FileServlet extends HttpServlet {
  /** Creates the servlet; `stats` may be passed when the caller has just stat'ed the file. */
  constructor(
    session: HttpSession,
    private readonly filePath: string,
    private readonly type?: string,
    private readonly stats?: Stats,
    private readonly options: FileServeOptions = {},
  ) {
    super(session);
  }

  /** Answers GET and HEAD; 405 otherwise (501 for a method the server does not recognise). */
  override processRequest(): void | Promise<void> {
    const method = this.session.methodCode();
    if (method !== METHOD_GET && method !== METHOD_HEAD) return this.sendError(405);
    let st: Stats;
    try {
      st = this.stats ?? statSync(this.filePath);
    } catch (e) {
      return this.sendError(statusForFsError(e));
    }
    if (!st.isFile()) return this.sendError(404);
    const type = this.type ?? contentTypeOf(this.filePath);
    const status = this.options.status ?? 200;
    if (status !== 200) return this.sendPlain(status, st, type);
    const connection = this.session.connection;
    const fields = fileRequestFields(connection.head, internals.headBytes(this.session));
    if (fields === 0 && st.size <= SMALL_FILE) {
      let entry: CachedFile;
      try {
        entry = cachedFile(this.filePath, st, type);
      } catch (e) {
        return this.sendError(statusForFsError(e));
      }
      // hot path: status line, one pre-encoded header block, one body copy.
      this.sendResponse(200);
      internals.sendEncodedHeaders(this.session, headerBlock(entry, this.options.headers ?? NO_FIELDS), entry.size);
      this.endHeaders();
      this.sendContent(entry.bytes);
      return;
    }
    return this.answer(fields, st, type);
  }

  /** A request with validators, ranges or Accept-Encoding, or a large file. */
  private async answer(fields: number, st: Stats, type: string): Promise<void> {
    const rep = await this.represent(fields, st);
    if (rep === null) return;
    const extra = this.options.headers ?? NO_FIELDS;
    // RFC 9110 §13.2.2: preconditions first, then Range.
    if (fields & HAS_PRECONDITION) {
      const s = this.session;
      const verdict = evaluatePreconditions(
        {
          ifMatch: fields & HAS_IF_MATCH ? s.header("if-match") : null,
          ifNoneMatch: fields & HAS_IF_NONE_MATCH ? s.header("if-none-match") : null,
          ifModifiedSince: fields & HAS_IF_MODIFIED_SINCE ? s.header("if-modified-since") : null,
          ifUnmodifiedSince: fields & HAS_IF_UNMODIFIED_SINCE ? s.header("if-unmodified-since") : null,
        },
        rep.etag,
        rep.stats.mtimeMs,
      );
      if (verdict === NOT_MODIFIED) {
        // RFC 9110 §15.4.5: the fields a 200 would carry that describe the cache entry.
        this.sendResponse(304);
        this.sendHeader("ETag", rep.etag);
        this.sendHeader("Last-Modified", lastModifiedOf(rep.stats));
        for (const [name, value] of extra) this.sendHeader(name, value);
        this.endHeaders();
        return;
      }
      if (verdict === PRECONDITION_FAILED) return this.sendPage(412, []);
    }
    const size = rep.bytes?.length ?? rep.stats.size;
    let ranges: readonly ByteRange[] | null = null;
    // RFC 9110 §14.2: ranges are defined for GET only; a coded representation is sent whole.
    // RFC 9110 §9.3.2: HEAD gets the header fields GET would, so it gets GET's 206 or 416 too
    // (as from nginx); only the body is left out.
    if (fields & HAS_RANGE && rep.coding === null) {
      const ifRange = fields & HAS_IF_RANGE ? this.session.header("if-range") : null;
      if (ifRange === null || ifRangeHolds(ifRange, rep.etag, rep.stats.mtimeMs))
        ranges = parseRange(this.session.header("range") ?? "", size);
    }
    if (ranges === UNSATISFIABLE) return this.sendPage(416, [["Content-Range", `bytes */${size}`]]);

    let pieces: BodyPiece[];
    let length: number;
    let bodyType = type;
    const head: HeaderField[] = [];
    if (ranges === null) {
      pieces = [{ start: 0, end: size }];
      length = size;
    } else if (ranges.length === 1) {
      const r = ranges[0]!;
      pieces = [r];
      length = r.end - r.start;
      head.push(["Content-Range", contentRange(r, size)]);
    } else {
      ({ pieces, length } = multipartBody(ranges, type, size));
      bodyType = MULTIPART_TYPE;
    }
    const sendHead = () => {
      this.sendResponse(ranges === null ? 200 : 206);
      this.sendHeader("Content-Type", bodyType);
      this.session.sendContentLength(length);
      for (const [name, value] of head) this.sendHeader(name, value);
      this.sendHeader("Last-Modified", lastModifiedOf(rep.stats));
      this.sendHeader("ETag", rep.etag);
      this.sendHeader("Accept-Ranges", "bytes");
      if (rep.coding) this.sendHeader("Content-Encoding", rep.coding.token);
      for (const [name, value] of extra) this.sendHeader(name, value);
      this.endHeaders();
    };
    if (rep.bytes !== null) return this.sendFromMemory(rep.bytes, pieces, sendHead);
    if (rep.stats.size <= SMALL_FILE) {
      let entry: CachedFile;
      try {
        entry = cachedFile(rep.path, rep.stats, type);
      } catch (e) {
        return this.sendError(statusForFsError(e));
      }
      return this.sendFromMemory(entry.bytes, pieces, sendHead);
    }
    return this.stream(rep.path, pieces, sendHead);
  }

  /**
   * Chooses the representation by Accept-Encoding: a precompressed sibling, else an on-the-fly
   * compressed copy, else the file. Ranges are always served from the file itself. Null when an
   * error has been answered.
   */
  private async represent(fields: number, st: Stats): Promise<Representation | null> {
    const identity: Representation = { path: this.filePath, stats: st, coding: null, etag: etagOf(st), bytes: null };
    if (!(fields & HAS_ACCEPT_ENCODING) || fields & HAS_RANGE) return identity;
    const variants = this.options.variants ?? NO_VARIANTS;
    const compress = this.options.compress ?? NO_CODINGS;
    if (variants.length === 0 && compress.length === 0) return identity;
    const accepted = this.session.header("accept-encoding") ?? "";
    const sibling = chooseCoding(
      accepted,
      variants.map((v) => v.coding),
    );
    if (sibling !== null) {
      const v = variants.find((x) => x.coding === sibling)!;
      return { path: v.path, stats: v.stats, coding: v.coding, etag: etagOf(v.stats), bytes: null };
    }
    const coding = chooseCoding(accepted, compress);
    if (coding === null) return identity;
    let bytes: Uint8Array | null;
    try {
      bytes = await compressedFile(this.filePath, st, coding);
    } catch (e) {
      this.sendError(statusForFsError(e));
      return null;
    }
    if (bytes === null || this.signal.aborted) return identity;
    // The compressed copy's tag differs from the file's, so caches never mix the two.
    return { path: this.filePath, stats: st, coding, etag: `${identity.etag.slice(0, -1)}-${coding.token}"`, bytes };
  }

  /** The whole file with `status` and no validators (a 404.html page). */
  private sendPlain(status: number, st: Stats, type: string): void | Promise<void> {
    const sendHead = () => {
      this.sendResponse(status);
      this.sendHeader("Content-Type", type);
      this.session.sendContentLength(st.size);
      for (const [name, value] of this.options.headers ?? NO_FIELDS) this.sendHeader(name, value);
      this.endHeaders();
    };
    const pieces = [{ start: 0, end: st.size }];
    if (st.size > SMALL_FILE) return this.stream(this.filePath, pieces, sendHead);
    let entry: CachedFile;
    try {
      entry = cachedFile(this.filePath, st, type);
    } catch (e) {
      return this.sendError(statusForFsError(e));
    }
    this.sendFromMemory(entry.bytes, pieces, sendHead);
  }

  /** A short HTML page for 412 or 416 that keeps the connection (the request was well formed). */
  private sendPage(code: number, headers: [string, string][]): void {
    this.sendDocument(code, "text/html; charset=utf-8", errorPage(code, reasonPhrase(code)), headers);
  }

  private sendFromMemory(bytes: Uint8Array, pieces: BodyPiece[], sendHead: () => void): void {
    sendHead();
    for (const p of pieces) this.sendContent(p instanceof Uint8Array ? p : bytes.subarray(p.start, p.end));
    this.endContent();
  }

  private async stream(path: string, pieces: BodyPiece[], sendHead: () => void): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, "r");
    } catch (e) {
      return this.sendError(statusForFsError(e));
    }
    activeStreams++;
    try {
      sendHead();
      if (this.session.isHead()) return this.endContent();
      const size = pieceSize();
      // Made at the first read: a client that takes nothing (an HTTP/2 stream whose window stays
      // shut) costs no buffer while it waits.
      let buffer: Uint8Array | null = null;
      for (const p of pieces) {
        if (p instanceof Uint8Array) {
          if (!this.sendContent(p)) await this.drained();
          continue;
        }
        let position = p.start;
        while (position < p.end && !this.signal.aborted && !this.session.isComplete()) {
          // A piece is read only once the client can take it: never one held while it cannot.
          if (this.session.isCongested()) {
            await this.drained();
            continue;
          }
          buffer ??= new Uint8Array(size);
          const { bytesRead } = await handle.read(buffer, 0, Math.min(size, p.end - position), position);
          if (bytesRead === 0) break; // the file shrank: endContent below closes the connection
          position += bytesRead;
          this.sendContent(buffer.subarray(0, bytesRead));
        }
        if (position < p.end) break;
      }
      this.endContent();
    } finally {
      activeStreams--;
      await handle.close();
    }
  }
}
