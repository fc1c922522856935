/**
 * A fetch `Request` as the bytes an HTTP/1.1 client would send for it (request(), in request.ts):
 * the head — method, the URL's path and query, `Host` from the URL, the request's fields — and
 * its body's framing. A body all there at once (a string, bytes, a Blob, FormData, URLSearchParams,
 * or a stream whose every piece is already queued) is sent with its Content-Length; a stream still
 * producing is sent chunked, piece by piece as it produces (the pieces are handed over decoded:
 * the transport is ours, only the head says chunked). What the request's own fields say of Host,
 * Content-Length and Transfer-Encoding is replaced by that (as fetch does).
 */

const latin1 = (s: string) => Buffer.from(s, "latin1");
const utf8 = new TextEncoder();

/** Fields the head takes from the URL and the body, never from the Request's headers. */
const FRAMING_FIELDS = new Set(["host", "content-length", "transfer-encoding"]);

/** The default reader of a Request's body (ReturnType of getReader() would pick its BYOB overload). */
const readerOf = (body: NonNullable<Request["body"]>) => body.getReader();
type BodyReader = ReturnType<typeof readerOf>;
/** What a read of it gives. */
type BodyRead = Awaited<ReturnType<BodyReader["read"]>>;

/** A Request's body as request() sends it. */
export interface OutgoingBody {
  /** Pieces read at once: the whole body when `length` ≥ 0. */
  readonly pieces: Uint8Array[];
  /** The body's length when it was all there at once (sent as Content-Length); -1 when it streams (chunked). */
  readonly length: number;
  /** The body's reader, while the rest is still to come (null once whole). */
  readonly reader: BodyReader | null;
  /** The read of the next piece, already asked for (null once whole). */
  readonly next: Promise<BodyRead> | null;
}

/**
 * The body of `req`, null when it has none. Reads the pieces already there without waiting
 * (Bun.peek): if the body's end is among them, it is whole and its length known.
 */
export function takeBody(req: Request): OutgoingBody | null {
  if (req.body === null) return null;
  const reader = readerOf(req.body);
  const pieces: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const next = reader.read();
    if (Bun.peek.status(next) !== "fulfilled") return { pieces, length: -1, reader, next };
    const r = Bun.peek(next) as BodyRead;
    if (r.done) return { pieces, length, reader: null, next: null };
    const piece = asBytes(r.value);
    pieces.push(piece);
    length += piece.length;
  }
}

/** A piece of a Request's body as bytes (a stream may enqueue strings). */
export function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return utf8.encode(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`request(): a body piece must be bytes or a string, not ${typeof value}`);
}

/**
 * The head an HTTP/1.1 client sends for `req` at `url` with `body` (latin1, as header fields are):
 * origin-form target, Host from the URL, the request's fields as Headers gives them, and the
 * body's framing.
 */
export function requestHead(req: Request, url: URL, body: OutgoingBody | null): Uint8Array {
  let text = `${req.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of req.headers) if (!FRAMING_FIELDS.has(name)) text += `${name}: ${value}\r\n`;
  if (body !== null) text += body.length >= 0 ? `Content-Length: ${body.length}\r\n` : "Transfer-Encoding: chunked\r\n";
  return latin1(`${text}\r\n`);
}
