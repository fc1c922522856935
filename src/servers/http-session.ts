/**
 * HttpSession: one request and its response. The request's accessors (read lazily from the
 * parser's offsets) are HttpRequest's, in http-request.ts; this file is the response's phase
 * machine. The request's lifecycle (routing, the servlet, body delivery, destroy) belongs to its
 * RequestCycle (request-cycle.ts), which makes the session and passes itself in as its
 * SessionOwner: the session keeps that link in a `#private` field, so no servlet reaches it, and
 * the cycle reaches the few members a servlet must not call through `sessionInternals` below,
 * which netsvc does not export (fastify keeps its internals under module-private keys the same way).
 * The response API here is what HttpServlet delegates to: it enforces the order status → headers
 * → content, adds Date, Server and exactly one Connection header, and decides persistence (SPEC §3).
 * Hot path: header lines come pre-encoded from header-lines.ts; the Date/Server/Connection tail is
 * one cached array per second.
 */
import type { RequestChannel } from "./request-channel.ts";
import { HttpRequest } from "./http-request.ts";
import { isBodyless, reasonPhrase, statusLine } from "../http/status.ts";
import { acceptsJson, errorJson, errorPage, HTML_TYPE, JSON_TYPE, type ErrorDocument } from "../http/error-page.ts";
import { headerLine } from "../http/header-lines.ts";
import { messageHtml } from "./html.ts";
import { RequestAborted } from "./request-aborted.ts";
import type { BodySink } from "./body-sink.ts";
import { HttpError } from "./http-error.ts";
import { isRecognisedMethod } from "../parser/index.ts";
import type { Refused } from "./refusal.ts";

const encoder = new TextEncoder();
const CONTENT_LENGTH_PREFIX = encoder.encode("Content-Length: ");
const CRLF = encoder.encode("\r\n");
const TRANSFER_ENCODING_CHUNKED = encoder.encode("Transfer-Encoding: chunked\r\n");
/** RFC 9112 §7.1: last-chunk, no trailers, the final CRLF. */
const LAST_CHUNK = encoder.encode("0\r\n\r\n");
const HEX = 16;

/** Response phases, in order; calls that do not fit the phase are ignored. */
const NONE = 0;
const HEADERS = 1; // status sent, headers open
const CONTENT = 2; // headers ended, content may follow
const COMPLETE = 3;
const DESTROYED = 4;

/** How deep isOwnAbort() follows an error's `cause` chain (a cycle or a long chain ends there). */
const MAX_CAUSE_DEPTH = 8;

/** The servlet side of the lifecycle, as the request cycle calls it. */
export interface ServletHooks {
  /** A piece of the body; a returned Promise pauses delivery until it settles. */
  processContent(chunk: Uint8Array): void | Promise<void>;
  /** The body is whole (empty included). */
  contentComplete(): void | Promise<void>;
  /** Called once, after the response is complete or the client left. */
  destroyServlet(): void;
  /** The `Allow` value of a 405 from sendError(405). */
  allowedMethods?(): string;
}

/** What shapes a request's error responses: the server object it was routed to. */
export interface ErrorPageSource {
  /** An error body for `code`, or null for the framework's own (see HttpServer.errorPage). */
  errorPage(code: number, session: HttpSession, message?: string): string | ErrorDocument | null;
  /** Whether the server recognises the request's method (see HttpServer.recognisesMethod); a 405 for one it does not is a 501. */
  recognisesMethod?(session: HttpSession): boolean;
}

/**
 * What a session asks of the request cycle that made it (the cycle implements it). After the
 * request is destroyed the session asks a detached owner instead, which answers as a finished
 * request would: the cycle may already serve the connection's next request.
 */
