/**
 * HttpServlet: one instance per request. Subclass it and override processRequest() (and
 * processContent() to read a body as it arrives). Every request accessor and response call of
 * HttpSession is available here too; they delegate to `this.session`.
 *
 * Lifecycle: the daemon constructs the servlet through a server's servlet(), calls
 * processRequest() at once (it may answer later, and may be async), delivers body pieces to
 * processContent() while the response is not complete, and calls destroyServlet() exactly once:
 * after the response is complete, or when the client goes away first. `signal` aborts then.
 */
import { JSON_TYPE } from "../http/error-page.ts";
import type { EventStream, EventStreamOptions } from "./event-stream.ts";
import { HttpError } from "./http-error.ts";
import { sessionInternals as internals, type HttpSession } from "./http-session.ts";
import { MultipartReader, type Part } from "./multipart.ts";
import type { WebSocketSession } from "./websocket.ts";
import type { UpgradeOptions } from "./websocket-handshake.ts";
import { installSessionForwards, type FitsForwarder, type Same } from "./session-forwards.ts";
import type { ClearCookieOptions, CookieOptions, CookieReadOptions } from "./set-cookie.ts";

const utf8 = new TextDecoder();

/**
 * The session calls every servlet offers as its own (SPEC §2.3–2.4): declared here, as methods
 * with their doc comments and signatures, and installed on the prototype from SESSION_FORWARDS
 * below, each a forwarder to `this.session` (session-forwards.ts). Methods, not
 * `Pick<HttpSession, …>` (properties): a subclass overrides one and calls `super` as usual.
 */
export interface HttpServlet {
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
  /** See HttpSession.query: the query string's parameters, decoded. */
  query(): URLSearchParams;
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
  /** See HttpSession.isSecure: the request came over TLS. */
  isSecure(): boolean;
  /** See HttpSession.scheme: "https" over TLS, else "http". */
  scheme(): "http" | "https";
  /** See HttpSession.servletPath. */
  servletPath(): string;
  /** See HttpSession.servletInfo. */
  servletInfo(): string;

  // ── response (SPEC §2.4) ─────────────────────────────────────────────────────────────────
  /** See HttpSession.sendResponse. */
  sendResponse(code: number, reason?: string): void;
  /** See HttpSession.sendHeader. */
  sendHeader(name: string, value: string | number): void;
  /** See HttpSession.setHeader: a header for whichever response starts later (a middleware's). */
  setHeader(name: string, value: string | number): void;
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

  /** See HttpSession.defer: the answer comes later, from outside the servlet's callbacks (no 500 for an unanswered request). */
  defer(): void;
  /** See HttpSession.whenDaemonStops: called if the daemon begins to stop while the response is open. */
  whenDaemonStops(callback: () => void): void;

  // ── WebSocket (SPEC §12) ──────────────────────────────────────────────────────────────────
  /** See HttpSession.upgrade: 101 and the socket's WebSocketSession, or the refusal answered and null. */
  upgrade(options?: UpgradeOptions): WebSocketSession | null;
  /** See HttpSession.eventStream: a text/event-stream response (SPEC §12). */
  eventStream(options?: EventStreamOptions): EventStream;

  // ── cookies (SPEC §13) ────────────────────────────────────────────────────────────────────
  /** See HttpSession.cookie: the request's cookie `name` as sent (`{ signed: true }`: verified), or undefined. */
  cookie(name: string, options?: CookieReadOptions): string | undefined;
  /** See HttpSession.cookies: every cookie of the request, name → value as sent. */
  cookies(): Readonly<Record<string, string>>;
  /** See HttpSession.setCookie: a Set-Cookie line for whichever response starts later. */
  setCookie(name: string, value: string, options?: CookieOptions): void;
  /** See HttpSession.clearCookie: an expired Set-Cookie for cookie `name`. */
  clearCookie(name: string, options?: ClearCookieOptions): void;
}

