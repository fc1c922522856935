/**
 * BodyDecoder: the request body after the head, incrementally: a Content-Length countdown, or the
 * chunked coding decoded strictly (RFC 9112 §7.1):
 *
 *   chunked-body   = *chunk last-chunk trailer-section CRLF
 *   chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size     = 1*HEXDIG
 *   last-chunk     = 1*("0") [ chunk-ext ] CRLF
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   trailer-section = *( field-line CRLF )
 *
 * It yields body pieces as offsets into the caller's buffer (`pieceStart`, `pieceEnd`) and reports
 * where the next request begins (the offset returned once `done`). Trailer fields are validated
 * with the head's rules, counted and discarded (RFC 9110 §6.5.1 lets a recipient discard them);
 * they are never merged into the head. Preallocated per connection; no allocation per piece.
 */
import { COLON, CR, FIELD_VALUE, HEX_VALUE, HTAB, LF, NOT_HEX, SEMICOLON, SP, TCHAR } from "./chars.ts";
import {
  E_BAD_CHUNK_DATA_END,
  E_BAD_CHUNK_EXTENSION,
  E_BAD_CHUNK_SIZE,
  E_BAD_TRAILER,
  E_BARE_CR,
  E_BARE_LF,
  E_CHUNK_EXTENSION_TOO_LONG,
  E_TRAILER_TOO_LARGE,
} from "./errors.ts";
import { MAX_CHUNK_EXTENSION, MAX_HEAD, MAX_HEADERS } from "./limits.ts";
import { EXT_BWS_BEFORE_SEMICOLON, EXT_END, EXT_ERROR, stepChunkExt } from "./chunk-ext.ts";

/** No body: the decoder is done at once. */
export const BODY_NONE = 0;
/** Content-Length framing. */
export const BODY_LENGTH = 1;
/** Chunked framing. */
export const BODY_CHUNKED = 2;

// Grammar positions of the chunked decoder.
const CHUNK_SIZE_START = 0;
const CHUNK_SIZE = 1;
const CHUNK_EXTENSION = 2;
const CHUNK_SIZE_ALMOST_DONE = 3; // CR after size/extension seen, LF expected
const CHUNK_DATA = 4;
const CHUNK_DATA_CR = 5;
const CHUNK_DATA_LF = 6;
const TRAILER_LINE_START = 7;
const TRAILER_NAME = 8;
const TRAILER_VALUE = 9;
const TRAILER_LINE_ALMOST_DONE = 10;
const BODY_ALMOST_DONE = 11; // CR of the final empty line seen, LF expected

/** A chunk size above this cannot be multiplied by 16 and stay an exact integer. */
const MAX_SIZE_BEFORE_SHIFT = Math.floor(Number.MAX_SAFE_INTEGER / 16);

/** Limits of the chunked decoder. Defaults follow SPEC §6. */
export interface BodyLimits {
  /** Longest chunk extension per chunk-size line, in bytes (413). Default MAX_CHUNK_EXTENSION. */
  maxChunkExtension?: number;
  /** Largest trailer section in bytes (431). Default MAX_HEAD (a trailer section is held to the head's limits). */
  maxTrailerBytes?: number;
  /** Most trailer fields (431). Default MAX_HEADERS. */
  maxTrailers?: number;
}

/** Incremental body decoder; reuse it with start() for each request. */
export class BodyDecoder {
  /** Limit: chunk extension bytes per line. */
  readonly maxChunkExtension: number;
  /** Limit: trailer section bytes. */
  readonly maxTrailerBytes: number;
  /** Limit: trailer fields. */
  readonly maxTrailers: number;

  /** BODY_NONE, BODY_LENGTH or BODY_CHUNKED. */
  mode = BODY_NONE;
  /** The body is complete; the offset last returned is where the next request begins. */
  done = true;
  /** Start of the piece found by the last decode() (equal to pieceEnd when none). */
  pieceStart = 0;
  /** End of the piece found by the last decode(). */
  pieceEnd = 0;
  /** Body bytes decoded so far (chunk data only, framing excluded). */
  received = 0;
  /** Trailer fields seen. */
  trailerCount = 0;

