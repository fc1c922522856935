/**
 * Streaming multipart/form-data (RFC 7578) for `for await (const part of servlet.parts())`.
 * busboy (a well-kept, widely used streaming parser) finds the parts; this file adapts it to the
 * servlet: each body piece is copied (the daemon's views are valid only during a call) and
 * written to busboy, and the write is not acknowledged until busboy has taken it — which it does
 * only as fast as the servlet reads the current part. So an upload that the servlet writes to a
 * slow disk holds the rest of the body in the socket, not in memory. A part left unread is
 * skipped when the next one is asked for. A malformed body ends the iteration with a
 * RequestAborted(400); a client that leaves ends it with a RequestAborted(0).
 *
 * No part is ever dropped without a word. busboy skips, silently, a part whose header block is not
 * a `form-data` disposition it can parse (RFC 7578 §4.2: every part has one, with a `name`): none,
 * another type, a parameter list that does not parse — and a raw CR LF in a file name that ends
 * the header block early or injects a header (`filename="a\r\n\r\n…"`). Which bytes were meant as
 * the name and which as headers or content is then the sender's guess to make, not ours, so such
 * a request is refused (400), never half-read: the delimiters are counted as the bytes pass
 * (multipart-delimiters.ts) and every part they open must reach the servlet. A part without a
 * name is refused too. A well-formed file name that decodes to control characters (RFC 8187
 * `filename*=UTF-8''a%0D%0A…`) keeps its part, each control replaced by `_`: the name is only a
 * suggestion (RFC 7578 §4.2), and servlets put it in paths, logs and headers. Browsers encode CR,
 * LF and `"` in names as `%0D`, `%0A`, `%22` (HTML's form encoding): that text arrives as sent.
 */
import type { Readable } from "node:stream";
import busboy from "busboy";
import type { BodySink } from "./body-sink.ts";
import { DelimiterCounter, multipartBoundary } from "./multipart-delimiters.ts";
import { RequestAborted } from "./request-aborted.ts";

/** One part of a multipart/form-data body; iterate it for its bytes. */
export interface Part extends AsyncIterable<Uint8Array> {
  /** The field name (Content-Disposition `name`). */
  readonly name: string;
  /** The file name for a file part, undefined for a plain field. */
  readonly filename: string | undefined;
  /** The part's Content-Type ("text/plain" when it names none, RFC 7578 §4.4). */
  readonly contentType: string;
  /** The whole part as bytes (it is read to its end). */
  bytes(): Promise<Uint8Array>;
  /** The whole part as UTF-8 text. */
  text(): Promise<string>;
}

/** Most header pairs in one part (busboy's default is 2000). */
const MAX_PART_HEADERS = 100;
/** C0 controls and DEL, replaced in a file name (see the file comment). */
const CONTROLS = /[\x00-\x1f\x7f]/g;
/** What a control character in a file name becomes. */
const CONTROL_REPLACEMENT = "_";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An 'error' listener for streams whose error is delivered another way (or to nobody). */
function ignoreError(): void {}

/** The refusal of a part without a `name` (RFC 7578 §4.2). */
function unnamedPart(n: number): RequestAborted {
  return new RequestAborted(`multipart part ${n} has no name (RFC 7578 §4.2)`, 400);
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const list: Uint8Array[] = [];
  let n = 0;
  for await (const c of chunks) {
    list.push(c);
    n += c.length;
  }
  const out = new Uint8Array(n);
  let p = 0;
  for (const c of list) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** A part whose bytes come from busboy's file stream, or from a field's value. */
class BodyPart implements Part {
  constructor(
    readonly name: string,
    readonly filename: string | undefined,
    readonly contentType: string,
    private readonly source: Readable | Uint8Array,
  ) {
    // A part abandoned before its reader came (fail(), the parser's own destroy) is destroyed
    // with an error: heard here, so it is never an uncaught one; a reader's loop still throws it.
    if (!(source instanceof Uint8Array)) source.on("error", ignoreError);
  }

  /** True once nothing more will come from it (a field, or a stream that ended). */
  get isDone(): boolean {
    return this.source instanceof Uint8Array || this.source.readableEnded || this.source.destroyed;
  }

  /** Ends a file stream that will get no more bytes with `reason` (its reader's loop throws it). */
  abandon(reason: Error): void {
    if (!(this.source instanceof Uint8Array) && !this.isDone) this.source.destroy(reason);
  }

  /** Lets an unread file stream flow to its end, so busboy can reach the next part. */
  skip(): void {
    if (!(this.source instanceof Uint8Array) && !this.isDone) this.source.resume();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.source instanceof Uint8Array) {
      if (this.source.length > 0) yield this.source;
      return;
    }
    for await (const chunk of this.source) yield chunk as Uint8Array;
  }

  bytes(): Promise<Uint8Array> {
    return readAll(this);
  }

  async text(): Promise<string> {
    return decoder.decode(await this.bytes());
  }
}

