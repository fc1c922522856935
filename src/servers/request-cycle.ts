/**
 * RequestCycle: the framework's side of one request, from routing to destroy — the one owner of
 * a request (Go's `serverHandler.ServeHTTP` is the one call its connection makes; this is ours).
 * It routes through the mount table, authenticates, makes the servlet and runs it, delivers the
 * body as the servlet takes it (100 Continue included), and destroys the servlet when the
 * response is complete or the client is gone. It makes the request's HttpSession and holds
 * everything about the request the servlet must not touch.
 *
 * Its transport talks to it through a handful of calls — begin (a head is parsed), piece, end,
 * fail, abandon — and one question, wantsBody(); it answers only through the RequestChannel port.
 * Nothing here knows HTTP/1.x or TCP: an HTTP/2 stream or a TLS connection is another channel.
 *
 * A cycle serves one request at a time and is reused (the daemon pools them: no allocation per
 * request beyond the session and the servlet; an HTTP/2 connection would hold one per open
 * stream). A session outlives its request in the servlet's hands: at destroy it is detached (it
 * asks a detached owner from then on), and every callback the cycle leaves behind checks that its
 * session is still the current one.
 */
import { METHOD_CONNECT } from "../parser/index.ts";
import { isContinueExpected } from "./expect-continue.ts";
import type { BodySink } from "./body-sink.ts";
import { HttpError } from "./http-error.ts";
import { parseAuthorization, type AuthDecision, type HttpServer } from "./http-server.ts";
import { readsBodyAsItArrives } from "./http-servlet.ts";
import { HttpSession, sessionInternals as internals } from "./http-session.ts";
import type { ServletHooks, SessionOwner } from "./session-owner.ts";
import type { ErrorDocument } from "../http/error-page.ts";
import type { Routing } from "./mount-table.ts";
import { isRefused } from "./refusal.ts";
import type { ExchangeRecord, RequestChannel } from "./request-channel.ts";
import { RequestAborted } from "./request-aborted.ts";
import type { WsEndpoint, WsSettings, WsTransport } from "./websocket-port.ts";

// ── Phase: ROUTING → (AUTHORISING →) SERVING → RESPONDED → DONE, or → ABANDONED. ─────────────
/** No request yet, or the last one is finished (its session detached). */
const DONE = 0;
/** begin() is finding the server (a refusal completes the response at once). */
const ROUTING = 1;
/** The server's authenticate() is pending: the body waits (ROUTING → AUTHORISING). */
const AUTHORISING = 2;
/** A servlet owns the request; its body is delivered as it is ready (→ RESPONDED or ABANDONED). */
const SERVING = 3;
/** The response is complete; its servlet is being destroyed (→ DONE). */
const RESPONDED = 4;
/** The client left, or the transport ended, before the response was complete (→ DONE at once). */
const ABANDONED = 5;

/** `Expect: 100-continue`: none, asked and not answered yet, answered with 100. */
const EXPECT_NONE = 0;
const EXPECT_PENDING = 1;
const EXPECT_CONTINUED = 2;

/** The framework's side of a request (see the file comment). */
export class RequestCycle implements SessionOwner {
  /** The current request's session; null between requests. */
  private current: HttpSession | null = null;

  private phase = DONE;
  /** The server object the request was routed to: its errorPage() answers the framework's errors. */
  private server: HttpServer | null = null;
  /** The servlet answering the request; null until made, and again once destroyed. */
  private servlet: ServletHooks | null = null;
  /** The servlet overrides processContent() or contentComplete(): the body goes to it as it arrives. */
  private readsBody = false;
  /** A Promise returned by processContent() (or the sink) has not settled yet: delivery is paused. */
  private busy = false;
  /** No more body will come (none was sent, or the transport saw its end). */
  private bodyEnded = true;
  /** contentComplete() was called (or found unneeded): it runs once. */
  private endSeen = false;
  /** Body bytes delivered so far (the body limit counts them). */
  private received = 0;
  /** The pieces gathered for content(); null unless content() was asked for. */
  private collected: Uint8Array[] | null = null;
  private collectedBytes = 0;
  private waiter: PromiseWithResolvers<Uint8Array> | null = null;
  /** Takes the body instead of processContent() (parts()); null when none. */
  private sink: BodySink | null = null;
  /** The request's `Expect: 100-continue` (EXPECT_*). */
  private expect = EXPECT_NONE;
  /** processRequest() settled unanswered while a servlet reading its body had more to come: judged after contentComplete(). */
  private judgeAtEnd = false;
  /** contentComplete() returned a promise that has not settled yet. */
  private completing = false;

