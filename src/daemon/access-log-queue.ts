/**
 * AccessLogQueue: a connection's access-log lines, each written once its response has reached the
 * socket — or the connection closed first. A response counts as delivered when its last byte was
 * handed to the socket, not when the servlet finished producing it: a servlet may hand over a
 * whole 16 MiB document in one call and complete at once, while the client, reading slowly,
 * leaves after the first megabyte. Such a response is logged 499 (nginx's "client closed
 * request"), as is one whose servlet was still producing it when the client left, with the bytes
 * that did reach the socket. Lines are written in the order of their requests.
 *
 * Positions are in OutputQueue.written terms (bytes handed to the socket since the connection
 * opened): a line waits until `written` reaches the end of its response.
 */
import type { ExchangeRecord } from "../servers/request-channel.ts";
import type { AccessLog, LoggedRequest } from "./access-log.ts";

/** The status logged for a response its client left before it had all of it (nginx's 499). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Where a line's response is before it has a place in the output (place() gives it one). */
const NOT_PLACED = Number.MAX_SAFE_INTEGER;

/**
 * One line waiting for its response's last byte: what the log's format reads of the request
 * (LoggedRequest: a common log's lines hold only client, user and request), and where it stands.
 */
export interface PendingLine extends LoggedRequest {
  status: number;
  /** Where the response starts and ends in the connection's output (NOT_PLACED until known). */
  start: number;
  end: number;
  /**
   * A complete response: if the connection closes before it is written whole, it is 499 when the
   * client left (else its status). False for one whose status is already decided (an abandoned
   * response's, a canned refusal's).
   */
  readonly decidedAtClose: boolean;
}

/** The access-log lines of one connection whose responses are still on their way. */
export class AccessLogQueue {
  private readonly lines: PendingLine[] = [];

  /** Lines go to `log`. */
  constructor(private readonly log: AccessLog) {}

  /**
   * A response to `s` (what the request cycle hands its transport) ends at `end` of the output (its `s.bytesSent` bytes are the last ones
   * queued). `complete`: the servlet finished it (its fate is decided when the connection
   * closes, if it has not been written whole by then); otherwise `status` stands. `bytes`: what
   * the response took on the wire, when that is not `s.bytesSent` (an HTTP/2 stream's frames).
   * `headAt`: performance.now() when the request's head was read (read only by a timed log).
   */
  addResponse(s: ExchangeRecord, status: number, end: number, complete: boolean, bytes = s.bytesSent, headAt = 0): PendingLine {
    const line = this.log.detailed
      ? detailedLine(s, status, end - bytes, end, complete, headAt)
      : // hot path: the common format's line holds what it prints, nothing more (no header read)
        {
          client: s.clientHost(),
          user: s.remoteUser(),
          request: `${s.requestMethod()} ${s.url()} ${logProtocol(s.protocolVersion())}`,
          status,
          start: end - bytes,
          end,
          decidedAtClose: complete,
        };
    this.lines.push(line);
    return line;
  }

  /**
   * A line whose response has no place in the output yet (an HTTP/2 stream's: complete, its frames
   * not yet written), made now while the request can still be read, and queued by place() — so a
   * stream whose frames wait (its window shut) holds no other stream's line back.
   */
  makeUnplaced(s: ExchangeRecord, status: number, headAt = 0): PendingLine {
    const line = this.addResponse(s, status, NOT_PLACED, true, 0, headAt);
    this.lines.pop();
    return line;
  }

  /** Queues `line` (from makeUnplaced): its response ends at `end` after `bytes`, with `status`. */
  place(line: PendingLine, end: number, bytes: number, status: number): void {
    line.start = end - bytes;
    line.end = end;
    line.status = status;
    this.lines.push(line);
  }

  /** A canned refusal of `bytes` ending at `end` (a request that could not be parsed): its status stands. */
  addRefusal(client: string, status: number, bytes: number, end: number): void {
    this.lines.push({ client, user: "", request: "-", status, start: end - bytes, end, decidedAtClose: false });
  }

  /** Writes, in order, the lines whose responses the socket has taken whole (`written` bytes so far). */
  release(written: number): void {
    const lines = this.lines;
    let n = 0;
    while (n < lines.length && lines[n]!.end <= written) {
      const l = lines[n++]!;
      this.log.record(l, l.status, l.end - l.start);
    }
    if (n > 0) lines.splice(0, n);
  }

  /**
   * The connection closed with `written` bytes handed to the socket: every line left is written
   * now, with the bytes of its response that did go out. A complete response cut short is 499
   * when `clientLeft` (the peer closed or reset first), else its status (we closed: a send
   * timeout, an abort).
   */
  close(written: number, clientLeft: boolean): void {
    this.release(written);
    for (const l of this.lines) {
      const status = l.decidedAtClose && clientLeft ? CLIENT_CLOSED_REQUEST : l.status;
      const sent = Math.min(Math.max(written - l.start, 0), l.end - l.start);
      this.log.record(l, status, sent);
    }
    this.lines.length = 0;
  }
}

/** A line for a detailed format (combined, json): the request line's parts, Referer, User-Agent and when the head was read. */
function detailedLine(s: ExchangeRecord, status: number, start: number, end: number, complete: boolean, headAt: number): PendingLine {
  const method = s.requestMethod();
  const url = s.url();
  const protocol = logProtocol(s.protocolVersion());
  return {
    client: s.clientHost(),
    user: s.remoteUser(),
    request: `${method} ${url} ${protocol}`,
    method,
    url,
    protocol,
    referer: s.header("referer"),
    userAgent: s.header("user-agent"),
    headAt,
    status,
    start,
    end,
    decidedAtClose: complete,
  };
}

/** The protocol as the Common Log Format's request line has it: HTTP/2 is `HTTP/2.0` there (as nginx and Apache write it). */
function logProtocol(version: string): string {
  return version === "HTTP/2" ? "HTTP/2.0" : version;
}
