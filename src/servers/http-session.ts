/**
 * HttpSession: one request, read lazily from the parser's offsets, and its response.
 * Nothing is decoded until asked; each string is decoded once and cached. The response API here
 * is what HttpServlet delegates to: it enforces the order status → headers → content, adds Date,
 * Server and exactly one Connection header, and decides persistence (SPEC §3).
 * Hot path: header lines come pre-encoded from header-lines.ts; the Date/Server/Connection tail is
 * one cached array per second.
 */
import {
  findHeader,
  headerValues,
  latin1,
  METHOD_HEAD,
  QUESTION,
  SLASH,
  RequestHead,
} from "../parser/index.ts";
import type { Connection } from "./connection.ts";
import { needsNormalising, normaliseRequestPath } from "./path-safety.ts";
import { isBodyless, reasonPhrase, statusLine } from "./status.ts";
import { errorPage } from "./error-page.ts";
import { headerLine } from "./header-lines.ts";
import { RequestAborted } from "./request-aborted.ts";

const encoder = new TextEncoder();
/**
 * What a retired request reads: an empty head over no bytes. Once destroyServlet() has returned,
 * the connection's buffers belong to other requests (and other connections: they are pooled),
 * so a late accessor call gets empty values instead of someone else's bytes.
 */
const RETIRED_HEAD = new RequestHead({ maxHeaders: 1 });
const RETIRED_BYTES = new Uint8Array(0);
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

/** The servlet side of the lifecycle, as the session calls it. */
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

/** One request and its response. Created by the daemon for every request. */
export class HttpSession {
  /** The servlet answering this request (set by the daemon). */
  servlet: ServletHooks | null = null;
  /** Largest request body accepted (413 beyond); a servlet may raise it in processRequest(). */
  bodyLimit: number;
  /** Response status once sent, 0 before. */
  status = 0;
  /** Bytes appended for this response (status line, headers, content), for the access log. */
  bytesSent = 0;
  /** The login that passed Basic authentication, "" otherwise. */
  user = "";

  private phase = NONE;
  private declaredLength = -1;
  private contentSent = 0;
  private closeAfter = false;
  private keepAlive = false;
  /** The body goes out in chunks (an HTTP/1.1 response without Content-Length). */
  private chunked = false;
  private responseMark = 0;
  private cachedPath: string | number | null = null;
  private attachedPath = "/";
  private attachedEnd = 0;
  private servletPathOverride: string | null = null;
  private info = "";
  private controller: AbortController | null = null;
  private collected: Uint8Array[] | null = null;
  private collectedBytes = 0;
  private contentWaiter: PromiseWithResolvers<Uint8Array> | null = null;
  private bodyDone = false;
  /**
   * Body bytes may be delivered as they arrive: the servlet overrides processContent() or
   * contentComplete() (set by the daemon), or asked for content(). Until then the body waits in
   * the socket, so a content() called after an await still gets all of it.
   */
  readsBody = false;
  /** A Promise returned by processContent() has not settled yet: delivery is paused. */
  private contentBusy = false;
  /** Body bytes handed to processContent() so far. */
  private delivered = 0;
  /** destroyServlet() has returned: the request's bytes are no longer ours to read. */
  private retired = false;
  /** contentEnded() ran (it runs once). */
  private bodyEndSeen = false;
  /** A servlet failure was logged for this request (each is logged once). */
  private failureLogged = false;

  /** Created by the daemon with the connection and the parsed head. */
  constructor(
    /** The connection this request arrived on. */
    readonly connection: Connection,
    bodyLimit: number,
  ) {
    this.bodyLimit = bodyLimit;
  }

  // ── the request line ─────────────────────────────────────────────────────────────────────

  private get head(): RequestHead {
    return this.retired ? RETIRED_HEAD : this.connection.head;
  }

  private get bytes(): Uint8Array {
    return this.retired ? RETIRED_BYTES : this.connection.headBytes;
  }

  /** @internal the bytes the head's spans point into (empty once the request is retired). */
  get headBytes(): Uint8Array {
    return this.bytes;
  }