export interface SessionOwner {
  /** The whole body, gathered (see HttpSession.content). */
  content(): Promise<Uint8Array>;
  /** Hands the body to `sink` instead of processContent() (see HttpServlet.parts). */
  consumeBody(sink: BodySink): void;
  /** The response is complete. */
  responseComplete(keepAlive: boolean): void;
  /** True when this response may keep its transport (and no client is left waiting for 100 Continue). */
  mayKeepAlive(): boolean;
  /** The servlet's `Allow` value for a 405, undefined when it names none. */
  allowedMethods(): string | undefined;
  /** The routed server's error body for `code`, or null for the framework's own. May throw (the server's code). */
  errorPage(code: number, message?: string): string | ErrorDocument | null;
  /** The routed server's view of the method (HttpServer.recognisesMethod); null when it has none. May throw. */
  recognisesMethod(): boolean | null;
}

/** The owner of a destroyed session: it answers as a finished request. */
const DETACHED: SessionOwner = {
  content: () => Promise.reject(new RequestAborted("the request ended before its body was read")),
  consumeBody: (sink) => sink.fail(new RequestAborted("the request ended before its body was read")),
  responseComplete: () => {},
  mayKeepAlive: () => false,
  allowedMethods: () => undefined,
  errorPage: () => null,
  recognisesMethod: () => null,
};

/**
 * The members of a session only the framework uses: routing on the request's bytes (the mount
 * table, Router and FileServer: no string is made on the hot path), the lifecycle steps the
 * request cycle takes, and the file server's pre-encoded headers. Module-internal: netsvc does
 * not export it, so a servlet cannot call these by mistake.
 */
export interface SessionInternals {
  /** The bytes the head's spans point into (empty once the request is retired). */
  headBytes(s: HttpSession): Uint8Array;
  /** True when the raw path is already normal (no escapes, no dot or empty segments). */
  isPlainPath(s: HttpSession): boolean;
  /** Start and end of the path part of the target in headBytes. */
  pathStart(s: HttpSession): number;
  pathEnd(s: HttpSession): number;
  /** The normalised path, or the status code that refuses it. */
  pathOrStatus(s: HttpSession): string | Refused;
  /** Where servletPath() begins in headBytes, for a plain path. */
  servletPathStart(s: HttpSession): number;
  /** Routing's result: the attached path and where it ends in the request path. */
  route(s: HttpSession, attachedPath: string, matchEnd: number): void;
  /** The login that passed authentication. */
  setUser(s: HttpSession, user: string): void;
  /** Pre-encoded header lines including `Content-Length: contentLength` (the file server's cached ones). */
  sendEncodedHeaders(s: HttpSession, lines: Uint8Array, contentLength: number): void;
  /** Hands the body to `sink` (parts()). */
  consumeBody(s: HttpSession, sink: BodySink): void;
  /** A servlet callback threw or rejected (see HttpSession's servletFailed). */
  failed(s: HttpSession, where: string, e: unknown): void;
  /** The response ends where it stands (a half-made head is rolled back); output calls are no-ops from now on. */
  endResponse(s: HttpSession): void;
  /** Aborts the request's signal. */
  abortSignal(s: HttpSession): void;
  /** destroyServlet() has returned: the request's bytes are no longer read, and the cycle is let go. */
  retire(s: HttpSession): void;
}

let internals: SessionInternals | undefined;

/**
 * One request (its accessors: HttpRequest) and its response (the phase machine here). Made by
 * its RequestCycle for every request.
 */
export class HttpSession extends HttpRequest {
  /** Largest request body accepted (413 beyond); a servlet may raise it in processRequest(). */
  bodyLimit: number;
  /** Bytes appended for this response (see bytesSent). */
  private sentBytes = 0;
  private responseStatus = 0;

  private phase = NONE;
  private declaredLength = -1;
  private contentSent = 0;
  private closeAfter = false;
  private keepAlive = false;
  /** The body goes out in chunks (an HTTP/1.1 response without Content-Length). */
  private chunked = false;
  private responseMark = 0;
  private controller: AbortController | null = null;
  /** A servlet failure was logged for this request (each is logged once). */
  private failureLogged = false;
  /** Content given to a response whose status has none was reported (once per response). */
  private droppedReported = false;
  /** The request cycle that made this session; DETACHED once it is destroyed. */
  #owner: SessionOwner;

