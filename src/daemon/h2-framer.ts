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
import { FLAG_END_HEADERS, FLAG_END_STREAM, FRAME_CONTINUATION, FRAME_DATA, FRAME_HEADERS, FRAME_HEADER_LENGTH } from "../parser/h2/frame.ts";
import { encodeResponseHead } from "../http/h2/head-transcoder.ts";
import type { HpackEncoder } from "../http/h2/hpack-encoder.ts";
import { writeFrameHeader } from "../http/h2/frame-writer.ts";
import type { ByteWriter, OutputQueue } from "./output.ts";
import type { H2Stream } from "./h2-stream.ts";

const CR = 0x0d;
const LF = 0x0a;

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

  /** Frames into `output`, encoding heads with `encoder` (the connection's, whose dynamic table the client mirrors). */
  constructor(
    private readonly output: OutputQueue,
    private readonly encoder: HpackEncoder,
  ) {}

  /** Frames what `stream` has queued, as far as the windows allow. */
  frame(stream: H2Stream): void {
    this.stream = stream;
    this.blocked = false;
    stream.output.flush(this);
    this.stream = null;
  }

  /** ByteWriter: takes the stream's queued bytes buf[offset..offset+length); returns how many it framed. */
  write(buf: Uint8Array, offset: number, length: number): number {
    const stream = this.stream!;
    const end = offset + length;
    let p = offset;
    if (!stream.headSent) {
      const headEnd = endOfHead(buf, offset, end);
      if (headEnd < 0) return 0; // not whole yet (cannot happen: a head is queued whole)
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
    stream.endSent = true;
  }

  /**
   * A response of a status alone: an interim one (RFC 9113 §8.1: 1xx in its own HEADERS frame,
   * `endStream` false), or a refusal made without a servlet (431; `endStream` true).
   */
  writeStatus(stream: H2Stream, status: number, endStream: boolean): void {
    const n = this.encoder.encodeStatus(status, this.block, this.encoder.beginBlock(this.block, 0));
    this.writeBlock(stream.id, n, endStream);
    if (endStream) stream.headSent = stream.endSent = true;
  }

  /** Encodes the head buf[start..end) and writes it as HEADERS (+ CONTINUATION). */
  private writeHead(stream: H2Stream, buf: Uint8Array, start: number, end: number, endStream: boolean): void {
    const need = 2 * (end - start) + 64;
    if (this.block.length < need) this.block = new Uint8Array(need);
    const n = encodeResponseHead(buf, start, end, this.encoder, this.block, 0);
    this.writeBlock(stream.id, n, endStream);
    stream.headSent = true;
    if (endStream) stream.endSent = true;
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

/** The offset just past a head's final CRLF CRLF in buf[start..end), or -1 (header values hold no CR or LF). */
function endOfHead(buf: Uint8Array, start: number, end: number): number {
  for (let p = buf.indexOf(LF, start); p >= 0 && p < end; p = buf.indexOf(LF, p + 1)) {
    if (p + 2 < end && buf[p + 1] === CR && buf[p + 2] === LF) return p + 3;
  }
  return -1;
}