  /** Serves `channel`, routing through `mounts`; sessions start with `maxBody` as their body limit (a servlet may raise it). */
  constructor(
    private channel: RequestChannel,
    private readonly mounts: Routing,
    private readonly maxBody: number,
  ) {}

  /** Serves `channel`'s requests from now on (a pooled cycle moving on); only between requests. */
  bind(channel: RequestChannel): void {
    this.channel = channel;
  }

  /** What the transport may read of the current request to log it (never the session's calls); null between requests. */
  get exchange(): ExchangeRecord | null {
    return this.current;
  }

  // ── the transport's calls ─────────────────────────────────────────────────────────────────

  /**
   * A head is parsed: `channel.head` and `channel.headBytes` hold it. Routes, authenticates and
   * starts the servlet (or answers the refusal). The request's data crosses into servers/ here.
   */
  begin(): void {
    const channel = this.channel;
    const s = new HttpSession(channel, this, this.maxBody);
    const head = channel.head;
    this.current = s;
    this.phase = ROUTING; // server, servlet, waiter, sink and collected are null since finish()
    this.readsBody = false;
    this.busy = false;
    this.bodyEnded = !head.hasBody();
    this.endSeen = false;
    this.received = 0;
    this.collectedBytes = 0;
    this.expect = !this.bodyEnded && isContinueExpected(head, channel.headBytes) ? EXPECT_PENDING : EXPECT_NONE;
    this.judgeAtEnd = false;
    this.completing = false;
    if (head.method === METHOD_CONNECT) {
      channel.closeAfterResponse(); // a client may follow CONNECT with tunnel bytes at once: never parse them
      return s.sendError(501);
    }
    const server = this.mounts.route(s);
    if (typeof server === "number") {
      channel.closeAfterResponse(); // a target that cannot be a path (bad escapes, above the root): close
      return s.sendError(server);
    }
    if (server === null) return s.sendError(404);
    this.server = server;
    if (server.requiresAuthorisation()) {
      this.phase = AUTHORISING;
      return this.authenticate(s, server);
    }
    this.phase = SERVING;
    this.start(s, server);
    this.afterStart(s);
  }

  /**
   * Read the body now? Yes while the servlet takes pieces and is not busy, or once the response is
   * complete (the rest is discarded); else it waits in the transport, and its deadlines with it.
   */
  wantsBody(): boolean {
    const phase = this.phase;
    if (phase === SERVING) return this.isReady();
    return phase !== ROUTING && phase !== AUTHORISING;
  }

  /** A piece of the body (a view valid only during the call). */
  piece(chunk: Uint8Array): void {
    // Body bytes arrived: a client that asked for 100 Continue did not wait for it.
    if (this.expect === EXPECT_PENDING) this.expect = EXPECT_NONE;
    const s = this.current;
    if (this.phase !== SERVING || s === null) return;
    if ((this.received += chunk.length) > s.bodyLimit) return this.channel.refuseBody(413, "body over the limit");
    if (this.collected !== null) {
      this.collected.push(new Uint8Array(chunk)); // a copy: the piece (a Buffer: slice() is a view) is reused
      this.collectedBytes += chunk.length;
    }
    const servlet = this.servlet;
    if (servlet === null) return;
    let r: void | Promise<void>;
    try {
      r = this.sink !== null ? this.sink.write(chunk) : servlet.processContent(chunk);
    } catch (e) {
      return internals.failed(s, "processContent()", e);
    }
    if (r instanceof Promise) {
      // Backpressure: no more pieces until this one is taken (SPEC §2.4).
      this.busy = true;
      r.then(
        () => {
          if (this.current !== s) return;
          this.busy = false;
          this.wake();
        },
        (e) => {
          if (this.current === s) this.busy = false;
          internals.failed(s, "processContent()", e);
        },
      );
    }
  }