  /** The method, e.g. "GET". */
  requestMethod(): string {
    return latin1(this.bytes, this.head.methodStart, this.head.methodEnd);
  }

  /** The method as a METHOD_* number of the parser (METHOD_OTHER for extension methods). */
  methodCode(): number {
    return this.head.method;
  }

  /**
   * True for an HTTP/1.1 (or later 1.x) request: it is answered in HTTP/1.1 — persistent by
   * default, a body without Content-Length sent chunked. HTTP/1.0 and 0.9 are answered as OSE did.
   */
  isHttp11(): boolean {
    const head = this.head;
    return head.versionMajor === 1 && head.versionMinor >= 1;
  }

  /** True for HEAD requests (the body of the response is not sent). */
  isHead(): boolean {
    return this.head.method === METHOD_HEAD;
  }

  /** Path part of the target relative to targetStart (the head may move), -1 until located. */
  private pathFrom = -1;
  private pathTo = -1;

  /** @internal start of the path part of the target (absolute-form authority skipped). */
  get pathStart(): number {
    return this.head.targetStart + this.pathFrom;
  }

  /** @internal end of the path part (query excluded). */
  get pathEnd(): number {
    return this.head.targetStart + this.pathTo;
  }

  /** @internal finds the path part of the target (once). Allocation-free. */
  locatePath(): void {
    if (this.pathFrom >= 0) return;
    const buf = this.bytes;
    let s = this.head.targetStart;
    const e = this.head.targetEnd;
    if (buf[s] !== SLASH) {
      // absolute-form (SPEC §5): skip "scheme://authority"
      let colon = s;
      while (colon < e && buf[colon] !== 0x3a) colon++;
      if (colon < e && buf[colon + 1] === SLASH && buf[colon + 2] === SLASH) {
        let p = colon + 3;
        while (p < e && buf[p] !== SLASH && buf[p] !== QUESTION) p++;
        s = p;
      }
    }
    let q = s;
    while (q < e && buf[q] !== QUESTION) q++;
    this.pathFrom = s - this.head.targetStart;
    this.pathTo = q - this.head.targetStart;
  }

  /** isPlainPath()'s answer once known: -1 not yet, 0 no, 1 yes (the daemon and servers both ask). */
  private plainPath = -1;

  /** @internal true when the raw path is already normal (no escapes, no dot or empty segments). */
  isPlainPath(): boolean {
    if (this.plainPath < 0) {
      this.locatePath();
      const plain = this.pathStart < this.pathEnd && this.bytes[this.pathStart] === SLASH && !needsNormalising(this.bytes, this.pathStart, this.pathEnd);
      this.plainPath = plain ? 1 : 0;
    }
    return this.plainPath === 1;
  }

  /** Raw (undecoded) path as sent; "/" for an absolute-form target without a path. */
  rawPath(): string {
    this.locatePath();
    return this.pathStart === this.pathEnd ? "/" : latin1(this.bytes, this.pathStart, this.pathEnd);
  }

  /**
   * The path, percent-decoded once and normalised (SPEC §5). A path that cannot be decoded is
   * answered 400 (403 above the root) by the daemon before any servlet runs.
   */
  requestPath(): string {
    const p = this.pathOrStatus();
    return typeof p === "string" ? p : "";
  }

  /** @internal the normalised path, or the status code that refuses it. */
  pathOrStatus(): string | number {
    if (this.cachedPath !== null) return this.cachedPath;
    this.locatePath();
    const s = this.pathStart;
    const e = this.pathEnd;
    const buf = this.bytes;
    if (s === e) this.cachedPath = buf[this.head.targetStart] === 0x2a ? "*" : "/";
    else if (buf[s] !== SLASH) this.cachedPath = 400;
    else if (!needsNormalising(buf, s, e)) this.cachedPath = latin1(buf, s, e);
    else this.cachedPath = normaliseRequestPath(buf, s, e);
    return this.cachedPath;
  }

