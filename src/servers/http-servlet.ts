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
import { HttpError } from "./http-error.ts";
import { sessionInternals as internals, type HttpSession } from "./http-session.ts";
import { MultipartReader, type Part } from "./multipart.ts";

const utf8 = new TextDecoder();

/** Base class of servlets. */
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
   * The whole body, gathered up to the body limit (see HttpSession.content: it may be called
   * after an await; not after pieces went to processContent()).
   */
  content(): Promise<Uint8Array> {
    return this.session.content();
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
    return utf8.decode(await this.session.content());
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

  // ── request accessors (SPEC §2.3) ────────────────────────────────────────────────────────
  /** See HttpSession.requestMethod. */
  requestMethod(): string {
    return this.session.requestMethod();
  }
  /** See HttpSession.requestPath. */
  requestPath(): string {
    return this.session.requestPath();
  }
  /** See HttpSession.queryString. */
  queryString(): string {
    return this.session.queryString();
  }
  /** See HttpSession.url. */
  url(): string {
    return this.session.url();
  }
  /** See HttpSession.protocolVersion. */
  protocolVersion(): string {
    return this.session.protocolVersion();
  }
  /** See HttpSession.serverHost. */
  serverHost(): string {
    return this.session.serverHost();
  }
  /** See HttpSession.serverPort. */
  serverPort(): number {
    return this.session.serverPort();
  }
  /** See HttpSession.clientHost. */
  clientHost(): string {
    return this.session.clientHost();
  }
  /** See HttpSession.clientPort. */
  clientPort(): number {
    return this.session.clientPort();
  }
  /** See HttpSession.remoteUser. */
  remoteUser(): string {
    return this.session.remoteUser();
  }
  /** See HttpSession.contentLength. */
  contentLength(): number {
    return this.session.contentLength();
  }
  /** See HttpSession.hasBody. */
  hasBody(): boolean {
    return this.session.hasBody();
  }
  /** See HttpSession.isChunked. */
  isChunked(): boolean {
    return this.session.isChunked();
  }
  /** See HttpSession.methodCode: the method as a parser METHOD_* number. */
  methodCode(): number {
    return this.session.methodCode();
  }
  /** See HttpSession.isHead. */
  isHead(): boolean {
    return this.session.isHead();
  }
  /** See HttpSession.isComplete: the response is complete (or the client left). */
  isComplete(): boolean {
    return this.session.isComplete();
  }
  /** Largest request body accepted (413 beyond); raise it in processRequest() for large uploads. */
  get bodyLimit(): number {
    return this.session.bodyLimit;
  }
  set bodyLimit(bytes: number) {
    this.session.bodyLimit = bytes;
  }
  /** See HttpSession.contentType. */
  contentType(): string {
    return this.session.contentType();
  }
  /** See HttpSession.containsHeader. */
  containsHeader(name: string): boolean {
    return this.session.containsHeader(name);
  }
  /** See HttpSession.headerIs. */
  headerIs(name: string, value: string): boolean {
    return this.session.headerIs(name, value);
  }
  /** See HttpSession.header. */
  header(name: string): string | null {
    return this.session.header(name);
  }
  /** See HttpSession.headers. */
  headers(): Record<string, string> {
    return this.session.headers();
  }
  /** See HttpSession.serverPath. */
  serverPath(): string {
    return this.session.serverPath();
  }
  /** See HttpSession.serverRoot. */
  serverRoot(): string {
    return this.session.serverRoot();
  }
  /** See HttpSession.servletPath. */
  servletPath(): string {
    return this.session.servletPath();
  }
  /** See HttpSession.servletInfo. */
  servletInfo(): string {
    return this.session.servletInfo();
  }

  // ── response (SPEC §2.4) ─────────────────────────────────────────────────────────────────
  /** See HttpSession.sendResponse. */
  sendResponse(code: number, reason?: string): void {
    this.session.sendResponse(code, reason);
  }
  /** See HttpSession.sendHeader. */
  sendHeader(name: string, value: string | number): void {
    this.session.sendHeader(name, value);
  }
  /** See HttpSession.endHeaders. */
  endHeaders(): void {
    this.session.endHeaders();
  }
  /** See HttpSession.sendContent. */
  sendContent(data: string | Uint8Array): boolean {
    return this.session.sendContent(data);
  }
  /** See HttpSession.endContent. */
  endContent(): void {
    this.session.endContent();
  }
  /** See HttpSession.sendDocument. */
  sendDocument(code: number, contentType: string, body: string | Uint8Array, headers?: [string, string][]): void {
    this.session.sendDocument(code, contentType, body, headers);
  }
  /** See HttpSession.sendError. */
  sendError(code: number, html?: string): void {
    this.session.sendError(code, html);
  }
  /** See HttpSession.flushContent. */
  flushContent(): void {
    this.session.flushContent();
  }
  /** See HttpSession.shutdown. */
  shutdown(delayMs?: number): void {
    this.session.shutdown(delayMs);
  }
  /** Resolves when the output queue has drained below its high-water mark. */
  drained(): Promise<void> {
    return this.session.drained();
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

/**
 * True when `servlet` reads its body as it arrives (it overrides processContent() or
 * contentComplete()); otherwise the daemon holds the body in the socket until content() is asked
 * for, or discards it once the response is complete.
 */
export function readsBodyAsItArrives(servlet: HttpServlet): boolean {
  const base = HttpServlet.prototype;
  return servlet.processContent !== base.processContent || servlet.contentComplete !== base.contentComplete;
}