/**
 * Reads a multipart/form-data body as a BodySink, and hands out its parts in order. `contentType`
 * is the request's Content-Type (with its boundary); `maxFieldBytes` bounds a plain field's value
 * (the body limit bounds everything).
 */
export class MultipartReader implements BodySink {
  private readonly parser: busboy.Busboy;
  private readonly ready: BodyPart[] = [];
  private wake: (() => void) | null = null;
  private finished = false;
  private failure: Error | null = null;
  private current: BodyPart | null = null;
  /** Counts the parts the body opens, to compare with the parts busboy hands out. */
  private readonly delimiters: DelimiterCounter;
  /** Parts busboy handed out (files and fields). */
  private delivered = 0;

  /** Throws a RequestAborted (400/415) when `contentType` is not multipart with a boundary. */
  constructor(contentType: string, maxFieldBytes: number) {
    if (!/^multipart\/form-data\b/i.test(contentType)) {
      throw new RequestAborted("parts() needs a multipart/form-data body", 415);
    }
    try {
      this.parser = busboy({
        headers: { "content-type": contentType },
        limits: { fieldSize: maxFieldBytes, headerPairs: MAX_PART_HEADERS },
      });
    } catch (e) {
      throw new RequestAborted(`malformed multipart Content-Type: ${(e as Error).message}`, 400);
    }
    const boundary = multipartBoundary(contentType);
    if (boundary === null) throw new RequestAborted("the multipart boundary is not 1 to 70 RFC 2046 boundary characters", 400);
    this.delimiters = new DelimiterCounter(boundary);
    this.parser.on("file", (name: string | undefined, stream, info) => {
      this.delivered++;
      if (name === undefined) {
        stream.on("error", ignoreError); // fail() destroys it with the reason; nobody reads it
        return this.fail(unnamedPart(this.delivered));
      }
      const filename = info.filename?.replace(CONTROLS, CONTROL_REPLACEMENT);
      this.push(new BodyPart(name, filename, info.mimeType, stream));
    });
    this.parser.on("field", (name: string | undefined, value, info) => {
      this.delivered++;
      if (name === undefined) return this.fail(unnamedPart(this.delivered));
      if (info.valueTruncated)
        return this.fail(new RequestAborted(`multipart field ${JSON.stringify(name.slice(0, 40))} over the limit`, 413));
      this.push(new BodyPart(name, undefined, info.mimeType, encoder.encode(value)));
    });
    this.parser.on("error", (e: Error) => this.fail(new RequestAborted(`malformed multipart body: ${e.message}`, 400)));
    this.parser.on("close", () => {
      // The body ended where busboy saw its close delimiter: every part it opened was handed out.
      if (!this.failure) this.checkDelivered(this.delimiters.opened);
      this.finished = true;
      this.notify();
    });
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.failure) return Promise.resolve();
    const copy = this.delimiters.take(chunk); // a copy: the daemon's view is reused after this call
    // Every part opened before the last delimiter in this piece has had its whole header block.
    const complete = this.delimiters.closed ? this.delimiters.opened : this.delimiters.opened - 1;
    // busboy calls back once it has taken the piece — after the current part's reader has; it
    // has parsed the piece, and handed out the parts in it, by then.
    return new Promise((resolve) =>
      this.parser.write(copy, () => {
        if (!this.failure) this.checkDelivered(complete);
        resolve();
      }),
    );
  }

  /** Fails with 400 when fewer than `expected` parts were handed out: busboy skipped one. */
  private checkDelivered(expected: number): void {
    if (this.delivered >= expected) return;
    this.fail(
      new RequestAborted(
        `multipart part ${this.delivered + 1} is not a form-data part with a name (RFC 7578 §4.2): ` +
          "no Content-Disposition, another type, parameters that do not parse, or a header block cut by a raw CR LF",
        400,
      ),
    );
  }

  end(): void {
    if (!this.failure) this.parser.end();
  }

  fail(reason: Error): void {
    if (this.failure) return;
    this.failure = reason;
    this.current?.abandon(reason);
    for (const part of this.ready) part.abandon(reason);
    this.parser.destroy();
    this.notify();
  }

  /** The parts, in order; an unread part is skipped when the next is asked for. */
  async *parts(): AsyncGenerator<Part> {
    for (;;) {
      this.current?.skip();
      while (this.ready.length === 0 && !this.finished && !this.failure) {
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      if (this.failure) throw this.failure;
      const next = this.ready.shift();
      if (next === undefined) return; // finished
      this.current = next;
      yield next;
    }
  }

  private push(part: BodyPart): void {
    this.ready.push(part);
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
