/**
 * BufferPool: equal-sized buffers shared by a daemon's connections. A connection holds a buffer
 * only while it has bytes in it (a partial head, queued output, a head that outlives its read
 * turn) and gives it back as soon as it is empty, so an idle connection costs a few hundred bytes
 * of objects instead of tens of KiB of buffers, and the steady state allocates nothing.
 */

/** Spare buffers kept at most; more are left to the garbage collector. */
export const POOL_SPARES = 64;
/** Spare grown buffers (larger than the pool's size) kept at most. */
export const GROWN_SPARES = 16;
/** Grown buffers larger than this are never kept (bytes). */
export const GROWN_MAX = 1024 * 1024;

/** A pool of buffers of one size. */
export class BufferPool {
  private readonly spares: Buffer[] = [];
  /**
   * Grown buffers given back (an output queue that held a large response): reused for the next
   * large response instead of allocating one per response, and never held by idle connections.
   */
  private readonly grown: Buffer[] = [];

  /** Buffers handed out are `size` bytes; at most `maxSpares` given back are kept. */
  constructor(
    readonly size: number,
    private readonly maxSpares = POOL_SPARES,
  ) {}

  /** A buffer of `size` bytes (contents undefined). */
  take(): Buffer {
    return this.spares.pop() ?? Buffer.allocUnsafe(this.size);
  }

  /** A buffer of at least `bytes` (contents undefined): a spare grown one if one fits. */
  takeAtLeast(bytes: number): Buffer {
    if (bytes <= this.size) return this.take();
    const grown = this.grown;
    for (let i = grown.length - 1; i >= 0; i--) {
      const buf = grown[i]!;
      if (buf.length >= bytes) {
        grown[i] = grown[grown.length - 1]!;
        grown.pop();
        return buf;
      }
    }
    let size = this.size * 2;
    while (size < bytes) size *= 2;
    return Buffer.allocUnsafe(size);
  }

  /** Returns a buffer no longer referenced; spares beyond the bounds are left to the collector. */
  give(buf: Buffer): void {
    if (buf.length === this.size) {
      if (this.spares.length < this.maxSpares) this.spares.push(buf);
    } else if (buf.length > this.size && buf.length <= GROWN_MAX && this.grown.length < GROWN_SPARES) {
      this.grown.push(buf);
    }
  }
}
