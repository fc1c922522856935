/**
 * RequestHead: one parsed request head as offsets into the caller's buffer. Preallocated once per
 * connection and reused for every request (`reset()`); every field is initialised in the
 * constructor so the object's shape never changes. Hitting the header capacity is a 431, never a
 * reallocation.
 */

import { MAX_HEAD, MAX_HEADERS, MAX_REQUEST_LINE } from "./limits.ts";

/** Methods the daemon and servers compare often get a small number; everything else is OTHER. */
export const METHOD_OTHER = 0;
/** `GET` */
export const METHOD_GET = 1;
/** `HEAD` */
export const METHOD_HEAD = 2;
/** `POST` */
export const METHOD_POST = 3;
/** `PUT` */
export const METHOD_PUT = 4;
/** `DELETE` */
export const METHOD_DELETE = 5;
/** `OPTIONS` */
export const METHOD_OPTIONS = 6;
/** `PATCH` */
export const METHOD_PATCH = 7;
/** `CONNECT` */
export const METHOD_CONNECT = 8;
/** `TRACE` */
export const METHOD_TRACE = 9;

/** Each METHOD_* number's name, at its index ("OTHER" for METHOD_OTHER: every other method). */
export const METHOD_NAMES: readonly string[] = ["OTHER", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];

/**
 * Whether a METHOD_* number names a method netsvc recognises (RFC 9110 §9.1): the eight methods
 * of RFC 9110 §9.3 and PATCH (RFC 5789) — exactly the methods the parser numbers, so this is
 * `method !== METHOD_OTHER`. Method names are case-sensitive: `get` is not GET. A resource that
 * refuses a recognised method answers 405 with `Allow`; a method no one here recognises is 501
 * (RFC 9110 §15.6.2). The one definition: servers extend it (a Router adds its routes' methods),
 * never redefine it.
 */
export function isRecognisedMethod(method: number): boolean {
  return method !== METHOD_OTHER;
}

/** Limits the parser enforces itself. Defaults follow SPEC §6. */
export interface HeadLimits {
  /** Longest request line in bytes, CRLF excluded (414). Default MAX_REQUEST_LINE. */
  maxRequestLine?: number;
  /** Longest head in bytes, leading empty lines and final CRLF included (431). Default MAX_HEAD. */
  maxHead?: number;
  /** Most header fields (431). Default MAX_HEADERS. */
  maxHeaders?: number;
}

/** A parsed request head. All spans are [start, end) offsets into the buffer given to parseHead. */
export class RequestHead {
  /** Limit: request line length (414). */
  readonly maxRequestLine: number;
  /** Limit: head size (431). */
  readonly maxHead: number;
  /** Limit and capacity: number of header fields (431). */
  readonly maxHeaders: number;

  /** Method span. */
  methodStart = 0;
  /** End of the method span. */
  methodEnd = 0;
  /** One of the METHOD_* numbers. */
  method = METHOD_OTHER;
  /** Request-target span (raw, undecoded). */
  targetStart = 0;
  /** End of the request-target span. */
  targetEnd = 0;
  /** HTTP major version (0 with minor 9 for an HTTP/0.9 simple request). */
  versionMajor = 0;
  /** HTTP minor version. */
  versionMinor = 0;

  /** Number of header fields parsed. */
  headerCount = 0;
  /** `headers[4*i .. 4*i+3]` = name start, name end, value start, value end (value trimmed of OWS). */
  readonly headers: Int32Array;

  /** Content-Length value, or -1 when absent. */
  contentLength = -1;
  /** Number of Content-Length fields seen. */
  contentLengthCount = 0;
  /** Number of Transfer-Encoding fields seen. */
  transferEncodingCount = 0;
  /** True when the request body is chunked. */
  chunked = false;
  /**
   * A body follows whose end its transport marks, not its head: an HTTP/2 stream without
   * Content-Length (RFC 9113 §8.1: END_STREAM ends it). Never set by the HTTP/1 parser.
   */
  bodyUntilEnd = false;
  /** Number of Host fields seen. */
  hostCount = 0;
  /** Index of the Host field in `headers`, or -1. */
  hostIndex = -1;
  /** A `keep-alive` token appeared in Connection. */
  connectionKeepAlive = false;
  /** A `close` token appeared in Connection. */
  connectionClose = false;

