/**
 * HeaderBlock: the decoded output of one HTTP/2 header block (a request's HEADERS + CONTINUATION,
 * or its trailers), preallocated and reused. The HPACK decoder copies every stored name and value
 * once into `bytes` and records spans; pseudo-header fields get spans of their own, regular fields
 * four Int32 each in `fields`. It also judges the fields as RFC 9113 §8.2–§8.3 require.
 *
 * Two verdicts that do not stop decoding (the dynamic table must stay in step with the peer's):
 * - `tooLarge`: the header list passed `maxListSize` (RFC 9113 §6.5.2); from that field on nothing
 *   is stored or copied, so a small block that expands enormously (the HPACK bomb) costs no
 *   memory and no copying. The caller answers 431 (or resets the stream).
 * - `malformed`: the first MALFORMED_* code found (RFC 9113 §8.1.1: a stream error,
 *   PROTOCOL_ERROR). Fields arriving after the list is too large are not judged.
 */
import { FIELD_VALUE, HTAB, SP, TCHAR } from "../chars.ts";
import { H2_MAX_HEADER_LIST } from "../limits.ts";
import { copyBytes } from "./copy-bytes.ts";
import { ascii, isConnectionSpecific } from "./field-names.ts";
import { ENTRY_OVERHEAD } from "./hpack-dynamic-table.ts";
import {
  MALFORMED_CONNECT,
  MALFORMED_CONNECTION_FIELD,
  MALFORMED_EMPTY_PATH,
  MALFORMED_MISSING_PSEUDO,
  MALFORMED_NAME,
  MALFORMED_PSEUDO_AFTER_FIELD,
  MALFORMED_PSEUDO_IN_TRAILERS,
  MALFORMED_PSEUDO_REPEATED,
  MALFORMED_RESPONSE_PSEUDO,
  MALFORMED_TE,
  MALFORMED_UNKNOWN_PSEUDO,
  MALFORMED_VALUE,
} from "./hpack-errors.ts";

/** Int32 slots per regular field in `fields`: nameStart, nameEnd, valueStart, valueEnd. */
export const FIELD_SLOTS = 4;
/** A pseudo-header field name begins with a colon (RFC 9113 §8.3). */
const COLON = 0x3a;
/** ASCII uppercase letters, refused in an HTTP/2 field name. */
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

/** RFC 9113 §8.2.1 with RFC 9110 §5.6.2: a field name is a token with no uppercase letter. */
const LOWER_TCHAR = Uint8Array.from(TCHAR, (v, c) => (c >= UPPER_A && c <= UPPER_Z ? 0 : v));

const METHOD = ascii(":method");
const SCHEME = ascii(":scheme");
const AUTHORITY = ascii(":authority");
const PATH = ascii(":path");
const PROTOCOL = ascii(":protocol");
const STATUS = ascii(":status");
const CONNECT = ascii("CONNECT");
const TE = ascii("te");
const TRAILERS = ascii("trailers");

/** Whether `buf[s..e)` equals `word` byte for byte. */
function isWord(buf: Uint8Array, s: number, e: number, word: Uint8Array): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[s + i] !== word[i]) return false;
  return true;
}

/** A verdict not known yet: HeaderBlock.store computes it. Distinct from 0 and every MALFORMED code. */
export const UNJUDGED = 1;

/**
 * What a field's bytes alone say of it (RFC 9113 §8.2): 0, or the MALFORMED code. The value: no
 * NUL, CR or LF, no leading or trailing SP or HTAB (§8.2.1), and, stricter like the HTTP/1 parser,
 * RFC 9110 §5.5 field-value (no other control either), which §8.2.1 allows. A regular field's
 * name: a lowercase token (§8.2.1), not connection-specific, `te` only with `trailers` (§8.2.2).
 * A pseudo-header's name is judged by the block (it depends on the fields before it). Pure, so a
 * dynamic table entry's verdict is computed once and cached with it. Hot path.
 */
export function judgeField(b: Uint8Array, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): number {
  if (valueEnd > valueStart) {
    const first = b[valueStart]!;
    const last = b[valueEnd - 1]!;
    if (first === SP || first === HTAB || last === SP || last === HTAB) return MALFORMED_VALUE;
    for (let p = valueStart; p < valueEnd; p++) if (FIELD_VALUE[b[p]!] === 0) return MALFORMED_VALUE;
  }
  if (nameEnd > nameStart && b[nameStart] === COLON) return 0;
  if (nameStart === nameEnd) return MALFORMED_NAME;
  for (let p = nameStart; p < nameEnd; p++) if (LOWER_TCHAR[b[p]!] === 0) return MALFORMED_NAME;
  if (isConnectionSpecific(b, nameStart, nameEnd)) return MALFORMED_CONNECTION_FIELD;
  if (isWord(b, nameStart, nameEnd, TE) && !isWord(b, valueStart, valueEnd, TRAILERS)) return MALFORMED_TE;
  return 0;
}

