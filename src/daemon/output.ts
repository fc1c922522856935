/**
 * OutputQueue: a connection's pending output. Everything produced in one turn is appended here and
 * goes out in one `socket.write(buf, offset, length)`; Bun keeps no buffer, so the unwritten rest
 * stays here and is written on `drain`. Above the high-water mark the connection is congested:
 * sendContent returns false and the session stops reading requests.
 */
import { BufferPool } from "./buffer-pool.ts";

const INITIAL_CAPACITY = 16 * 1024;
/** Queues made without a daemon's pool share this one. */
const SHARED_POOL = new BufferPool(INITIAL_CAPACITY);

/**
 * Where a queue flushes to: Bun's socket (`socket.write(buf, offset, length)` returns the bytes
 * it took, -1 once closed), or anything that takes bytes the same way (the response recorder).
 */
export interface ByteWriter {
  write(buf: Uint8Array, offset: number, length: number): number;
}

/** Latin1/UTF-8 writers of Bun's Buffer, used to put strings into the queue without a copy. */
type BufferWithWriters = Buffer & {
  latin1Write(s: string, offset: number, length?: number): number;
  utf8Write(s: string, offset: number, length?: number): number;
};

/**
 * A growable byte queue bound to one socket. It holds a buffer from `pool` only while bytes are
 * queued, and gives it back once everything is written (an idle connection holds none).
 */
export class OutputQueue {
  private buf: BufferWithWriters | null = null;
  /** First byte not yet written to the socket. */
  private head = 0;
  /** End of the queued bytes. */
  private tail = 0;
  /** Bytes handed to the socket since the queue was created (for the access log). */
  written = 0;
  /** Bytes ever appended (for response byte counts). */
  appended = 0;
  /**
   * The position (in `appended` terms) from which bytes stay queued, not written: a response
   * head still being built (see holdFrom); -1 when nothing is held.
   */
  private heldFrom = -1;

  /** Creates a queue; `highWaterMark` in bytes; buffers come from `pool`. */
  constructor(
    readonly highWaterMark: number,
    private readonly pool: BufferPool = SHARED_POOL,
  ) {}

  /** Bytes queued and not yet written. */
  get pending(): number {
    return this.tail - this.head;
  }

  /** True above the high-water mark. */
  isCongested(): boolean {
    return this.tail - this.head > this.highWaterMark;
  }

  /** Makes room for `n` more bytes at the tail, taking a buffer, compacting or growing; returns it. */
  private reserve(n: number): BufferWithWriters {
    let buf = this.buf;
    if (buf === null) {
      buf = this.buf = this.pool.take() as BufferWithWriters;
      this.head = this.tail = 0;
    }
    if (this.tail + n <= buf.length) return buf;
    const pending = this.tail - this.head;
    if (pending + n <= buf.length && this.head > 0) {
      buf.copyWithin(0, this.head, this.tail);
    } else {
      const grown = this.pool.takeAtLeast(Math.max(buf.length * 2, pending + n)) as BufferWithWriters;
      buf.copy(grown, 0, this.head, this.tail);
      this.pool.give(buf);
      buf = this.buf = grown;
    }
    this.head = 0;
    this.tail = pending;
    return buf;
  }

  /**
   * Nothing is queued: a pool-sized buffer goes back to the pool; a grown one is kept for the
   * response in progress (a large response would otherwise regrow it for every piece) until
   * shrink().
   */
  private release(): void {
    this.head = this.tail = 0;
    const buf = this.buf;
    if (buf === null || buf.length !== this.pool.size) return;
    this.pool.give(buf);
    this.buf = null;
  }

  /** Drops a grown buffer while nothing is queued (the connection went idle or closed). */
  shrink(): void {
    if (this.buf !== null && this.tail === this.head) {
      this.pool.give(this.buf);
      this.buf = null;
      this.head = this.tail = 0;
    }
  }

