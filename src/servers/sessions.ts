/**
 * Sessions: the user-session middleware (SPEC §13, OSE manual p116–117). `router.use(new
 * Sessions())` gives every request of that router a user session — `s.sessionId()`,
 * `await s.sessionContext()`, `await s.bindSession()`, `s.destroySession()` — kept in a store
 * (MemorySessionStore by default, or a KvSessionStore shared by every process on a NATS bus) and
 * named by a cookie. What a request costs, when a session is saved and why: user-session.ts.
 *
 * The cookie's defaults are the safe ones: HttpOnly (always: no script needs a session id),
 * SameSite=Lax, Path=/, Secure when the request came over TLS, no Max-Age (the browser forgets it
 * when it closes; the store's idle timeout ends the session on the server).
 */
import type { HttpServlet } from "./http-servlet.ts";
import { sessionInternals as internals } from "./http-session.ts";
import { SESSION_TTL_MS } from "./limits.ts";
import { MemorySessionStore } from "./memory-session-store.ts";
import type { SessionStore } from "./session-store.ts";
import { type SessionCookieOptions, type SessionsContext, UserSession } from "./user-session.ts";

/** RFC 9110 §5.6.2 token: what a cookie name may be (RFC 6265bis §4.1.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The session cookie's attributes (SessionsOptions.cookie). */
export interface SessionCookieSettings {
  /** Its name (a token). Default "sid". `__Host-sid` is the strictest: it needs `secure: true`. */
  name?: string;
  /** Default "/". */
  path?: string;
  /** Default none: the cookie goes back to the host that set it only. */
  domain?: string;
  /** Seconds the browser keeps it (a non-negative integer). Default none: until the browser closes. */
  maxAge?: number;
  /** Default "Lax" (top-level navigations from other sites carry it, their sub-requests and forms do not). "None" needs `secure: true`. */
  sameSite?: "Strict" | "Lax" | "None";
  /** Default: Secure when the request came over TLS. true: always (the cookie never goes over cleartext); false: never. */
  secure?: boolean;
}

/** Options of a Sessions middleware. */
export interface SessionsOptions {
  /** Where sessions live. Default a new MemorySessionStore() (this process only, bounded, expiring). */
  store?: SessionStore;
  /** The cookie's attributes (see SessionCookieSettings). */
  cookie?: SessionCookieSettings;
  /**
   * The idle timeout (ms): a session not saved for this long is gone (every request that reads
   * it saves it). Default the store's own (a KvSessionStore's bucket max age), else 30 minutes.
   */
  ttlMs?: number;
}

/** A snapshot of a Sessions middleware's counters. */
export interface SessionsStats {
  /** Store calls that failed (the request answered 503, or 500 for a record the store refused). */
  storeFailures: number;
  /** Saves of changes made after the response had gone that failed: those changes are lost. */
  lateSaveFailures: number;
}

/** The user-session middleware (see the file comment). */
export class Sessions {
  /** The store sessions live in. */
  readonly store: SessionStore;
  private readonly shared: SessionsContext;
  private storeFailures = 0;
  private lateSaveFailures = 0;

  /**
   * Throws a TypeError for cookie settings a browser would refuse (a name that is not a token,
   * SameSite=None or a `__Secure-`/`__Host-` name without `secure: true`, a `__Host-` name with a
   * domain or a path other than "/"), and a RangeError for a ttlMs or maxAge out of range.
   */
  constructor(options: SessionsOptions = {}) {
    this.store = options.store ?? new MemorySessionStore();
    const ttlMs = options.ttlMs ?? this.store.ttlMs ?? SESSION_TTL_MS;
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`Sessions: ttlMs must be a positive integer (got ${ttlMs})`);
    const c = options.cookie ?? {};
    const cookieName = c.name ?? "sid";
    const cookie: SessionsContext["cookie"] = {
      path: c.path ?? "/",
      sameSite: c.sameSite ?? "Lax",
      httpOnly: true,
      ...(c.domain === undefined ? {} : { domain: c.domain }),
      ...(c.maxAge === undefined ? {} : { maxAge: c.maxAge }),
      ...(c.secure === undefined ? {} : { secure: c.secure }),
    };
    checkCookie(cookieName, cookie);
    this.shared = {
      store: this.store,
      ttlMs,
      cookieName,
      cookie,
      storeFailed: () => void this.storeFailures++,
      lateSaveFailed: () => void this.lateSaveFailures++,
    };
  }

  /** Its counters since it was made. */
  stats(): SessionsStats {
    return { storeFailures: this.storeFailures, lateSaveFailures: this.lateSaveFailures };
  }

  /** The idle timeout (ms) it applies. */
  get ttlMs(): number {
    return this.shared.ttlMs;
  }

  /**
   * As a middleware (Router.use): binds a user session to the request — nothing read or written
   * until the request asks for it — and runs the rest of the chain.
   */
  handle(servlet: HttpServlet, next: () => Promise<void>): Promise<void> {
    const s = servlet.session;
    internals.bindUserSession(s, new UserSession(this.shared, s));
    return next();
  }
}

/** The checks of the Sessions constructor on its cookie (RFC 6265bis §4.1.2.7, §4.1.3). */
function checkCookie(name: string, c: Omit<SessionCookieOptions, "secure"> & { secure?: boolean }): void {
  if (!TOKEN.test(name)) throw new TypeError(`Sessions: cookie name ${JSON.stringify(name)} is not a token`);
  if (c.maxAge !== undefined && (!Number.isSafeInteger(c.maxAge) || c.maxAge < 0))
    throw new RangeError(`Sessions: cookie maxAge must be a non-negative integer of seconds (got ${c.maxAge})`);
  if (!["Strict", "Lax", "None"].includes(c.sameSite)) throw new TypeError(`Sessions: cookie sameSite must be "Strict", "Lax" or "None"`);
  const secure = c.secure === true;
  if (c.sameSite === "None" && !secure) throw new TypeError("Sessions: SameSite=None needs cookie.secure: true (RFC 6265bis §4.1.2.7)");
  const lower = name.toLowerCase();
  if ((lower.startsWith("__secure-") || lower.startsWith("__host-")) && !secure)
    throw new TypeError(`Sessions: a cookie named ${name} needs cookie.secure: true (RFC 6265bis §4.1.3)`);
  if (lower.startsWith("__host-") && (c.domain !== undefined || c.path !== "/"))
    throw new TypeError(`Sessions: a cookie named ${name} has no domain and the path "/" (RFC 6265bis §4.1.3.2)`);
}
