/**
 * HpackDecoder (RFC 7541 §3, §6): decodes the header blocks of one HTTP/2 connection, in order,
 * keeping the dynamic table in step with the peer's encoder. Bytes in, numbers out: fields go
 * into a caller's HeaderBlock (names and values copied once into block.bytes), outcomes are 0 or
 * a negative E_HPACK_* code (a connection error: GOAWAY with hpackH2ErrorOf(code)); never a throw.
 *
 * Resumable at any byte: decodeFragment consumes every byte it is given. A representation cut by
 * the end of a fragment (HEADERS then CONTINUATION, or any split the caller passes on) is copied
 * into the decoder's own carry buffer and completed by the next call, so the outcome and the
 * table afterwards are the same however a block is split. The carry is bounded: a representation
 * whose string lengths exceed HPACK_MAX_STRINGS is E_HPACK_STRINGS_TOO_LONG as soon as its lengths
 * are read, before any of its bytes are waited for.
 *
 * A representation changes the table only once it is whole (parse, then apply), which is what
 * makes the split invisible. Hot path: no allocation.
 */
import { INCOMPLETE } from "../errors.ts";
import { H2_HEADER_TABLE_SIZE, HPACK_MAX_INTEGER, HPACK_MAX_INTEGER_BYTES, HPACK_MAX_STRINGS } from "../limits.ts";
import { copyBytes } from "./copy-bytes.ts";
import { type HeaderBlock, judgeField, UNJUDGED } from "./header-block.ts";
import { DynamicTable } from "./hpack-dynamic-table.ts";
import {
  E_HPACK_BAD_INDEX,
  E_HPACK_INTEGER_OVERFLOW,
  E_HPACK_SIZE_UPDATE_MISPLACED,
  E_HPACK_STRINGS_TOO_LONG,
  E_HPACK_TABLE_SIZE_TOO_LARGE,
  E_HPACK_TRUNCATED,
} from "./hpack-errors.ts";
import { HUFFMAN_NO_ROOM, huffmanDecode } from "./hpack-huffman.ts";
import { STATIC_BYTES, STATIC_SPANS, STATIC_TABLE_LENGTH } from "./hpack-static-table.ts";

// RFC 7541 §6: the first bits of a representation say which it is.
/** §6.1 Indexed Header Field: 1xxxxxxx, 7-bit index. */
const INDEXED_BIT = 0x80;
const INDEX_7 = 0x7f;
/** §6.2.1 Literal with Incremental Indexing: 01xxxxxx, 6-bit index. */
const INCREMENTAL_MASK = 0xc0;
const INCREMENTAL_PATTERN = 0x40;
const INDEX_6 = 0x3f;
/** §6.3 Dynamic Table Size Update: 001xxxxx, 5-bit size. */
const SIZE_UPDATE_MASK = 0xe0;
const SIZE_UPDATE_PATTERN = 0x20;
const SIZE_5 = 0x1f;
/** §6.2.2 without indexing (0000xxxx) and §6.2.3 never indexed (0001xxxx): 4-bit index. */
const INDEX_4 = 0x0f;
/** §5.2: string literal, H bit then 7-bit length. */
const HUFFMAN_BIT = 0x80;
const LENGTH_7 = 0x7f;
/** §5.1: continuation bit and 7 value bits per integer byte. */
const CONTINUATION_BIT = 0x80;
const INTEGER_BITS = 0x7f;
const INTEGER_SHIFT = 7;

/** Parsed representation kinds. */
const INDEXED = 1;
const LITERAL_INCREMENTAL = 2;
const LITERAL_NOT_INDEXED = 3;
const SIZE_UPDATE = 4;

/** Prefix byte and three integers (index, two lengths) of at most 1 + HPACK_MAX_INTEGER_BYTES bytes each. */
const MAX_REPRESENTATION_OVERHEAD = 3 * (1 + HPACK_MAX_INTEGER_BYTES);
/** The carry holds one unfinished representation at most. */
const CARRY_CAPACITY = HPACK_MAX_STRINGS + MAX_REPRESENTATION_OVERHEAD;
/** Bytes moved into the carry at a time while a representation's length is not yet known. */
const CARRY_STEP = 16;
/** §5.2: Huffman codes are at least 5 bits, so n coded bytes decode to at most 8n/5. */
const HUFFMAN_MAX_EXPANSION = 8 / 5;

