/**
 * KvSessionStore: user sessions in a NATS KV bucket (JetStream; SPEC §13), so every netsvc
 * process on the bus shares them — a user who logs in through one process is logged in on all.
 * It rides on an Exchange's connection (no second connection to NATS): the bucket is created, or
 * opened if it exists, on first use, with a max age equal to the sessions' idle timeout (every
 * save is a new message, so a save slides it) and one revision per key.
 *
 * A key is the session id (KV keys allow `[-/_=.a-zA-Z0-9]`; netsvc's ids are base64url). The
 * value is the record's JSON. Down is never "no session": while the Exchange is not connected a
 * call rejects at once, and a request NATS does not answer within `timeoutMs` rejects — both
 * with SessionStoreUnavailable, which the Sessions middleware answers 503.
 */
import { type KV, Kvm } from "@nats-io/kv";
import { SESSION_MAX_RECORD_BYTES, SESSION_TTL_MS } from "../servers/limits.ts";
import { type SessionRecord, type SessionStore, SessionStoreUnavailable } from "../servers/session-store.ts";
import { decoder, encoder } from "./exchange-link.ts";
import { type Exchange, exchangeLink } from "./exchange.ts";

import { KV_SESSION_TIMEOUT_MS as KV_TIMEOUT_MS } from "./limits.ts";

/** A bucket name NATS accepts (its stream is `KV_<bucket>`). */
const BUCKET_NAME = /^[-_a-zA-Z0-9]{1,64}$/;
/** A key this store reads or writes: KV's key characters, no leading or trailing dot, bounded. */
const SESSION_KEY = /^[-/_=a-zA-Z0-9][-/_=.a-zA-Z0-9]{0,254}(?<!\.)$/;

/** Options of a KvSessionStore. */
export interface KvSessionStoreOptions {
  /**
   * The sessions' idle timeout (ms): the bucket's max age, applied by the server to every key
   * from its last save; also the default ttl of a Sessions middleware using this store. Default
   * SESSION_TTL_MS (30 minutes). Fixed when the bucket is created: an existing bucket keeps its own.
   */
  ttlMs?: number;
  /** How long (ms) one KV request waits for NATS before rejecting with SessionStoreUnavailable. Default 2,000. */
  timeoutMs?: number;
  /** Largest record's JSON (bytes) a save accepts; a larger one rejects with a RangeError. Default SESSION_MAX_RECORD_BYTES (64 KiB). */
  maxRecordBytes?: number;
  /** Replicas of the bucket in a JetStream cluster (1, 3 or 5). Default 1. */
  replicas?: number;
}

/** A snapshot of a KvSessionStore's counters. */
export interface KvSessionStoreStats {
  /** Calls rejected because NATS was not connected or did not answer in time. */
  unavailable: number;
  /** Records read that were not a JSON object (written by something else): read as no session. */
  unreadable: number;
}

/** Sessions in a NATS KV bucket, shared by every process on the bus (see the file comment). */
export class KvSessionStore implements SessionStore {
  /** See SessionStore.ttlMs: the bucket's max age. */
  readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly maxRecordBytes: number;
  private readonly replicas: number;
  /** The bucket, once opened (a failed opening is forgotten, so the next call tries again). */
  private kv: Promise<KV> | null = null;
  private unavailable = 0;
  private unreadable = 0;

  /**
   * A store in bucket `bucket` (created on first use if absent) on `exchange`'s connection; the
   * exchange must be connected for the store to answer. Throws a RangeError for a bucket name
   * NATS refuses (allowed: letters, digits, `-` and `_`) or an option out of range.
   */
  constructor(
    private readonly exchange: Exchange,
    readonly bucket: string,
    options: KvSessionStoreOptions = {},
  ) {
    if (!BUCKET_NAME.test(bucket)) throw new RangeError(`KvSessionStore: bucket name ${JSON.stringify(bucket)} is not [-_a-zA-Z0-9]{1,64}`);
    this.ttlMs = positive("ttlMs", options.ttlMs ?? SESSION_TTL_MS);
    this.timeoutMs = positive("timeoutMs", options.timeoutMs ?? KV_TIMEOUT_MS);
    this.maxRecordBytes = positive("maxRecordBytes", options.maxRecordBytes ?? SESSION_MAX_RECORD_BYTES);
    this.replicas = options.replicas ?? 1;
    if (![1, 3, 5].includes(this.replicas)) throw new RangeError(`KvSessionStore: replicas must be 1, 3 or 5 (got ${this.replicas})`);
  }

