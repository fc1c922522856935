/**
 * UserSession: one request's user session (SPEC §13, OSE p116–117), made by the Sessions
 * middleware (sessions.ts) for every request it runs for and bound to the request's HttpSession
 * (session-binding.ts). Nothing is read or written until the request asks: a request that never
 * calls sessionContext(), bindSession() or destroySession() costs this object and no store call,
 * and gets no Set-Cookie.
 *
 * When is it saved, and why then. The response is the moment: the store must have the record
 * before the client can act on the response (its next request may go to another connection or
 * another process sharing the store, and must read what this one wrote). So the save begins as
 * the response starts (HttpResponse.sendResponse: its head not made yet, so the cookie can still
 * be staged), and every byte of the response stays held in the server until the store answers —
 * the hold a head in progress already has, kept longer (express-session holds `res.end` the same
 * way). The store fails: nothing of the response has gone, and it is replaced by a 503. Changes
 * made after the response started (a streamed response's handler writing to its session) are
 * saved again when it completes, its completion waiting for that save; those bytes had gone.
 *
 * What is saved: a session that was read (sessionContext() awaited) is saved with every response
 * below 500, changed or not — each use slides its idle timeout; a 5xx answer commits nothing (a
 * failed request leaves the stored session as it was). A session created by this request and
 * still empty is neither saved nor given a cookie (an anonymous visitor's look at its session
 * fills no store). Ids are 128 random bits (crypto.getRandomValues), base64url; an id the client
 * sends that the store does not know is never adopted (session fixation): a new one is made.
 */
import { HttpError } from "./http-error.ts";
import type { SessionBinding } from "./session-binding.ts";
import type { SessionRecord, SessionStore } from "./session-store.ts";

/** Random bytes in a session id: 128 bits (OWASP's minimum entropy for session ids is 64). */
const SESSION_ID_BYTES = 16;
/** A session id as this module makes them: 16 bytes in base64url, no padding. */
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/** A new session id (see the file comment). */
export function newSessionId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(SESSION_ID_BYTES))).toString("base64url");
}

/** True when `id` has the form of an id this module makes (anything else a cookie holds is ignored). */
export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

/** The attributes of the session cookie, as the request's setCookie() takes them. */
export interface SessionCookieOptions {
  path: string;
  domain?: string;
  /** Seconds; absent: a browser-session cookie. */
  maxAge?: number;
  sameSite: "Strict" | "Lax" | "None";
  secure: boolean;
  httpOnly: boolean;
}

/** What a user session needs of its request: its cookies (HttpSession's cookie API) and whether it came over TLS. */
export interface CookieHolder {
  cookie(name: string): string | undefined;
  setCookie(name: string, value: string, options: SessionCookieOptions): void;
  clearCookie(name: string, options: { path?: string; domain?: string }): void;
  isSecure(): boolean;
}

/** What every UserSession of one Sessions middleware shares: its settings and counters. */
export interface SessionsContext {
  readonly store: SessionStore;
  readonly ttlMs: number;
  readonly cookieName: string;
  /** The cookie's attributes; `secure` undefined: Secure when the request came over TLS. */
  readonly cookie: Omit<SessionCookieOptions, "secure"> & { secure?: boolean };
  /** Counts a store call that failed (reads, saves, deletes). */
  storeFailed(): void;
  /** Counts a save after the response had gone that failed (its changes are lost). */
  lateSaveFailed(): void;
}

/** What the cookie must say with the response. */
const COOKIE_KEEP = 0;
const COOKIE_SET = 1;
const COOKIE_CLEAR = 2;

