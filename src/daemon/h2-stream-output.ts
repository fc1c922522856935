/**
 * H2StreamOutput: an HTTP/2 stream's response queue (the OutputQueue its session writes into),
 * with the two things a stream knows that a socket's queue does not:
 *
 * - **Content straight into frames.** Once the stream's HEADERS went out and nothing of its own is
 *   queued, a large piece of content is framed at once from the servlet's bytes into the
 *   connection's output (one copy, as HTTP/1 appends it to its socket's queue), instead of being
 *   copied here first and framed at the end of the turn (two copies). What the windows do not take
 *   is queued here as before. Small pieces are still queued, so a servlet's many little writes in
 *   one turn still go out as one DATA frame.
 * - **Congestion is the client's window too.** The queue is congested (sendContent() false,
 *   drained() waits) above its high-water mark as any queue, but also while the stream cannot send
 *   at all — its send window or the connection's is shut (RFC 9113 §6.9), or the connection's
 *   output is above its own mark — so a servlet that honours backpressure produces nothing (reads
 *   no file piece, holds no buffer) for a client that keeps its window shut (a slow reader).
 *
 * The stream decides both (StreamSink below), so this file needs nothing of the connection.
 */
import type { BufferPool } from "./buffer-pool.ts";
import { OutputQueue } from "./output.ts";

/**
 * Pieces shorter than this (bytes) are queued, never framed straight away: a copy of a few KiB
 * costs less than a frame of their own, and a turn's small writes are framed together.
 */
export const DIRECT_FRAMING_MIN = 8 * 1024;

/** What the queue asks of its stream. */
export interface StreamSink {
  /**
   * Frames bytes[start..end) as DATA now if the stream may (its head went out, it is not ending,
   * the windows are open); returns how many bytes it framed (0: none, queue them).
   */
  frameContent(bytes: Uint8Array, start: number, end: number): number;
  /** True while the stream can send nothing more: a window is shut or the connection's output is full. */
  cannotSend(): boolean;
}

/** A stream's response queue (see the file comment). */
export class H2StreamOutput extends OutputQueue {
  /** A queue congested above `highWaterMark` bytes or while `sink` cannot send; buffers from `pool`. */
  constructor(
    highWaterMark: number,
    pool: BufferPool,
    private readonly sink: StreamSink,
  ) {
    super(highWaterMark, pool);
  }

  /** Appends bytes[start..end): a large piece behind nothing queued is framed at once, as far as the windows allow. */
  override append(bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (end - start >= DIRECT_FRAMING_MIN && this.pending === 0) {
      const framed = this.sink.frameContent(bytes, start, end);
      // Counted as appended and written, so mark()/rollback() know these bytes are gone.
      this.appended += framed;
      this.written += framed;
      start += framed;
    }
    super.append(bytes, start, end);
  }

  /** Above the high-water mark, or the stream cannot send now (see the file comment). */
  override isCongested(): boolean {
    return super.isCongested() || this.sink.cannotSend();
  }
}