  static {
    internals = {
      headBytes: (s) => s.headBytes,
      isPlainPath: (s) => s.isPlainPath(),
      pathStart: (s) => s.pathStart,
      pathEnd: (s) => s.pathEnd,
      pathOrStatus: (s) => s.pathOrStatus(),
      servletPathStart: (s) => s.servletPathStart(),
      route: (s, attachedPath, matchEnd) => s.route(attachedPath, matchEnd),
      setUser: (s, user) => {
        s.user = user;
      },
      sendEncodedHeaders: (s, lines, contentLength) => s.sendEncodedHeaders(lines, contentLength),
      consumeBody: (s, sink) => s.#owner.consumeBody(sink),
      failed: (s, where, e) => s.servletFailed(where, e),
      endResponse: (s) => s.endResponse(),
      abortSignal: (s) => s.controller?.abort(),
      retire: (s) => {
        s.#owner = DETACHED;
        s.retire();
      },
    };
  }

  /** Response status once sent, 0 before. */
  get status(): number {
    return this.responseStatus;
  }

  /** Bytes produced for this response so far (status line, headers, content): the access log's count. */
  get bytesSent(): number {
    return this.sentBytes;
  }

  /** Made by `owner` (its request cycle) for the request current on `channel`. */
  constructor(channel: RequestChannel, owner: SessionOwner, bodyLimit: number) {
    super(channel);
    this.#owner = owner;
    this.bodyLimit = bodyLimit;
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────

  /** Aborted when the response is complete or the client went away (same moment as destroyServlet). */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.phase === DESTROYED) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** True once the servlet has been destroyed; every output call is then a no-op. */
  isDestroyed(): boolean {
    return this.phase === DESTROYED;
  }

  /** True once the response is complete (or the session destroyed). */
  isComplete(): boolean {
    return this.phase >= COMPLETE;
  }

  /** True once the status line has been produced. */
  hasStarted(): boolean {
    return this.phase >= HEADERS;
  }

  /**
   * A servlet callback threw or rejected: an HttpError is answered with its status; a failure
   * caused by the request's own signal aborting (the client left, e.g. `services.call(…,
   * { signal: this.signal })` rejecting) is counted, never logged; anything else is logged once
   * with its stack (a RequestAborted is expected and not logged); 500 if nothing was sent, else
   * the connection closes after what was sent.
   */
  private servletFailed(where: string, e: unknown): void {
    // An HttpError is an answer, not a failure: its status, not logged.
    if (e instanceof HttpError) {
      if (this.phase < COMPLETE) this.sendErrorWithHeaders(e.status, e.headers, undefined, e.publicMessage);
      return;
    }
    if (this.isOwnAbort(e)) return this.connection.countServletAbort();
    if (!(e instanceof RequestAborted)) this.noteFailure(`${where} threw`, e);
    // A RequestAborted that carries a status (a malformed multipart body: 400) is the client's
    // fault: it gets that status; anything else is a 500.
    const status = e instanceof RequestAborted && e.status >= 400 ? e.status : 500;
    if (this.phase < COMPLETE) this.sendError(status);
  }

  /** Logs a servlet failure once per request (later ones add nothing a reader needs). */
  private noteFailure(what: string, e: unknown): void {
    if (this.failureLogged) return;
    this.failureLogged = true;
    const request = this.phase === DESTROYED ? "a finished request" : `${this.requestMethod()} ${this.rawPath()}`;
    this.connection.logError(`${what} for ${request}`, e);
  }

