/**
 * Reads HTTP/1.x responses from a byte stream as they arrive: counts complete responses (framed
 * by Content-Length, or by the close), their status codes, and whether bytes arrived that are not
 * a response at all. Interim 1xx responses are counted apart. Responses to HEAD are not expected
 * (the harness never sends HEAD on a connection it reads this way).
 */

const CRLFCRLF = Buffer.from("\r\n\r\n");
/** A response head larger than this (bytes) is treated as garbage. */
const MAX_RESPONSE_HEAD = 64 * 1024;
/** HTTP status classes: 1xx interim; 204 and 304 never carry a body (RFC 9110 §6.4.1). */
const INTERIM_MAX = 199;
const NO_CONTENT = 204;
const NOT_MODIFIED = 304;

/** One complete response. */
export interface ReadResponse {
  status: number;
  /** The response said `Connection: close` (or was framed by the close). */
  close: boolean;
}

/** Incremental response reader for one connection. */
export class ReplyReader {
  readonly responses: ReadResponse[] = [];
  interim = 0;
  /** Bytes received in total. */
  bytes = 0;
  /** Bytes arrived that do not parse as a response. */
  garbage = false;
  private buf: Buffer = Buffer.alloc(0);
  /** Body bytes still expected of the current response; -1: until close; null: between responses. */
  private bodyLeft: number | null = null;
  private current: ReadResponse | null = null;

  /** Whether part of a response has arrived but not all of it. */
  get partial(): boolean {
    return this.current !== null || this.buf.length > 0;
  }

  /** Feeds received bytes. */
  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.garbage) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    for (;;) {
      if (this.current) {
        if (this.bodyLeft === -1) {
          this.buf = Buffer.alloc(0);
          return;
        }
        const take = Math.min(this.bodyLeft!, this.buf.length);
        this.bodyLeft! -= take;
        this.buf = this.buf.subarray(take);
        if (this.bodyLeft! > 0) return;
        this.responses.push(this.current);
        this.current = null;
        this.bodyLeft = null;
      }
      if (this.buf.length === 0) return;
      if (!this.buf.subarray(0, Math.min(5, this.buf.length)).equals(Buffer.from("HTTP/").subarray(0, Math.min(5, this.buf.length)))) {
        this.garbage = true;
        return;
      }
      const end = this.buf.indexOf(CRLFCRLF);
      if (end < 0) {
        if (this.buf.length > MAX_RESPONSE_HEAD) this.garbage = true;
        return;
      }
      const head = this.buf.subarray(0, end).toString("latin1");
      this.buf = this.buf.subarray(end + CRLFCRLF.length);
      const status = Number(head.slice(9, 12));
      if (!Number.isInteger(status) || status < 100) {
        this.garbage = true;
        return;
      }
      if (status <= INTERIM_MAX) {
        this.interim++;
        continue;
      }
      const lower = head.toLowerCase();
      const close =
        /\r\nconnection:[^\r]*close/.test(lower) || (head.startsWith("HTTP/1.0") && !/\r\nconnection:[^\r]*keep-alive/.test(lower));
      const length = lower.match(/\r\ncontent-length:\s*(\d+)/);
      this.current = { status, close };
      if (status === NO_CONTENT || status === NOT_MODIFIED) this.bodyLeft = 0;
      else if (length) this.bodyLeft = Number(length[1]);
      else this.bodyLeft = -1; // chunked or close-delimited: complete at the close
    }
  }

  /** The connection closed: a close-delimited response is complete now. */
  closed(): void {
    if (this.current && this.bodyLeft === -1) {
      this.current.close = true;
      this.responses.push(this.current);
      this.current = null;
      this.bodyLeft = null;
    }
  }
}