  /** The body is whole (the transport saw its end). */
  end(): void {
    this.bodyEnded = true;
    if (this.phase === SERVING) this.contentEnded();
  }

  /** The body was refused (`status`: malformed, over the limit): whoever waits for it hears so; the client gets `status` if nothing was sent. */
  fail(status: number, reason: string): void {
    const s = this.current;
    if (s === null || this.phase >= RESPONDED) return;
    this.bodyFailed(new RequestAborted(`request body refused with ${status}: ${reason}`, status));
    if (!s.hasStarted()) s.sendError(status);
  }

  /** The client left, or the transport ends: the servlet is destroyed and its signal aborted now (Go cancels the context). */
  abandon(): void {
    const s = this.current;
    if (s === null) return;
    if (this.phase < RESPONDED) {
      this.phase = ABANDONED;
      this.destroy(s);
    }
    this.finish(s);
  }

  /**
   * The daemon is stopping and this request is still being answered: its session hears it
   * (HttpSession.whenDaemonStops), so a response that would never end by itself — an event
   * stream, a long poll — can end now instead of at the end of the grace.
   */
  stopping(): void {
    const s = this.current;
    if (s !== null && this.phase === SERVING) internals.daemonStopping(s);
  }

  // ── the session's calls (SessionOwner) ────────────────────────────────────────────────────

  /** See HttpSession.content. */
  content(): Promise<Uint8Array> {
    let w = this.waiter;
    if (w !== null) return w.promise;
    w = this.waiter = Promise.withResolvers<Uint8Array>();
    if (this.received > 0) {
      w.reject(new Error(`content() was asked for after ${this.received} body bytes went to processContent(); read the body one way only`));
      return w.promise;
    }
    this.collected ??= [];
    if (this.bodyEnded) w.resolve(this.joinCollected());
    else if (this.phase >= RESPONDED) w.reject(new RequestAborted("the request ended before its body was read"));
    else this.wake();
    return w.promise;
  }

  /** Hands the body to `sink` instead of processContent(); throws if pieces already went another way. */
  consumeBody(sink: BodySink): void {
    if (this.received > 0 || this.sink !== null) {
      throw new Error("the body was already being read another way (processContent, content() or parts())");
    }
    this.sink = sink;
    if (this.bodyEnded) sink.end();
    else if (this.phase >= RESPONDED) sink.fail(new RequestAborted("the request ended before its body was read"));
    else this.wake();
  }

  /** The response is complete: the servlet is destroyed, then the transport hears it. */
  responseComplete(keepAlive: boolean): void {
    const s = this.current;
    if (s === null || this.phase >= RESPONDED) return;
    this.phase = RESPONDED;
    this.destroy(s);
    this.channel.responseComplete(keepAlive, s);
    this.finish(s);
  }

  /**
   * The servlet upgraded the request (HttpSession.upgrade): the 101 is the response, the servlet
   * is destroyed as for any complete response, and the transport hands its socket over to a
   * WebSocket speaking to `endpoint`. Null when this transport cannot (an HTTP/2 stream).
   */
  upgrade(response: Uint8Array, settings: WsSettings, endpoint: WsEndpoint): WsTransport | null {
    const s = this.current;
    const channel = this.channel;
    if (s === null || this.phase !== SERVING || channel.upgrade === undefined) return null;
    this.phase = RESPONDED;
    this.destroy(s);
    const transport = channel.upgrade(response, s, settings, endpoint);
    this.finish(s);
    return transport;
  }

  /** A Router handler returned without a promise (see settled()). */
  returned(where: string): void {
    const s = this.current;
    if (s !== null) this.settled(s, where);
  }

  /** The transport's answer, and no client left waiting for a 100 Continue it may or may not act on. */
  mayKeepAlive(): boolean {
    // A client still waiting for 100 Continue may or may not send its body now: close rather than guess.
    if (!this.bodyEnded && this.expect === EXPECT_PENDING) return false;
    return this.channel.mayKeepAlive();
  }