  /**
   * True when `e` is this request's signal's abort reason, or an error caused by it (its `cause`
   * chain, followed at most MAX_CAUSE_DEPTH deep: what a service call, a fetch or a stream given
   * `this.signal` rejects with). The signal aborts only when the client left or the response was
   * complete: the failure is the servlet's work being stopped, not a fault.
   */
  private isOwnAbort(e: unknown): boolean {
    const signal = this.controller?.signal;
    if (!signal?.aborted) return false;
    let x = e;
    for (let depth = 0; depth < MAX_CAUSE_DEPTH && x !== null && typeof x === "object"; depth++) {
      if (x === signal.reason) return true;
      x = (x as { cause?: unknown }).cause;
    }
    return false;
  }

  /**
   * The whole request body, gathered (bounded by bodyLimit; over it the promise rejects with a
   * RequestAborted and the client gets 413). It may be asked for at any time before the response
   * is complete — after an `await` too: a servlet that does not read its body as it arrives gets
   * it held in the socket until it asks. It rejects with a clear message if pieces already went
   * to processContent(), and with a RequestAborted if the client leaves first.
   */
  content(): Promise<Uint8Array> {
    return this.#owner.content();
  }

  /** The response ends where it stands: a head left half-made (the client left, or the connection ends) is never sent. */
  private endResponse(): void {
    if (this.phase === DESTROYED) return;
    if (this.phase === HEADERS) {
      this.connection.output.rollback(this.responseMark);
      this.connection.output.unhold();
    }
    this.phase = DESTROYED;
  }

  // ── the response ─────────────────────────────────────────────────────────────────────────

  /** Starts the response: `HTTP/1.0 code reason`. Ignored unless nothing was sent yet. */
  sendResponse(code: number, reason?: string): void {
    if (this.phase !== NONE || !Number.isInteger(code) || code < 200 || code > 999) return;
    this.phase = HEADERS;
    this.responseStatus = code;
    this.responseMark = this.connection.output.mark();
    // Until endHeaders() the head stays in the queue: a throw or sendError() before then can
    // always replace it (a client never gets half a head).
    this.connection.output.holdFrom(this.responseMark);
    const head = this.head;
    if (!head.isSimpleRequest()) this.emit(statusLine(code, reason, head.versionMinor >= 1 ? 1 : 0));
  }

  /**
   * Adds a header. Throws a TypeError naming the field when it cannot be sent — a name that is not
   * a token, a value with CR, LF or another control, or a character above U+00FF (percent-encode
   * a URI first), a Content-Length that is not a decimal integer: a servlet's bug, which becomes
   * a 500 logged once when it propagates. Ignored outside the header phase, and for the fields
   * the framework owns (Date, Server, exactly one Connection, Transfer-Encoding). Content-Length
   * is remembered for framing (a second one is ignored), and never sent with a 204 or 304
   * (RFC 9110 §8.6: those have no content; see noteDroppedContent).
   */
  sendHeader(name: string, value: string | number): void {
    if (this.phase !== HEADERS) return;
    const line = headerLine(name, value);
    if (line === null) return;
    if (line.contentLength >= 0) {
      if (isBodyless(this.responseStatus)) return this.noteDroppedContent(line.contentLength);
      if (this.declaredLength >= 0) return;
      this.declaredLength = line.contentLength;
    }
    if (!this.head.isSimpleRequest()) this.emit(line.bytes);
  }

  /**
   * Shorthand used by predefined servlets: Content-Length as a number, pre-encoded prefix. As
   * sendHeader: ignored outside the header phase or after a first length, never sent with a 204
   * or 304.
   */
  sendContentLength(length: number): void {
    if (this.phase !== HEADERS || this.declaredLength >= 0) return;
    if (isBodyless(this.responseStatus)) return this.noteDroppedContent(length);
    this.declaredLength = length;
    if (this.head.isSimpleRequest()) return;
    this.emit(CONTENT_LENGTH_PREFIX);
    this.emitLatin1(String(length));
    this.emit(CRLF);
  }

