/**
 * FrameBuffer: an HTTP/2 connection's received bytes not parsed yet — a frame cut by the end of a
 * read (Bun's chunk is valid only during its callback). Held in a pooled buffer only while it holds
 * bytes; a frame is at most our SETTINGS_MAX_FRAME_SIZE plus its header, so it stays bounded.
 */
import type { BufferPool } from "./buffer-pool.ts";

/** The unparsed rest of a connection's input (see the file comment). */
export class FrameBuffer {
  private buf: Buffer | null = null;
  /** Bytes held, from offset 0. */
  length = 0;

  /** Buffers come from (and go back to) `pool`. */
  constructor(private readonly pool: BufferPool) {}

  /** Appends `chunk` after what is held; returns the buffer (its first `length` bytes are the input). */
  append(chunk: Uint8Array): Buffer {
    let buf = this.buf;
    const need = this.length + chunk.length;
    if (buf === null) buf = this.buf = this.pool.takeAtLeast(need);
    else if (buf.length < need) {
      const grown = this.pool.takeAtLeast(need);
      buf.copy(grown, 0, 0, this.length);
      this.pool.give(buf);
      buf = this.buf = grown;
    }
    buf.set(chunk, this.length);
    this.length = need;
    return buf;
  }

  /** Keeps src[from..end) (the held buffer itself, or a chunk) as what is held from now on. */
  keep(src: Uint8Array, from: number, end: number): void {
    if (from >= end) return this.release();
    if (src === this.buf) {
      if (from > 0) this.buf.copyWithin(0, from, end);
      this.length = end - from;
      return;
    }
    this.length = 0;
    this.append(src.subarray(from, end));
  }

  /** Drops what is held; the buffer goes back to the pool. */
  release(): void {
    this.length = 0;
    if (this.buf !== null) {
      this.pool.give(this.buf);
      this.buf = null;
    }
  }
}
