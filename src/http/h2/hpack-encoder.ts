/**
 * HpackEncoder (RFC 7541 §6): writes the header blocks of one HTTP/2 connection's responses,
 * keeping a mirror of the peer decoder's dynamic table so a field sent before becomes one indexed
 * byte. Allocation-free: the lookup is a hash over the (lowercased) name and value into Int32Array
 * chains, the output goes into the caller's buffer.
 *
 * Indexing policy (what enters the peer's table, §7.1):
 * - a field found in the static or dynamic table (name and value) is sent as its index (§6.1);
 * - set-cookie, authorization and proxy-authorization are never-indexed literals (§7.1.3:
 *   secrets must not become guessable through the table, nor be indexed by a proxy);
 * - a field whose entry would take more than a quarter of the table (MAX_INDEXED_ENTRY_SHARE) is a
 *   literal without indexing: one long value would otherwise evict everything else;
 * - content-length is indexed only up to CONTENT_LENGTH_INDEXED_DIGITS digits: small bodies are the
 *   repeated canned answers (errors, redirects, hello), large ones are files whose lengths differ;
 * - everything else is a literal with incremental indexing (date, content-type, server, etag...),
 *   its name by index when the static or dynamic table has it;
 * - strings are Huffman-coded when that is shorter (§5.2), never otherwise.
 */
import { LOWER } from "../../parser/chars.ts";
import { equalsLower } from "../../parser/framing.ts";
import { ascii } from "../../parser/h2/field-names.ts";
import { ENTRY_OVERHEAD, DynamicTable } from "../../parser/h2/hpack-dynamic-table.ts";
import { huffmanEncode, huffmanEncodedLength } from "../../parser/h2/hpack-huffman.ts";
import { STATIC_BYTES, STATIC_SPANS, STATIC_TABLE_LENGTH } from "../../parser/h2/hpack-static-table.ts";

/** RFC 7541 §4.2: the peer's table is 4096 bytes until its SETTINGS say otherwise (RFC 9113 §6.5.2). */
const DEFAULT_PEER_TABLE_SIZE = 4096;
/** A field whose entry exceeds maxSize / this is not indexed (see the file comment). */
const MAX_INDEXED_ENTRY_SHARE = 4;
/** content-length values of up to this many digits are indexed (see the file comment). */
const CONTENT_LENGTH_INDEXED_DIGITS = 4;

// RFC 7541 §6: representation patterns and prefix sizes.
const INDEXED = 0x80;
const PREFIX_7 = 7;
const INCREMENTAL = 0x40;
const PREFIX_6 = 6;
const WITHOUT_INDEXING = 0x00;
const NEVER_INDEXED = 0x10;
const PREFIX_4 = 4;
const SIZE_UPDATE = 0x20;
const PREFIX_5 = 5;
const HUFFMAN = 0x80;
const CONTINUATION = 0x80;
const SEVEN_BITS = 0x7f;
/** Static index of `:status` (Appendix A), the name of every status literal. */
const STATUS_NAME_INDEX = 8;
/** Static indices of the statuses Appendix A holds whole. */
const STATUS_INDEX: Readonly<Record<number, number>> = { 200: 8, 204: 9, 206: 10, 304: 11, 400: 12, 404: 13, 500: 14 };
const DIGIT_0 = 0x30;
const STATUS_DIGITS = 3;

/** Hash buckets (a power of two) for the dynamic table's chains and the static names. */
const BUCKETS = 256;
const BUCKET_MASK = BUCKETS - 1;
/** FNV-1a, over lowercased bytes; a 0 byte separates name from value in the full hash. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashBytes(h: number, src: Uint8Array, s: number, e: number, lowercase: boolean): number {
  for (let p = s; p < e; p++) h = Math.imul(h ^ (lowercase ? LOWER[src[p]!]! : src[p]!), FNV_PRIME);
  return h;
}

/** Whether `src[s..e)` lowercased equals `bytes[bs..be)` (already lowercase), or byte for byte when !lowercase. */
function sameBytes(src: Uint8Array, s: number, e: number, bytes: Uint8Array, bs: number, be: number, lowercase: boolean): boolean {
  if (e - s !== be - bs) return false;
  for (let i = 0; i < e - s; i++) if ((lowercase ? LOWER[src[s + i]!]! : src[s + i]!) !== bytes[bs + i]) return false;
  return true;
}

