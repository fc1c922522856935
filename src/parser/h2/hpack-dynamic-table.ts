/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of (name, value) entries, newest at index
 * 1, whose size (name + value + 32 per entry, §4.1) never exceeds `maxSize`. Both sides keep one:
 * the decoder's follows the peer's encoder, the encoder's mirrors the peer's decoder.
 *
 * Storage is preallocated at construction for the largest size the table may ever be given
 * (`capacity`, our SETTINGS_HEADER_TABLE_SIZE or the peer's, capped): entry bytes in one buffer of
 * twice that, written at a rising tail and compacted to the front (copyWithin) when the tail
 * would pass the end, so every entry's name and value are contiguous; entry spans in Int32Array
 * rings. No allocation per insert, lookup or eviction.
 */
import { copyBytes } from "./copy-bytes.ts";

/** RFC 7541 §4.1: the size of an entry is its name and value lengths plus 32. */
export const ENTRY_OVERHEAD = 32;
/** Int32 slots per entry in the span ring: start of the name, name length, value length. */
const SLOT = 3;

/** A FIFO of header fields in preallocated storage; indices here are 1-based within the dynamic table. */
export class DynamicTable {
  /** The largest maxSize this table accepts (bytes); fixed at construction. */
  readonly capacity: number;
  /** Current maximum size (§4.2), 0..capacity. */
  maxSize: number;
  /** Sum of the entries' sizes (§4.1), <= maxSize. */
  size = 0;
  /** Number of entries. */
  count = 0;
  /** Entry bytes: name then value, contiguous, in [0, 2 × capacity). */
  readonly bytes: Uint8Array;
  /** Per ring slot: start, nameLength, valueLength. */
  private readonly spans: Int32Array;
  /** Per ring slot: a number the owner keeps with the entry (the decoder: its field's verdict). */
  private readonly tags: Int32Array;
  /** Ring slots (each entry is at least 32 bytes, so capacity / 32 entries at most). */
  private readonly slots: number;
  /** Ring slot of the oldest entry. */
  private oldest = 0;
  /** Byte offset where the next entry's bytes go. */
  private tail = 0;
  /** Entries inserted since construction (the newest has sequence inserted - 1): lets the encoder name entries stably. */
  inserted = 0;

  /** `capacity` bytes of table at most (default 4096, RFC 7541 §4.2's initial size); maxSize starts at capacity. */
  constructor(capacity = 4096) {
    this.capacity = capacity;
    this.maxSize = capacity;
    this.bytes = new Uint8Array(2 * capacity);
    this.slots = Math.max(1, Math.floor(capacity / ENTRY_OVERHEAD));
    this.spans = new Int32Array(this.slots * SLOT);
    this.tags = new Int32Array(this.slots);
  }

  /** Ring slot of dynamic index `i` (1 = newest). Callers check 1 <= i <= count. */
  private slotOf(i: number): number {
    return ((this.oldest + this.count - i) % this.slots) * SLOT;
  }

  /** Offset of entry i's name in `bytes`. */
  nameStart(i: number): number {
    return this.spans[this.slotOf(i)]!;
  }
  /** Offset after entry i's name (= its value's start). */
  nameEnd(i: number): number {
    const at = this.slotOf(i);
    return this.spans[at]! + this.spans[at + 1]!;
  }
  /** Offset after entry i's value. */
  valueEnd(i: number): number {
    const at = this.slotOf(i);
    return this.spans[at]! + this.spans[at + 1]! + this.spans[at + 2]!;
  }

  /** The tag given to entry i when it was inserted. */
  tag(i: number): number {
    return this.tags[this.slotOf(i) / SLOT]!;
  }

  /** Entries inserted before this sequence number have been evicted. */
  get oldestSequence(): number {
    return this.inserted - this.count;
  }

  /** Dynamic index (1 = newest) of the entry inserted with sequence `seq`, or 0 when evicted. */
  indexOfSequence(seq: number): number {
    return seq >= this.inserted - this.count && seq < this.inserted ? this.inserted - seq : 0;
  }

  /** Removes the oldest entry (§4.4). */
  private evictOldest(): void {
    const at = this.oldest * SLOT;
    this.size -= this.spans[at + 1]! + this.spans[at + 2]! + ENTRY_OVERHEAD;
    this.oldest = (this.oldest + 1) % this.slots;
    this.count--;
    if (this.count === 0) this.tail = 0;
  }

  /** Sets the maximum size (§4.3, §6.3), evicting until the entries fit. `n` must be <= capacity. */
  resize(n: number): void {
    this.maxSize = n;
    while (this.size > n) this.evictOldest();
  }

  /** Empties the table (its maxSize stays). */
  clear(): void {
    this.count = 0;
    this.size = 0;
    this.tail = 0;
  }

  /**
   * Inserts `src[nameStart..nameEnd)`, `src[valueStart..valueEnd)` as the newest entry (§4.4):
   * evicts from the oldest until it fits; an entry larger than maxSize empties the table and is
   * not added. `src` must not be this table's `bytes` (an indexed name is copied out first: §4.4,
   * the entry it names may be evicted by this very insert). `tag` is kept with the entry.
   */
  insert(src: Uint8Array, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, tag = 0): void {
    const nameLength = nameEnd - nameStart;
    const valueLength = valueEnd - valueStart;
    const entrySize = nameLength + valueLength + ENTRY_OVERHEAD;
    this.inserted++;
    if (entrySize > this.maxSize) {
      this.clear();
      return;
    }
    while (this.size + entrySize > this.maxSize) this.evictOldest();
    const length = nameLength + valueLength;
    if (this.tail + length > this.bytes.length) this.compact();
    const start = this.tail;
    this.tail = copyBytes(src, valueStart, valueEnd, this.bytes, copyBytes(src, nameStart, nameEnd, this.bytes, start));
    const slot = (this.oldest + this.count) % this.slots;
    this.tags[slot] = tag;
    const at = slot * SLOT;
    this.spans[at] = start;
    this.spans[at + 1] = nameLength;
    this.spans[at + 2] = valueLength;
    this.count++;
    this.size += entrySize;
  }

  /** Moves the live entries' bytes to the front (they are in insertion order, hence in byte order). */
  private compact(): void {
    if (this.count === 0) {
      this.tail = 0;
      return;
    }
    const from = this.spans[this.oldest * SLOT]!;
    this.bytes.copyWithin(0, from, this.tail);
    for (let k = 0; k < this.count; k++) {
      const at = ((this.oldest + k) % this.slots) * SLOT;
      this.spans[at] = this.spans[at]! - from;
    }
    this.tail -= from;
  }
}
