/**
 * H2Framer: turns what a stream's session queued — an HTTP/1-shaped response head, then content —
 * into HTTP/2 frames in its connection's output (RFC 9113 §8.1): the head as one HPACK block in a
 * HEADERS frame (CONTINUATION frames after it when the block is larger than the client's frame
 * size), the content as DATA frames no larger than the client's SETTINGS_MAX_FRAME_SIZE and no more
 * than the stream's and the connection's send windows allow (§6.9); END_STREAM goes on the last
 * frame of a complete response. It is the ByteWriter a stream's OutputQueue flushes into, so bytes
 * the windows do not take stay queued on the stream (and the servlet sees sendContent() false).
 *
 * Why translate the HTTP/1 head rather than have the session write fields: the session, the file
 * server and every servlet keep one way to answer, and the head is netsvc's own output (validated
 * field by field as it was written), so reading it back is a short scan of trusted bytes.
 */
import {
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_HEADERS,
  FRAME_HEADER_LENGTH,
} from "../parser/h2/frame.ts";
import { encodeResponseHead } from "../http/h2/head-transcoder.ts";
import type { HpackEncoder } from "../http/h2/hpack-encoder.ts";
import { writeFrameHeader } from "../http/h2/frame-writer.ts";
import type { ByteWriter, OutputQueue } from "./output.ts";
import type { H2Stream } from "./h2-stream.ts";

/** Heads longer than this are not kept for reuse (a head that size is rarely repeated byte for byte). */
const MAX_REMEMBERED_HEAD = 1024;

/** Frames streams' responses into a connection's output (see the file comment). */
export class H2Framer implements ByteWriter {
  /** What the connection may still send in all (RFC 9113 §6.9.1; negative after a SETTINGS change is allowed for streams only). */
  connectionWindow = 0;
  /** The client's SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize = 16384;
  /** The stream being flushed (set around OutputQueue.flush). */
  private stream: H2Stream | null = null;
  /** A stream could send more but a window is closed: the connection waits for WINDOW_UPDATE. */
  blocked = false;
  /** The frame header being written. */
  private readonly frameHeader = new Uint8Array(FRAME_HEADER_LENGTH);
  /** Where response heads are HPACK-encoded (grown for an unusually large head). */
  private block = new Uint8Array(4096);
  /** The last head encoded, its block's length when reusable (else 0), and the table's insertions then. */
  private lastHead = new Uint8Array(0);
  private lastHeadLength = 0;
  private lastBlockLength = 0;
  private lastInserted = -1;

  /** Frames into `output`, encoding heads with `encoder` (the connection's, whose dynamic table the client mirrors). */
  constructor(
    private readonly output: OutputQueue,
    private readonly encoder: HpackEncoder,
  ) {}

  /** Frames what `stream` has queued, as far as the windows allow. */
  frame(stream: H2Stream): void {
    const before = this.output.appended;
    this.stream = stream;
    this.blocked = false;
    stream.output.flush(this);
    this.stream = null;
    stream.wireBytes += this.output.appended - before;
  }

  /**
   * Frames `stream`'s content buf[start..end) as DATA straight from the caller's bytes (its head
   * went out and nothing of it is queued: H2StreamOutput), as far as the windows allow; returns
   * how many bytes it framed. Never END_STREAM: the response ends later (endStream).
   */
  frameData(stream: H2Stream, buf: Uint8Array, start: number, end: number): number {
    const before = this.output.appended;
    this.stream = stream;
    this.blocked = false;
    const n = this.write(buf, start, end - start);
    this.stream = null;
    stream.wireBytes += this.output.appended - before;
    return n;
  }

  /** ByteWriter: takes the stream's queued bytes buf[offset..offset+length); returns how many it framed. */
  write(buf: Uint8Array, offset: number, length: number): number {
    const stream = this.stream!;
    const end = offset + length;
    let p = offset;
    if (!stream.headSent) {
      // The head is the queue's first bytes (nothing of it was written: it goes out whole).
      const headEnd = offset + stream.headEnd;
      if (stream.headEnd === 0 || headEnd > end) return 0; // not whole yet (cannot happen: a head is queued whole)
      const bodyless = stream.responded && headEnd === end;
      this.writeHead(stream, buf, offset, headEnd, bodyless);
      p = headEnd;
    }
    while (p < end) {
      const room = Math.min(end - p, this.maxFrameSize, stream.sendWindow, this.connectionWindow);
      if (room <= 0) {
        this.blocked = true;
        break;
      }
      const last = stream.responded && p + room === end;
      this.writeFrame(room, FRAME_DATA, last ? FLAG_END_STREAM : 0, stream.id);
      this.output.append(buf, p, p + room);
      stream.sendWindow -= room;
      this.connectionWindow -= room;
      p += room;
      if (last) stream.endSent = true;
    }
    return p - offset;
  }