/** §7.1.3: fields sent as never-indexed literals. */
const NEVER_INDEX = [ascii("set-cookie"), ascii("authorization"), ascii("proxy-authorization")];
const CONTENT_LENGTH = ascii("content-length");

/** STATIC_NAME_BUCKETS[b]: first static index with that name hash (open addressing), 0 empty. */
const STATIC_NAME_BUCKETS = new Int32Array(BUCKETS);
for (let i = 1; i <= STATIC_TABLE_LENGTH; i++) {
  const ns = STATIC_SPANS[4 * i]!;
  const ne = STATIC_SPANS[4 * i + 1]!;
  if (i > 1 && sameBytes(STATIC_BYTES, ns, ne, STATIC_BYTES, STATIC_SPANS[4 * (i - 1)]!, STATIC_SPANS[4 * (i - 1) + 1]!, false)) continue;
  let b = hashBytes(FNV_OFFSET, STATIC_BYTES, ns, ne, false) & BUCKET_MASK;
  while (STATIC_NAME_BUCKETS[b] !== 0) b = (b + 1) & BUCKET_MASK;
  STATIC_NAME_BUCKETS[b] = i;
}

/** The encoding side of HPACK for one connection; see the file comment. */
export class HpackEncoder {
  /** Mirror of the peer decoder's dynamic table; its capacity is our own cap on it. */
  readonly table: DynamicTable;
  /** Smallest size set since the last block, and the latest (§4.2: both are signalled); -1 none. */
  private pendingMin = -1;
  private pendingFinal = -1;
  // Hash chains over the dynamic table, by insertion sequence (+1; 0 ends a chain).
  private readonly fullHeads = new Int32Array(BUCKETS);
  private readonly nameHeads = new Int32Array(BUCKETS);
  private readonly fullNext: Int32Array;
  private readonly nameNext: Int32Array;
  private readonly fullHash: Int32Array;
  private readonly slots: number;
  // The last lookup's hashes.
  private nameHash = 0;
  private fullHashValue = 0;

  /**
   * `maxTableSize` (default 4096): the most table we keep for the peer, whatever its
   * SETTINGS_HEADER_TABLE_SIZE allows (§4.2: an encoder may use less than the decoder offers).
   */
  constructor(maxTableSize = DEFAULT_PEER_TABLE_SIZE) {
    this.table = new DynamicTable(maxTableSize);
    this.slots = Math.max(1, Math.floor(maxTableSize / ENTRY_OVERHEAD));
    this.fullNext = new Int32Array(this.slots);
    this.nameNext = new Int32Array(this.slots);
    this.fullHash = new Int32Array(this.slots);
    // The peer starts at 4096; a smaller cap of ours must be signalled in the first block.
    this.table.maxSize = Math.min(DEFAULT_PEER_TABLE_SIZE, maxTableSize);
    if (this.table.maxSize !== DEFAULT_PEER_TABLE_SIZE) this.pendingMin = this.pendingFinal = this.table.maxSize;
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2), once acknowledged: the next block
   * starts with a dynamic table size update (§4.2, §6.3) to min(n, our cap).
   */
  setPeerTableSize(n: number): void {
    const size = Math.min(n, this.table.capacity);
    if (this.pendingFinal < 0 && size === this.table.maxSize) return;
    this.pendingMin = this.pendingMin < 0 ? size : Math.min(this.pendingMin, size);
    this.pendingFinal = size;
  }

  /**
   * Starts a header block at `out[at]`: writes the pending size updates, if any (§4.2: the
   * smallest size since the last block, then the final one). Returns the offset after them.
   * Call before the first field of every block (encodeResponseHead does).
   */
  beginBlock(out: Uint8Array, at: number): number {
    if (this.pendingFinal < 0) return at;
    if (this.pendingMin < this.pendingFinal) {
      at = writeInteger(out, at, this.pendingMin, PREFIX_5, SIZE_UPDATE);
      this.table.resize(this.pendingMin);
    }
    at = writeInteger(out, at, this.pendingFinal, PREFIX_5, SIZE_UPDATE);
    this.table.resize(this.pendingFinal);
    this.pendingMin = this.pendingFinal = -1;
    return at;
  }

