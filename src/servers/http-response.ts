/**
 * HttpResponse: the response half of an HttpSession — its phase machine. It enforces the order
 * status → headers → content, adds Date, Server and exactly one Connection header (the transport's
 * header tail), frames the body (Content-Length, or chunked for HTTP/1.1, RFC 9112 §7.1) and
 * decides persistence with its owner (SPEC §3). Calls out of order are ignored, never a crash.
 * Hot path: header lines come pre-encoded from header-lines.ts; the Date/Server/Connection tail is
 * one cached array per second.
 *
 * The link to the request cycle that made the session is a `#private` field: no servlet reaches
 * it, not even by subclassing (HttpSession reads it through the protected `owner`).
 */
import { isBodyless, statusLine } from "../http/status.ts";
import { headerLine, headerLineOnce } from "../http/header-lines.ts";
import { HttpRequest } from "./http-request.ts";
import type { RequestChannel } from "./request-channel.ts";
import type { SessionBinding } from "./session-binding.ts";
import { DETACHED, type SessionOwner } from "./session-owner.ts";

const encoder = new TextEncoder();
const CONTENT_LENGTH_PREFIX = encoder.encode("Content-Length: ");
const CRLF = encoder.encode("\r\n");
const TRANSFER_ENCODING_CHUNKED = encoder.encode("Transfer-Encoding: chunked\r\n");
/** RFC 9112 §7.1: last-chunk, no trailers, the final CRLF. */
const LAST_CHUNK = encoder.encode("0\r\n\r\n");
const HEX = 16;
const EMPTY = new Uint8Array(0);
/**
 * Fields a response carries once (RFC 9110 §5.3: not lists): the answer's own replaces a staged
 * one. Other fields, staged and the answer's, both go out.
 */
const SINGLE_VALUED = new Set([
  "content-type",
  "content-location",
  "content-disposition",
  "content-range",
  "location",
  "etag",
  "last-modified",
  "expires",
  "retry-after",
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "strict-transport-security",
  "x-frame-options",
  "x-content-type-options",
  "referrer-policy",
]);

/** Response phases, in order; calls that do not fit the phase are ignored. */
export const NONE = 0;
/** Status sent, headers open. */
export const HEADERS = 1;
/** Headers ended, content may follow. */
export const CONTENT = 2;
/** The response is complete (its owner heard responseComplete); output calls are ignored. */
export const COMPLETE = 3;
/** The servlet is destroyed (or being destroyed): the session reads as a finished request. */
export const DESTROYED = 4;

/** The response of one request (see the file comment); HttpSession adds errors and the lifecycle. */
export class HttpResponse extends HttpRequest {
  /** Bytes appended for this response (see bytesSent). */
  private sentBytes = 0;
  private responseStatus = 0;
  /** NONE … DESTROYED above. */
  protected phase = NONE;
  private declaredLength = -1;
  private contentSent = 0;
  /** The connection closes after this response (an HTTP/1.0 error page). */
  protected closeAfter = false;
  protected keepAlive = false;
  /** The body goes out in chunks (an HTTP/1.1 response without Content-Length). */
  private chunked = false;
  /** Where this response's head starts in the output (a rollback point until it is sent). */
  protected responseMark = 0;
  /** Content given to a response whose status has none was reported (once per response). */
  private droppedReported = false;
  /**
   * Header lines staged before the response began (setHeader, setCookie), by key: a second one
   * with the same key replaces the first. Sent with whichever head answers. Null when none.
   */
  private staged: Map<string, Uint8Array> | null = null;
  /** With lines staged: the (lower-case) names the response's own sendHeader() calls sent; a staged line of one is dropped. */
  private sentNames: Set<string> | null = null;
  /** The request cycle that made this session; DETACHED once it is destroyed. */
  #owner: SessionOwner;
  /**
   * The request's user session (SPEC §13), bound by the Sessions middleware; null without one.
   * While its save runs the response's bytes are held (see sendResponse, endHeaders, complete).
   */
  protected userSession: SessionBinding | null = null;

  /** A response on `channel` for the request its `owner` (the request cycle) serves. */
  constructor(channel: RequestChannel, owner: SessionOwner) {
    super(channel);
    this.#owner = owner;
  }

  /** The request cycle that made this session (DETACHED once destroyed). */
  protected get owner(): SessionOwner {
    return this.#owner;
  }

  /** destroyServlet() has returned: the request's bytes are no longer read, and the cycle is let go. */
  protected detach(): void {
    this.#owner = DETACHED;
    this.retire();
  }

  /** Response status once sent, 0 before. */
  get status(): number {
    return this.responseStatus;
  }