  /** The servlet's `Allow` for a 405. */
  allowedMethods(): string | undefined {
    return this.servlet?.allowedMethods?.();
  }

  /** The routed server's error body (HttpServer.errorPage), null without one. */
  errorPage(code: number, message?: string): string | ErrorDocument | null {
    const s = this.current;
    return this.server === null || s === null ? null : this.server.errorPage(code, s, message);
  }

  /** The routed server's view of the request's method, null without a server. */
  recognisesMethod(): boolean | null {
    const s = this.current;
    return this.server === null || s === null ? null : this.server.recognisesMethod(s);
  }

  // ── inside ────────────────────────────────────────────────────────────────────────────────

  /** Authentication for a server that asks for it: its authenticate(), Basic by default (SPEC §2.2). */
  private authenticate(s: HttpSession, server: HttpServer): void {
    const auth = parseAuthorization(s.header("authorization"));
    if (isRefused(auth)) return this.challenge(s, server);
    let result: AuthDecision | Promise<AuthDecision>;
    try {
      result = server.authenticate(s, auth?.scheme ?? "", auth?.credentials ?? "");
    } catch (e) {
      return this.authFailed(s, server, e, "threw");
    }
    if (typeof result === "boolean" || typeof result === "string") return this.authDecided(s, server, result);
    Promise.resolve(result).then(
      (decision) => this.authDecided(s, server, decision),
      (e) => this.authFailed(s, server, e, "rejected"),
    );
  }

  private authDecided(s: HttpSession, server: HttpServer, decision: unknown): void {
    if (this.current !== s || s.isDestroyed()) return;
    if (decision === true || typeof decision === "string") {
      internals.setUser(s, decision === true ? "" : decision);
      this.authorised(s, server, true);
    } else this.challenge(s, server);
  }

  private authFailed(s: HttpSession, server: HttpServer, e: unknown, how: string): void {
    if (this.current !== s || s.isDestroyed()) return;
    if (e instanceof HttpError) {
      // the server's decision, e.g. 403 for a known user without the right, 400 for a bad token
      s.sendErrorWithHeaders(e.status, e.headers, undefined, e.publicMessage);
      return this.authorised(s, server, false);
    }
    this.channel.logError(`authenticate() ${how}`, e);
    this.challenge(s, server);
  }

  /** 401 with the server's challenge (Basic by default). */
  private challenge(s: HttpSession, server: HttpServer): void {
    let value: string;
    try {
      value = server.challenge();
    } catch (e) {
      this.channel.logError("challenge() threw", e);
      value = 'Basic realm="netsvc"';
    }
    s.sendErrorWithHeaders(401, [["WWW-Authenticate", value]]);
    this.authorised(s, server, false);
  }

  /** Authentication is decided: `ok` starts the servlet; either way the body may be read (or discarded) now. */
  private authorised(s: HttpSession, server: HttpServer, ok: boolean): void {
    if (this.current !== s || s.isDestroyed()) return;
    if (this.phase === AUTHORISING) this.phase = SERVING;
    if (ok) this.start(s, server);
    this.afterStart(s);
    this.channel.resumeReading();
  }

  /** Makes the servlet and runs processRequest(); failures become 404/500. */
  private start(s: HttpSession, server: HttpServer): void {
    let servlet: ReturnType<HttpServer["servlet"]>;
    try {
      servlet = server.servlet(s);
    } catch (e) {
      if (e instanceof HttpError) return internals.failed(s, "servlet()", e);
      this.channel.logError(`servlet() threw for ${s.requestMethod()} ${s.rawPath()}`, e);
      return s.sendError(500);
    }
    if (!servlet) return s.sendError(404);
    this.servlet = servlet;
    this.readsBody = readsBodyAsItArrives(servlet);
    let r: void | Promise<void>;
    try {
      r = servlet.processRequest();
    } catch (e) {
      return internals.failed(s, "processRequest()", e);
    }
    if (r instanceof Promise)
      r.then(
        () => this.settled(s, "processRequest()"),
        (e) => internals.failed(s, "processRequest()", e),
      );
  }

