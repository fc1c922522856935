/**
 * ResponseRecorder: a fake transport for unit tests (Go's httptest.ResponseRecorder; hono's
 * `app.request()`). A request is parsed from text with the real parser, and a real RequestCycle
 * serves it on this RequestChannel instead of a socket: routing aside (one server answers every
 * path), the servlet runs as the daemon would run it — processRequest() at once, body pieces as
 * the test hands them over, destroyServlet() at the end — and the bytes it produces are recorded.
 * Socket tests stay where sockets matter; servlets and the response machine are tested here.
 */
import { type ByteWriter, OutputQueue } from "../daemon/output.ts";
import { RequestHead, parseHead } from "../parser/index.ts";
import { CookieKeys } from "../servers/cookie-signing.ts";
import { HttpServer } from "../servers/http-server.ts";
import type { HttpServlet } from "../servers/http-servlet.ts";
import type { HttpSession } from "../servers/http-session.ts";
import { MountTable } from "../servers/mount-table.ts";
import type { RequestChannel } from "../servers/request-channel.ts";
import { RequestCycle } from "../servers/request-cycle.ts";

/** The Date line every recorded response carries (a fixed one, so tests can compare bytes). */
export const RECORDED_DATE = "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n";
/** The output queue's high-water mark: above it sendContent() returns false. */
const RECORDER_HIGH_WATER_MARK = 64 * 1024;
/** The body limit of a recorded request unless the test names one (the daemon's default). */
const RECORDER_MAX_BODY = 1024 * 1024;
const encoder = new TextEncoder();
const CONTINUE = encoder.encode("HTTP/1.1 100 Continue\r\n\r\n");

/** One server for every path: the servlet the test makes. */
class RecordedServer extends HttpServer {
  made: HttpServlet | null = null;
  constructor(private readonly make: (s: HttpSession) => HttpServlet) {
    super();
  }
  override servlet(s: HttpSession): HttpServlet {
    return (this.made = this.make(s));
  }
}

/** A transport that records what a request's response wrote (see the file comment). */
export class ResponseRecorder implements RequestChannel {
  readonly head = new RequestHead();
  headBytes: Uint8Array;
  readonly output = new OutputQueue(RECORDER_HIGH_WATER_MARK);
  readonly localAddress = "127.0.0.1";
  readonly localPort = 8000;
  readonly remoteAddress = "127.0.0.2";
  readonly remotePort = 40000;

  /** A recorder serves one request: it reports itself (RequestChannel). */
  retiredAddresses(): this {
    return this;
  }
  /** keepAlive of responseComplete(), or null while the response is incomplete. */
  completed: boolean | null = null;
  /** close() was called (the response was cut short, or the cycle closed). */
  closed = false;
  /** abort() was called. */
  aborted = false;
  /** closeAfterResponse() was called: no request would be read after this one. */
  closeAfter = false;
  /** The status refuseBody() was called with, 0 when none. */
  refused = 0;
  /** Lines logError() was called with (message and the error's message). */
  readonly errors: string[] = [];
  /** Content given to a 204 or 304, by status. */
  readonly dropped: number[] = [];
  /** Servlet failures caused by the request's own signal aborting (counted, never logged). */
  servletAborts = 0;
  /** resumeReading() calls (the servlet became ready for more of its body). */
  resumes = 0;

  private readonly written: number[] = [];
  private drainWaiters: (() => void)[] = [];
  private cycle: RequestCycle | null = null;
  private readonly writer: ByteWriter = {
    write: (buf, offset, length) => {
      for (let i = 0; i < length; i++) this.written.push(buf[offset + i]!);
      return length;
    },
  };

  /** Parses `raw` (a whole head, any body after it is ignored); throws when it is not one. */
  constructor(raw: string) {
    this.headBytes = Buffer.from(raw, "latin1");
    const r = parseHead(this.headBytes, 0, this.headBytes.length, this.head);
    if (r < 0) throw new Error(`not a complete request head (${r}): ${JSON.stringify(raw)}`);
  }

  /**
   * Serves the parsed request with the servlet `make` builds, as the daemon does: a request
   * cycle begins (processRequest() runs now); feed its body with piece() and end().
   */
  serve<S extends HttpServlet>(make: (s: HttpSession) => S, bodyLimit = RECORDER_MAX_BODY): { session: HttpSession; servlet: S } {
    const server = new RecordedServer(make);
    const mounts = new MountTable();
    mounts.attach("/", server);
    const cycle = (this.cycle = new RequestCycle(this, mounts, bodyLimit));
    cycle.begin();
    const servlet = server.made;
    if (servlet === null) throw new Error("the request was not routed to the servlet (a bad target, or CONNECT)");
    return { session: servlet.session, servlet: servlet as S };
  }

  /** A piece of the request's body reaches the cycle (as the transport would hand it over). */
  piece(bytes: Uint8Array | string): void {
    this.requireCycle().piece(typeof bytes === "string" ? encoder.encode(bytes) : bytes);
  }

  /** The request's body is whole. */
  end(): void {
    this.requireCycle().end();
  }

  /** The client left: the servlet is destroyed and its signal aborted. */
  leave(): void {
    this.requireCycle().abandon();
  }

  private requireCycle(): RequestCycle {
    if (this.cycle === null) throw new Error("serve() a servlet first");
    return this.cycle;
  }

  // ── RequestChannel ────────────────────────────────────────────────────────────────────────

  isSecure(): boolean {
    return false;
  }
  mayKeepAlive(): boolean {
    return !this.closeAfter;
  }
  headerTail(keepAlive: boolean): Uint8Array {
    return encoder.encode(`${RECORDED_DATE}Server: netsvc\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`);
  }
  sendContinue(): void {
    this.output.append(CONTINUE);
  }
  flushSoon(): void {
    this.drain();
  }
  whenDrained(callback: () => void): void {
    this.drainWaiters.push(callback);
  }
  resumeReading(): void {
    this.resumes++;
  }
  responseComplete(keepAlive: boolean): void {
    this.completed = keepAlive;
    this.drain();
  }
  refuseBody(status: number, reason: string): void {
    this.refused = status;
    this.closeAfter = true;
    this.cycle?.fail(status, reason);
    this.cycle?.abandon();
  }
  closeAfterResponse(): void {
    this.closeAfter = true;
  }
  close(): void {
    this.closed = true;
    this.cycle?.abandon();
    this.drain();
  }
  abort(): void {
    this.aborted = true;
    this.output.clear();
    this.cycle?.abandon();
  }
  logError(message: string, error?: unknown): void {
    this.errors.push(`${message} ${error instanceof Error ? error.message : (error ?? "")}`);
  }
  contentDropped(status: number): void {
    this.dropped.push(status);
  }
  countServletAbort(): void {
    this.servletAborts++;
  }
  /** What signs and verifies signed cookies here: none until useCookieSecrets(). */
  cookieKeys: CookieKeys | null = null;

  /** Signed cookies are signed and verified with `secrets`, as by a daemon's cookieSecrets option (checked the same way). */
  useCookieSecrets(secrets: readonly string[]): this {
    this.cookieKeys = new CookieKeys(secrets);
    return this;
  }

  // ── the record ────────────────────────────────────────────────────────────────────────────

  /** Moves queued output to the record (a socket that takes everything), and releases drain waiters. */
  drain(): void {
    this.output.flush(this.writer);
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Everything written so far, latin1. */
  text(): string {
    this.drain();
    return Buffer.from(this.written).toString("latin1");
  }
}