  private remaining = 0;
  private state = CHUNK_SIZE_START;
  private extensionLength = 0;
  /** Position in the chunk-extension grammar (chunk-ext.ts) while in CHUNK_EXTENSION. */
  private extensionPos = EXT_BWS_BEFORE_SEMICOLON;
  private trailerBytes = 0;

  /** Creates a decoder with the given limits. */
  constructor(limits: BodyLimits = {}) {
    this.maxChunkExtension = limits.maxChunkExtension ?? MAX_CHUNK_EXTENSION;
    this.maxTrailerBytes = limits.maxTrailerBytes ?? MAX_HEAD;
    this.maxTrailers = limits.maxTrailers ?? MAX_HEADERS;
  }

  /** Prepares for a body of `contentLength` bytes (-1: none), or a chunked one. */
  start(contentLength: number, chunked: boolean): void {
    this.mode = chunked ? BODY_CHUNKED : contentLength > 0 ? BODY_LENGTH : BODY_NONE;
    this.done = this.mode === BODY_NONE;
    this.remaining = this.mode === BODY_LENGTH ? contentLength : 0;
    this.state = CHUNK_SIZE_START;
    this.pieceStart = this.pieceEnd = 0;
    this.received = 0;
    this.trailerCount = this.trailerBytes = this.extensionLength = 0;
    this.extensionPos = EXT_BWS_BEFORE_SEMICOLON;
  }

  /** Bytes still expected for a Content-Length body (0 for chunked and for none). */
  remainingLength(): number {
    return this.mode === BODY_LENGTH ? this.remaining : 0;
  }

  /**
   * Decodes from `buf[start..end)`. Returns the offset reached (≥ start), or a negative error code.
   * Stops after the first piece of data found (pieceStart < pieceEnd), when the body is complete
   * (`done`), or at `end`. Call again from the returned offset while it is < end and not done.
   * Hot path: no allocation.
   */
  decode(buf: Uint8Array, start: number, end: number): number {
    this.pieceStart = this.pieceEnd = start;
    if (this.done) return start;
    if (this.mode === BODY_LENGTH) {
      const n = Math.min(this.remaining, end - start);
      this.pieceEnd = start + n;
      this.remaining -= n;
      this.received += n;
      if (this.remaining === 0) this.done = true;
      return start + n;
    }
    return this.decodeChunked(buf, start, end);
  }

