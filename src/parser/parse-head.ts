/**
 * parseHead: one request head, incrementally, from bytes to offsets.
 *
 * Grammar (RFC 9112 §2.2, §3, §5; RFC 1945 §4.1 for the simple request):
 *   *( CRLF )                                  leading empty lines are skipped (RFC 9112 §2.2)
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   simple-request = "GET" SP request-target CRLF   (HTTP/0.9)
 *   *( field-line CRLF ) CRLF
 *   field-line = field-name ":" OWS field-value OWS
 *
 * Every byte is examined exactly once, in order, whatever the chunking: the grammar position and
 * the offset reached are kept in the RequestHead between calls, so a head trickling in one byte
 * at a time costs O(n), and the outcome never depends on where the reads were split.
 */
import {
  allIn8,
  COLON,
  CR,
  DEL,
  HEX_VALUE,
  HOST,
  HTAB,
  LF,
  NOT_HEX,
  PERCENT,
  QUESTION,
  SP,
  TARGET_PATH,
  TARGET_QUERY,
  TCHAR,
} from "./chars.ts";
import {
  E_BAD_HEADER_NAME,
  E_BAD_HEADER_VALUE,
  E_BAD_PERCENT_ENCODING,
  E_BAD_REQUEST_LINE,
  E_BAD_SIMPLE_REQUEST,
  E_BAD_TARGET,
  E_BAD_VERSION,
  E_DUPLICATE_HOST,
  E_BARE_CR,
  E_BARE_LF,
  E_HEAD_TOO_LARGE,
  E_OBS_FOLD,
  E_REQUEST_LINE_TOO_LONG,
  E_SPACE_BEFORE_COLON,
  E_TOO_MANY_HEADERS,
  E_UNSUPPORTED_VERSION,
  INCOMPLETE,
} from "./errors.ts";
import { HOST_NAME, HOST_UNKNOWN, NAME_HOST, checkHead, equalsLower, interpretField, mayBeFramingField } from "./framing.ts";
import { checkTargetForm } from "./target-form.ts";
import { BLOCK, scanFieldValue } from "./value-scan.ts";
import { isHostName, isVersionCR, methodCode } from "./head-words.ts";
import { METHOD_GET, METHOD_POST, type RequestHead } from "./request-head.ts";

// Bytes the hot path compares with, as constants of this module: JSC folds a module's own
// constant in place, and not always an imported one (measured: imported from head-words.ts or
// chars.ts, parseHead lost 4% on the chunked corpus of bench/parser/ab.ts).
const G = 0x47;
const E = 0x45;
const H = 0x48;
const T = 0x54;
const P = 0x50;
const O = 0x4f;
const S = 0x53;
const DIGIT_0 = 0x30;
const DOT = 0x2e;
const SLASH = 0x2f;

// Grammar positions. The request-line states are the ones below FIELD_LINE_START.
const LINE_START = 0; // before the request line, or before another leading empty line
const EMPTY_LINE_ALMOST_DONE = 1; // CR of a leading empty line seen, LF expected
const METHOD = 2;
const REQUEST_TARGET = 3;
const HTTP_VERSION = 4;
const REQUEST_LINE_ALMOST_DONE = 5; // CR after the version seen, LF expected
const SIMPLE_REQUEST_ALMOST_DONE = 6; // CR right after the target seen, LF expected
const FIELD_LINE_START = 7;
const FIELD_NAME = 8;
const FIELD_VALUE_DISCARD_WS = 9;
const FIELD_VALUE_CHARS = 10;
const FIELD_LINE_ALMOST_DONE = 11; // CR after a value seen, LF expected
const HEAD_ALMOST_DONE = 12; // CR of the final empty line seen, LF expected

/**
 * Parses one request head from `buf[start..end)` into `head`.
 *
 * Returns the offset just past the head's final CRLF (> start) when complete; INCOMPLETE when more
 * bytes are needed; otherwise a negative error code from errors.ts.
 *
 * Call `head.reset()` before the first call for a request. After INCOMPLETE, call again with the
 * same bytes plus more: `buf[start..]` must begin with the bytes given before, but the caller may
 * have moved them to another buffer or offset (the head rebases its spans). Bytes past the head are
 * never examined. Hot path: no allocation.
 */