/** Options of a HeaderBlock. */
export interface HeaderBlockOptions {
  /** Header list limit (RFC 9113 §6.5.2 size; default H2_MAX_HEADER_LIST, 16 KiB, SPEC §11). */
  maxListSize?: number;
}

/** One decoded header block; see the file comment. Every field is meaningful after reset(). */
export class HeaderBlock {
  /** The list size (RFC 9113 §6.5.2) beyond which fields stop being stored; fixed. */
  readonly maxListSize: number;
  /** Decoded names and values; `maxListSize` bytes (a stored list never needs more). */
  readonly bytes: Uint8Array;
  /** Bytes of `bytes` in use. */
  used = 0;
  /** Regular (non-pseudo) fields stored. */
  count = 0;
  /** FIELD_SLOTS per regular field: nameStart, nameEnd, valueStart, valueEnd into `bytes`. Capacity maxListSize / 32. */
  readonly fields: Int32Array;
  /** Pseudo-header spans into `bytes`, -1 when absent. */
  methodStart = -1;
  methodEnd = -1;
  schemeStart = -1;
  schemeEnd = -1;
  authorityStart = -1;
  authorityEnd = -1;
  pathStart = -1;
  pathEnd = -1;
  /** :protocol (RFC 8441 §4, extended CONNECT). */
  protocolStart = -1;
  protocolEnd = -1;
  /** :status: a response pseudo-header, malformed in a request but kept (a client's decoder reads it). */
  statusStart = -1;
  statusEnd = -1;
  /** RFC 9113 §6.5.2: name + value + 32 summed over every field decoded, pseudo-headers included, stored or not. */
  listSize = 0;
  /** The list passed maxListSize: fields from there on were not stored. */
  tooLarge = false;
  /** 0, or the first MALFORMED_* code found. */
  malformed = 0;
  /** This block is a trailer section (any pseudo-header is malformed: RFC 9113 §8.1). */
  trailers = false;
  /** A regular field has been seen (a pseudo-header after it is malformed). */
  private regularSeen = false;

  /** `options.maxListSize` defaults to H2_MAX_HEADER_LIST (16384). */
  constructor(options: HeaderBlockOptions = {}) {
    this.maxListSize = options.maxListSize ?? H2_MAX_HEADER_LIST;
    this.bytes = new Uint8Array(this.maxListSize);
    this.fields = new Int32Array(Math.floor(this.maxListSize / ENTRY_OVERHEAD) * FIELD_SLOTS);
  }

  /** Ready for a new block; `trailers` marks a trailer section. */
  reset(trailers: boolean): void {
    this.used = 0;
    this.count = 0;
    this.methodStart = this.methodEnd = this.schemeStart = this.schemeEnd = -1;
    this.authorityStart = this.authorityEnd = this.pathStart = this.pathEnd = -1;
    this.protocolStart = this.protocolEnd = this.statusStart = this.statusEnd = -1;
    this.listSize = 0;
    this.tooLarge = false;
    this.malformed = 0;
    this.trailers = trailers;
    this.regularSeen = false;
  }

  /**
   * Counts a field of `nameLength + valueLength` bytes into the list size; false (and tooLarge
   * set) when the list no longer fits, so the caller must not store it. Hot path.
   */
  admit(nameLength: number, valueLength: number): boolean {
    this.listSize += nameLength + valueLength + ENTRY_OVERHEAD;
    if (this.listSize > this.maxListSize) this.tooLarge = true;
    return !this.tooLarge;
  }

  /** Copies an admitted field from `src` into `bytes` and stores it (indexed fields); returns its verdict. */
  copyField(src: Uint8Array, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, verdict: number): number {
    const at = this.used;
    const mid = copyBytes(src, nameStart, nameEnd, this.bytes, at);
    return this.store(at, mid, mid, copyBytes(src, valueStart, valueEnd, this.bytes, mid), verdict);
  }

