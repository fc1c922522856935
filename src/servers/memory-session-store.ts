/**
 * MemorySessionStore: sessions in this process's memory (SPEC §13), the Sessions middleware's
 * default. Bounded twice — in count and in bytes (each record's JSON and its id) — evicting the
 * least recently used (read or saved) when either bound is passed, and expiring each record
 * `ttlMs` after its last save (an idle timeout: saving again slides it).
 *
 * No timer: expiry is checked when a record is read, and expired records are swept out on a save
 * at most once per sweep period (a sweep is one pass over the map); between sweeps an expired
 * record still counts against the bounds, so memory stays bounded even with no traffic to sweep.
 * The recency order is the Map's insertion order: a record read or saved is moved to its end,
 * so the first entry is always the least recently used (O(1) eviction).
 *
 * Records are kept as JSON text, so the object a request mutates is never the stored one (a
 * failed save leaves the store as it was), and its size is what is counted.
 */
import { SESSION_MAX_BYTES, SESSION_MAX_COUNT, SESSION_MAX_RECORD_BYTES, SESSION_SWEEP_MAX_MS as MAX_SWEEP_PERIOD_MS } from "./limits.ts";
import type { SessionRecord, SessionStore } from "./session-store.ts";

/** Options of a MemorySessionStore. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept (default SESSION_MAX_COUNT, 10,000); the least recently used go first. */
  maxSessions?: number;
  /** Most bytes kept, ids and records' JSON (default SESSION_MAX_BYTES, 64 MiB); the least recently used go first. */
  maxBytes?: number;
  /** Largest record (its JSON's bytes) a save accepts (default SESSION_MAX_RECORD_BYTES, 64 KiB); a larger one rejects. */
  maxRecordBytes?: number;
  /** The idle timeout (ms) a Sessions middleware using this store applies when it names none. Default: the middleware's. */
  ttlMs?: number;
  /** The clock (ms), for tests that expire records without waiting. Default Date.now. */
  clock?: () => number;
}

/** A snapshot of a MemorySessionStore's counters. */
export interface MemorySessionStoreStats {
  /** Records held now (expired ones not yet swept included). */
  sessions: number;
  /** Bytes held now (ids and JSON). */
  bytes: number;
  /** Records evicted to keep within maxSessions or maxBytes, since the store was made. */
  evicted: number;
  /** Records dropped because they expired, since the store was made. */
  expired: number;
  /** Saves refused for a record over maxRecordBytes (or not JSON-serialisable). */
  refused: number;
}

interface Entry {
  json: string;
  /** The id's length plus the JSON's UTF-8 bytes: what counts against maxBytes. */
  bytes: number;
  expiresAt: number;
}

/** Sessions in memory, bounded in count and bytes, expiring (see the file comment). */
export class MemorySessionStore implements SessionStore {
  readonly ttlMs: number | undefined;
  private readonly maxSessions: number;
  private readonly maxBytes: number;
  private readonly maxRecordBytes: number;
  private readonly clock: () => number;
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private evicted = 0;
  private expired = 0;
  private refused = 0;
  /** When the next save sweeps expired records (ms, the clock's). */
  private nextSweep = 0;

  /** Throws a RangeError for a bound that is not a positive integer, or a ttlMs that is not positive. */
  constructor(options: MemorySessionStoreOptions = {}) {
    this.maxSessions = positiveInteger("maxSessions", options.maxSessions ?? SESSION_MAX_COUNT);
    this.maxBytes = positiveInteger("maxBytes", options.maxBytes ?? SESSION_MAX_BYTES);
    // A record larger than the whole store could not be kept within maxBytes.
    this.maxRecordBytes = Math.min(positiveInteger("maxRecordBytes", options.maxRecordBytes ?? SESSION_MAX_RECORD_BYTES), this.maxBytes);
    if (options.ttlMs !== undefined && !(options.ttlMs > 0))
      throw new RangeError(`MemorySessionStore: ttlMs must be positive (got ${options.ttlMs})`);
    this.ttlMs = options.ttlMs;
    this.clock = options.clock ?? Date.now;
  }

  /** Its counters. */
  stats(): MemorySessionStoreStats {
    return { sessions: this.entries.size, bytes: this.bytes, evicted: this.evicted, expired: this.expired, refused: this.refused };
  }

  /** See SessionStore.get: a fresh object parsed from the stored JSON; the record becomes the most recently used. */
  async get(id: string): Promise<SessionRecord | undefined> {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    if (entry.expiresAt <= this.clock()) {
      this.bytes -= entry.bytes;
      this.expired++;
      return undefined;
    }
    this.entries.set(id, entry);
    return JSON.parse(entry.json) as SessionRecord;
  }

  /**
   * See SessionStore.set. Rejects (the store unchanged) with a RangeError for a record whose JSON
   * is over maxRecordBytes, a TypeError for one JSON cannot carry (a cycle, a BigInt). Evicts the
   * least recently used records until both bounds hold.
   */
  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    let json: string;
    try {
      json = JSON.stringify(record);
    } catch (e) {
      this.refused++;
      throw new TypeError("session record is not JSON-serialisable", { cause: e });
    }
    const size = Buffer.byteLength(json);
    if (size > this.maxRecordBytes || id.length + size > this.maxBytes) {
      this.refused++;
      throw new RangeError(`session record is ${size} bytes of JSON, over the store's maxRecordBytes (${this.maxRecordBytes})`);
    }
    const now = this.clock();
    if (now >= this.nextSweep) this.sweep(now, ttlMs);
    this.remove(id);
    const entry: Entry = { json, bytes: id.length + size, expiresAt: now + ttlMs };
    this.entries.set(id, entry);
    this.bytes += entry.bytes;
    this.evictBeyondBounds(id);
  }

  /** See SessionStore.delete. */
  async delete(id: string): Promise<void> {
    this.remove(id);
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }

  /** Drops the least recently used records (never `keep`, the one just saved) until both bounds hold. */
  private evictBeyondBounds(keep: string): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.maxSessions && this.bytes <= this.maxBytes) return;
      if (id === keep) continue;
      this.entries.delete(id);
      this.bytes -= entry.bytes;
      this.evicted++;
    }
  }

  /** Drops every expired record; the next sweep is due a period later (the ttl, at most a minute). */
  private sweep(now: number, ttlMs: number): void {
    this.nextSweep = now + Math.min(ttlMs, MAX_SWEEP_PERIOD_MS);
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) continue;
      this.entries.delete(id);
      this.bytes -= entry.bytes;
      this.expired++;
    }
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`MemorySessionStore: ${name} must be a positive integer (got ${value})`);
  return value;
}