  /**
   * SPEC §13, no silent hangs: the servlet's processRequest() promise (or a Router handler) has
   * settled. With no response begun and no defer(), nobody will answer: 500 and one log line. A
   * servlet reading its body as it arrives may answer in contentComplete(): it is judged once
   * that has returned (and its promise settled). A client that left is not judged.
   */
  private settled(s: HttpSession, where: string): void {
    if (this.current !== s || this.phase !== SERVING || s.hasStarted() || internals.isDeferred(s)) return;
    if (this.readsBody && (!this.endSeen || this.completing)) {
      this.judgeAtEnd = true;
      return;
    }
    internals.unanswered(s, where);
  }

  /**
   * After processRequest(): a declared body over the (possibly raised) limit is refused; a
   * request without a body has it complete already (contentComplete() is called for every
   * request whose response is not complete by then, SPEC §2.4).
   */
  private afterStart(s: HttpSession): void {
    if (this.current !== s || this.phase !== SERVING) return;
    if (this.bodyEnded) this.contentEnded();
    else if (s.contentLength() > s.bodyLimit) this.channel.refuseBody(413, "declared body over the limit");
    else this.continueIfWanted();
  }

  /** The servlet takes pieces and is not busy with the last one. */
  private isReady(): boolean {
    return (this.readsBody || this.collected !== null || this.sink !== null) && !this.busy;
  }

  /** The servlet takes pieces again: invite the client if it waits (100 Continue), and read. */
  private wake(): void {
    this.continueIfWanted();
    this.channel.resumeReading();
  }

  /**
   * RFC 9110 §10.1.1: a client that sent `Expect: 100-continue` gets `100 Continue` once the
   * servlet wants the body — not when it answers first (a 401, a 413) and not before it asks.
   */
  private continueIfWanted(): void {
    const s = this.current;
    if (this.expect !== EXPECT_PENDING || s === null || this.phase !== SERVING || s.hasStarted() || !this.isReady()) return;
    this.expect = EXPECT_CONTINUED;
    this.channel.sendContinue();
  }

  /** The body is whole: content() resolves, the sink ends, contentComplete() runs (once). */
  private contentEnded(): void {
    const s = this.current;
    if (this.endSeen || s === null) return;
    this.endSeen = true;
    this.waiter?.resolve(this.joinCollected());
    this.sink?.end();
    const servlet = this.servlet;
    if (s.isComplete() || servlet === null) return;
    let r: void | Promise<void>;
    try {
      r = servlet.contentComplete();
    } catch (e) {
      return internals.failed(s, "contentComplete()", e);
    }
    if (r instanceof Promise) {
      this.completing = true;
      r.then(
        () => {
          if (this.current !== s) return;
          this.completing = false;
          if (this.judgeAtEnd) this.settled(s, "contentComplete()");
        },
        (e) => internals.failed(s, "contentComplete()", e),
      );
    } else if (this.judgeAtEnd) this.settled(s, "contentComplete()");
  }

  /** Whoever waits for the body (content(), parts()) hears it will not come whole. */
  private bodyFailed(reason: Error): void {
    this.waiter?.reject(reason);
    this.sink?.fail(reason);
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

  /** Ends the response where it stands, aborts the signal and destroys the servlet (once). */
  private destroy(s: HttpSession): void {
    internals.endResponse(s);
    // Everything waiting on the body — content(), parts() — hears that it will not come. (Only
    // when something waits: an Error captures a stack, and most requests end with nobody waiting.)
    if (!this.bodyEnded && (this.waiter !== null || this.sink !== null))
      this.bodyFailed(new RequestAborted("the request ended before its body was complete"));
    internals.abortSignal(s); // first, so destroyServlet() sees it aborted
    const servlet = this.servlet;
    this.servlet = null;
    try {
      servlet?.destroyServlet();
    } catch (e) {
      this.channel.logError("destroyServlet threw", e);
    }
  }

  /** destroyServlet() has returned: the session is detached, and the cycle is free for the next request. */
  private finish(s: HttpSession): void {
    internals.retire(s);
    if (this.current !== s) return;
    this.current = null;
    this.phase = DONE;
    this.server = null;
    this.collected = null;
    this.waiter = null;
    this.sink = null;
  }
}
