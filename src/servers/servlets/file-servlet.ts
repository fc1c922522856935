/**
 * FileServlet: serves one file (SPEC §4). GET and HEAD; other methods → 405 with Allow.
 * Content-Type, Content-Length, Last-Modified; If-Modified-Since → 304. Small files come from a
 * bounded in-memory cache validated by modification time and size; large files are streamed in
 * 64 KiB pieces under flow control and never read whole.
 */
import { openSync, readSync, closeSync, statSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { METHOD_GET, METHOD_HEAD } from "../../parser/index.ts";
import { statusForFsError } from "../fs-status.ts";
import { HttpServlet } from "../http-servlet.ts";
import type { HttpSession } from "../http-session.ts";
import { control } from "../session-control.ts";

/** Files up to this size are cached in memory (bytes). */
export const SMALL_FILE = 64 * 1024;
/** The small-file cache holds at most this many bytes; the oldest entries go first. */
export const CACHE_BYTES = 32 * 1024 * 1024;
/** Pieces of a streamed file (bytes). */
const PIECE = 64 * 1024;

const encoder = new TextEncoder();

interface CachedFile {
  mtimeMs: number;
  size: number;
  type: string;
  bytes: Uint8Array;
  /** `Content-Type`, `Content-Length` and `Last-Modified` lines, pre-encoded. */
  headers: Uint8Array;
  lastModified: string;
}

const cache = new Map<string, CachedFile>();
let cachedBytes = 0;

/** Forgets every cached file (tests and reloads). */
export function clearFileCache(): void {
  cache.clear();
  cachedBytes = 0;
}

/** The content type of a path by Bun's own table (extension based). */
export function contentTypeOf(path: string): string {
  return Bun.file(path).type;
}

function headerLines(type: string, size: number, lastModified: string): Uint8Array {
  return encoder.encode(`Content-Type: ${type}\r\nContent-Length: ${size}\r\nLast-Modified: ${lastModified}\r\n`);
}

/** Reads a small file into the cache (sync: ≤ 64 KiB), or returns the valid entry. */
function cachedFile(path: string, st: Stats, type: string): CachedFile {
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && hit.type === type) return hit;
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
  const lastModified = new Date(st.mtimeMs).toUTCString();
  const entry: CachedFile = { mtimeMs: st.mtimeMs, size: st.size, type, bytes, headers: headerLines(type, st.size, lastModified), lastModified };
  cache.set(path, entry);
  cachedBytes += st.size;
  for (const [key, old] of cache) {
    if (cachedBytes <= CACHE_BYTES) break;
    cache.delete(key);
    cachedBytes -= old.size;
  }
  return entry;
}

/** True when If-Modified-Since is at or after the file's modification second (RFC 9110 §13.1.3). */
function isNotModified(session: HttpSession, mtimeMs: number): boolean {
  const ims = session.header("if-modified-since");
  if (ims === null) return false;
  const t = Date.parse(ims);
  return !Number.isNaN(t) && Math.floor(mtimeMs / 1000) <= Math.floor(t / 1000);
}

/** Serves the file at `filePath` (absolute); `type` overrides the content type. */
export class FileServlet extends HttpServlet {
  /** Creates the servlet; `stats` may be passed when the caller has just stat'ed the file. */
  constructor(
    session: HttpSession,
    private readonly filePath: string,
    private readonly type?: string,
    private readonly stats?: Stats,
  ) {
    super(session);
  }

  /** Answers GET and HEAD; 405 otherwise. */
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
    if (isNotModified(this.session, st.mtimeMs)) {
      this.sendResponse(304);
      this.sendHeader("Last-Modified", new Date(st.mtimeMs).toUTCString());
      this.endHeaders();
      return;
    }
    if (st.size <= SMALL_FILE) {
      let entry: CachedFile;
      try {
        entry = cachedFile(this.filePath, st, type);
      } catch (e) {
        return this.sendError(statusForFsError(e));
      }
      // hot path: status line and three pre-encoded header lines, one body copy.
      this.sendResponse(200);
      control(this.session).sendEncodedHeaders(entry.headers, entry.size);
      this.endHeaders();
      this.sendContent(entry.bytes);
      return;
    }
    return this.stream(st, type);
  }

  private async stream(st: Stats, type: string): Promise<void> {
    let handle;
    try {
      handle = await open(this.filePath, "r");
    } catch (e) {
      return this.sendError(statusForFsError(e));
    }
    try {
      this.sendResponse(200);
      this.sendHeader("Content-Type", type);
      this.sendHeader("Content-Length", st.size);
      this.sendHeader("Last-Modified", new Date(st.mtimeMs).toUTCString());
      this.endHeaders();
      if (this.session.isHead()) return this.endContent();
      const piece = new Uint8Array(PIECE);
      let position = 0;
      while (position < st.size && !this.signal.aborted && !this.session.isComplete()) {
        const { bytesRead } = await handle.read(piece, 0, Math.min(PIECE, st.size - position), position);
        if (bytesRead === 0) break; // the file shrank: endContent below closes the connection
        position += bytesRead;
        if (!this.sendContent(piece.subarray(0, bytesRead))) await this.drained();
      }
      this.endContent();
    } finally {
      await handle.close();
    }
  }
}
