/**
 * The delimiters of a multipart body, counted as its bytes pass (RFC 2046 §5.1.1), so that
 * parts() can tell a part its parser skipped. busboy hands out a part only when its header block
 * names a `form-data` disposition it can parse; any other part — no Content-Disposition, another
 * type, a parameter list that does not parse, a header block a raw CR LF in a file name ended
 * early — it drops without a word, and a request that loses parts that way looks whole. Every
 * delimiter not followed by `--` opens a part; parts() compares that count with the parts it was
 * given (multipart.ts).
 *
 * The search follows busboy's: the delimiter is CRLF `--` boundary, the body is searched as if
 * preceded by a CRLF (so a body may start with its first boundary), matches do not overlap, and
 * after the close delimiter (`--` boundary `--`) nothing counts (the epilogue).
 */

const CR = 0x0d;
const LF = 0x0a;
const HYPHEN = 0x2d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters. */
const MAX_BOUNDARY = 70;

/**
 * RFC 2046 §5.1.1 bchars: DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" /
 * "=" / "?" / SP (a boundary does not end with SP).
 */
const BCHARS = /^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/;
/** RFC 9110 §5.6.2 token characters (a parameter name or an unquoted value). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The boundary parameter of a multipart Content-Type (RFC 2046 §5.1.1, RFC 9110 §5.6.6), or null
 * when there is none or it is not a valid boundary: more than 70 characters, a character outside
 * bchars, or a quoted-pair (a boundary never needs one, and parsers disagree on them).
 */
export function multipartBoundary(contentType: string): string | null {
  let i = contentType.indexOf(";");
  while (i >= 0 && i < contentType.length) {
    // i is at a ";": a parameter follows, name=value.
    let p = i + 1;
    while (contentType[p] === " " || contentType[p] === "\t") p++;
    const eq = contentType.indexOf("=", p);
    if (eq < 0) return null;
    const name = contentType.slice(p, eq).toLowerCase();
    if (!TOKEN.test(name)) return null;
    let value: string;
    let end: number;
    if (contentType.charCodeAt(eq + 1) === DQUOTE) {
      const close = contentType.indexOf('"', eq + 2);
      if (close < 0) return null;
      value = contentType.slice(eq + 2, close);
      if (value.includes(String.fromCharCode(BACKSLASH))) return null;
      end = close + 1;
    } else {
      end = contentType.indexOf(";", eq + 1);
      if (end < 0) end = contentType.length;
      value = contentType.slice(eq + 1, end).trimEnd();
      if (!TOKEN.test(value)) return null;
    }
    if (name === "boundary") return value.length <= MAX_BOUNDARY && BCHARS.test(value) ? value : null;
    i = contentType.indexOf(";", end);
  }
  return null;
}

/** Counts the parts a multipart body opens, piece by piece; the pieces may split anywhere. */
export class DelimiterCounter {
  /** Parts opened so far: delimiters followed by anything but `--`. */
  opened = 0;
  /** The close delimiter was seen: nothing after it counts. */
  closed = false;
  /** CRLF `--` boundary. */
  private readonly delimiter: Buffer;
  /**
   * The end of what came before that may still begin a delimiter: a partial one, or a whole one
   * whose two following bytes have not arrived. Starts as the CRLF the body is searched after.
   */
  private carry: Buffer = Buffer.from([CR, LF]);

  /** `boundary` as multipartBoundary() gave it. */
  constructor(boundary: string) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
  }

  /**
   * Counts the delimiters `piece` completes, and returns a copy of `piece` (the daemon's view is
   * reused after the call; the copy is made in the buffer the search runs over, so it costs
   * nothing more than the copy itself).
   */
  take(piece: Uint8Array): Buffer {
    const carry = this.carry;
    const buf = Buffer.allocUnsafe(carry.length + piece.length);
    buf.set(carry, 0);
    buf.set(piece, carry.length);
    const copy = buf.subarray(carry.length);
    if (this.closed) return copy;
    const delimiter = this.delimiter;
    const n = delimiter.length;
    let from = 0;
    for (;;) {
      const at = buf.indexOf(delimiter, from);
      if (at < 0) break;
      if (at + n + 2 > buf.length) {
        // Whether it opens a part or closes the body is in bytes still to come.
        this.carry = Buffer.from(buf.subarray(at));
        return copy;
      }
      if (buf[at + n] === HYPHEN && buf[at + n + 1] === HYPHEN) {
        this.closed = true;
        this.carry = Buffer.alloc(0);
        return copy;
      }
      this.opened++;
      from = at + n;
    }
    // A delimiter may begin in the last n - 1 bytes and end in the next piece.
    this.carry = Buffer.from(buf.subarray(Math.max(from, buf.length - (n - 1))));
    return copy;
  }
}
