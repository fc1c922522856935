/**
 * HttpSession: one request and its response, as a servlet sees them. The request's accessors
 * (read lazily from the parser's offsets) are HttpRequest's (http-request.ts), the response's
 * phase machine is HttpResponse's (http-response.ts); this file adds error responses, the
 * request's signal, servlet failures and the body reader. The request's lifecycle (routing, the
 * servlet, body delivery, destroy) belongs to its RequestCycle (request-cycle.ts), which makes the
 * session and passes itself in as its SessionOwner, kept in a `#private` field. The few members a
 * servlet must not call are reached through `sessionInternals` below, made in the class's static
 * block (so no cast) and not exported by netsvc (fastify keeps its internals under module-private
 * keys the same way).
 */
import { acceptsJson, errorJson, errorPage, HTML_TYPE, JSON_TYPE, type ErrorDocument } from "../http/error-page.ts";
import { reasonPhrase } from "../http/status.ts";
import { isRecognisedMethod } from "../parser/index.ts";
import type { BodySink } from "./body-sink.ts";
import { EventStream, type EventStreamOptions } from "./event-stream.ts";
import { messageHtml } from "./html.ts";
import { HttpError } from "./http-error.ts";
import { COMPLETE, DESTROYED, HttpResponse, NONE } from "./http-response.ts";
import type { Refused } from "./refusal.ts";
import { RequestAborted } from "./request-aborted.ts";
import type { RequestChannel } from "./request-channel.ts";
import type { SessionOwner } from "./session-owner.ts";
import { WS_MAX_BACKLOG, WS_MAX_MESSAGE } from "./limits.ts";
import { WebSocketSession } from "./websocket.ts";
import { cookieFields, type CookieJar, parseCookieHeader } from "./cookie-header.ts";
import type { CookieKeys } from "./cookie-signing.ts";
import {
  type ClearCookieOptions,
  type CookieOptions,
  type CookieReadOptions,
  cookieStageKey,
  expiringOptions,
  setCookieValue,
} from "./set-cookie.ts";
import { checkUpgradeOptions, type HandshakeRefusal, readHandshake, type UpgradeOptions } from "./websocket-handshake.ts";
import type { WsSettings } from "./websocket-port.ts";

/** An HTTP/2 stream is never an upgrade (RFC 8441's extended CONNECT is not offered). */
const NOT_AN_UPGRADE: HandshakeRefusal = { status: 426, headers: [["Upgrade", "websocket"]] };

const CRLF = new Uint8Array([13, 10]);

/** How deep isOwnAbort() follows an error's `cause` chain (a cycle or a long chain ends there). */
const MAX_CAUSE_DEPTH = 8;

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
  /** The authority the client addressed (absolute-form target, else Host), as sent; "" for none. */
  authority(s: HttpSession): string;
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
  /** The daemon is stopping while this request is answered: the whenDaemonStops() callbacks run. */
  daemonStopping(s: HttpSession): void;
  /** defer() was called: the request is answered later, from outside its callbacks. */
  isDeferred(s: HttpSession): boolean;
  /** A servlet's callbacks all returned with no response begun and no defer(): 500, logged once (SPEC §13). */
  unanswered(s: HttpSession, where: string): void;
  /** A Router handler returned (not a promise) with no response begun: the cycle judges it (SPEC §13). */
  handlerReturned(s: HttpSession): void;
}

let internals: SessionInternals | undefined;

/**
 * One request (its accessors: HttpRequest), its response (HttpResponse) and what a servlet does
 * with both. Made by its RequestCycle for every request.
 */
export class HttpSession extends HttpResponse {
  /** Largest request body accepted (413 beyond); a servlet may raise it in processRequest(). */
  bodyLimit: number;
  private controller: AbortController | null = null;
  /** A servlet failure was logged for this request (each is logged once). */
  private failureLogged = false;
  /** whenDaemonStops() callbacks; null until the first (most requests never register one). */
  private stopCallbacks: (() => void)[] | null = null;
  /** defer() was called. */
  private deferred = false;

  static {
    internals = {
      headBytes: (s) => s.headBytes,
      isPlainPath: (s) => s.isPlainPath(),
      pathStart: (s) => s.pathStart,
      pathEnd: (s) => s.pathEnd,
      pathOrStatus: (s) => s.pathOrStatus(),
      authority: (s) => s.authority(),
      servletPathStart: (s) => s.servletPathStart(),
      route: (s, attachedPath, matchEnd) => s.route(attachedPath, matchEnd),
      setUser: (s, user) => {
        s.user = user;
      },
      sendEncodedHeaders: (s, lines, contentLength) => s.sendEncodedHeaders(lines, contentLength),
      consumeBody: (s, sink) => s.owner.consumeBody(sink),
      failed: (s, where, e) => s.servletFailed(where, e),
      endResponse: (s) => s.endResponse(),
      abortSignal: (s) => s.controller?.abort(),
      retire: (s) => s.detach(),
      daemonStopping: (s) => s.daemonStopping(),
      isDeferred: (s) => s.deferred,
      unanswered: (s, where) => s.unanswered(where),
      handlerReturned: (s) => s.owner.returned("the route's handler"),
    };
  }

