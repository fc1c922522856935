/**
 * What the framing and routing fields mean: Content-Length, Transfer-Encoding, Connection, Host.
 * Called once per completed field line by parseHead, and once at the end of the head.
 * Hot path: no allocation; names are matched by length, then byte by byte through LOWER.
 */
import { CASE_BIT, COMMA, HOST, HTAB, LOWER, SP, TCHAR } from "./chars.ts";
import {
  E_BAD_CONTENT_LENGTH,
  E_BAD_HOST,
  E_BAD_TRANSFER_ENCODING,
  E_DUPLICATE_CONTENT_LENGTH,
  E_DUPLICATE_HOST,
  E_MISSING_HOST,
  E_TE_ON_HTTP10,
  E_TE_WITH_CONTENT_LENGTH,
  E_UNSUPPORTED_TRANSFER_ENCODING,
} from "./errors.ts";
import type { RequestHead } from "./request-head.ts";
import { parseDecimal } from "./spans.ts";

const ascii = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
/** `host`, lower case, for equalsLower. */
export const NAME_HOST = ascii("host");
const NAME_CONNECTION = ascii("connection");
const NAME_CONTENT_LENGTH = ascii("content-length");
const NAME_TRANSFER_ENCODING = ascii("transfer-encoding");
const TOKEN_CLOSE = ascii("close");
const TOKEN_KEEP_ALIVE = ascii("keep-alive");
const TOKEN_CHUNKED = ascii("chunked");

/** interpretField's hostState: nothing known. */
export const HOST_UNKNOWN = 0;
/** interpretField's hostState: the field name is Host. */
export const HOST_NAME = 1;

/** teFlags: the last coding seen so far is chunked. */
const TE_LAST_CHUNKED = 1;
/** teFlags: chunked was followed by another coding (RFC 9112 §6.3: 400). */
const TE_CHUNKED_NOT_FINAL = 2;
/** teFlags: a coding we do not implement (RFC 9112 §6.1: 501). */
const TE_UNKNOWN = 4;
/** teFlags: an empty or non-token list element. */
const TE_MALFORMED = 8;

/** True when buf[start..end) equals `lower` ignoring ASCII case. `lower` must be lower case. */
export function equalsLower(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  const n = lower.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) if (LOWER[buf[start + i]!] !== lower[i]) return false;
  return true;
}

/** Bit n is set when some name interpretField acts on has length n (all are shorter than 32). */
const FRAMING_LENGTHS =
  (1 << NAME_HOST.length) | (1 << NAME_CONNECTION.length) | (1 << NAME_CONTENT_LENGTH.length) | (1 << NAME_TRANSFER_ENCODING.length);
/** 1 for the first letters of those names in either case (c, h, t), 0 for every other byte. */
const FRAMING_INITIAL = (() => {
  const table = new Uint8Array(256);
  for (const lower of [NAME_HOST, NAME_CONNECTION, NAME_CONTENT_LENGTH, NAME_TRANSFER_ENCODING]) {
    table[lower[0]!] = table[lower[0]! & ~CASE_BIT] = 1;
  }
  return table;
})();

/**
 * False when the field named buf[start..end) cannot be one interpretField acts on (Host,
 * Connection, Content-Length, Transfer-Encoding): the name's length and first letter rule it out.
 * No branch: a length of 32 or more wraps the shift and may say true, which costs only the call.
 */
export function mayBeFramingField(buf: Uint8Array, start: number, end: number): boolean {
  return ((FRAMING_LENGTHS >>> (end - start)) & FRAMING_INITIAL[buf[start]!]!) !== 0;
}

/**
 * Records the meaning of one complete field line. Returns 0, or a negative error code.
 * Value spans are already trimmed of surrounding OWS. `hostState` is what the caller already
 * knows: HOST_UNKNOWN or HOST_NAME (the name is Host). (A Host value parseHead already found
 * clean is recorded by parseHead itself, without this call.)
 */
export function interpretField(
  buf: Uint8Array,
  nameStart: number,
  nameEnd: number,
  valueStart: number,
  valueEnd: number,
  index: number,
  head: RequestHead,
  hostState = HOST_UNKNOWN,
): number {
  if (hostState !== HOST_UNKNOWN) return recordHost(buf, valueStart, valueEnd, index, head);
  // parseHead calls this only for names mayBeFramingField() lets through; the cases below match
  // the whole name, so nothing else is acted on either way.
  switch (nameEnd - nameStart) {
    case 4:
      return equalsLower(buf, nameStart, nameEnd, NAME_HOST) ? recordHost(buf, valueStart, valueEnd, index, head) : 0;
    case 10:
      if (equalsLower(buf, nameStart, nameEnd, NAME_CONNECTION)) readConnection(buf, valueStart, valueEnd, head);
      return 0;
    case 14:
      if (!equalsLower(buf, nameStart, nameEnd, NAME_CONTENT_LENGTH)) return 0;
      // RFC 9112 §6.3 and SPEC §3: duplicate Content-Length fields are refused, even equal ones.
      if (head.contentLengthCount++ > 0) return E_DUPLICATE_CONTENT_LENGTH;
      // RFC 9110 §8.6: Content-Length = 1*DIGIT; no sign, no list, no overflow.
      head.contentLength = parseDecimal(buf, valueStart, valueEnd);
      return head.contentLength < 0 ? E_BAD_CONTENT_LENGTH : 0;
    case 17:
      if (!equalsLower(buf, nameStart, nameEnd, NAME_TRANSFER_ENCODING)) return 0;
      head.transferEncodingCount++;
      if (valueEnd - valueStart === TOKEN_CHUNKED.length && equalsLower(buf, valueStart, valueEnd, TOKEN_CHUNKED)) {
        // hot path: the whole value is `chunked` (what readTransferCodings would conclude).
        if (head.teFlags & TE_LAST_CHUNKED) head.teFlags |= TE_CHUNKED_NOT_FINAL;
        head.teFlags |= TE_LAST_CHUNKED;
      } else readTransferCodings(buf, valueStart, valueEnd, head);
      return 0;
    default:
      return 0;
  }
}