export function parseHead(buf: Uint8Array, start: number, end: number, head: RequestHead): number {
  if (head.scanned === 0 && head.state === LINE_START) head.base = start;
  else if (head.base !== start) head.rebase(start - head.base);

  const base = start;
  const headLimit = base + head.maxHead;
  const headStop = Math.min(end, headLimit);
  let p = base + head.scanned;
  let state = head.state;
  let stop = headStop;
  // The current field line's positions live in locals; they are saved only when suspending.
  let fieldStart = base + head.fieldStart;
  let nameEnd = base + head.nameEnd;
  let valueStart = base + head.valueStart;
  // The current field is Host (decided at its colon in this call; false after a resumption).
  let hostField = false;
  let hostClean = false;

  for (;;) {
    // Where this state may read up to: the head limit, and for the request line its own limit.
    stop = headStop;
    let lineLimit = -1;
    if (state < FIELD_LINE_START && state >= METHOD) {
      lineLimit = base + head.lineStart + head.maxRequestLine + 2; // +2: the CRLF is not counted
      if (lineLimit < stop) stop = lineLimit;
    }
    if (p >= stop) {
      head.scanned = p - base;
      head.state = state;
      head.fieldStart = fieldStart - base;
      head.nameEnd = nameEnd - base;
      head.valueStart = valueStart - base;
      if (lineLimit >= 0 && p >= lineLimit) return E_REQUEST_LINE_TOO_LONG;
      if (p >= headLimit) return E_HEAD_TOO_LARGE;
      return INCOMPLETE;
    }

    // Cases fall through to the next grammar position when the bytes are there, so a complete
    // head is parsed in one pass without returning to the dispatch. Every `break` goes back to
    // the top, which decides between INCOMPLETE, a limit error, and carrying on.
    switch (state) {
      case LINE_START: {
        const c = buf[p]!;
        if (c === CR) {
          state = EMPTY_LINE_ALMOST_DONE;
          p++;
          break;
        }
        if (c === LF) return E_BARE_LF;
        head.lineStart = p - base;
        head.methodStart = p;
        state = METHOD;
        // The request line's own limit starts here.
        const lineStop = p + head.maxRequestLine + 2;
        if (lineStop < stop) stop = lineStop;
      }
      // falls through
      case METHOD: {
        if (buf[p] === G && p + 4 <= stop && buf[p + 1] === E && buf[p + 2] === T && buf[p + 3] === SP && p === head.methodStart) {
          // hot path: `GET ` decided in one step.
          head.methodEnd = p + 3;
          head.method = METHOD_GET;
          p += 4;
        } else if (
          buf[p] === P &&
          p + 5 <= stop &&
          buf[p + 1] === O &&
          buf[p + 2] === S &&
          buf[p + 3] === T &&
          buf[p + 4] === SP &&
          p === head.methodStart
        ) {
          // `POST ` likewise (methodCode is a call JSC may leave out of line).
          head.methodEnd = p + 4;
          head.method = METHOD_POST;
          p += 5;
        } else {
          while (p < stop && TCHAR[buf[p]!] === 1) p++;
          if (p === stop) break;
          // RFC 9112 §3: method = token, then exactly one SP.
          if (buf[p] !== SP || p === head.methodStart) return E_BAD_REQUEST_LINE;
          head.methodEnd = p;
          head.method = methodCode(buf, head.methodStart, p);
          p++;
        }
        head.targetStart = p;
        head.targetInQuery = false;
        head.hexDigitsLeft = 0;
        state = REQUEST_TARGET;
      }
      // falls through
      case REQUEST_TARGET: {
        // RFC 3986 via RFC 9112 §3.2: path characters up to "?", query characters after it;
        // each "%" must start a pct-encoded triple (its digits may arrive in a later read).
        let table = head.targetInQuery ? TARGET_QUERY : TARGET_PATH;
        let hexLeft = head.hexDigitsLeft;
        let c = 0;
        for (;;) {
          for (; hexLeft > 0 && p < stop; hexLeft--, p++) if (HEX_VALUE[buf[p]!] === NOT_HEX) return E_BAD_PERCENT_ENCODING;
          // The path (most of a target) eight bytes per branch, as for field values below; not
          // for a one-byte path such as `/` (measured: the wasted test cost the minimal request 4%).
          if (table === TARGET_PATH && p + BLOCK <= stop && TARGET_PATH[buf[p + 1]!] === 1) {
            while (p + BLOCK <= stop && allIn8(TARGET_PATH, buf, p)) p += BLOCK;
          }
          while (p < stop && table[buf[p]!] === 1) p++;
          if (p === stop) break;
          c = buf[p]!;
          if (c === PERCENT) {
            hexLeft = 2;
            p++;
          } else if (c === QUESTION && table === TARGET_PATH) {
            table = TARGET_QUERY;
            p++;
          } else break;
        }
        if (p === stop) {
          head.targetInQuery = table === TARGET_QUERY;
          head.hexDigitsLeft = hexLeft;
          break;
        }
        if (hexLeft > 0) return E_BAD_PERCENT_ENCODING;
        // RFC 9112 §3: single SP separators; no HTAB, CTLs or raw non-ASCII in the target, and
        // no visible character that RFC 3986 (or a browser) would have percent-encoded.
        if ((c !== SP && c !== CR) || p === head.targetStart) return c > SP && c < DEL ? E_BAD_TARGET : E_BAD_REQUEST_LINE;
        head.targetEnd = p;
        p++;
        if (c === CR) {
          state = SIMPLE_REQUEST_ALMOST_DONE;
          break;
        }
        head.versionIndex = 0;
        state = HTTP_VERSION;
      }
      // falls through
      case HTTP_VERSION: {
        // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive, then CRLF.
        let i = head.versionIndex;
        if (i === 0 && p + 9 <= stop && isVersionCR(buf, p)) {
          head.versionMajor = buf[p + 5]! - DIGIT_0;
          head.versionMinor = buf[p + 7]! - DIGIT_0;
          p += 9;
          i = 9;
        }
        while (p < stop && i < 9) {
          const c = buf[p]!;
          switch (i) {
            case 0:
              if (c !== H) return E_BAD_VERSION;
              break;
            case 1:
            case 2:
              if (c !== T) return E_BAD_VERSION;
              break;
            case 3:
              if (c !== P) return E_BAD_VERSION;
              break;
            case 4:
              if (c !== SLASH) return E_BAD_VERSION;
              break;
            case 5:
              if ((c - DIGIT_0) >>> 0 > 9) return E_BAD_VERSION;
              head.versionMajor = c - DIGIT_0;
              break;
            case 6:
              if (c !== DOT) return E_BAD_VERSION;
              break;
            case 7:
              if ((c - DIGIT_0) >>> 0 > 9) return E_BAD_VERSION;
              head.versionMinor = c - DIGIT_0;
              break;
            default:
              if (c !== CR) return E_BAD_VERSION;
          }
          i++;
          p++;
        }
        head.versionIndex = i;
        if (i < 9 || p === stop) {
          if (i === 9) state = REQUEST_LINE_ALMOST_DONE;
          break;
        }
        state = REQUEST_LINE_ALMOST_DONE;
      }
      // falls through
      case REQUEST_LINE_ALMOST_DONE:
        if (buf[p] !== LF) return E_BARE_CR;
        // RFC 9110 §2.5: we implement 1.x; a later 1.x minor is handled as 1.1. Other majors: 505.
        if (head.versionMajor !== 1) return E_UNSUPPORTED_VERSION;
        // The target's form is judged once the version is known (an HTTP/2 preface gets 505).
        // Origin-form ("/…") needs no call: the calls below are kept off the common path because
        // JSC does not reliably inline them into this large function (measured: the compiled
        // code, and the speed, then varied from process to process by up to a third).
        if (buf[head.targetStart] !== SLASH) {
          const form = checkTargetForm(buf, head.targetStart, head.targetEnd, head.method);
          if (form < 0) return form;
        }
        p++;
        state = FIELD_LINE_START;
        stop = headStop;
        if (p === stop) break;
      // falls through
      case FIELD_LINE_START: {
        const c = buf[p]!;
        if (c === CR) {
          state = HEAD_ALMOST_DONE;
          p++;
          break;
        }
        if (c === LF) return E_BARE_LF;
        // RFC 9112 §5.2: obs-fold is refused with 400 in a request.
        if (c === SP || c === HTAB) return E_OBS_FOLD;
        if (head.headerCount === head.maxHeaders) return E_TOO_MANY_HEADERS;
        fieldStart = p;
        state = FIELD_NAME;
      }
      // falls through
      case FIELD_NAME: {
        if (p === fieldStart && p + 5 <= stop && buf[p + 4] === COLON && isHostName(buf, p)) {
          // hot path: `Host:` decided in one step (every HTTP/1.1 request has one).
          hostField = true;
          p += 4;
        } else {
          while (p < stop && TCHAR[buf[p]!] === 1) p++;
          if (p === stop) break;
          const c = buf[p]!;
          if (c !== COLON) {
            // RFC 9112 §5.1: no whitespace between field name and colon → 400.
            return c === SP || c === HTAB ? E_SPACE_BEFORE_COLON : E_BAD_HEADER_NAME;
          }
          if (p === fieldStart) return E_BAD_HEADER_NAME;
          hostField = p - fieldStart === 4 && equalsLower(buf, fieldStart, p, NAME_HOST);
        }
        nameEnd = p;
        p++;
        state = FIELD_VALUE_DISCARD_WS;
      }
      // falls through
      case FIELD_VALUE_DISCARD_WS: {
        while (p < stop && (buf[p] === SP || buf[p] === HTAB)) p++;
        if (p === stop) break;
        valueStart = p;
        state = FIELD_VALUE_CHARS;
      }
      // falls through
      case FIELD_VALUE_CHARS: {
        // A Host value scanned whole with the stricter HOST table needs no second pass; any other
        // byte (or a resumption) leaves the check to interpretField.
        hostClean = false;
        if (hostField && p === valueStart) {
          while (p < stop && HOST[buf[p]!] === 1) p++;
          hostClean = p < stop && buf[p] === CR;
        }
        if (!hostClean) {
          // hot path: the most bytes of a head, sixteen per step in value-scan.ts (measured: even
          // a 7-byte value is faster there than eight bytes tested here first, +5% on the browser
          // and chunked requests). A clean Host value already stands on its CR: no scan at all.
          p = scanFieldValue(buf, p, stop, head);
        }
        if (p === stop) break;
        const c = buf[p]!;
        if (c !== CR) {
          // RFC 9110 §5.5: CTLs (and DEL) are not field-vchar.
          return c === LF ? E_BARE_LF : E_BAD_HEADER_VALUE;
        }
        p++;
        state = FIELD_LINE_ALMOST_DONE;
        if (p === stop) break;
      }
      // falls through
      case FIELD_LINE_ALMOST_DONE: {
        if (buf[p] !== LF) return E_BARE_CR;
        let valueEnd = p - 1; // the CR
        while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
        const index = head.headerCount;
        const spans = head.headers;
        spans[index * 4] = fieldStart;
        spans[index * 4 + 1] = nameEnd;
        spans[index * 4 + 2] = valueStart;
        spans[index * 4 + 3] = valueEnd;
        head.headerCount = index + 1;
        if (hostField && hostClean) {
          // recordHost's work for a Host value already checked byte by byte (RFC 9112 §3.2: one).
          if (head.hostCount++ > 0) return E_DUPLICATE_HOST;
          head.hostIndex = index;
        } else if (hostField || mayBeFramingField(buf, fieldStart, nameEnd)) {
          const err = interpretField(buf, fieldStart, nameEnd, valueStart, valueEnd, index, head, hostField ? HOST_NAME : HOST_UNKNOWN);
          if (err < 0) return err;
        }
        p++;
        state = FIELD_LINE_START;
        if (p + 1 < stop && buf[p] === CR && buf[p + 1] === LF) {
          // hot path: the final empty line follows; finish without another dispatch.
          p++;
          state = HEAD_ALMOST_DONE;
        } else break;
      }
      // falls through
      case HEAD_ALMOST_DONE: {
        if (buf[p] !== LF) return E_BARE_CR;
        // checkHead has nothing to say when there is a Host and no Transfer-Encoding.
        if (head.transferEncodingCount !== 0 || head.hostCount === 0) {
          const err = checkHead(head);
          if (err < 0) return err;
        }
        head.scanned = p + 1 - base;
        head.state = state;
        return p + 1;
      }
      case SIMPLE_REQUEST_ALMOST_DONE:
        if (buf[p] !== LF) return E_BARE_CR;
        // RFC 1945 §4.1: Simple-Request = "GET" SP Request-URI CRLF; anything else versionless → 400.
        if (head.method !== METHOD_GET) return E_BAD_SIMPLE_REQUEST;
        if (checkTargetForm(buf, head.targetStart, head.targetEnd, head.method) < 0) return E_BAD_TARGET;
        head.versionMajor = 0;
        head.versionMinor = 9;
        return p + 1;
      case EMPTY_LINE_ALMOST_DONE:
        // RFC 9112 §2.2: skip empty lines before the request line, but only well-formed CRLFs.
        if (buf[p] !== LF) return E_BARE_CR;
        p++;
        state = LINE_START;
        break;
    }
  }
}