  /** Made by `owner` (its request cycle) for the request current on `channel`. */
  constructor(channel: RequestChannel, owner: SessionOwner, bodyLimit: number) {
    super(channel, owner);
    this.bodyLimit = bodyLimit;
  }

  /**
   * Calls `callback` once if the daemon begins to stop while this request is still being
   * answered (not after its response is complete): a response that never ends by itself — an
   * event stream (which closes itself on it), a long poll — can answer or end now, and the
   * daemon's stop() need not wait out its grace for it.
   */
  whenDaemonStops(callback: () => void): void {
    if (this.phase >= COMPLETE) return;
    (this.stopCallbacks ??= []).push(callback);
  }

  /**
   * Says the response will come later, from outside the servlet's callbacks — a timer, a message
   * from another service, a long poll's event. Without it, a request whose processRequest()
   * promise (or Router handler) settles with no response begun is answered 500 and logged as a
   * request left unanswered (SPEC §13), instead of its client waiting forever. A servlet that
   * answers in contentComplete(), or whose sync processRequest() answers later (OSE's way), needs
   * no defer(). Call it before returning; the answer may then come any time (the request's
   * timeouts and the client leaving still end it).
   */
  defer(): void {
    this.deferred = true;
  }

  /** Nothing answered and nothing deferred: a 500 and one log line (counted with servlet errors). */
  private unanswered(where: string): void {
    this.noteFailure(`${where} settled with no response begun and no defer() (the request was left unanswered)`, undefined);
    this.sendError(500);
  }

  /** The daemon is stopping: the whenDaemonStops() callbacks run once (a throw is the servlet's failure). */
  private daemonStopping(): void {
    const callbacks = this.stopCallbacks;
    if (callbacks === null) return;
    this.stopCallbacks = null;
    for (const cb of callbacks) {
      try {
        cb();
      } catch (e) {
        this.servletFailed("a whenDaemonStops() callback", e);
      }
    }
  }