/** Base class of servlets. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface's methods are installed on the prototype below from SESSION_FORWARDS, a list the compiler checks against them
export class HttpServlet {
  /** Creates the servlet for `session`. */
  constructor(
    /** The request being answered and its response. */
    readonly session: HttpSession,
  ) {}

  /** Answers the request. Default: 501 Not Implemented. May return a promise. */
  processRequest(): void | Promise<void> {
    this.sendError(501);
  }

  /**
   * Receives a piece of the body; `chunk` is valid only during the call (copy to keep). Return a
   * Promise to pause reading until it settles (backpressure to the client); a throw or rejection
   * gets the client a 500 (or a close, once the response has started) and is logged.
   */
  processContent(_chunk: Uint8Array): void | Promise<void> {}

  /**
   * Called once when the whole body has arrived — Content-Length reached, the last chunk, or no
   * body at all — while the response is not complete. A throw or rejection is handled as for
   * processContent().
   */
  contentComplete(): void | Promise<void> {}

  /**
   * The methods this servlet answers: the `Allow` header of a 405 from sendError(405)
   * (RFC 9110 §15.5.6). Default "GET, HEAD"; override it if the servlet answers others.
   */
  allowedMethods(): string {
    return "GET, HEAD";
  }

  /** Called exactly once, after the response is complete or the client went away. */
  destroyServlet(): void {}

  /** Aborted at the moment destroyServlet() is called. */
  get signal(): AbortSignal {
    return this.session.signal;
  }

  /**
   * A multipart/form-data body, part by part: `for await (const part of this.parts())`, each part
   * with `name`, `filename` (undefined for a plain field), `contentType`, itself iterable for its
   * bytes. The body is read only as fast as the parts are (backpressure to the client); an unread
   * part is skipped. Not multipart: rejects with a RequestAborted(415); malformed: (400) — the
   * client gets that status if the servlet lets it propagate. Bounded by the body limit.
   */
  parts(): AsyncGenerator<Part> {
    const reader = new MultipartReader(this.contentType(), this.session.bodyLimit);
    internals.consumeBody(this.session, reader);
    return reader.parts();
  }

  /** The whole body as UTF-8 text (see content()). */
  async contentText(): Promise<string> {
    return utf8.decode(await this.content());
  }

  /**
   * The whole body as UTF-8 text, gathered up to the body limit (`session.bodyLimit`, 413
   * beyond), as content() (so after an `await` too, unless pieces already went to
   * processContent()). If the body cannot be read (too large, malformed, the client went away)
   * it rejects with an HttpError, whose status is the one already answered (nothing is logged).
   */
  async text(): Promise<string> {
    let bytes: Uint8Array;
    try {
      bytes = await this.session.content();
    } catch (e) {
      throw new HttpError(Math.max(this.session.status, 400), "the request body could not be read", { cause: e });
    }
    return utf8.decode(bytes);
  }

  /**
   * The body parsed as JSON (the Content-Type is not checked). As text(); a body that is not
   * valid JSON (an empty one included) rejects with HttpError 400, which answers 400 when it
   * propagates. The parser's message is not sent: it would echo the input.
   */
  async json<T = unknown>(): Promise<T> {
    const text = await this.text();
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new HttpError(400, "the request body is not valid JSON", { cause: e });
    }
  }

  /**
   * Answers with `JSON.stringify(value)` (undefined → `null`), `Content-Type: application/json`
   * and a Content-Length, status `status` (default 200). Ignored once the response has started.
   */
  sendJson(value: unknown, status = 200): void {
    this.session.sendDocument(status, JSON_TYPE, JSON.stringify(value) ?? "null");
  }

  /** Largest request body accepted (413 beyond); raise it in processRequest() for large uploads. */
  get bodyLimit(): number {
    return this.session.bodyLimit;
  }
  set bodyLimit(bytes: number) {
    this.session.bodyLimit = bytes;
  }
  private congestionCallback: (() => void) | null = null;

  /**
   * OSE's form of flow control: after sendContent() returns false, `callback` is called once the
   * output drains. Stays registered until ignoreCongestion().
   */
  monitorCongestion(callback: () => void): void {
    this.congestionCallback = callback;
    this.armCongestion();
  }

  /** Stops monitorCongestion() callbacks. */
  ignoreCongestion(): void {
    this.congestionCallback = null;
  }

  private armCongestion(): void {
    if (!this.congestionCallback || this.session.isComplete()) return;
    this.session.whenDrained(() => {
      const cb = this.congestionCallback;
      if (!cb) return;
      cb();
      if (this.session.isCongested()) this.armCongestion();
    });
  }
}

/** Members a servlet shares with its session and writes out itself (accessors) instead of forwarding. */
type WrittenOut = "signal" | "bodyLimit";

/**
 * Every member a servlet shares with its session, forwarded: one entry each. Its type makes the
 * compiler check the list against the declarations above (none missing, none extra) and each
 * declaration against HttpSession's own (`true` only when the two signatures are the same type
 * and a forwarder passes on every argument).
 */
const SESSION_FORWARDS: {
  readonly [K in Exclude<keyof HttpServlet & keyof HttpSession, WrittenOut>]: Same<HttpServlet[K], HttpSession[K]> &
    FitsForwarder<HttpServlet[K]>;
} = {
  content: true,
  requestMethod: true,
  requestPath: true,
  queryString: true,
  query: true,
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
  isSecure: true,
  scheme: true,
  servletPath: true,
  servletInfo: true,
  sendResponse: true,
  sendHeader: true,
  setHeader: true,
  endHeaders: true,
  sendContent: true,
  endContent: true,
  sendDocument: true,
  sendError: true,
  flushContent: true,
  shutdown: true,
  drained: true,
  upgrade: true,
  whenDaemonStops: true,
  defer: true,
  eventStream: true,
  cookie: true,
  cookies: true,
  setCookie: true,
  clearCookie: true,
};

installSessionForwards(HttpServlet.prototype, Object.keys(SESSION_FORWARDS));

/**
 * True when `servlet` reads its body as it arrives (it overrides processContent() or
 * contentComplete()); otherwise the daemon holds the body in the socket until content() is asked
 * for, or discards it once the response is complete.
 */
export function readsBodyAsItArrives(servlet: HttpServlet): boolean {
  const base = HttpServlet.prototype;
  return servlet.processContent !== base.processContent || servlet.contentComplete !== base.contentComplete;
}
