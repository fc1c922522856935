/**
 * Every limit of the file server in one place (the daemon's own limits are in
 * daemon/limits.ts; the servers layer does not import the daemon). Each names what happens past it.
 */

/** Default of FileServer.revalidate(): a known file is stat'ed again at most this often (ms). */
export const REVALIDATE_MS = 1000;
/** How many resolved paths a FileServer remembers; one more clears the memory (then it refills). */
export const RESOLVED_CAPACITY = 4096;

/** Files up to this size (bytes) are answered from the in-memory small-file cache. */
export const SMALL_FILE = 64 * 1024;
/** The small-file cache holds at most this many bytes; the oldest entries go first. */
export const CACHE_BYTES = 32 * 1024 * 1024;
/** Smallest piece a streamed file is read in (bytes): what each stream gets under heavy concurrency. */
export const PIECE = 64 * 1024;
/**
 * Largest piece a streamed file is read in (bytes). Fewer, larger reads cut the per-piece cost
 * (a thread-pool read, a queue append, a drain) — 1 MiB pieces moved a 1 GiB download about 25%
 * faster than 64 KiB ones on the benchmark machine (docs/file-server.md).
 */
export const LARGE_PIECE = 1024 * 1024;
/**
 * Read buffers of all streams together stay under this (bytes): a stream starting while N others
 * run gets STREAM_BUFFER_BUDGET / (N + 1), between PIECE and LARGE_PIECE. Memory is bounded by
 * connections × PIECE (plus this budget), however many downloads run.
 */
export const STREAM_BUFFER_BUDGET = 16 * 1024 * 1024;

/**
 * More range-specs than this in one Range field and the field is ignored: the whole file is sent
 * with 200 (RFC 9110 §14.2 lets a server ignore a Range it judges abusive).
 */
export const MAX_RANGES = 32;
/**
 * Ranges closer than this (bytes) are merged into one part: a part header costs about as much, and
 * merging means no byte is ever sent twice (overlapping ranges cannot amplify a response).
 */
export const RANGE_MERGE_GAP = 80;

/** Files smaller than this (bytes) are not compressed on the fly: the saving is below a packet. */
export const COMPRESS_MIN_BYTES = 1024;
/** Files larger than this (bytes) are never compressed on the fly (precompress them instead). */
export const COMPRESS_MAX_BYTES = 4 * 1024 * 1024;
/** Compressed results kept in memory at most (bytes); the oldest go first. */
export const COMPRESS_CACHE_BYTES = 16 * 1024 * 1024;
/**
 * Compressions running at once at most; a request that would start another gets the file
 * uncompressed. With COMPRESS_MAX_BYTES this bounds the memory compression holds in flight.
 */
export const MAX_CONCURRENT_COMPRESSIONS = 4;
/** Brotli quality for on-the-fly compression (0-11): 5 is fast and close to gzip -9's size. */
export const BROTLI_QUALITY = 5;

/**
 * A directory listing shows at most this many entries — the first in name order, then sorted as
 * asked — and says how many were left out; only these are stat'ed.
 */
export const LISTING_MAX_ENTRIES = 5000;
/**
 * A listing stats at most this many entries at once (on the thread pool): enough to keep the
 * disk busy, few enough that one listing does not take every thread from file reads.
 */
export const LISTING_STAT_CONCURRENCY = 16;
/**
 * A listing's page is made this many rows per turn of the event loop (about 1 ms of work), so
 * a 5000-entry listing never holds the loop for its whole page.
 */
export const LISTING_ROWS_PER_TURN = 500;