  /**
   * Appends pre-encoded header lines that include `Content-Length: contentLength`
   * (the file server's cached headers). Ignored outside the header phase, and for a 204 or 304
   * (the lines carry a Content-Length those must not have).
   */
  private sendEncodedHeaders(lines: Uint8Array, contentLength: number): void {
    if (this.phase !== HEADERS || this.declaredLength >= 0) return;
    if (isBodyless(this.responseStatus)) return this.noteDroppedContent(contentLength);
    this.declaredLength = contentLength;
    if (!this.head.isSimpleRequest()) this.emit(lines);
  }

  /**
   * Ends the headers; decides and sends `Connection`. Ignored outside the header phase. An
   * HTTP/1.1 response with a body and no Content-Length is sent chunked (RFC 9112 §7.1), so it
   * stays self-delimited and the connection may persist; to HTTP/1.0 it is delimited by the close.
   */
  endHeaders(): void {
    if (this.phase !== HEADERS) return;
    this.phase = CONTENT;
    this.connection.output.unhold();
    const bodyless = this.isHead() || isBodyless(this.responseStatus);
    if (this.declaredLength < 0 && !bodyless && this.isHttp11()) {
      this.chunked = true;
      this.emit(TRANSFER_ENCODING_CHUNKED);
    }
    const selfDelimited = this.declaredLength >= 0 || bodyless || this.chunked;
    this.keepAlive = !this.closeAfter && selfDelimited && this.head.isKeepAliveRequested() && this.#owner.mayKeepAlive();
    if (!this.head.isSimpleRequest()) this.emit(this.connection.headerTail(this.keepAlive));
    if (isBodyless(this.responseStatus) || this.declaredLength === 0) this.complete();
  }

  /**
   * Sends a piece of the body (strings as UTF-8). Ends the headers first if needed. Returns false
   * once the connection's output is above its high-water mark: wait for drained() then.
   * Bytes beyond a declared Content-Length are dropped; HEAD responses send none; a 204 or 304
   * sends none either (its response is complete at its headers; see noteDroppedContent).
   */
  sendContent(data: string | Uint8Array): boolean {
    if (this.phase === HEADERS) this.endHeaders();
    const output = this.connection.output;
    if (this.phase !== CONTENT) {
      if (isBodyless(this.responseStatus) && data.length > 0) this.noteDroppedContent(data.length);
      return !output.isCongested();
    }
    const sent = !this.isHead() && !isBodyless(this.responseStatus);
    let length: number;
    if (this.chunked) {
      // RFC 9112 §7.1: chunk-size CRLF chunk-data CRLF; an empty piece would read as the last chunk.
      length = typeof data === "string" ? Buffer.byteLength(data) : data.length;
      if (sent && length > 0) {
        this.emitLatin1(length.toString(HEX));
        this.emit(CRLF);
        if (typeof data === "string") this.sentBytes += output.appendUtf8(data);
        else this.emit(data);
        this.emit(CRLF);
      }
    } else if (typeof data === "string") {
      // Encoded straight into the queue; bytes past a declared Content-Length are taken back.
      length = sent ? output.appendUtf8(data) : Buffer.byteLength(data);
      const over = this.declaredLength >= 0 ? this.contentSent + length - this.declaredLength : 0;
      if (over > 0) {
        if (sent) output.dropTail(over);
        length -= over;
      }
      if (sent) this.sentBytes += length;
    } else {
      length = data.length;
      if (this.declaredLength >= 0 && this.contentSent + length > this.declaredLength) {
        length = this.declaredLength - this.contentSent;
        data = data.subarray(0, length);
      }
      if (sent) this.emit(data);
    }
    this.contentSent += length;
    if (this.declaredLength >= 0 && this.contentSent >= this.declaredLength) this.complete();
    else this.connection.flushSoon();
    return !this.connection.output.isCongested();
  }

