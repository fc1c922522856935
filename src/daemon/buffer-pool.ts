/**
 * BufferPool: equal-sized buffers shared by a daemon's connections. A connection holds a buffer
 * only while it has bytes in it (a partial head, queued output, a head that outlives its read
 * turn) and gives it back as soon as it is empty, so an idle connection costs a few hundred bytes
 * of objects instead of tens of KiB of buffers, and the steady state allocates nothing.
 */

/** Spare buffers kept at most; more are left to the garbage collector. */
export const POOL_SPARES = 64;

/** A pool of buffers of one size. */
export class BufferPool {
  private readonly spares: Buffer[] = [];

  /** Buffers handed out are `size` bytes. */
  constructor(readonly size: number) {}

  /** A buffer of `size` bytes (contents undefined). */
  take(): Buffer {
    return this.spares.pop() ?? Buffer.allocUnsafe(this.size);
  }

  /** Returns a buffer no longer referenced; one of another size (grown) is dropped. */
  give(buf: Buffer): void {
    if (buf.length === this.size && this.spares.length < POOL_SPARES) this.spares.push(buf);
  }
}