  /** `:status` (RFC 9113 §8.3.2): one byte for the seven statuses of the static table, else a 5-byte literal. */
  encodeStatus(code: number, out: Uint8Array, at: number): number {
    const index = STATUS_INDEX[code];
    if (index !== undefined) return writeInteger(out, at, index, PREFIX_7, INDEXED);
    at = writeInteger(out, at, STATUS_NAME_INDEX, PREFIX_4, WITHOUT_INDEXING);
    out[at++] = STATUS_DIGITS; // raw: three digits take 3 bytes Huffman-coded too
    out[at++] = DIGIT_0 + (Math.floor(code / 100) % 10);
    out[at++] = DIGIT_0 + (Math.floor(code / 10) % 10);
    out[at++] = DIGIT_0 + (code % 10);
    return at;
  }

  /**
   * One field: name `src[nameStart..nameEnd)` (lowercased as it is written, RFC 9113 §8.2.1),
   * value `src[valueStart..valueEnd)`, into `out` from `at`; returns the offset after it.
   * `out` must have room for name + value + 12 bytes. Hot path: no allocation.
   */
  encodeField(
    src: Uint8Array,
    nameStart: number,
    nameEnd: number,
    valueStart: number,
    valueEnd: number,
    out: Uint8Array,
    at: number,
  ): number {
    const exact = this.findExact(src, nameStart, nameEnd, valueStart, valueEnd);
    if (exact > 0) return writeInteger(out, at, exact, PREFIX_7, INDEXED);
    const nameIndex = this.findName(src, nameStart, nameEnd);
    const entrySize = nameEnd - nameStart + valueEnd - valueStart + ENTRY_OVERHEAD;
    let pattern = INCREMENTAL;
    let prefix = PREFIX_6;
    if (isOneOf(src, nameStart, nameEnd, NEVER_INDEX)) {
      pattern = NEVER_INDEXED;
      prefix = PREFIX_4;
    } else if (
      entrySize * MAX_INDEXED_ENTRY_SHARE > this.table.maxSize ||
      (equalsLower(src, nameStart, nameEnd, CONTENT_LENGTH) && valueEnd - valueStart > CONTENT_LENGTH_INDEXED_DIGITS)
    ) {
      pattern = WITHOUT_INDEXING;
      prefix = PREFIX_4;
    }
    at = writeInteger(out, at, nameIndex, prefix, pattern);
    if (nameIndex === 0) at = writeString(src, nameStart, nameEnd, out, at, true);
    at = writeString(src, valueStart, valueEnd, out, at, false);
    if (pattern === INCREMENTAL) this.insert(src, nameStart, nameEnd, valueStart, valueEnd);
    return at;
  }

  /** Index (static or dynamic, §2.3.3) of an entry with this name and value, or 0. Sets the hashes. */
  private findExact(src: Uint8Array, ns: number, ne: number, vs: number, ve: number): number {
    this.nameHash = hashBytes(FNV_OFFSET, src, ns, ne, true);
    this.fullHashValue = hashBytes(Math.imul(this.nameHash, FNV_PRIME), src, vs, ve, false);
    const s = this.findStaticName(src, ns, ne);
    if (s > 0) {
      for (let i = s; i <= STATIC_TABLE_LENGTH; i++) {
        const at = 4 * i;
        if (
          !sameBytes(
            STATIC_BYTES,
            STATIC_SPANS[at]!,
            STATIC_SPANS[at + 1]!,
            STATIC_BYTES,
            STATIC_SPANS[4 * s]!,
            STATIC_SPANS[4 * s + 1]!,
            false,
          )
        )
          break;
        if (sameBytes(src, vs, ve, STATIC_BYTES, STATIC_SPANS[at + 2]!, STATIC_SPANS[at + 3]!, false)) return i;
      }
    }
    const t = this.table;
    const oldest = t.oldestSequence;
    for (let seq = this.fullHeads[this.fullHashValue & BUCKET_MASK]! - 1; seq >= oldest; seq = this.fullNext[seq % this.slots]! - 1) {
      if (this.fullHash[seq % this.slots] !== this.fullHashValue) continue;
      const d = t.indexOfSequence(seq);
      if (
        sameBytes(src, ns, ne, t.bytes, t.nameStart(d), t.nameEnd(d), true) &&
        sameBytes(src, vs, ve, t.bytes, t.nameEnd(d), t.valueEnd(d), false)
      ) {
        return STATIC_TABLE_LENGTH + d;
      }
    }
    return 0;
  }

