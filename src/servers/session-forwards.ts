/**
 * The session calls a servlet offers as its own (SPEC §2.3–2.4: "every accessor of §2.3 is
 * available on the servlet too", and the response calls of §2.4): declared once, as methods with
 * their doc comments and signatures, and installed on HttpServlet's prototype from one list, each
 * a forwarder to `this.session`.
 *
 * Why declarations and not `Pick<HttpSession, …>`: a picked member is a property, and a servlet
 * subclass could then not override it with a method (TS2425) nor call `super.sendError()`. The
 * forwarders live on the prototype, so a subclass still overrides them as usual; inlined by the
 * JIT, a forwarder costs what a hand-written one does. A compile-time check below keeps every
 * declaration identical to the session's own signature.
 */
import type { HttpSession } from "./http-session.ts";

/** The session calls a servlet forwards to `this.session` (merged into HttpServlet). */
export interface SessionForwards {
  // ── the body (SPEC §2.4) ──────────────────────────────────────────────────────────────────
  /**
   * The whole body, gathered up to the body limit (see HttpSession.content: it may be called
   * after an await; not after pieces went to processContent()).
   */
  content(): Promise<Uint8Array>;

  // ── request accessors (SPEC §2.3) ────────────────────────────────────────────────────────
  /** See HttpSession.requestMethod. */
  requestMethod(): string;
  /** See HttpSession.requestPath. */
  requestPath(): string;
  /** See HttpSession.queryString. */
  queryString(): string;
  /** See HttpSession.url. */
  url(): string;
  /** See HttpSession.protocolVersion. */
  protocolVersion(): string;
  /** See HttpSession.serverHost. */
  serverHost(): string;
  /** See HttpSession.serverPort. */
  serverPort(): number;
  /** See HttpSession.clientHost. */
  clientHost(): string;
  /** See HttpSession.clientPort. */
  clientPort(): number;
  /** See HttpSession.remoteUser. */
  remoteUser(): string;
  /** See HttpSession.contentLength. */
  contentLength(): number;
  /** See HttpSession.hasBody. */
  hasBody(): boolean;
  /** See HttpSession.isChunked. */
  isChunked(): boolean;
  /** See HttpSession.methodCode: the method as a parser METHOD_* number. */
  methodCode(): number;
  /** See HttpSession.isHead. */
  isHead(): boolean;
  /** See HttpSession.isComplete: the response is complete (or the client left). */
  isComplete(): boolean;
  /** See HttpSession.contentType. */
  contentType(): string;
  /** See HttpSession.containsHeader. */
  containsHeader(name: string): boolean;
  /** See HttpSession.headerIs. */
  headerIs(name: string, value: string): boolean;
  /** See HttpSession.header. */
  header(name: string): string | null;
  /** See HttpSession.headers. */
  headers(): Record<string, string>;
  /** See HttpSession.serverPath. */
  serverPath(): string;
  /** See HttpSession.serverRoot. */
  serverRoot(): string;
  /** See HttpSession.servletPath. */
  servletPath(): string;
  /** See HttpSession.servletInfo. */
  servletInfo(): string;

  // ── response (SPEC §2.4) ─────────────────────────────────────────────────────────────────
  /** See HttpSession.sendResponse. */
  sendResponse(code: number, reason?: string): void;
  /** See HttpSession.sendHeader. */
  sendHeader(name: string, value: string | number): void;
  /** See HttpSession.endHeaders. */
  endHeaders(): void;
  /** See HttpSession.sendContent. */
  sendContent(data: string | Uint8Array): boolean;
  /** See HttpSession.endContent. */
  endContent(): void;
  /** See HttpSession.sendDocument. */
  sendDocument(code: number, contentType: string, body: string | Uint8Array, headers?: [string, string][]): void;
  /** See HttpSession.sendError. */
  sendError(code: number, html?: string): void;
  /** See HttpSession.flushContent. */
  flushContent(): void;
  /** See HttpSession.shutdown. */
  shutdown(delayMs?: number): void;
  /** Resolves when the output queue has drained below its high-water mark. */
  drained(): Promise<void>;
}

/** A name SessionForwards declares. */
export type ForwardedName = keyof SessionForwards;

/** True when A and B are the same type (not merely assignable either way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** True when method type F takes at most four arguments (sendDocument's): what a forwarder passes on. */
type FitsForwarder<F> = F extends (...args: infer P) => unknown ? (P["length"] extends 0 | 1 | 2 | 3 | 4 ? true : false) : false;

/**
 * The forwarded names, one entry each. Its type makes the compiler check it against
 * SessionForwards (none missing, none extra) and each declaration against HttpSession's own
 * (`true` only when the two signatures are the same type and a forwarder passes on every
 * argument).
 */
const FORWARDED: {
  readonly [K in ForwardedName]: Same<SessionForwards[K], HttpSession[K]> & FitsForwarder<SessionForwards[K]>;
} = {
  content: true,
  requestMethod: true,
  requestPath: true,
  queryString: true,
  url: true,
  protocolVersion: true,
  serverHost: true,
  serverPort: true,
  clientHost: true,
  clientPort: true,
  remoteUser: true,
  contentLength: true,
  hasBody: true,
  isChunked: true,
  methodCode: true,
  isHead: true,
  isComplete: true,
  contentType: true,
  containsHeader: true,
  headerIs: true,
  header: true,
  headers: true,
  serverPath: true,
  serverRoot: true,
  servletPath: true,
  servletInfo: true,
  sendResponse: true,
  sendHeader: true,
  endHeaders: true,
  sendContent: true,
  endContent: true,
  sendDocument: true,
  sendError: true,
  flushContent: true,
  shutdown: true,
  drained: true,
};

/** Whatever holds a session: the servlet. */
interface SessionHolder {
  readonly session: SessionForwards;
}

/**
 * A forwarded method as the forwarder calls it. Declared as a method, whose parameters TypeScript
 * compares both ways, so that every session method (`(code: number) => void`, …) is one.
 */
type Forwarded = { call(a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown }["call"];

/**
 * The forwarder of `name`: calls the session's method of that name with the caller's arguments.
 * A fixed parameter list (four, checked by FitsForwarder) rather than `...args`: no array per call; an
 * argument the caller left out arrives as undefined, which an optional or defaulted parameter
 * reads as left out.
 */
function forwarder(name: ForwardedName): Forwarded {
  const forward = function (this: SessionHolder, a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown {
    const session: Record<ForwardedName, Forwarded> = this.session;
    return session[name](a, b, c, d);
  };
  Object.defineProperty(forward, "name", { value: name });
  return forward;
}

/**
 * Installs one forwarder per SessionForwards name on `prototype`, as a class method is (writable,
 * configurable, not enumerable), so a subclass overrides it and `super.name()` reaches it.
 */
export function installSessionForwards(prototype: SessionHolder): void {
  for (const name of Object.keys(FORWARDED) as ForwardedName[]) {
    Object.defineProperty(prototype, name, { value: forwarder(name), writable: true, configurable: true, enumerable: false });
  }
}