/** judgeField of every static entry (index 1..61; transfer-encoding, 57, is connection-specific). */
const STATIC_VERDICTS = new Int32Array(STATIC_TABLE_LENGTH + 1);
for (let i = 1; i <= STATIC_TABLE_LENGTH; i++) {
  const at = 4 * i;
  STATIC_VERDICTS[i] = judgeField(STATIC_BYTES, STATIC_SPANS[at]!, STATIC_SPANS[at + 1]!, STATIC_SPANS[at + 2]!, STATIC_SPANS[at + 3]!);
}

/**
 * Where a literal is decoded when the block does not store it (list too large): one buffer for
 * every decoder, since decoding is synchronous. Sized in the constructor for the largest
 * representation: an indexed name (up to a table's size) and strings up to HPACK_MAX_STRINGS.
 */
let scratch = new Uint8Array(0);
/** What `carry` is until a representation is first cut. */
const EMPTY_CARRY = new Uint8Array(0);

/** The decoding side of HPACK for one connection; see the file comment. */
export class HpackDecoder {
  /** The SETTINGS_HEADER_TABLE_SIZE we advertise: size updates above it are errors (§6.3). */
  readonly maxTableSize: number;
  /** The dynamic table, in step with the peer's encoder. */
  readonly table: DynamicTable;
  /** The first error met: every later call returns it (the connection is going away). */
  failure = 0;
  /**
   * One unfinished representation, carried between fragments: made at the first cut one (most
   * connections never cut a representation), so an idle connection's decoder does not hold it.
   */
  private carry = EMPTY_CARRY;
  private carryLength = 0;
  /** Bytes the carried representation needs in all, when its lengths are known (else 0). */
  private wanted = 0;
  /** A field representation has been seen in this block (size updates must come first: §4.2). */
  private fieldSeen = false;
  // The representation last parsed (offsets into the buffer it was parsed from).
  private kind = 0;
  private index = 0;
  private integer = 0;
  private nameHuffman = false;
  private nameStart = 0;
  private nameEnd = 0;
  private valueHuffman = false;
  private valueStart = 0;
  private valueEnd = 0;
  // Where the last literal was decoded to.
  private outNameStart = 0;
  private outNameEnd = 0;
  private outValueEnd = 0;

  /** `maxTableSize`: our SETTINGS_HEADER_TABLE_SIZE (default H2_HEADER_TABLE_SIZE, 4096). */
  constructor(maxTableSize = H2_HEADER_TABLE_SIZE) {
    this.maxTableSize = maxTableSize;
    this.table = new DynamicTable(maxTableSize);
    const need = maxTableSize + Math.ceil(HPACK_MAX_STRINGS * HUFFMAN_MAX_EXPANSION);
    if (scratch.length < need) scratch = new Uint8Array(need);
  }

  /**
   * Decodes `buf[start..end)`, a fragment of the current block, into `block` (reset by the caller
   * at the block's start). Returns 0 (every byte consumed; a cut representation is carried) or a
   * negative E_HPACK_* code. Hot path: no allocation.
   */
  decodeFragment(buf: Uint8Array, start: number, end: number, block: HeaderBlock): number {
    if (this.failure !== 0) return this.failure;
    let p = start;
    if (this.carryLength > 0) {
      p = this.completeCarried(buf, p, end, block);
      if (p < 0) return this.fail(p);
      if (this.carryLength > 0) return 0;
    }
    while (p < end) {
      const r = this.parse(buf, p, end);
      if (r === INCOMPLETE) {
        if (this.carry === EMPTY_CARRY) this.carry = new Uint8Array(CARRY_CAPACITY);
        this.carryLength = copyBytes(buf, p, end, this.carry, 0);
        return 0;
      }
      if (r < 0) return this.fail(r);
      const applied = this.apply(buf, block);
      if (applied < 0) return this.fail(applied);
      p = r;
    }
    return 0;
  }

  /**
   * The block's last fragment has been given: 0, or E_HPACK_TRUNCATED when a representation was
   * left unfinished (RFC 9113 §4.3). Readies the decoder for the next block.
   */
  endBlock(_block: HeaderBlock): number {
    if (this.failure !== 0) return this.failure;
    const unfinished = this.carryLength > 0;
    this.carryLength = 0;
    this.fieldSeen = false;
    return unfinished ? this.fail(E_HPACK_TRUNCATED) : 0;
  }

  private fail(code: number): number {
    this.failure = code;
    this.carryLength = 0;
    return code;
  }