  /** Index of an entry with this name (static first: it never moves), or 0. After findExact. */
  private findName(src: Uint8Array, ns: number, ne: number): number {
    const s = this.findStaticName(src, ns, ne);
    if (s > 0) return s;
    const t = this.table;
    const oldest = t.oldestSequence;
    for (let seq = this.nameHeads[this.nameHash & BUCKET_MASK]! - 1; seq >= oldest; seq = this.nameNext[seq % this.slots]! - 1) {
      const d = t.indexOfSequence(seq);
      if (sameBytes(src, ns, ne, t.bytes, t.nameStart(d), t.nameEnd(d), true)) return STATIC_TABLE_LENGTH + d;
    }
    return 0;
  }

  private findStaticName(src: Uint8Array, ns: number, ne: number): number {
    for (let b = this.nameHash & BUCKET_MASK; STATIC_NAME_BUCKETS[b] !== 0; b = (b + 1) & BUCKET_MASK) {
      const i = STATIC_NAME_BUCKETS[b]!;
      if (sameBytes(src, ns, ne, STATIC_BYTES, STATIC_SPANS[4 * i]!, STATIC_SPANS[4 * i + 1]!, true)) return i;
    }
    return 0;
  }

  /** Adds the field to the mirror (§4.4) with its name lowercased, and links it into the chains. */
  private insert(src: Uint8Array, ns: number, ne: number, vs: number, ve: number): void {
    const t = this.table;
    const seq = t.inserted;
    t.insert(src, ns, ne, vs, ve);
    if (t.indexOfSequence(seq) !== 1) return; // larger than the table: it emptied it (§4.4)
    for (let p = t.nameStart(1); p < t.nameEnd(1); p++) t.bytes[p] = LOWER[t.bytes[p]!]!;
    const slot = seq % this.slots;
    const fb = this.fullHashValue & BUCKET_MASK;
    const nb = this.nameHash & BUCKET_MASK;
    this.fullHash[slot] = this.fullHashValue;
    this.fullNext[slot] = this.fullHeads[fb]!;
    this.fullHeads[fb] = seq + 1;
    this.nameNext[slot] = this.nameHeads[nb]!;
    this.nameHeads[nb] = seq + 1;
  }
}

function isOneOf(src: Uint8Array, s: number, e: number, words: readonly Uint8Array[]): boolean {
  for (let i = 0; i < words.length; i++) if (equalsLower(src, s, e, words[i]!)) return true;
  return false;
}

/** §5.1: `value` with an N-bit prefix under `pattern`. */
function writeInteger(out: Uint8Array, at: number, value: number, prefixBits: number, pattern: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[at++] = pattern | value;
    return at;
  }
  out[at++] = pattern | max;
  value -= max;
  while (value > SEVEN_BITS) {
    out[at++] = (value & SEVEN_BITS) | CONTINUATION;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}

/** §5.2: a string literal, Huffman-coded when shorter; `lowercase` for names. */
function writeString(src: Uint8Array, s: number, e: number, out: Uint8Array, at: number, lowercase: boolean): number {
  const coded = huffmanEncodedLength(src, s, e, lowercase);
  if (coded < e - s) {
    at = writeInteger(out, at, coded, PREFIX_7, HUFFMAN);
    return huffmanEncode(src, s, e, out, at, lowercase);
  }
  at = writeInteger(out, at, e - s, PREFIX_7, 0);
  for (let p = s; p < e; p++) out[at++] = lowercase ? LOWER[src[p]!]! : src[p]!;
  return at;
}