  /**
   * Content given to a response whose status has none (204, 304; RFC 9110 §6.4.1, §15.3.5,
   * §15.4.5) is never sent — on a persistent connection it would be read as the start of the
   * next response — and it is a servlet's bug, but a harmless one to the client, which gets the
   * status the servlet chose. So it is dropped, counted (stats().droppedContent) and the first
   * one per daemon is logged with the servlet's stack; never a 500, never a log line per request.
   */
  private noteDroppedContent(bytes: number): void {
    if (bytes <= 0 || this.droppedReported) return;
    this.droppedReported = true;
    this.connection.contentDropped(this.responseStatus);
  }

  /** Ends the body; the response is complete. A body shorter than its Content-Length closes the connection. */
  endContent(): void {
    if (this.phase === HEADERS) this.endHeaders();
    if (this.phase !== CONTENT) return;
    if (this.declaredLength >= 0 && this.contentSent < this.declaredLength && !this.isHead()) this.keepAlive = false;
    if (this.chunked && !this.isHead()) this.emit(LAST_CHUNK);
    this.complete();
  }

  /**
   * Sends a complete HTML error page and closes the connection afterwards. If the status line was
   * produced but nothing has reached the socket, that partial response is replaced; otherwise the
   * call is ignored (the connection is closed if the response is incomplete). A 405 carries the
   * servlet's allowedMethods() as `Allow`, and is sent as 501 when the server does not recognise
   * the request's method at all (RFC 9110 §9.1; HttpServer.recognisesMethod).
   */
  sendError(code: number, html?: string): void {
    // RFC 9110 §9.1: a method the server does not recognise is 501 (§15.6.2), not the resource's
    // refusal; only a recognised method refused here is 405, naming the methods the resource
    // answers (§15.5.6).
    if (code === 405 && !this.isMethodRecognised()) code = 501;
    const allow = code === 405 ? (this.#owner.allowedMethods() ?? "GET, HEAD") : "";
    this.sendErrorWithHeaders(code, allow ? [["Allow", allow]] : [], html);
  }

  /** RFC 9110 §9.1: whether the server the request was routed to recognises its method. */
  private isMethodRecognised(): boolean {
    try {
      return this.#owner.recognisesMethod() ?? isRecognisedMethod(this.methodCode());
    } catch (e) {
      this.connection.logError("recognisesMethod() threw", e);
      return isRecognisedMethod(this.methodCode());
    }
  }

  /** sendError with extra header fields (e.g. WWW-Authenticate for a 401). */
  sendErrorWithHeaders(code: number, headers: [string, string][], html?: string, message?: string): void {
    if (this.phase >= COMPLETE) return;
    if (this.phase !== NONE) {
      if (!this.connection.output.rollback(this.responseMark)) {
        // Part of the response is on its way: end it there (the client sees it cut short).
        this.keepAlive = false;
        this.connection.close();
        return;
      }
      this.resetResponse();
    }
    // A whole error page with its Content-Length leaves HTTP/1.1 framing intact: the connection
    // may persist (the daemon still closes when the request's own framing is broken). HTTP/1.0
    // keeps OSE's rule: an error page always closes.
    this.closeAfter = !this.isHttp11();
    // A servlet's own markup is an HTML page; otherwise the server's page, JSON or HTML.
    const doc =
      html === undefined ? this.errorDocument(code, message) : { contentType: HTML_TYPE, body: errorPage(code, reasonPhrase(code), html) };
    try {
      this.sendDocument(code, doc.contentType, doc.body, headers);
    } catch (e) {
      // A field the application gave the error response cannot be sent (an HttpError's headers,
      // challenge(), allowedMethods(), errorPage()'s type): its bug, logged once; the client
      // gets the framework's own 500, which has none of them. The half-made head is still held
      // in the queue (holdFrom), so it is rolled back, never sent.
      this.noteFailure("an error response's header", e);
      if (!this.connection.output.rollback(this.responseMark)) return this.connection.close();
      this.resetResponse();
      const doc = this.frameworkErrorDocument(500);
      this.sendDocument(500, doc.contentType, doc.body);
    }
  }

  /** Forgets a response that was rolled back before any of it reached the socket. */
  private resetResponse(): void {
    this.sentBytes = 0;
    this.declaredLength = -1;
    this.contentSent = 0;
    this.chunked = false;
    this.droppedReported = false;
    this.phase = NONE;
  }

  /**
   * The body of an error response the framework makes: the server object's errorPage() if it
   * gives one, else JSON when the request accepts JSON, else the HTML page. `message` is the
   * application's text (an HttpError's), never request input.
   */
  private errorDocument(code: number, message?: string): ErrorDocument {
    try {
      const own = this.#owner.errorPage(code, message);
      if (typeof own === "string") return { contentType: HTML_TYPE, body: own };
      if (own) return own;
    } catch (e) {
      this.connection.logError(`errorPage(${code}) threw`, e);
    }
    return this.frameworkErrorDocument(code, message);
  }

  /** The framework's own error body: JSON when the request accepts JSON, else the HTML page. */
  private frameworkErrorDocument(code: number, message?: string): ErrorDocument {
    const reason = reasonPhrase(code);
    if (acceptsJson(this.header("accept"))) return { contentType: JSON_TYPE, body: errorJson(code, reason, message) };
    return { contentType: HTML_TYPE, body: errorPage(code, reason, messageHtml(message)) };
  }

  /**
   * Sends a whole response in one call: the status, Content-Type, `headers`, Content-Length and
   * `body` (a string goes out as UTF-8). Ignored unless nothing of the response was sent yet.
   * A 204 or 304 gets `headers` only: no Content-Type, length or body (see noteDroppedContent).
   * Throws as sendHeader for a field that cannot be sent.
   */
  sendDocument(code: number, contentType: string, body: string | Uint8Array, headers: [string, string][] = []): void {
    if (this.phase !== NONE) return;
    this.sendResponse(code);
    if (!isBodyless(code)) this.sendHeader("Content-Type", contentType);
    for (const [name, value] of headers) this.sendHeader(name, value);
    this.sendContentLength(typeof body === "string" ? Buffer.byteLength(body) : body.length);
    this.endHeaders();
    this.sendContent(body);
    this.endContent();
  }

  /** Asks for queued output to be written now rather than at the end of the turn. */
  flushContent(): void {
    if (this.phase < COMPLETE) this.connection.flushSoon();
  }

  /** Aborts: closes the connection at once (after `delayMs`), dropping unsent data. */
  shutdown(delayMs = 0): void {
    if (this.phase === DESTROYED) return;
    if (delayMs > 0) setTimeout(() => this.phase !== DESTROYED && this.connection.abort(), delayMs);
    else this.connection.abort();
  }

  /** True while the connection's output queue is above its high-water mark. */
  isCongested(): boolean {
    return this.phase < COMPLETE && this.connection.output.isCongested();
  }

  /** Resolves when the output queue has drained below its high-water mark (at once if it is). */
  drained(): Promise<void> {
    if (!this.isCongested()) return Promise.resolve();
    return new Promise((resolve) => this.connection.whenDrained(resolve));
  }

  /** Calls `callback` when the output drains (OSE's monitorCongestion); once per congestion. */
  whenDrained(callback: () => void): void {
    if (!this.isCongested()) queueMicrotask(callback);
    else this.connection.whenDrained(() => this.phase < COMPLETE && callback());
  }

  private emit(bytes: Uint8Array): void {
    this.connection.output.append(bytes);
    this.sentBytes += bytes.length;
  }

  private emitLatin1(s: string): void {
    this.connection.output.appendLatin1(s);
    this.sentBytes += s.length;
  }

  private complete(): void {
    if (this.phase >= COMPLETE) return;
    this.phase = COMPLETE;
    this.#owner.responseComplete(this.keepAlive);
  }
}

/** The framework's hold on a session (see SessionInternals); not exported by netsvc. */
export const sessionInternals: SessionInternals = internals!;