/** One request's user session (see the file comment). */
export class UserSession implements SessionBinding {
  saving = false;
  /** The id the session has now (at first the cookie's, when it has an id's form); undefined until the cookie is read. */
  private currentIdOrUnread: string | null | undefined = undefined;
  /** The session's data once loaded or created; null before (and after destroy()). */
  private data: SessionRecord | null = null;
  private loading: Promise<SessionRecord> | null = null;
  /** The id whose record is in the store (it was read from there); null when none is. */
  private storedId: string | null = null;
  /** Ids whose records are deleted with the save (left by bind() and destroy()). */
  private staleIds: string[] | null = null;
  private cookieAction = COOKIE_KEEP;
  /** The JSON the save begun at the response's start wrote; null when it wrote none. */
  private savedJson: string | null = null;
  /** The save begun at the response's start; null before it or when there was nothing to save. */
  private firstSave: Promise<void> | null = null;
  private started = false;
  private status = 0;
  /** A save failed: the response answers that, and nothing more is saved. */
  private failed = false;
  /** responseStarting() staged the session cookie (set or cleared). */
  private cookieStaged = false;

  /** Reads nothing yet: the cookie is read when the request first asks for its session. */
  constructor(
    private readonly shared: SessionsContext,
    private readonly request: CookieHolder,
  ) {}

  /** The session's id now; the first read takes it from the cookie (an id's form, else none). */
  private get currentId(): string | null {
    if (this.currentIdOrUnread === undefined) {
      const sent = this.request.cookie(this.shared.cookieName);
      this.currentIdOrUnread = sent !== undefined && isSessionId(sent) ? sent : null;
    }
    return this.currentIdOrUnread;
  }
  private set currentId(id: string | null) {
    this.currentIdOrUnread = id;
  }

  id(): string | null {
    return this.currentId;
  }

  context(): Promise<SessionRecord> {
    if (this.data !== null) return Promise.resolve(this.data);
    this.loading ??= this.load();
    return this.loading;
  }

  async bind(): Promise<string> {
    if (this.started)
      throw new Error("bindSession() after the response began: its new id could not reach the client; bind before answering");
    const data = await this.context();
    if (this.data !== data) return this.bind(); // destroyed while loading: bind the new one
    this.retireStored();
    this.currentId = newSessionId();
    this.cookieAction = COOKIE_SET;
    return this.currentId;
  }

  destroy(): void {
    this.retireStored();
    // An id the client sent that was never read may still have a record: it goes too.
    if (this.currentId !== null && this.data === null) this.stale(this.currentId);
    this.data = null;
    this.loading = null;
    this.currentId = null;
    this.cookieAction = this.request.cookie(this.shared.cookieName) === undefined ? COOKIE_KEEP : COOKIE_CLEAR;
  }

  responseStarting(status: number): Promise<void> | null {
    if (this.started || this.failed) return null; // a replacement (an error page after a rollback) saves nothing more
    this.started = true;
    this.status = status;
    const store = this.shared.store;
    const stale = this.staleIds;
    this.staleIds = null;
    let json: string | null = null;
    let id: string | null = null;
    try {
      if (this.shouldSave()) {
        json = JSON.stringify(this.data);
        id = this.currentId;
      }
      this.stageCookie(id !== null);
    } catch (e) {
      return this.track(Promise.reject(e)); // a record JSON cannot carry, a cookie the request cannot take: 500
    }
    if (json === null && stale === null) return null;
    this.savedJson = json;
    const data = this.data;
    // The new record first: if its save fails, the old one (a bind's) is still there for the
    // cookie the client keeps.
    const work = (async () => {
      if (id !== null && data !== null) {
        await this.call(store.set(id, data, this.shared.ttlMs));
        this.storedId = id;
      }
      if (stale !== null) for (const old of stale) await this.call(store.delete(old));
    })();
    return this.track(work);
  }

  stagedCookie(): { name: string; path: string; domain?: string } | null {
    if (!this.cookieStaged) return null;
    const { path, domain } = this.shared.cookie;
    return domain === undefined ? { name: this.shared.cookieName, path } : { name: this.shared.cookieName, path, domain };
  }

