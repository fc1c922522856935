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
import { JSON_TYPE } from "./error-page.ts";
import { HttpError } from "./http-error.ts";
import type { HttpSession } from "./http-session.ts";

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

  /** Receives a piece of the body; `chunk` is valid only during the call (copy to keep). */
  processContent(_chunk: Uint8Array): void {}

  /** Called when the whole body has arrived (Content-Length reached or last chunk), while the response is not complete. */
  contentComplete(): void {}

  /** Called exactly once, after the response is complete or the client went away. */
  destroyServlet(): void {}

  /** Aborted at the moment destroyServlet() is called. */
  get signal(): AbortSignal {
    return this.session.signal;
  }

  /** The whole body, gathered up to the body limit. Call before the first await. */
  content(): Promise<Uint8Array> {
    return this.session.content();
  }

  /** The whole body as UTF-8 text. Call before the first await. */
  async contentText(): Promise<string> {
    return utf8.decode(await this.session.content());
  }

  /**
   * The whole body as UTF-8 text, gathered up to the body limit (`session.bodyLimit`, 413
   * beyond). Call it before the first `await` in processRequest (or a route's function). If the
   * body cannot be read (too large, malformed, the client went away) it rejects with an
   * HttpError; the error response has then already been sent.
   */
  async text(): Promise<string> {
    let bytes: Uint8Array;
    try {
      bytes = await this.session.content();
    } catch (e) {
      throw new HttpError(this.session.status >= 400 ? this.session.status : 400, "the request body could not be read", { cause: e });
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
  requestMethod(): string { return this.session.requestMethod(); }
  /** See HttpSession.requestPath. */
  requestPath(): string { return this.session.requestPath(); }
  /** See HttpSession.queryString. */
  queryString(): string { return this.session.queryString(); }
  /** See HttpSession.url. */
  url(): string { return this.session.url(); }
  /** See HttpSession.protocolVersion. */
  protocolVersion(): string { return this.session.protocolVersion(); }
  /** See HttpSession.serverHost. */
  serverHost(): string { return this.session.serverHost(); }
  /** See HttpSession.serverPort. */
  serverPort(): number { return this.session.serverPort(); }
  /** See HttpSession.clientHost. */
  clientHost(): string { return this.session.clientHost(); }
  /** See HttpSession.clientPort. */
  clientPort(): number { return this.session.clientPort(); }
  /** See HttpSession.remoteUser. */
  remoteUser(): string { return this.session.remoteUser(); }
  /** See HttpSession.contentLength. */
  contentLength(): number { return this.session.contentLength(); }
  /** See HttpSession.contentType. */
  contentType(): string { return this.session.contentType(); }
  /** See HttpSession.containsHeader. */
  containsHeader(name: string): boolean { return this.session.containsHeader(name); }
  /** See HttpSession.header. */
  header(name: string): string | null { return this.session.header(name); }
  /** See HttpSession.headers. */
  headers(): Record<string, string> { return this.session.headers(); }
  /** See HttpSession.serverPath. */
  serverPath(): string { return this.session.serverPath(); }
  /** See HttpSession.serverRoot. */
  serverRoot(): string { return this.session.serverRoot(); }
  /** See HttpSession.servletPath. */
  servletPath(): string { return this.session.servletPath(); }
  /** See HttpSession.servletInfo. */
  servletInfo(): string { return this.session.servletInfo(); }

  // ── response (SPEC §2.4) ─────────────────────────────────────────────────────────────────
  /** See HttpSession.sendResponse. */
  sendResponse(code: number, reason?: string): void { this.session.sendResponse(code, reason); }
  /** See HttpSession.sendHeader. */
  sendHeader(name: string, value: string | number): void { this.session.sendHeader(name, value); }
  /** See HttpSession.endHeaders. */
  endHeaders(): void { this.session.endHeaders(); }
  /** See HttpSession.sendContent. */
  sendContent(data: string | Uint8Array): boolean { return this.session.sendContent(data); }
  /** See HttpSession.endContent. */
  endContent(): void { this.session.endContent(); }
  /** See HttpSession.sendDocument. */
  sendDocument(code: number, contentType: string, body: string | Uint8Array, headers?: [string, string][]): void { this.session.sendDocument(code, contentType, body, headers); }
  /** See HttpSession.sendError. */
  sendError(code: number, html?: string): void { this.session.sendError(code, html); }
  /** See HttpSession.flushContent. */
  flushContent(): void { this.session.flushContent(); }
  /** See HttpSession.shutdown. */
  shutdown(delayMs?: number): void { this.session.shutdown(delayMs); }
  /** Resolves when the output queue has drained below its high-water mark. */
  drained(): Promise<void> { return this.session.drained(); }

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
