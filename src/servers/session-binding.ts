/**
 * The port between a request's session (HttpSession, HttpResponse) and its user session (SPEC §13,
 * OSE p116–117), which the Sessions middleware (sessions.ts) binds to the request: UserSession
 * (user-session.ts) implements it. The HttpSession holds one field of this type, null for a request
 * no Sessions middleware ran for; it answers sessionId() and the rest through it, and its response
 * asks it when to let its bytes go (see responseStarting).
 */
import type { SessionRecord } from "./session-store.ts";

/** A request's user session, as its HttpSession sees it (see the file comment). */
export interface SessionBinding {
  /**
   * True while the save begun by responseStarting() runs (the response's bytes are held); false
   * again before that promise's callbacks run.
   */
  readonly saving: boolean;
  /** The session's id; null when the request has none (no cookie, or destroyed). See HttpSession.sessionId. */
  id(): string | null;
  /** The session's data, loaded or created on first call. See HttpSession.sessionContext. */
  context(): Promise<SessionRecord>;
  /** Moves the session to a new id (the old record is deleted at the save). See HttpSession.bindSession. */
  bind(): Promise<string>;
  /** Ends the session (its record deleted at the save, its cookie cleared). See HttpSession.destroySession. */
  destroy(): void;
  /**
   * The response is starting with `status`, its head not made yet (so the session's cookie can
   * still be staged): stages the cookie and begins the save. Returns the save; until it settles
   * the response's bytes stay held in the server (none reaches the client), and if it rejects the
   * response is replaced by the rejection's (an HttpError 503 when the store is down). Null:
   * nothing to save, the response goes as usual.
   */
  responseStarting(status: number): Promise<void> | null;
  /**
   * The response is complete (its last byte produced): what its completion waits for — the save
   * begun at its start, then a second save when the data changed since — or null for nothing.
   * A rejection is the first save's (answered through responseStarting's promise).
   */
  responseComplete(): Promise<void> | null;
  /**
   * The session cookie responseStarting() staged (set or cleared), or null: when the save fails
   * the response that replaces it must not carry it (the client keeps the cookie it had).
   */
  stagedCookie(): { name: string; path: string; domain?: string } | null;
}