  /**
   * Moves bytes from `buf[p..end)` into the carry until the carried representation is whole,
   * then applies it. Returns the offset in `buf` after the bytes it took, or an error.
   */
  private completeCarried(buf: Uint8Array, p: number, end: number, block: HeaderBlock): number {
    while (p < end) {
      const room = CARRY_CAPACITY - this.carryLength;
      const want = this.wanted > this.carryLength ? this.wanted - this.carryLength : CARRY_STEP;
      const take = Math.min(end - p, want, room);
      if (take === 0) return E_HPACK_STRINGS_TOO_LONG; // unreachable: lengths are checked when read
      this.carryLength = copyBytes(buf, p, p + take, this.carry, this.carryLength);
      p += take;
      const r = this.parse(this.carry, 0, this.carryLength);
      if (r === INCOMPLETE) continue;
      if (r < 0) return r;
      const applied = this.apply(this.carry, block);
      if (applied < 0) return applied;
      // The representation ended r bytes into the carry: give back what it did not use.
      p -= this.carryLength - r;
      this.carryLength = 0;
      return p;
    }
    return p;
  }

  /**
   * §5.1: reads an integer with a prefix of `mask` bits at `buf[p]` into this.integer. Returns
   * the offset after it, INCOMPLETE, or E_HPACK_INTEGER_OVERFLOW.
   */
  private readInteger(buf: Uint8Array, p: number, end: number, mask: number): number {
    let value = buf[p++]! & mask;
    if (value < mask) {
      this.integer = value;
      return p;
    }
    let scale = 1;
    for (let k = 0; ; k++) {
      if (k === HPACK_MAX_INTEGER_BYTES) return E_HPACK_INTEGER_OVERFLOW;
      if (p >= end) return INCOMPLETE;
      const b = buf[p++]!;
      value += (b & INTEGER_BITS) * scale; // a multiplication: no 32-bit overflow
      if (value > HPACK_MAX_INTEGER) return E_HPACK_INTEGER_OVERFLOW;
      if ((b & CONTINUATION_BIT) === 0) {
        this.integer = value;
        return p;
      }
      scale *= 1 << INTEGER_SHIFT;
    }
  }

  /**
   * Parses one representation at `buf[p..end)` without acting on it. Returns the offset after
   * it, INCOMPLETE, or an error. Every check reads only bytes before the offset it returns.
   */
  private parse(buf: Uint8Array, p: number, end: number): number {
    const first = buf[p]!;
    const highest = STATIC_TABLE_LENGTH + this.table.count;
    this.wanted = 0;
    if ((first & INDEXED_BIT) !== 0) {
      this.kind = INDEXED;
      const r = this.readInteger(buf, p, end, INDEX_7);
      if (r < 0) return r;
      if (this.integer === 0 || this.integer > highest) return E_HPACK_BAD_INDEX; // §6.1, §2.3.3
      this.index = this.integer;
      return r;
    }
    if ((first & SIZE_UPDATE_MASK) === SIZE_UPDATE_PATTERN) {
      this.kind = SIZE_UPDATE;
      return this.readInteger(buf, p, end, SIZE_5);
    }
    const incremental = (first & INCREMENTAL_MASK) === INCREMENTAL_PATTERN;
    this.kind = incremental ? LITERAL_INCREMENTAL : LITERAL_NOT_INDEXED;
    let q = this.readInteger(buf, p, end, incremental ? INDEX_6 : INDEX_4);
    if (q < 0) return q;
    if (this.integer > highest) return E_HPACK_BAD_INDEX; // §6.2: index 0 means a literal name
    this.index = this.integer;
    this.nameStart = this.nameEnd = 0;
    if (this.index === 0) {
      if (q >= end) return INCOMPLETE;
      this.nameHuffman = (buf[q]! & HUFFMAN_BIT) !== 0;
      q = this.readInteger(buf, q, end, LENGTH_7);
      if (q < 0) return q;
      if (this.integer > HPACK_MAX_STRINGS) return E_HPACK_STRINGS_TOO_LONG;
      this.nameStart = q;
      this.nameEnd = q += this.integer;
      if (q >= end) return this.missing(p, q + 1);
    }
    if (q >= end) return INCOMPLETE;
    this.valueHuffman = (buf[q]! & HUFFMAN_BIT) !== 0;
    q = this.readInteger(buf, q, end, LENGTH_7);
    if (q < 0) return q;
    if (this.nameEnd - this.nameStart + this.integer > HPACK_MAX_STRINGS) return E_HPACK_STRINGS_TOO_LONG;
    this.valueStart = q;
    this.valueEnd = q += this.integer;
    return q > end ? this.missing(p, q) : q;
  }

  /** INCOMPLETE, noting that the representation begun at `p` needs bytes up to `q`. */
  private missing(p: number, q: number): number {
    this.wanted = q - p;
    return INCOMPLETE;
  }