/** A Host field: at most one (RFC 9112 §3.2), its value `uri-host [":" port]` (RFC 9110 §7.2). */
function recordHost(buf: Uint8Array, valueStart: number, valueEnd: number, index: number, head: RequestHead): number {
  if (head.hostCount++ > 0) return E_DUPLICATE_HOST;
  head.hostIndex = index;
  for (let p = valueStart; p < valueEnd; p++) if (HOST[buf[p]!] === 0) return E_BAD_HOST;
  return 0;
}

// The element found by nextListElement (module scratch: no allocation per element).
let elementStart = 0;
let elementEnd = 0;

/**
 * RFC 9110 §5.6.1 `#element`: finds the element starting at `p` (up to the next comma or `end`),
 * trimmed of OWS, into elementStart/elementEnd; returns where the next element starts.
 */
function nextListElement(buf: Uint8Array, p: number, end: number): number {
  let e = p;
  while (e < end && buf[e] !== COMMA) e++;
  const next = e + 1;
  let s = p;
  while (s < e && (buf[s] === SP || buf[s] === HTAB)) s++;
  while (e > s && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
  elementStart = s;
  elementEnd = e;
  return next;
}

/** RFC 9110 §7.6.1: Connection = #connection-option; notes the close and keep-alive tokens. */
function readConnection(buf: Uint8Array, start: number, end: number, head: RequestHead): void {
  // hot path: a value of one token with no comma or space (`keep-alive`, `close`) needs no list.
  if (equalsLower(buf, start, end, TOKEN_KEEP_ALIVE)) {
    head.connectionKeepAlive = true;
    return;
  }
  if (equalsLower(buf, start, end, TOKEN_CLOSE)) {
    head.connectionClose = true;
    return;
  }
  for (let p = start; p < end; ) {
    p = nextListElement(buf, p, end);
    // Connection options are case-insensitive tokens.
    if (equalsLower(buf, elementStart, elementEnd, TOKEN_CLOSE)) head.connectionClose = true;
    else if (equalsLower(buf, elementStart, elementEnd, TOKEN_KEEP_ALIVE)) head.connectionKeepAlive = true;
  }
}

/** RFC 9112 §6.1: Transfer-Encoding = #transfer-coding; records findings in head.teFlags. */
function readTransferCodings(buf: Uint8Array, start: number, end: number, head: RequestHead): void {
  if (start === end) head.teFlags |= TE_MALFORMED;
  for (let p = start; p < end; ) {
    p = nextListElement(buf, p, end);
    const s = elementStart;
    const e = elementEnd;
    // A coding is a token, optionally with parameters; we implement none with parameters.
    let tokenEnd = s;
    while (tokenEnd < e && TCHAR[buf[tokenEnd]!] === 1) tokenEnd++;
    if (tokenEnd === s) {
      head.teFlags |= TE_MALFORMED;
    } else {
      if (head.teFlags & TE_LAST_CHUNKED) head.teFlags |= TE_CHUNKED_NOT_FINAL;
      if (tokenEnd === e && equalsLower(buf, s, e, TOKEN_CHUNKED)) {
        head.teFlags |= TE_LAST_CHUNKED;
      } else {
        head.teFlags = (head.teFlags & ~TE_LAST_CHUNKED) | TE_UNKNOWN;
      }
    }
  }
}

/**
 * Decisions that need the whole head (RFC 9112 §3.2, §6.1, §6.3). Returns 0 or an error code,
 * and sets head.chunked.
 */
export function checkHead(head: RequestHead): number {
  // RFC 9112 §3.2: a client MUST send Host in HTTP/1.1; a server MUST answer 400 when it is missing.
  if (head.versionMajor === 1 && head.versionMinor >= 1 && head.hostCount === 0) return E_MISSING_HOST;
  if (head.transferEncodingCount === 0) return 0;
  // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
  if (head.versionMinor === 0) return E_TE_ON_HTTP10;
  // RFC 9112 §6.3 item 3: both framings present → refuse (we are the origin; no smuggling).
  if (head.contentLengthCount > 0) return E_TE_WITH_CONTENT_LENGTH;
  const flags = head.teFlags;
  if (flags & (TE_MALFORMED | TE_CHUNKED_NOT_FINAL)) return E_BAD_TRANSFER_ENCODING;
  if (flags & TE_UNKNOWN) return E_UNSUPPORTED_TRANSFER_ENCODING;
  head.chunked = (flags & TE_LAST_CHUNKED) !== 0;
  return 0;
}