  /** Aborted when the response is complete or the client went away (same moment as destroyServlet). */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.phase === DESTROYED) this.controller.abort();
    }
    return this.controller.signal;
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
   * Turns the request into a WebSocket (SPEC §12, RFC 6455 §4.2): when it is a valid opening
   * handshake (and its Origin is allowed), answers 101 and returns the socket's session; the
   * request is then complete (destroyServlet() runs, `signal` aborts: the WebSocketSession's own
   * `signal` is the socket's). Otherwise answers the refusal — 426 when the request is not an
   * upgrade (any HTTP/2 request), 400 when it is a malformed one, 403 for an origin not allowed —
   * and returns null. Set `onmessage` before the first `await`: the client's first messages are
   * delivered at the end of the current turn. Null too when the client has left. Throws when the
   * response has already begun, and a RangeError for a maxMessage or maxBacklog that is not a
   * positive integer.
   */
  upgrade(options: UpgradeOptions = {}): WebSocketSession | null {
    if (this.phase === DESTROYED) return null;
    if (this.phase !== NONE) throw new Error("upgrade() after the response began");
    checkUpgradeOptions(options);
    const hs = this.connection.upgrade === undefined ? NOT_AN_UPGRADE : readHandshake(this, options);
    if (!("response" in hs)) {
      this.sendErrorWithHeaders(hs.status, hs.headers);
      return null;
    }
    const ws = new WebSocketSession(hs.protocol, hs.deflate, this.clientHost());
    const settings: WsSettings = {
      protocol: hs.protocol,
      deflate: hs.deflate,
      maxMessage: options.maxMessage ?? WS_MAX_MESSAGE,
      maxBacklog: options.maxBacklog ?? WS_MAX_BACKLOG,
    };
    const staged = this.stagedLines();
    // The staged lines (a cookie, a middleware's header) go before the 101's final CRLF.
    const response = staged.length === 0 ? hs.response : Buffer.concat([hs.response.subarray(0, -2), staged, CRLF]);
    this.completeAs(101, response.length);
    const transport = this.owner.upgrade(response, settings, ws);
    if (transport === null) return null;
    ws.bind(transport);
    return ws;
  }

  /**
   * Answers with a `text/event-stream` (server-sent events, SPEC §12): 200, `Cache-Control:
   * no-store`, the head sent at once, and the response kept open until the stream's close(), the
   * client leaving, or a slow subscriber being dropped. Throws an Error once the response has
   * started (a second call too). See event-stream.ts.
   */
  eventStream(options?: EventStreamOptions): EventStream {
    return new EventStream(this, options);
  }

  /**
   * The whole request body, gathered (bounded by bodyLimit; over it the promise rejects with a
   * RequestAborted and the client gets 413). It may be asked for at any time before the response
   * is complete — after an `await` too: a servlet that does not read its body as it arrives gets
   * it held in the socket until it asks. It rejects with a clear message if pieces already went
   * to processContent(), and with a RequestAborted if the client leaves first.
   */
  content(): Promise<Uint8Array> {
    return this.owner.content();
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
    const allow = code === 405 ? (this.owner.allowedMethods() ?? "GET, HEAD") : "";
    this.sendErrorWithHeaders(code, allow ? [["Allow", allow]] : [], html);
  }

  /** RFC 9110 §9.1: whether the server the request was routed to recognises its method. */
  private isMethodRecognised(): boolean {
    try {
      return this.owner.recognisesMethod() ?? isRecognisedMethod(this.methodCode());
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

  /**
   * The body of an error response the framework makes: the server object's errorPage() if it
   * gives one, else JSON when the request accepts JSON, else the HTML page. `message` is the
   * application's text (an HttpError's), never request input.
   */
  private errorDocument(code: number, message?: string): ErrorDocument {
    try {
      const own = this.owner.errorPage(code, message);
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

  // ── cookies (SPEC §13; cookie-header.ts, set-cookie.ts, cookie-signing.ts) ──────────────────

  /** The request's cookies, parsed when first asked for; null until then. */
  private cookieJar: CookieJar | null = null;

  /**
   * The value of the request's cookie `name` as sent (DQUOTEs around it dropped, never
   * percent-decoded), or undefined; the first one when the name comes twice. `{ signed: true }`:
   * only a value set with `signed` whose signature one of the daemon's cookieSecrets verifies,
   * without its signature; undefined for any other (unsigned, tampered, signed by a dropped secret).
   * Throws an Error for `signed` when the daemon has no cookieSecrets.
   */
  cookie(name: string, options?: CookieReadOptions): string | undefined {
    if (options?.signed !== true) return this.cookies()[name];
    const keys = this.cookieKeys("cookie");
    const value = this.cookies()[name];
    return value === undefined ? undefined : keys.verify(name, value);
  }

  /**
   * Every cookie of the request, name → value as sent (signed ones with their signature), read
   * lazily from the Cookie header(s) once per request and never throwing on a malformed one (see
   * cookie-header.ts). A frozen record without prototype: `cookies().theme`, `Object.entries()`.
   */
  cookies(): Readonly<Record<string, string>> {
    return (this.cookieJar ??= parseCookieHeader(cookieFields(this.head, this.bytes)));
  }

  /**
   * Sets cookie `name` to `value` with whichever response starts later: a `Set-Cookie` line, one
   * per cookie (a cookie is its name, path and domain: setting it again, or clearing it, replaces
   * the earlier line). `value` is sent as given and must be cookie-octets (RFC 6265bis §4.1.1):
   * encode it first if it may hold anything else. Path is "/" unless given. Throws a TypeError
   * for a cookie a browser would reject (see set-cookie.ts: a name that is not a token, a value
   * that is not cookie-octets, SameSite=None or partitioned without secure, a `__Secure-` or
   * `__Host-` name without what its prefix promises, an oversized cookie), and an Error for
   * `signed` when the daemon has no cookieSecrets. Ignored once the response has started.
   */
  setCookie(name: string, value: string, options: CookieOptions = {}): void {
    if (this.phase !== NONE) return;
    const field = setCookieValue(name, value, options, this.connection.cookieKeys ?? null);
    this.stageHeader(cookieStageKey(name, options), "Set-Cookie", field);
  }

  /**
   * Tells the browser to drop cookie `name` set with this path (default "/") and domain: an
   * expired Set-Cookie (Max-Age=0), Secure added when its prefix or partitioning needs it.
   * Replaces a setCookie() of the same cookie in this response. Ignored once the response has started.
   */
  clearCookie(name: string, options: ClearCookieOptions = {}): void {
    this.setCookie(name, "", expiringOptions(name, options));
  }

  /** The daemon's cookie keys; an Error naming `what` asked when it has no cookieSecrets. */
  private cookieKeys(what: string): CookieKeys {
    const keys = this.connection.cookieKeys ?? null;
    if (keys === null) throw new Error(`${what}(): signed cookies need the daemon's cookieSecrets option`);
    return keys;
  }
}

/** The framework's hold on a session (see SessionInternals); not exported by netsvc. */
export const sessionInternals: SessionInternals = internals!;
