/**
 * Where user sessions live between requests (SPEC §13, OSE manual p116–117): a key-value store
 * of JSON records, keyed by session id, each expiring after an idle time. The Sessions middleware
 * (sessions.ts) is its one user; MemorySessionStore (memory-session-store.ts) is the default,
 * KvSessionStore (netsvc/services) shares sessions across processes over NATS KV.
 *
 * Contract: a store that cannot answer (down, timed out) REJECTS — it never resolves `undefined`
 * for a session it could not read, so a request never runs with a silently empty session (the
 * middleware answers 503 instead).
 */

/** A session's data: a JSON-serialisable object (what sessionContext() returns). */
export type SessionRecord = Record<string, unknown>;

/** A store of session records (see the file comment). Every method is async. */
export interface SessionStore {
  /**
   * The idle timeout (ms) this store applies, when it has one of its own (a NATS KV bucket's
   * max age): the default of a Sessions middleware using it. Undefined: the middleware's applies.
   */
  readonly ttlMs?: number;
  /** The record saved under `id`, or undefined when there is none (never saved, expired, deleted, evicted). */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Saves `record` under `id`; it expires `ttlMs` after this save unless saved again (sliding). */
  set(id: string, record: SessionRecord, ttlMs: number): Promise<void>;
  /** Deletes the record under `id` (none there: nothing happens). */
  delete(id: string): Promise<void>;
}

/**
 * What a store rejects with when it cannot answer (down, unreachable, timed out): the Sessions
 * middleware answers such a request 503. `cause` holds the underlying failure.
 */
export class SessionStoreUnavailable extends Error {
  override name = "SessionStoreUnavailable";
}
