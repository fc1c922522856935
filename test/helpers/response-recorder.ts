/**
 * ResponseRecorder: a fake connection for unit tests (Go's httptest.ResponseRecorder). A request
 * is parsed from text with the real parser; the HttpSession and its servlet run against this
 * instead of a socket, and the bytes they produce are recorded. The daemon's socket tests stay
 * where sockets matter; servlets and the response machine are tested here without them.
 */
import { OutputQueue } from "../../src/daemon/output.ts";
import { RequestHead, parseHead } from "../../src/parser/index.ts";
import type { Connection } from "../../src/servers/connection.ts";
import { HttpSession } from "../../src/servers/http-session.ts";
import type { HttpServlet } from "../../src/servers/http-servlet.ts";
import { parseResponses, type ParsedResponse } from "./raw-client.ts";
import { control } from "../../src/servers/session-control.ts";

const DATE = "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n";
const encoder = new TextEncoder();

/** A connection that records what a request's response wrote. */
export class ResponseRecorder implements Connection {
  readonly head = new RequestHead();
  headBytes: Uint8Array;
  readonly output = new OutputQueue(64 * 1024);
  readonly localAddress = "127.0.0.1";
  readonly localPort = 8000;
  readonly remoteAddress = "127.0.0.2";
  readonly remotePort = 40000;
  /** keepAlive of responseComplete(), or null while the response is incomplete. */
  completed: boolean | null = null;
  closed = false;
  aborted = false;
  readonly errors: string[] = [];
  private readonly written: number[] = [];
  private drainWaiters: (() => void)[] = [];

  /** Parses `raw` (a whole head, any body after it is ignored); throws when it is not one. */
  constructor(raw: string) {
    this.headBytes = Buffer.from(raw, "latin1");
    const r = parseHead(this.headBytes, 0, this.headBytes.length, this.head);
    if (r < 0) throw new Error(`not a complete request head (${r}): ${JSON.stringify(raw)}`);
  }

  /** A session for the parsed request, with `servlet` built on it and attached. */
  start<S extends HttpServlet>(make: (s: HttpSession) => S, bodyLimit = 1024 * 1024): { session: HttpSession; servlet: S } {
    const session = new HttpSession(this, bodyLimit);
    const servlet = make(session);
    control(session).servlet = servlet;
    control(session).readsBody = true;
    return { session, servlet };
  }

  mayKeepAlive(): boolean {
    return true;
  }
  headerTail(keepAlive: boolean): Uint8Array {
    return encoder.encode(`${DATE}Server: netsvc\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`);
  }
  flushSoon(): void {
    this.drain();
  }
  whenDrained(callback: () => void): void {
    this.drainWaiters.push(callback);
  }
  responseComplete(keepAlive: boolean): void {
    this.completed = keepAlive;
    this.drain();
  }
  resumeReading(): void {}
  close(): void {
    this.closed = true;
    this.drain();
  }
  abort(): void {
    this.aborted = true;
    this.output.clear();
  }
  logError(message: string, error?: unknown): void {
    this.errors.push(`${message} ${error instanceof Error ? error.message : (error ?? "")}`);
  }
  /** Content given to a 204 or 304, by status. */
  readonly dropped: number[] = [];
  contentDropped(status: number): void {
    this.dropped.push(status);
  }

  /** Servlet failures caused by the request's own signal aborting (counted, never logged). */
  servletAborts = 0;

  countServletAbort(): void {
    this.servletAborts++;
  }

  /** Moves queued output to the record (a socket that takes everything). */
  drain(): void {
    const sink = {
      write: (buf: Uint8Array, offset: number, length: number) => {
        for (let i = 0; i < length; i++) this.written.push(buf[offset + i]!);
        return length;
      },
    };
    this.output.flush(sink as never);
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Everything written so far, latin1. */
  text(): string {
    this.drain();
    return Buffer.from(this.written).toString("latin1");
  }

  /** The recorded response, parsed (framed by Content-Length, or by the end of the record). */
  response(): ParsedResponse {
    const [r] = parseResponses(this.text(), true);
    if (!r) throw new Error(`no response recorded: ${JSON.stringify(this.text())}`);
    return r;
  }
}