  /** The stream's response is complete with nothing left to frame: END_STREAM on an empty DATA frame. */
  endStream(stream: H2Stream): void {
    this.writeFrame(0, FRAME_DATA, FLAG_END_STREAM, stream.id);
    stream.wireBytes += FRAME_HEADER_LENGTH;
    stream.endSent = true;
  }

  /**
   * A response of a status alone: an interim one (RFC 9113 §8.1: 1xx in its own HEADERS frame,
   * `endStream` false), or a refusal made without a servlet (431; `endStream` true).
   */
  writeStatus(stream: H2Stream, status: number, endStream: boolean): void {
    this.lastBlockLength = 0; // the block buffer is overwritten
    const before = this.output.appended;
    const n = this.encoder.encodeStatus(status, this.block, this.encoder.beginBlock(this.block, 0));
    this.writeBlock(stream.id, n, endStream);
    stream.wireBytes += this.output.appended - before;
    if (endStream) stream.headSent = stream.endSent = true;
  }

  /**
   * Encodes the head buf[start..end) and writes it as HEADERS (+ CONTINUATION). Hot path: a head
   * byte for byte the last one, encoded while the dynamic table stays as that encoding left it
   * and without changing it (every field was indexed: the steady state of a busy resource, for all
   * but the first response of each second's Date), encodes to the same block: it is reused.
   */
  private writeHead(stream: H2Stream, buf: Uint8Array, start: number, end: number, endStream: boolean): void {
    const length = end - start;
    const table = this.encoder.table;
    let n = this.lastBlockLength;
    if (n === 0 || table.inserted !== this.lastInserted || !this.isLastHead(buf, start, length)) {
      if (this.block.length < 2 * length + 64) this.block = new Uint8Array(2 * length + 64);
      const before = table.inserted;
      n = encodeResponseHead(buf, start, end, this.encoder, this.block, 0);
      this.rememberHead(buf, start, length, before === table.inserted ? n : 0);
      this.lastInserted = table.inserted;
    }
    this.writeBlock(stream.id, n, endStream);
    stream.headSent = true;
    if (endStream) stream.endSent = true;
  }

  /** True when buf[start..start+length) is the last head encoded. */
  private isLastHead(buf: Uint8Array, start: number, length: number): boolean {
    if (length !== this.lastHeadLength) return false;
    const last = this.lastHead;
    for (let i = 0; i < length; i++) if (buf[start + i] !== last[i]) return false;
    return true;
  }

  /** Keeps the head just encoded, and its block's length when it may be reused (0: it may not). */
  private rememberHead(buf: Uint8Array, start: number, length: number, blockLength: number): void {
    this.lastBlockLength = 0;
    if (blockLength === 0 || length > MAX_REMEMBERED_HEAD) return;
    if (this.lastHead.length < length) this.lastHead = new Uint8Array(MAX_REMEMBERED_HEAD);
    this.lastHead.set(buf.subarray(start, start + length));
    this.lastHeadLength = length;
    this.lastBlockLength = blockLength;
  }

  /** The encoder's table size changes (the client's SETTINGS): no block is reused across it. */
  forgetHead(): void {
    this.lastBlockLength = 0;
  }

  /** Writes block[0..n) as one HEADERS frame, or HEADERS and CONTINUATIONs no larger than the client's frame size. */
  private writeBlock(streamId: number, n: number, endStream: boolean): void {
    const max = this.maxFrameSize;
    const first = Math.min(n, max);
    this.writeFrame(first, FRAME_HEADERS, (first === n ? FLAG_END_HEADERS : 0) | (endStream ? FLAG_END_STREAM : 0), streamId);
    this.output.append(this.block, 0, first);
    for (let p = first; p < n; ) {
      const size = Math.min(n - p, max);
      this.writeFrame(size, FRAME_CONTINUATION, p + size === n ? FLAG_END_HEADERS : 0, streamId);
      this.output.append(this.block, p, p + size);
      p += size;
    }
  }

  /** Appends a frame header. */
  writeFrame(length: number, type: number, flags: number, streamId: number): void {
    writeFrameHeader(this.frameHeader, 0, length, type, flags, streamId);
    this.output.append(this.frameHeader);
  }
}