  /** Its counters since it was made. */
  stats(): KvSessionStoreStats {
    return { unavailable: this.unavailable, unreadable: this.unreadable };
  }

  /**
   * See SessionStore.get. An id that cannot be a key is no session (undefined); a value that is
   * not a JSON object is read as no session and counted (stats().unreadable).
   */
  async get(id: string): Promise<SessionRecord | undefined> {
    if (!SESSION_KEY.test(id)) return undefined;
    const kv = await this.bucketNow();
    const entry = await this.bounded(kv.get(id));
    if (entry === null || entry.operation !== "PUT") return undefined;
    try {
      const value: unknown = JSON.parse(decoder.decode(entry.value));
      if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as SessionRecord;
    } catch {
      // counted below
    }
    this.unreadable++;
    return undefined;
  }

  /**
   * See SessionStore.set; `ttlMs` is not used: the bucket's max age (this.ttlMs) applies. Rejects
   * with a TypeError for an id that cannot be a key or a record JSON cannot carry, a RangeError for
   * one over maxRecordBytes.
   */
  async set(id: string, record: SessionRecord, _ttlMs: number): Promise<void> {
    checkKey(id);
    let json: string;
    try {
      json = JSON.stringify(record);
    } catch (e) {
      throw new TypeError("session record is not JSON-serialisable", { cause: e });
    }
    const bytes = encoder.encode(json);
    if (bytes.length > this.maxRecordBytes)
      throw new RangeError(`session record is ${bytes.length} bytes of JSON, over the store's maxRecordBytes (${this.maxRecordBytes})`);
    const kv = await this.bucketNow();
    await this.bounded(kv.put(id, bytes));
  }

  /** See SessionStore.delete: the key is purged (no revision of it is kept). */
  async delete(id: string): Promise<void> {
    checkKey(id);
    const kv = await this.bucketNow();
    await this.bounded(kv.purge(id));
  }

  /** The bucket, opening it on first use; rejects at once while the exchange is not connected. */
  private bucketNow(): Promise<KV> {
    const link = exchangeLink(this.exchange);
    if (link.nc === null || !link.connected || link.closing) {
      this.unavailable++;
      return Promise.reject(new SessionStoreUnavailable(`session store ${this.bucket}: the exchange is not connected to NATS`));
    }
    if (this.kv === null) {
      const opening = this.bounded(
        new Kvm(link.nc).create(this.bucket, {
          ttl: this.ttlMs,
          history: 1,
          replicas: this.replicas,
          maxValueSize: this.maxRecordBytes,
          timeout: this.timeoutMs,
        }),
      );
      this.kv = opening;
      opening.catch(() => {
        if (this.kv === opening) this.kv = null;
      });
    }
    return this.kv;
  }

  /**
   * `work`, failing with SessionStoreUnavailable when NATS does not answer within timeoutMs or
   * the request fails (the client's own timeouts are longer while it reconnects).
   */
  private bounded<T>(work: Promise<T>): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const timer = setTimeout(() => {
      this.unavailable++;
      reject(new SessionStoreUnavailable(`session store ${this.bucket}: NATS did not answer within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (e instanceof SessionStoreUnavailable) return reject(e);
        this.unavailable++;
        reject(new SessionStoreUnavailable(`session store ${this.bucket}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      },
    );
    return promise;
  }
}

function checkKey(id: string): void {
  if (!SESSION_KEY.test(id))
    throw new TypeError("session id is not a NATS KV key ([-/_=.a-zA-Z0-9], no leading or trailing dot, at most 255)");
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`KvSessionStore: ${name} must be a positive integer (got ${value})`);
  return value;
}
