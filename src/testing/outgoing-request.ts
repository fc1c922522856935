/**
 * A fetch `Request` as the bytes an HTTP/1.1 client would send for it (request(), in request.ts):
 * the head — method, the URL's path and query, `Host` from the URL, the request's fields — and
 * its body's framing. A body all there at once (a string, bytes, a Blob, FormData,
 * URLSearchParams, or a stream that ends without waiting on a timer, I/O or the test) is sent
 * with its Content-Length; a stream still producing is sent chunked, piece by piece as it
 * produces (the pieces are handed over decoded: the transport is ours, only the head says
 * chunked). What the request's own fields say of Host, Content-Length and Transfer-Encoding is
 * replaced by that (as fetch does).
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
 * Microtask turns a pending read of a body is given to settle before the body counts as still
 * streaming. Bun hands a body made of a string, bytes, a Blob or FormData over as one piece whose
 * end follows a turn or two later (measured: 1–2); a stream that waits on anything outside this
 * job (a timer, I/O, the test's next step) is not done within any number of turns.
 */
const SETTLE_TURNS = 8;

/**
 * The body of `req`, null when it has none. Reads the pieces there without waiting on anything
 * outside this job (Bun.peek, a few microtask turns): if its end is among them, the body is whole
 * and its length known; else it streams, and the read in progress is handed on.
 */
export async function takeBody(req: Request): Promise<OutgoingBody | null> {
  if (req.body === null) return null;
  const reader = readerOf(req.body);
  const pieces: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const next = reader.read();
    for (let turn = 0; turn < SETTLE_TURNS && Bun.peek.status(next) === "pending"; turn++) await null;
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
 * The fields of `req` as Headers gives them. Read before its body: Bun makes a FormData or Blob
 * body's Content-Type on first sight of the headers, and not at all once the body is read.
 */
export function requestFields(req: Request): [string, string][] {
  return [...req.headers];
}

/**
 * The head an HTTP/1.1 client sends for `method` at `url` with `fields` and `body` (latin1, as
 * header fields are): origin-form target, Host from the URL, the fields, and the body's framing.
 */
export function requestHead(method: string, url: URL, fields: [string, string][], body: OutgoingBody | null): Uint8Array {
  let text = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of fields) if (!FRAMING_FIELDS.has(name)) text += `${name}: ${value}\r\n`;
  if (body !== null) text += body.length >= 0 ? `Content-Length: ${body.length}\r\n` : "Transfer-Encoding: chunked\r\n";
  return latin1(`${text}\r\n`);
}