  // Resumption state for incremental parsing (see parseHead). Each byte is examined once, in
  // order, whatever the chunking: `scanned` is the next byte, `state` the grammar position.
  /** @internal buffer offset where this head's bytes begin; the offsets below are relative to it. */
  base = 0;
  /** @internal bytes from base already examined. */
  scanned = 0;
  /** @internal grammar position of the next byte (a parse-head.ts state). */
  state = 0;
  /** @internal offset from base where the request line begins (after skipped empty lines). */
  lineStart = 0;
  /** @internal offset from base where the current field line begins. */
  fieldStart = 0;
  /** @internal offset from base where the current field name ends. */
  nameEnd = 0;
  /** @internal offset from base where the current field value begins. */
  valueStart = 0;
  /** @internal bytes of "HTTP/x.y" matched so far. */
  versionIndex = 0;
  /** @internal hex digits still expected after a "%" in the request-target (a read may end between them). */
  hexDigitsLeft = 0;
  /** @internal Transfer-Encoding findings (TE_* bits in framing.ts). */
  teFlags = 0;
  /** @internal the target scan has passed its "?" (query characters apply). */
  targetInQuery = false;
  /** @internal buffer offset of the first byte value-scan.ts copied for this request. */
  windowStart = 0;
  /** @internal bytes value-scan.ts copied from windowStart for this request (0: none). */
  windowLength = 0;

  /** Creates a head with the given limits (SPEC §6 defaults). */
  constructor(limits: HeadLimits = {}) {
    this.maxRequestLine = limits.maxRequestLine ?? MAX_REQUEST_LINE;
    this.maxHead = limits.maxHead ?? MAX_HEAD;
    this.maxHeaders = limits.maxHeaders ?? MAX_HEADERS;
    this.headers = new Int32Array(this.maxHeaders * 4);
  }

  /** Forgets the previous request so the head can parse the next one. Allocation-free. */
  reset(): void {
    // Only what parseHead reads before writing it, or accumulates: the request-line spans,
    // method, version and in-progress field positions are always written before they are read.
    this.headerCount = 0;
    this.contentLength = -1;
    this.contentLengthCount = this.transferEncodingCount = this.hostCount = 0;
    this.hostIndex = -1;
    this.chunked = this.bodyUntilEnd = this.connectionKeepAlive = this.connectionClose = false;
    this.scanned = this.state = this.teFlags = 0;
    this.windowLength = 0;
  }

  /** True for an HTTP/0.9 simple request (`GET target CRLF`). */
  isSimpleRequest(): boolean {
    return this.versionMajor === 0;
  }

  /**
   * RFC 9112 §9.3 persistence as the client asked for it: HTTP/1.1 persists unless `close`;
   * HTTP/1.0 only with a `keep-alive` token (RFC 9112 appendix C.2.2) and no `close`; 0.9 never.
   */
  isKeepAliveRequested(): boolean {
    if (this.connectionClose || this.versionMajor !== 1) return false;
    return this.versionMinor >= 1 || this.connectionKeepAlive;
  }

  /** True when a body follows the head (Content-Length > 0, chunked, or delimited by its transport). */
  hasBody(): boolean {
    return this.chunked || this.contentLength > 0 || this.bodyUntilEnd;
  }

  /** Moves every stored span by `delta` bytes (the caller moved the bytes of a partial head). */
  rebase(delta: number): void {
    if (delta === 0) return;
    this.methodStart += delta;
    this.methodEnd += delta;
    this.targetStart += delta;
    this.targetEnd += delta;
    const spans = this.headers;
    for (let i = 0, n = this.headerCount * 4; i < n; i++) spans[i]! += delta;
    this.base += delta;
    this.windowLength = 0; // value-scan.ts's copy holds the old offsets
  }
}