  /** Appends bytes[start..end). */
  append(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const n = end - start;
    if (n <= 0) return;
    const buf = this.reserve(n);
    if (start === 0 && end === bytes.length) {
      buf.set(bytes, this.tail);
    } else if (n <= 64) {
      // a short piece of a larger array: copy by hand rather than allocate a view
      let t = this.tail;
      for (let i = start; i < end; i++) buf[t++] = bytes[i]!;
    } else {
      buf.set(bytes.subarray(start, end), this.tail);
    }
    this.tail += n;
    this.appended += n;
  }

  /** Appends a string of code units 0-255 as one byte each (header text). */
  appendLatin1(s: string): void {
    const n = this.reserve(s.length).latin1Write(s, this.tail);
    this.tail += n;
    this.appended += n;
  }

  /** Appends a string as UTF-8 (body text); returns the number of bytes appended. */
  appendUtf8(s: string): number {
    const length = s.length;
    // Room for the worst case (3 bytes per UTF-16 unit) when the buffer has it anyway; otherwise
    // the exact size, so a large mostly-ASCII body does not grow the buffer threefold (a grown
    // buffer is not pooled past GROWN_MAX).
    const worst = length * 3;
    const free = this.buf === null ? this.pool.size : this.buf.length - this.tail;
    const buf = this.reserve(worst <= free ? worst : Buffer.byteLength(s, "utf8"));
    let n = 0;
    if (length <= 64) {
      // A short ASCII string is copied by hand (no native call); anything else by utf8Write.
      const t = this.tail;
      while (n < length) {
        const c = s.charCodeAt(n);
        if (c > 0x7f) break;
        buf[t + n++] = c;
      }
    }
    if (n < length) n = buf.utf8Write(s, this.tail);
    this.tail += n;
    this.appended += n;
    return n;
  }

  /** Sets the byte `back` bytes before the tail to `value` (appended and not yet written: a length known only after its payload). */
  setByteBack(back: number, value: number): void {
    this.buf![this.tail - back] = value;
  }

  /** Drops the last `n` appended bytes (none of which may have been written yet). */
  dropTail(n: number): void {
    this.tail -= n;
    this.appended -= n;
  }

  /** Position of the tail, to roll a response back while none of it has been written. */
  mark(): number {
    return this.appended;
  }

  /** Drops everything appended since `mark` if none of it reached the socket; returns success. */
  rollback(mark: number): boolean {
    const extra = this.appended - mark;
    if (extra > this.tail - this.head) return false;
    this.tail -= extra;
    this.appended = mark;
    return true;
  }

  /**
   * Keeps the bytes appended from `mark` (a mark()) on out of the socket until unhold(): a
   * response head is never written half-made, so until its headers end it can still be rolled
   * back and replaced (a servlet that throws after sendResponse gets its 500, not a cut head).
   */
  holdFrom(mark: number): void {
    this.heldFrom = mark;
  }

  /** Lets held bytes be written. */
  unhold(): void {
    this.heldFrom = -1;
  }

  /** Drops everything not yet written. */
  clear(): void {
    this.head = this.tail = 0;
    this.heldFrom = -1;
    this.shrink();
  }

  /**
   * Writes as much as the socket takes, in one syscall, up to the held bytes. Returns true when
   * nothing writable is left (the queue is empty, or holds only a head being built), false when
   * bytes remain (wait for drain), or when the socket is closed (written < 0).
   */
  flush(socket: ByteWriter): boolean {
    let pending = this.tail - this.head;
    if (pending === 0) {
      this.release();
      return true;
    }
    if (this.heldFrom >= 0) {
      // appended - pending is where the queue's first byte stands in `appended` terms.
      pending = Math.min(pending, this.heldFrom - (this.appended - pending));
      if (pending <= 0) return true;
    }
    const n = socket.write(this.buf!, this.head, pending);
    if (n < 0) {
      this.release();
      return false;
    }
    this.written += n;
    this.head += n;
    if (this.head === this.tail) {
      this.release();
      return true;
    }
    return n === pending && this.heldFrom >= 0;
  }
}