  /**
   * Stores an admitted field already in `bytes` at [used, valueEnd) (literals are decoded in
   * place), judging it (RFC 9113 §8.2, §8.3). `verdict` is judgeField's for these bytes when
   * known (an indexed field's, cached with its table entry), else UNJUDGED. Returns the verdict.
   */
  store(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, verdict: number): number {
    this.used = valueEnd;
    if (verdict === UNJUDGED) verdict = judgeField(this.bytes, nameStart, nameEnd, valueStart, valueEnd);
    if (verdict !== 0) this.mark(verdict);
    if (nameEnd > nameStart && this.bytes[nameStart] === COLON) {
      this.storePseudo(nameStart, nameEnd, valueStart, valueEnd);
      return verdict;
    }
    this.regularSeen = true;
    const at = this.count * FIELD_SLOTS;
    this.fields[at] = nameStart;
    this.fields[at + 1] = nameEnd;
    this.fields[at + 2] = valueStart;
    this.fields[at + 3] = valueEnd;
    this.count++;
    return verdict;
  }

  /** RFC 9113 §8.3: known request pseudo-headers, once each, before every regular field, never in trailers. */
  private storePseudo(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    if (this.trailers) return this.mark(MALFORMED_PSEUDO_IN_TRAILERS);
    if (this.regularSeen) return this.mark(MALFORMED_PSEUDO_AFTER_FIELD);
    const b = this.bytes;
    if (isWord(b, nameStart, nameEnd, PATH)) {
      if (this.pathStart >= 0) return this.mark(MALFORMED_PSEUDO_REPEATED);
      if (valueStart === valueEnd) this.mark(MALFORMED_EMPTY_PATH);
      this.pathStart = valueStart;
      this.pathEnd = valueEnd;
    } else if (isWord(b, nameStart, nameEnd, METHOD)) {
      if (this.methodStart >= 0) return this.mark(MALFORMED_PSEUDO_REPEATED);
      this.methodStart = valueStart;
      this.methodEnd = valueEnd;
    } else if (isWord(b, nameStart, nameEnd, SCHEME)) {
      if (this.schemeStart >= 0) return this.mark(MALFORMED_PSEUDO_REPEATED);
      this.schemeStart = valueStart;
      this.schemeEnd = valueEnd;
    } else if (isWord(b, nameStart, nameEnd, AUTHORITY)) {
      if (this.authorityStart >= 0) return this.mark(MALFORMED_PSEUDO_REPEATED);
      this.authorityStart = valueStart;
      this.authorityEnd = valueEnd;
    } else if (isWord(b, nameStart, nameEnd, PROTOCOL)) {
      if (this.protocolStart >= 0) return this.mark(MALFORMED_PSEUDO_REPEATED);
      this.protocolStart = valueStart;
      this.protocolEnd = valueEnd;
    } else if (isWord(b, nameStart, nameEnd, STATUS)) {
      if (this.statusStart >= 0) return this.mark(MALFORMED_PSEUDO_REPEATED);
      this.mark(MALFORMED_RESPONSE_PSEUDO);
      this.statusStart = valueStart;
      this.statusEnd = valueEnd;
    } else {
      this.mark(MALFORMED_UNKNOWN_PSEUDO);
    }
  }

  private mark(code: number): void {
    if (this.malformed === 0) this.malformed = code;
  }

  /**
   * After a request's block: 0, or the MALFORMED code that resets its stream. RFC 9113 §8.3.1:
   * :method, :scheme and :path present; §8.5: CONNECT has :authority and neither :scheme nor
   * :path; RFC 8441 §4: :protocol only with CONNECT, which then has all four. A trailer section
   * needs no pseudo-header: only `malformed` counts.
   */
  checkRequest(): number {
    if (this.malformed !== 0 || this.trailers) return this.malformed;
    if (this.methodStart < 0) return MALFORMED_MISSING_PSEUDO;
    const isConnect = isWord(this.bytes, this.methodStart, this.methodEnd, CONNECT);
    const hasScheme = this.schemeStart >= 0;
    const hasPath = this.pathStart >= 0;
    if (this.protocolStart >= 0) {
      if (!isConnect) return MALFORMED_CONNECT;
      return hasScheme && hasPath && this.authorityStart >= 0 ? 0 : MALFORMED_MISSING_PSEUDO;
    }
    if (isConnect) {
      if (hasScheme || hasPath) return MALFORMED_CONNECT;
      return this.authorityStart >= 0 ? 0 : MALFORMED_MISSING_PSEUDO;
    }
    return hasScheme && hasPath ? 0 : MALFORMED_MISSING_PSEUDO;
  }
}
