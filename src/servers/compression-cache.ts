/**
 * On-the-fly compression of files, bounded and cached: a compressible file between
 * COMPRESS_MIN_BYTES and COMPRESS_MAX_BYTES is read and compressed once per coding (on libuv's
 * thread pool, not the event loop), and the result is kept while the file's size, mtime and inode
 * stay the same, up to COMPRESS_CACHE_BYTES in all (oldest first out). Concurrent requests for
 * the same file share one compression. Ranges are never compressed (the caller's rule).
 * Generated text (a directory listing) is compressed by compressBytes(), under the same limit on
 * compressions running at once, and not cached.
 */
import type { Stats } from "node:fs";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { Coding } from "./accept-encoding.ts";
import {
  BROTLI_QUALITY,
  COMPRESS_CACHE_BYTES,
  COMPRESS_MAX_BYTES,
  COMPRESS_MIN_BYTES,
  MAX_CONCURRENT_COMPRESSIONS,
} from "./file-limits.ts";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Media types worth compressing: text, scripts, JSON, XML and SVG, WebAssembly, uncompressed fonts. */
const COMPRESSIBLE =
  /^(text\/|application\/(javascript|ecmascript|json|xml|wasm|manifest\+json|ld\+json)|image\/svg\+xml|font\/(ttf|otf)|[^;]*\+(json|xml))/i;

/** True when a file of this type and size is compressed on the fly (when compression is on). */
export function isCompressible(type: string, size: number): boolean {
  return size >= COMPRESS_MIN_BYTES && size <= COMPRESS_MAX_BYTES && COMPRESSIBLE.test(type);
}

interface Entry {
  size: number;
  mtimeMs: number;
  ino: number;
  /** The compressed bytes; null when compression did not make the file smaller (send identity). */
  bytes: Promise<Uint8Array | null>;
  /** Bytes held (0 until the compression has finished). */
  held: number;
}

const entries = new Map<string, Entry>();
let heldBytes = 0;
/** Compressions in flight (at most MAX_CONCURRENT_COMPRESSIONS). */
let running = 0;

/** Forgets every compressed file (tests). */
export function clearCompressionCache(): void {
  entries.clear();
  heldBytes = 0;
}

/** Bytes of compressed files held now (tests and diagnostics). */
export function compressionCacheBytes(): number {
  return heldBytes;
}

async function compress(path: string, coding: Coding): Promise<Uint8Array | null> {
  return squeeze(await readFile(path), coding);
}

/** `source` in `coding` on the thread pool; null when that is not smaller. */
async function squeeze(source: Uint8Array, coding: Coding): Promise<Uint8Array | null> {
  const out =
    coding.token === "br"
      ? await brotli(source, {
          params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: source.length },
        })
      : await gzipAsync(source);
  return out.length < source.length ? new Uint8Array(out.buffer, out.byteOffset, out.length) : null;
}

/**
 * The file at `path` (as `st` describes it) compressed with `coding`, or null when compressing
 * does not make it smaller or MAX_CONCURRENT_COMPRESSIONS are already running (send it as is).
 * Rejects when the file cannot be read.
 */
export function compressedFile(path: string, st: Stats, coding: Coding): Promise<Uint8Array | null> {
  const key = `${coding.token}\0${path}`;
  const hit = entries.get(key);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ino === st.ino) {
    // Most recently used last, so eviction takes the oldest first.
    entries.delete(key);
    entries.set(key, hit);
    return hit.bytes;
  }
  if (running >= MAX_CONCURRENT_COMPRESSIONS) return Promise.resolve(null);
  if (hit) forget(key, hit);
  running++;
  const bytes = compress(path, coding);
  const entry: Entry = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, bytes, held: 0 };
  entries.set(key, entry);
  bytes.then(
    () => running--,
    () => running--,
  );
  bytes.then(
    (bytes) => {
      if (entries.get(key) !== entry) return;
      entry.held = bytes?.length ?? 0;
      heldBytes += entry.held;
      evict();
    },
    () => entries.get(key) === entry && entries.delete(key),
  );
  return entry.bytes;
}

function forget(key: string, entry: Entry): void {
  entries.delete(key);
  heldBytes -= entry.held;
}

function evict(): void {
  for (const [key, entry] of entries) {
    if (heldBytes <= COMPRESS_CACHE_BYTES) break;
    forget(key, entry);
  }
}

/**
 * `source` (a generated body, e.g. a directory listing) compressed with `coding` on libuv's
 * thread pool, not cached; null when that does not make it smaller or MAX_CONCURRENT_COMPRESSIONS
 * are already running, files included (send it as is). Never rejects: a failure is null too.
 */
export function compressBytes(source: Uint8Array, coding: Coding): Promise<Uint8Array | null> {
  if (running >= MAX_CONCURRENT_COMPRESSIONS) return Promise.resolve(null);
  running++;
  return squeeze(source, coding).then(
    (bytes) => {
      running--;
      return bytes;
    },
    () => {
      running--;
      return null;
    },
  );
}