  private decodeChunked(buf: Uint8Array, start: number, end: number): number {
    let p = start;
    let state = this.state;
    while (p < end) {
      const c = buf[p]!;
      switch (state) {
        case CHUNK_SIZE_START:
          if (HEX_VALUE[c] === NOT_HEX) return E_BAD_CHUNK_SIZE;
          this.remaining = 0;
          this.extensionLength = 0;
          state = CHUNK_SIZE;
          continue; // the digit is read by CHUNK_SIZE
        case CHUNK_SIZE: {
          // Every hex digit at once, the size kept in a local; then the byte that ends it.
          let size = this.remaining;
          let v = HEX_VALUE[c]!;
          while (v !== NOT_HEX) {
            if (size > MAX_SIZE_BEFORE_SHIFT) return E_BAD_CHUNK_SIZE; // overflow
            size = size * 16 + v;
            if (++p === end) break;
            v = HEX_VALUE[buf[p]!]!;
          }
          this.remaining = size;
          if (v !== NOT_HEX) break; // the buffer ended inside the size
          const stopByte = buf[p]!;
          if (stopByte === CR) {
            state = CHUNK_SIZE_ALMOST_DONE;
            p++;
            // hot path: the LF follows in this buffer; go on to the data without a dispatch.
            if (p < end && buf[p] === LF && size !== 0) {
              p++;
              state = CHUNK_DATA;
            }
          } else if (stopByte === SEMICOLON || stopByte === SP || stopByte === HTAB) {
            this.extensionPos = EXT_BWS_BEFORE_SEMICOLON;
            state = CHUNK_EXTENSION;
          } else {
            return E_BAD_CHUNK_SIZE;
          }
          break;
        }
        case CHUNK_EXTENSION: {
          // RFC 9112 §7.1.1, strictly (chunk-ext.ts); capped so a client cannot stream an
          // endless extension.
          const next = stepChunkExt(this.extensionPos, c);
          if (next === EXT_END) {
            state = CHUNK_SIZE_ALMOST_DONE;
            p++;
            break;
          }
          if (next === EXT_ERROR) return c === LF ? E_BARE_LF : E_BAD_CHUNK_EXTENSION;
          if (++this.extensionLength > this.maxChunkExtension) return E_CHUNK_EXTENSION_TOO_LONG;
          this.extensionPos = next;
          p++;
          break;
        }
        case CHUNK_SIZE_ALMOST_DONE:
          if (c !== LF) return E_BARE_CR;
          p++;
          state = this.remaining === 0 ? TRAILER_LINE_START : CHUNK_DATA;
          break;
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, end - p);
          this.pieceStart = p;
          this.pieceEnd = p + n;
          this.remaining -= n;
          this.received += n;
          p += n;
          if (this.remaining === 0) state = CHUNK_DATA_CR;
          this.state = state;
          return p;
        }
        case CHUNK_DATA_CR:
          if (c !== CR) return E_BAD_CHUNK_DATA_END;
          p++;
          state = CHUNK_DATA_LF;
          // hot path: CRLF and the next size line in this buffer, without a dispatch per byte.
          if (p + 1 < end && buf[p] === LF && HEX_VALUE[buf[p + 1]!] !== NOT_HEX) {
            p++;
            this.remaining = 0;
            this.extensionLength = 0;
            state = CHUNK_SIZE;
          }
          break;
        case CHUNK_DATA_LF:
          if (c !== LF) return E_BAD_CHUNK_DATA_END;
          p++;
          state = CHUNK_SIZE_START;
          break;
        case TRAILER_LINE_START:
          if (++this.trailerBytes > this.maxTrailerBytes) return E_TRAILER_TOO_LARGE;
          if (c === CR) {
            state = BODY_ALMOST_DONE;
          } else if (c === LF) {
            return E_BARE_LF;
          } else if (TCHAR[c] === 1) {
            // RFC 9112 §7.1.2: trailer fields follow the field-line rules of the head.
            if (++this.trailerCount > this.maxTrailers) return E_TRAILER_TOO_LARGE;
            state = TRAILER_NAME;
          } else {
            return E_BAD_TRAILER; // obs-fold, empty or invalid name
          }
          p++;
          break;
        case TRAILER_NAME:
          if (++this.trailerBytes > this.maxTrailerBytes) return E_TRAILER_TOO_LARGE;
          if (c === COLON) state = TRAILER_VALUE;
          else if (TCHAR[c] === 0) return E_BAD_TRAILER;
          p++;
          break;
        case TRAILER_VALUE:
          if (++this.trailerBytes > this.maxTrailerBytes) return E_TRAILER_TOO_LARGE;
          if (c === CR) state = TRAILER_LINE_ALMOST_DONE;
          else if (FIELD_VALUE[c] === 0) return c === LF ? E_BARE_LF : E_BAD_TRAILER;
          p++;
          break;
        case TRAILER_LINE_ALMOST_DONE:
          if (c !== LF) return E_BARE_CR;
          this.trailerBytes++;
          p++;
          state = TRAILER_LINE_START;
          break;
        case BODY_ALMOST_DONE:
          if (c !== LF) return E_BARE_CR;
          p++;
          this.done = true;
          this.state = state;
          return p;
      }
    }
    this.state = state;
    return p;
  }
}
