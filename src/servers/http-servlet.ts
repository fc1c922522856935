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
import type { HttpSession } from "./http-session.ts";

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

  /** The whole body as UTF-8 text (see content()). */
  async contentText(): Promise<string> {
    return new TextDecoder().decode(await this.session.content());
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

/**
 * True when `servlet` reads its body as it arrives (it overrides processContent() or
 * contentComplete()); otherwise the daemon holds the body in the socket until content() is asked
 * for, or discards it once the response is complete.
 */
export function readsBodyAsItArrives(servlet: HttpServlet): boolean {
  const base = HttpServlet.prototype;
  return servlet.processContent !== base.processContent || servlet.contentComplete !== base.contentComplete;
}