  responseComplete(): Promise<void> | null {
    if (this.failed) return null;
    const first = this.firstSave;
    if (first === null) return this.hasLateWork() ? this.lateWork() : null;
    return first.then(() => (this.hasLateWork() ? this.lateWork() : undefined));
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────

  private async load(): Promise<SessionRecord> {
    const id = this.currentId;
    if (id !== null) {
      let record: SessionRecord | undefined;
      try {
        record = await this.call(this.shared.store.get(id));
      } catch (e) {
        this.loading = null; // the next call tries the store again
        throw e;
      }
      if (this.currentId !== id) return this.context(); // bound or destroyed meanwhile
      if (record !== undefined) {
        this.storedId = id;
        this.data = record;
        return record;
      }
    }
    // No session, or the client's id named none: a new one, never under the client's id.
    this.data = {};
    this.currentId = newSessionId();
    this.cookieAction = COOKIE_SET;
    return this.data;
  }

  /** A store call; its failure, whatever it is, is the store being unavailable (503) — except a record the store refuses (500). */
  private async call<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (e) {
      this.shared.storeFailed();
      if (e instanceof RangeError || e instanceof TypeError) throw e;
      throw new HttpError(503, "the session store is unavailable", { cause: e });
    }
  }

  /** Keeps `work` as the first save: `saving` while it runs, `failed` if it rejects. */
  private track(work: Promise<void>): Promise<void> {
    this.saving = true;
    const tracked = work.then(
      () => {
        this.saving = false;
      },
      (e: unknown) => {
        this.saving = false;
        this.failed = true;
        throw e;
      },
    );
    this.firstSave = tracked;
    return tracked;
  }

  /** At the response's start: whether the data is saved (see the file comment). */
  private shouldSave(): boolean {
    if (this.data === null || this.currentId === null || this.status >= 500) return false;
    // A stored session is saved whatever its data (the save slides its timeout); a new one only when it holds something.
    return this.storedId !== null || Object.keys(this.data).length > 0;
  }

  /** Stages the cookie the response must carry: the id when it is new and saved, a clearing one after destroy(). */
  private stageCookie(saving: boolean): void {
    const name = this.shared.cookieName;
    const options = this.shared.cookie;
    if (this.cookieAction === COOKIE_SET && saving) {
      this.request.setCookie(name, this.currentId!, { ...options, secure: options.secure ?? this.request.isSecure() });
      this.cookieStaged = true;
    } else if (this.cookieAction === COOKIE_CLEAR) {
      this.request.clearCookie(
        name,
        options.domain === undefined ? { path: options.path } : { path: options.path, domain: options.domain },
      );
      this.cookieStaged = true;
    }
  }

  /**
   * At completion: whether a stored record must get data read or changed after the response
   * started. Never a session the response did not save or find stored: no cookie of it went out.
   */
  private needsLateSave(): boolean {
    if (this.data === null || this.currentId === null || this.status >= 500) return false;
    if (this.savedJson === null) return this.storedId === this.currentId;
    return safeJson(this.data) !== this.savedJson;
  }

  /** Changes or a destroySession() came after the response began: they are stored once it is complete. */
  private hasLateWork(): boolean {
    return this.staleIds !== null || this.needsLateSave();
  }

  /**
   * After the response: saves the changes made while it went, and deletes the records a
   * destroySession() called then retired (its cookie could not be cleared any more, so the
   * record must go for the logout to hold). A failure is counted: the client has its answer.
   */
  private async lateWork(): Promise<void> {
    if (this.needsLateSave()) await this.lateSave();
    const stale = this.staleIds;
    this.staleIds = null;
    if (stale !== null)
      for (const id of stale) {
        try {
          await this.shared.store.delete(id);
        } catch {
          this.shared.lateSaveFailed();
        }
      }
  }

  /** Saves changes made after the response went: a failure is counted, the client has its answer already. */
  private async lateSave(): Promise<void> {
    const data = this.data!;
    const id = this.currentId!;
    this.savedJson = safeJson(data);
    try {
      await this.shared.store.set(id, data, this.shared.ttlMs);
      this.storedId = id;
    } catch {
      this.shared.lateSaveFailed();
    }
  }

  /** The stored record's id goes with the next save (bind, destroy). */
  private retireStored(): void {
    if (this.storedId !== null) this.stale(this.storedId);
    this.storedId = null;
  }

  private stale(id: string): void {
    (this.staleIds ??= []).push(id);
  }
}

/** JSON.stringify that gives null for what JSON cannot carry (a late save's change check). */
function safeJson(value: unknown): string | null {
  try {
    return JSON.stringify(value);
  } catch {
    return null;
  }
}
