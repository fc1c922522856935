/**
 * ResponseReader: the client's side of a response served without a socket (request(), in
 * request.ts) — the bytes the session wrote for an HTTP/1.1 client, read back into a fetch
 * `Response`. It is the output queue's writer (a ByteWriter, as a socket is): the head is parsed
 * when whole (interim 1xx heads skipped), the `Response` resolves then, and the body is a
 * ReadableStream fed as the bytes arrive, its framing removed — Content-Length counted and
 * chunked decoded by the request parser's own BodyDecoder (the coding is the same both ways).
 * HEAD, 1xx, 204 and 304 answers have no body (RFC 9110 §6.4.1). Backpressure runs as on a
 * socket: while the body's reader is behind (its queue at the high-water mark) the writer takes
 * nothing, the output queue fills and the servlet's sendContent() turns false.
 */
import { BodyDecoder } from "../parser/index.ts";

const CRLF_CRLF = Buffer.from("\r\n\r\n");
/** `HTTP/1.1 ` before the status code, and the code's digits. */
const STATUS_OFFSET = 9;
const STATUS_DIGITS = 3;
const NO_CONTENT = 204;
const NOT_MODIFIED = 304;
const FIRST_FINAL_STATUS = 200;

/** What the reader tells its transport about the body's consumer. */
export interface ResponseConsumer {
  /** The body's reader wants more: flush what is queued. */
  pull(): void;
  /** The body's reader cancelled it: the client left. */
  cancel(reason: unknown): void;
}

/** Reads one response back into a fetch Response (see the file comment). */
export class ResponseReader {
  /** Resolves with the response once its head is read; rejects if the exchange ends before. */
  readonly response: Promise<Response>;

  private readonly resolvers: PromiseWithResolvers<Response>;
  /** Head bytes gathered until the blank line that ends them. */
  private headBytes: Uint8Array = new Uint8Array(0);
  private headRead = false;
  /** The body's framing: a countdown, chunked, or (neither) until the transport ends. */
  private readonly decoder = new BodyDecoder();
  private untilEnd = false;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** The response is over for the client: its body ended, failed or was cancelled. */
  private finished = false;

  /** Reads the answer to a request whose method was HEAD when `isHead`; the body buffers up to `highWaterMark` bytes. */
  constructor(
    private readonly isHead: boolean,
    private readonly highWaterMark: number,
    private readonly consumer: ResponseConsumer,
  ) {
    this.resolvers = Promise.withResolvers<Response>();
    this.response = this.resolvers.promise;
  }

  /** True once the response is over for the client (its body complete, failed or cancelled). */
  isFinished(): boolean {
    return this.finished;
  }

  /**
   * Bytes of the response, valid only during the call (ByteWriter). Takes them all, or none while
   * the body's reader is behind; after the response is over, takes and drops them.
   */
  write(buf: Uint8Array, offset: number, length: number): number {
    if (this.finished) return length;
    const end = offset + length;
    let p = offset;
    if (!this.headRead) {
      p = this.readHead(buf, p, end);
      if (!this.headRead || this.finished) return length;
    } else if (this.controller !== null && (this.controller.desiredSize ?? 0) <= 0) {
      return 0; // the body's reader is behind: the queue keeps the bytes (backpressure)
    }
    this.readBody(buf, p, end);
    return length;
  }

  /**
   * The transport is over and everything it sent was written: a body framed by the end ends
   * here; any other one not complete yet was cut short (its reader gets `reason`, or an Error
   * saying so); a response whose head never came rejects.
   */
  end(reason?: unknown): void {
    if (this.finished) return;
    if (!this.headRead) {
      this.finished = true;
      this.resolvers.reject(reason ?? new Error("request(): the server closed the exchange without answering"));
    } else if (this.untilEnd && reason === undefined) this.finish();
    else this.fail(reason ?? new Error("request(): the response was cut short (its body is incomplete)"));
  }

  /** Gathers head bytes; at the blank line parses the head. Returns where the body begins. */
  private readHead(buf: Uint8Array, start: number, end: number): number {
    const gathered = this.headBytes.length;
    const bytes = (this.headBytes = Buffer.concat([this.headBytes, buf.subarray(start, end)]));
    const blank = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(CRLF_CRLF, Math.max(0, gathered - 3));
    if (blank < 0) return end;
    const headEnd = blank + CRLF_CRLF.length;
    const rest = start + headEnd - gathered;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, blank).toString("latin1");
    this.headBytes = new Uint8Array(0);
    const status = Number(text.slice(STATUS_OFFSET, STATUS_OFFSET + STATUS_DIGITS));
    if (status < FIRST_FINAL_STATUS) return this.readHead(buf, rest, end); // an interim response: the final one follows
    this.headRead = true;
    try {
      this.answer(status, text);
    } catch (e) {
      this.finished = true;
      this.resolvers.reject(e);
    }
    return rest;
  }

  /** Resolves the Response for the head `text` (status line and fields, no blank line). */
  private answer(status: number, text: string): void {
    const lines = text.split("\r\n");
    const headers = new Headers();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const statusText = lines[0]!.slice(STATUS_OFFSET + STATUS_DIGITS + 1);
    if (this.isHead || status === NO_CONTENT || status === NOT_MODIFIED) {
      this.finished = true;
      this.resolvers.resolve(new Response(null, { status, statusText, headers }));
      return;
    }
    const length = headers.get("content-length");
    if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) this.decoder.start(-1, true);
    else if (length !== null) this.decoder.start(Number(length), false);
    else this.untilEnd = true;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () => this.consumer.pull(),
        cancel: (reason) => {
          this.finished = true;
          this.consumer.cancel(reason);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: this.highWaterMark }),
    );
    this.resolvers.resolve(new Response(body, { status, statusText, headers }));
    if (!this.untilEnd && this.decoder.done) this.finish(); // Content-Length: 0
  }

  /** Decodes body bytes into the stream (copies: `buf` is the output queue's, reused). */
  private readBody(buf: Uint8Array, start: number, end: number): void {
    const controller = this.controller!;
    if (this.untilEnd) {
      if (end > start) controller.enqueue(copy(buf, start, end));
      return;
    }
    const decoder = this.decoder;
    let p = start;
    while (p < end && !decoder.done) {
      const next = decoder.decode(buf, p, end);
      if (next < 0) return this.fail(new Error(`request(): the response's body framing is malformed (parser error ${next})`));
      if (decoder.pieceEnd > decoder.pieceStart) controller.enqueue(copy(buf, decoder.pieceStart, decoder.pieceEnd));
      p = next;
    }
    if (decoder.done) this.finish();
  }

  private finish(): void {
    this.finished = true;
    this.controller?.close();
  }

  private fail(reason: unknown): void {
    this.finished = true;
    this.controller?.error(reason);
  }
}

/** A copy of `buf[start..end)` (a Buffer's own slice() would be a view). */
function copy(buf: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(buf, start, end);
}