  /** The raw query string after `?`, undecoded; "" when absent. */
  queryString(): string {
    const buf = this.bytes;
    const e = this.head.targetEnd;
    const q = buf.indexOf(QUESTION, this.head.targetStart);
    return q < 0 || q >= e ? "" : latin1(buf, q + 1, e);
  }

  /** `HTTP/1.0`, `HTTP/1.1` or `HTTP/0.9`. */
  protocolVersion(): string {
    return `HTTP/${this.head.versionMajor}.${this.head.versionMinor}`;
  }

  // ── hosts and ports ──────────────────────────────────────────────────────────────────────

  /** The authority the client addressed: absolute-form host, else Host, else "". */
  private authority(): string {
    const buf = this.bytes;
    const s = this.head.targetStart;
    if (buf[s] !== SLASH && buf[s] !== 0x2a) {
      const target = latin1(buf, s, this.head.targetEnd);
      const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
      if (m) return m[1]!.replace(/^.*@/, "");
    }
    const i = this.head.hostIndex;
    if (i < 0) return "";
    return latin1(buf, this.head.headers[i * 4 + 2]!, this.head.headers[i * 4 + 3]!);
  }

  /** Host part of the authority, or the local address when the client named none. */
  serverHost(): string {
    const a = this.authority();
    if (a === "") return this.connection.localAddress;
    const m = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(a);
    return m ? m[1]! : a;
  }

  /** Port of the authority (80 when the client named a host without one), else the local port. */
  serverPort(): number {
    const a = this.authority();
    if (a === "") return this.connection.localPort;
    const m = /:(\d+)$/.exec(a);
    return m ? Number(m[1]) : 80;
  }

  /** `host[:port]` for absolute URLs. */
  private hostAndPort(): string {
    const a = this.authority();
    if (a !== "") return a;
    const host = this.connection.localAddress.includes(":") ? `[${this.connection.localAddress}]` : this.connection.localAddress;
    return `${host}:${this.connection.localPort}`;
  }

  /** The peer's address. */
  clientHost(): string {
    return this.connection.remoteAddress;
  }

  /** The peer's port. */
  clientPort(): number {
    return this.connection.remotePort;
  }

  /** Absolute URL of the request: `http://host[:port]/path?query` (path as sent, still encoded). */
  url(): string {
    const q = this.queryString();
    return `http://${this.hostAndPort()}${this.rawPath()}${q ? "?" + q : this.targetHasQuestion() ? "?" : ""}`;
  }

  private targetHasQuestion(): boolean {
    const q = this.bytes.indexOf(QUESTION, this.head.targetStart);
    return q >= 0 && q < this.head.targetEnd;
  }

  /** The login that passed Basic authentication, "" otherwise. */
  remoteUser(): string {
    return this.user;
  }

  // ── headers ──────────────────────────────────────────────────────────────────────────────

  /** Content-Length of the request, -1 when absent (or chunked). */
  contentLength(): number {
    return this.head.contentLength;
  }

  /** True when a body follows the head (Content-Length > 0, or chunked). */
  hasBody(): boolean {
    return this.head.hasBody();
  }

  /** True when the body is chunked (its length is unknown until the last chunk). */
  isChunked(): boolean {
    return this.head.chunked;
  }

  /** Content-Type of the request, "" when absent. */
  contentType(): string {
    return this.header("content-type") ?? "";
  }

  /** True when the request has a field of that name (case-insensitive). */
  containsHeader(name: string): boolean {
    return findHeader(this.head, this.bytes, name) >= 0;
  }

  /** The field's value (case-insensitive name; repeated fields joined with ", "), or null. */
  header(name: string): string | null {
    return headerValues(this.head, this.bytes, name);
  }