  /** Bytes produced for this response so far (status line, headers, content): the access log's count. */
  get bytesSent(): number {
    return this.sentBytes;
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

  /** The response ends where it stands: a head left half-made (the client left, or the connection ends) is never sent. */
  protected endResponse(): void {
    if (this.phase === DESTROYED) return;
    if (this.phase === HEADERS) {
      this.connection.output.rollback(this.responseMark);
      this.connection.output.unhold();
    }
    this.phase = DESTROYED;
  }

  /**
   * The response is a whole head the caller made (a 101 of `bytes` bytes, queued by the transport
   * at the hand-over): complete now, without the owner hearing of it through responseComplete.
   */
  protected completeAs(status: number, bytes: number): void {
    this.responseStatus = status;
    this.sentBytes = bytes;
    this.phase = COMPLETE;
  }

  /** Starts the response: `HTTP/1.0 code reason`. Ignored unless nothing was sent yet. */
  sendResponse(code: number, reason?: string): void {
    if (this.phase !== NONE || !Number.isInteger(code) || code < 200 || code > 999) return;
    // SPEC §13: the user session stages its cookie (the head is not made yet) and begins its save.
    const saving = this.userSession === null ? null : this.userSession.responseStarting(code);
    this.phase = HEADERS;
    this.responseStatus = code;
    this.responseMark = this.connection.output.mark();
    // Until endHeaders() the head stays in the queue: a throw or sendError() before then can
    // always replace it (a client never gets half a head).
    this.connection.output.holdFrom(this.responseMark);
    if (saving !== null) this.holdUntilSaved(saving);
    const head = this.head;
    if (head.isSimpleRequest()) return;
    this.emit(statusLine(code, reason, head.versionMinor >= 1 ? 1 : 0));
  }

  /**
   * Stages `name: value` for this request's response, whichever call starts it — sendResponse(),
   * sendDocument(), sendJson(), sendError(), a file, an event stream, a WebSocket's 101: the way
   * a middleware adds a header before the handler answers (SPEC §13). A second setHeader() of the
   * same name (case-insensitive) replaces the first, and so does the answer's own sendHeader() of
   * a single-valued field (sendJson's Content-Type replaces a staged one; a staged Vary and the
   * answer's both go). The staged lines follow the answer's own. Throws a TypeError as sendHeader() for a field
   * that cannot be sent, and for Content-Length (the response frames its own body). Ignored once
   * the response has started, and for the fields the framework owns (Date, Server, Connection,
   * Transfer-Encoding).
   */
  setHeader(name: string, value: string | number): void {
    this.stageHeader(name.toLowerCase(), name, value);
  }

  /**
   * Stages a header line under `key` (a second one with the same key replaces it): setHeader()'s
   * key is the lower-case name, setCookie()'s the cookie's name, so two cookies are two lines.
   */
  protected stageHeader(key: string, name: string, value: string | number): void {
    if (this.phase !== NONE) return;
    const line = headerLineOnce(name, value);
    if (line === null) return;
    if (line.contentLength >= 0)
      throw new TypeError(`setHeader(${JSON.stringify(name)}): the response frames its own body; send Content-Length with sendHeader()`);
    (this.staged ??= new Map()).set(key, line.bytes);
  }

  /** The staged header lines, joined (for a head made whole elsewhere: a WebSocket's 101); empty when none. */
  protected stagedLines(): Uint8Array {
    const staged = this.staged;
    if (staged === null) return EMPTY;
    return Buffer.concat([...staged.values()]);
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
    // The answer's own field replaces a single-valued one a middleware staged (never two
    // Content-Types); list fields (Vary, Cache-Control, Set-Cookie…) keep both.
    if (this.staged !== null) {
      const key = name.toLowerCase();
      if (SINGLE_VALUED.has(key)) (this.sentNames ??= new Set()).add(key);
    }
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
  protected sendEncodedHeaders(lines: Uint8Array, contentLength: number): void {
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
    const staged = this.staged;
    if (staged !== null && !this.head.isSimpleRequest())
      for (const [key, line] of staged) if (this.sentNames === null || !this.sentNames.has(key)) this.emit(line);
    this.phase = CONTENT;
    if (this.userSession === null || !this.userSession.saving) this.connection.output.unhold();
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

  /** Forgets a response that was rolled back before any of it reached the socket. */
  protected resetResponse(): void {
    this.sentNames = null;
    this.sentBytes = 0;
    this.declaredLength = -1;
    this.contentSent = 0;
    this.chunked = false;
    this.droppedReported = false;
    this.phase = NONE;
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
    const saved = this.userSession === null ? null : this.userSession.responseComplete();
    if (saved === null) return this.#owner.responseComplete(this.keepAlive);
    // The owner hears of it once the session is saved (a failed save answered 503 instead).
    saved.then(
      () => this.phase === COMPLETE && this.#owner.responseComplete(this.keepAlive),
      () => {},
    );
  }

  // ── the user session's save (SPEC §13; session-binding.ts) ─────────────────────────────────

  /**
   * Holds the response's bytes in the server (the hold sendResponse takes for the head, kept past
   * endHeaders) until `saving` settles: no byte of a response reaches the client before the
   * session it reflects is stored, so the client's next request — on any connection, to any
   * process sharing the store — reads what this one saved. Then the bytes go; or, if the save
   * failed, none of them has gone and the response is replaced by the failure's (503).
   */
  private holdUntilSaved(saving: Promise<void>): void {
    saving.then(
      () => {
        if (this.phase === DESTROYED || this.phase === HEADERS) return; // HEADERS: endHeaders lets it go
        this.connection.output.unhold();
        this.connection.flushSoon();
      },
      (e: unknown) => {
        if (this.phase === DESTROYED) return;
        const output = this.connection.output;
        const replaced = output.rollback(this.responseMark);
        output.unhold();
        if (!replaced) return this.connection.close(); // cannot happen while held; never a cut response kept open
        this.resetResponse();
        this.sessionSaveFailed(e);
      },
    );
  }

  /** Drops the header line staged under `key` (the session cookie of a save that failed). */
  protected unstageHeader(key: string): void {
    this.staged?.delete(key);
  }

  /** The user session's save failed and the response was rolled back: answers the failure (HttpSession: its status). */
  protected sessionSaveFailed(_e: unknown): void {
    this.connection.close();
  }
}