  /** Acts on the representation just parsed from `buf`. Returns 0 or an error. */
  private apply(buf: Uint8Array, block: HeaderBlock): number {
    const table = this.table;
    if (this.kind === SIZE_UPDATE) {
      if (this.fieldSeen) return E_HPACK_SIZE_UPDATE_MISPLACED; // §4.2: at the start of a block only
      if (this.integer > this.maxTableSize) return E_HPACK_TABLE_SIZE_TOO_LARGE; // §6.3
      table.resize(this.integer);
      return 0;
    }
    this.fieldSeen = true;
    if (this.kind === INDEXED) {
      const i = this.index;
      if (i <= STATIC_TABLE_LENGTH) {
        const at = 4 * i;
        const ns = STATIC_SPANS[at]!;
        const ne = STATIC_SPANS[at + 1]!;
        const ve = STATIC_SPANS[at + 3]!;
        if (block.admit(ne - ns, ve - ne)) block.copyField(STATIC_BYTES, ns, ne, ne, ve, STATIC_VERDICTS[i]!);
      } else {
        const d = i - STATIC_TABLE_LENGTH;
        const ns = table.nameStart(d);
        const ne = table.nameEnd(d);
        const ve = table.valueEnd(d);
        // hot path of the HPACK bomb: once tooLarge, an indexed field costs this check and nothing else
        if (block.admit(ne - ns, ve - ne)) block.copyField(table.bytes, ns, ne, ne, ve, table.tag(d));
      }
      return 0;
    }
    // A literal: decoded in place into the block while it stores fields, else into the scratch.
    let out = block.bytes;
    let r = block.tooLarge ? HUFFMAN_NO_ROOM : this.decodeLiteral(buf, out, block.used);
    if (r === HUFFMAN_NO_ROOM) {
      out = scratch;
      r = this.decodeLiteral(buf, out, 0);
    }
    if (r < 0) return r;
    const nameLength = this.outNameEnd - this.outNameStart;
    // The verdict is judged once, as the field is stored, and kept with its table entry.
    let verdict = UNJUDGED;
    if (block.admit(nameLength, this.outValueEnd - this.outNameEnd)) {
      if (out === block.bytes) verdict = block.store(this.outNameStart, this.outNameEnd, this.outNameEnd, this.outValueEnd, UNJUDGED);
      else verdict = block.copyField(out, this.outNameStart, this.outNameEnd, this.outNameEnd, this.outValueEnd, UNJUDGED);
    }
    if (this.kind === LITERAL_INCREMENTAL)
      table.insert(out, this.outNameStart, this.outNameEnd, this.outNameEnd, this.outValueEnd, verdict);
    return 0;
  }

  /**
   * Writes the parsed literal's name then value into `out` from `at` (spans in this.out*).
   * Returns 0, HUFFMAN_NO_ROOM, or a Huffman error.
   */
  private decodeLiteral(buf: Uint8Array, out: Uint8Array, at: number): number {
    this.outNameStart = at;
    let q: number;
    if (this.index === 0) {
      q = this.decodeString(buf, this.nameStart, this.nameEnd, this.nameHuffman, out, at);
    } else if (this.index <= STATIC_TABLE_LENGTH) {
      const s = STATIC_SPANS[4 * this.index]!;
      const e = STATIC_SPANS[4 * this.index + 1]!;
      q = at + e - s > out.length ? HUFFMAN_NO_ROOM : copyBytes(STATIC_BYTES, s, e, out, at);
    } else {
      // §4.4: copied out before the insert that may evict the entry it comes from
      const d = this.index - STATIC_TABLE_LENGTH;
      const s = this.table.nameStart(d);
      const e = this.table.nameEnd(d);
      q = at + e - s > out.length ? HUFFMAN_NO_ROOM : copyBytes(this.table.bytes, s, e, out, at);
    }
    if (q < 0) return q;
    this.outNameEnd = q;
    q = this.decodeString(buf, this.valueStart, this.valueEnd, this.valueHuffman, out, q);
    if (q < 0) return q;
    this.outValueEnd = q;
    return 0;
  }

  /** §5.2: a string literal, raw or Huffman-coded, into `out` at `at`. Returns the offset after it or a negative code. */
  private decodeString(buf: Uint8Array, s: number, e: number, huffman: boolean, out: Uint8Array, at: number): number {
    if (huffman) return huffmanDecode(buf, s, e, out, at);
    return at + e - s > out.length ? HUFFMAN_NO_ROOM : copyBytes(buf, s, e, out, at);
  }
}