  /** Every field, names lower-cased, repeated fields joined with ", ". */
  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    const h = this.head;
    for (let i = 0; i < h.headerCount; i++) {
      const name = latin1(this.bytes, h.headers[i * 4]!, h.headers[i * 4 + 1]!).toLowerCase();
      const value = latin1(this.bytes, h.headers[i * 4 + 2]!, h.headers[i * 4 + 3]!);
      out[name] = name in out ? `${out[name]}, ${value}` : value;
    }
    return out;
  }

  // ── where the request landed ────────────────────────────────────────────────────────────

  /** @internal set by the daemon after routing: attached path and where it ends in requestPath. */
  route(attachedPath: string, matchEnd: number): void {
    this.attachedPath = attachedPath;
    this.attachedEnd = matchEnd;
  }

  /** The path the server object is attached at. */
  serverPath(): string {
    return this.attachedPath;
  }

  /** Absolute URL of the attached path. */
  serverRoot(): string {
    return `http://${this.hostAndPort()}${this.attachedPath}`;
  }

  /** The rest of the path below the attached path, without a leading `/`. */
  servletPath(): string {
    if (this.servletPathOverride !== null) return this.servletPathOverride;
    const rest = this.requestPath().slice(this.attachedEnd);
    return rest.startsWith("/") ? rest.slice(1) : rest;
  }

  /**
   * @internal where servletPath() begins in the head's bytes, for a plain path (isPlainPath()):
   * the servlet path is then exactly headBytes[servletPathStart() .. pathEnd), ASCII.
   */
  servletPathStart(): number {
    const start = this.pathStart + this.attachedEnd;
    return start < this.pathEnd && this.bytes[start] === SLASH ? start + 1 : start;
  }

  /** Extra path information bound by a server (FileServer plugins: the path below the file). */
  servletInfo(): string {
    return this.info;
  }

  /** Rebinds servletPath() and servletInfo() (for servers that resolve part of the path). */
  bindServlet(path: string, info: string): void {
    this.servletPathOverride = path;
    this.info = info;
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
   * @internal true when the daemon may deliver body bytes now: the response is complete (the
   * rest is discarded), or the servlet reads the body and is not busy with the previous piece.
   */
  isReadyForBody(): boolean {
    return this.phase >= COMPLETE || ((this.readsBody || this.collected !== null) && !this.contentBusy);
  }

  /** @internal the daemon delivers a piece of the body (a view valid only during the call). */
  deliverContent(chunk: Uint8Array): void {
    if (this.phase >= COMPLETE) return;
    if (this.collected) {
      this.collected.push(chunk.slice());
      this.collectedBytes += chunk.length;
    }
    const servlet = this.servlet;
    if (servlet === null) return;
    this.delivered += chunk.length;
    let r: void | Promise<void>;
    try {
      r = servlet.processContent(chunk);
    } catch (e) {
      return this.servletFailed("processContent()", e);
    }
    if (r instanceof Promise) {
      // Backpressure: no more pieces until this one is taken (SPEC §2.4).
      this.contentBusy = true;
      r.then(
        () => {
          this.contentBusy = false;
          this.connection.resumeReading();
        },
        (e) => {
          this.contentBusy = false;
          this.servletFailed("processContent()", e);
        },
      );
    }
  }

  /** @internal the daemon saw the end of the body (an empty or absent body included). */
  contentEnded(): void {
    if (this.bodyEndSeen) return;
    this.bodyEndSeen = true;
    this.bodyDone = true;
    if (this.contentWaiter) this.contentWaiter.resolve(this.joinCollected());
    if (this.phase >= COMPLETE || this.servlet === null) return;
    try {
      const r = this.servlet.contentComplete();
      if (r instanceof Promise) r.catch((e) => this.servletFailed("contentComplete()", e));
    } catch (e) {
      this.servletFailed("contentComplete()", e);
    }
  }

  /** @internal the body was refused (over the limit) or the client went away. */
  contentFailed(reason: Error): void {
    if (this.contentWaiter) this.contentWaiter.reject(reason);
  }

  /**
   * @internal a servlet callback threw or rejected: logged once with its stack (a
   * RequestAborted is expected and not logged); 500 if nothing was sent, else the connection
   * closes after what was sent.
   */
  servletFailed(where: string, e: unknown): void {
    if (!(e instanceof RequestAborted) && !this.failureLogged) {
      this.failureLogged = true;
      const what = this.phase === DESTROYED ? "a finished request" : `${this.requestMethod()} ${this.rawPath()}`;
      this.connection.logError(`${where} threw for ${what}`, e);
    }
    if (this.phase < COMPLETE) this.sendError(500);
  }

  private joinCollected(): Uint8Array {
    const out = new Uint8Array(this.collectedBytes);
    let p = 0;
    for (const c of this.collected ?? []) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }

  /**
   * The whole request body, gathered (bounded by bodyLimit; over it the promise rejects with a
   * RequestAborted and the client gets 413). It may be asked for at any time before the response
   * is complete — after an `await` too: a servlet that does not read its body as it arrives gets
   * it held in the socket until it asks. It rejects with a clear message if pieces already went
   * to processContent(), and with a RequestAborted if the client leaves first.
   */
  content(): Promise<Uint8Array> {
    if (!this.contentWaiter) {
      this.contentWaiter = Promise.withResolvers<Uint8Array>();
      if (this.delivered > 0) {
        this.contentWaiter.reject(
          new Error(`content() was asked for after ${this.delivered} body bytes had gone to processContent(); read the body one way only`),
        );
        return this.contentWaiter.promise;
      }
      this.collected ??= [];
      if (this.bodyDone || !this.head.hasBody()) {
        this.bodyDone = true;
        this.contentWaiter.resolve(this.joinCollected());
      } else if (this.phase >= DESTROYED) {
        this.contentWaiter.reject(new RequestAborted("the request ended before its body was read"));
      } else {
        this.connection.resumeReading();
      }
    }
    return this.contentWaiter.promise;
  }

  /** @internal called once by the daemon: destroys the servlet and aborts the signal. */
  destroy(): void {
    if (this.phase === DESTROYED) return;
    this.phase = DESTROYED;
    if (!this.bodyDone && this.contentWaiter) this.contentFailed(new RequestAborted("the request ended before its body was complete"));
    this.controller?.abort(); // first, so destroyServlet() sees it aborted
    try {
      this.servlet?.destroyServlet();
    } catch (e) {
      this.connection.logError("destroyServlet threw", e);
    }
    this.retired = true;
  }

  // ── the response ─────────────────────────────────────────────────────────────────────────

  /** Starts the response: `HTTP/1.0 code reason`. Ignored unless nothing was sent yet. */
  sendResponse(code: number, reason?: string): void {
    if (this.phase !== NONE || !Number.isInteger(code) || code < 200 || code > 999) return;
    this.phase = HEADERS;
    this.status = code;
    this.responseMark = this.connection.output.mark();
    if (!this.head.isSimpleRequest()) this.emit(statusLine(code, reason, this.isHttp11() ? 1 : 0));
  }

  /**
   * Adds a header. Ignored outside the header phase, for invalid names or values (no CR/LF), and
   * for Connection (the framework sends exactly one). Content-Length is remembered for framing.
   */
  sendHeader(name: string, value: string | number): void {
    if (this.phase !== HEADERS) return;
    const line = headerLine(name, value);
    if (line === null) return;
    if (line.contentLength >= 0) {
      if (this.declaredLength >= 0) return;
      this.declaredLength = line.contentLength;
    }
    if (!this.head.isSimpleRequest()) this.emit(line.bytes);
  }

  /** Shorthand used by predefined servlets: Content-Length as a number, pre-encoded prefix. */
  sendContentLength(length: number): void {
    if (this.phase !== HEADERS || this.declaredLength >= 0) return;
    this.declaredLength = length;
    if (this.head.isSimpleRequest()) return;
    this.emit(CONTENT_LENGTH_PREFIX);
    this.emitLatin1(String(length));
    this.emit(CRLF);
  }

  /**
   * @internal Appends pre-encoded header lines that include `Content-Length: contentLength`
   * (the file server's cached headers). Ignored outside the header phase.
   */
  sendEncodedHeaders(lines: Uint8Array, contentLength: number): void {
    if (this.phase !== HEADERS || this.declaredLength >= 0) return;
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
    const bodyless = this.isHead() || isBodyless(this.status);
    if (this.declaredLength < 0 && !bodyless && this.isHttp11()) {
      this.chunked = true;
      this.emit(TRANSFER_ENCODING_CHUNKED);
    }
    const selfDelimited = this.declaredLength >= 0 || bodyless || this.chunked;
    this.keepAlive = !this.closeAfter && selfDelimited && this.head.isKeepAliveRequested() && this.connection.mayKeepAlive();
    if (!this.head.isSimpleRequest()) this.emit(this.connection.headerTail(this.keepAlive));
    if (isBodyless(this.status) || this.declaredLength === 0) this.complete();
  }

  /**
   * Sends a piece of the body (strings as UTF-8). Ends the headers first if needed. Returns false
   * once the connection's output is above its high-water mark: wait for drained() then.
   * Bytes beyond a declared Content-Length are dropped; HEAD responses send none.
   */
  sendContent(data: string | Uint8Array): boolean {
    if (this.phase === HEADERS) this.endHeaders();
    const output = this.connection.output;
    if (this.phase !== CONTENT) return !output.isCongested();
    const sent = !this.isHead() && !isBodyless(this.status);
    let length: number;
    if (this.chunked) {
      // RFC 9112 §7.1: chunk-size CRLF chunk-data CRLF; an empty piece would read as the last chunk.
      length = typeof data === "string" ? Buffer.byteLength(data) : data.length;
      if (sent && length > 0) {
        this.emitLatin1(length.toString(HEX));
        this.emit(CRLF);
        if (typeof data === "string") this.bytesSent += output.appendUtf8(data);
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
      if (sent) this.bytesSent += length;
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
   * call is ignored (the connection is closed if the response is incomplete).
   */
  sendError(code: number, html?: string): void {
    // RFC 9110 §15.5.6: a 405 names the methods the resource answers.
    const allow = code === 405 ? (this.servlet?.allowedMethods?.() ?? "GET, HEAD") : "";
    this.sendErrorWithHeaders(code, allow ? [["Allow", allow]] : [], html);
  }

  /** sendError with extra header fields (e.g. WWW-Authenticate for a 401). */
  sendErrorWithHeaders(code: number, headers: [string, string][], html?: string): void {
    if (this.phase >= COMPLETE) return;
    if (this.phase !== NONE) {
      if (!this.connection.output.rollback(this.responseMark)) {
        // Part of the response is on its way: end it there (the client sees it cut short).
        this.keepAlive = false;
        this.connection.close();
        return;
      }
      this.bytesSent = 0;
      this.declaredLength = -1;
      this.contentSent = 0;
      this.phase = NONE;
    }
    // A whole error page with its Content-Length leaves HTTP/1.1 framing intact: the connection
    // may persist (the daemon still closes when the request's own framing is broken). HTTP/1.0
    // keeps OSE's rule: an error page always closes.
    this.closeAfter = !this.isHttp11();
    this.sendDocument(code, "text/html; charset=utf-8", errorPage(code, reasonPhrase(code), html), headers);
  }

  /**
   * Sends a whole response in one call: the status, Content-Type, `headers`, Content-Length and
   * `body` (a string goes out as UTF-8). Ignored unless nothing of the response was sent yet.
   */
  sendDocument(code: number, contentType: string, body: string | Uint8Array, headers: [string, string][] = []): void {
    if (this.phase !== NONE) return;
    this.sendResponse(code);
    this.sendHeader("Content-Type", contentType);
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
    this.bytesSent += bytes.length;
  }

  private emitLatin1(s: string): void {
    this.connection.output.appendLatin1(s);
    this.bytesSent += s.length;
  }

  private complete(): void {
    if (this.phase >= COMPLETE) return;
    this.phase = COMPLETE;
    this.connection.responseComplete(this.keepAlive);
  }
}
