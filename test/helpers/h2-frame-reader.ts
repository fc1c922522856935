/**
 * The receiving half of the test HTTP/2 client (h2-client.ts): bytes as TCP delivers them, split
 * anywhere, into whole frames, using the project's own parseFrame. A HEADERS (or PUSH_PROMISE)
 * frame is handed out once its field block is complete (its CONTINUATIONs follow it, in order),
 * carrying the whole block and, when a decode callback is given, the decoded fields: the callback
 * sees the blocks in the order they arrived, as an HPACK decoder's dynamic table needs (RFC 7541 §2.2).
 */
import { INCOMPLETE, h2ErrorReason } from "../../src/parser/h2/errors.ts";
import {
  FLAG_END_HEADERS,
  FRAME_CONTINUATION,
  FRAME_GOAWAY,
  FRAME_HEADERS,
  FRAME_PUSH_PROMISE,
  FRAME_RST_STREAM,
  FRAME_WINDOW_UPDATE,
  Frame,
  parseFrame,
  readErrorCode,
  readUint31,
  readWindowIncrement,
} from "../../src/parser/h2/frame.ts";

/** Decodes one complete field block (HPACK, RFC 7541) into [name, value] pairs. */
export type HeaderDecoder = (block: Uint8Array) => [string, string][];

/** One frame received, with its payload copied out (padding and priority fields removed). */
export interface H2Frame {
  type: number;
  flags: number;
  streamId: number;
  /** The payload length on the wire (padding included). */
  length: number;
  /** DATA's data, a HEADERS/PUSH_PROMISE/CONTINUATION fragment, or the whole payload of the other types. */
  payload: Uint8Array;
  padLength: number;
  /** HEADERS, PUSH_PROMISE: the whole field block, its CONTINUATIONs' fragments appended. */
  block?: Uint8Array;
  /** HEADERS, PUSH_PROMISE with a decoder: the decoded fields. */
  headers?: [string, string][];
  /** RST_STREAM, GOAWAY: the §7 error code. */
  errorCode?: number;
  /** GOAWAY: Last-Stream-ID. */
  lastStreamId?: number;
  /** GOAWAY: the debug data as latin1. */
  debug?: string;
  /** WINDOW_UPDATE: the increment. */
  increment?: number;
  /** PUSH_PROMISE: the promised stream. */
  promisedStreamId?: number;
}

/** Reassembles frames from arbitrary chunks. */
export class H2FrameReader {
  private buf = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;
  private readonly frame = new Frame();
  /** A HEADERS/PUSH_PROMISE waiting for END_HEADERS, and the CONTINUATIONs after it. */
  private open: H2Frame[] = [];
  /** Why the bytes stopped making sense ("" while they do); nothing is parsed after it. */
  error = "";

  /** `maxFrameSize`: the SETTINGS_MAX_FRAME_SIZE the client advertised (16384 unless it sent another). */
  constructor(
    public maxFrameSize = 16384,
    private readonly decode?: HeaderDecoder,
  ) {}

  /** Takes one chunk; returns the frames it completed, in order. */
  receive(chunk: Uint8Array): H2Frame[] {
    const out: H2Frame[] = [];
    if (this.error) return out;
    this.append(chunk);
    for (;;) {
      const r = parseFrame(this.buf, this.start, this.end, this.maxFrameSize, this.frame);
      if (r === INCOMPLETE) break;
      if (r < 0) {
        this.error = `server sent a bad frame: ${h2ErrorReason(r)} (type ${this.frame.type}, stream ${this.frame.streamId})`;
        break;
      }
      this.take(this.describe(), out);
      this.start += r;
      if (this.error) break;
    }
    return out;
  }

  /** Appends a chunk after the unparsed bytes, moving them to the front or to a larger buffer when needed. */
  private append(chunk: Uint8Array): void {
    const live = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      if (live + chunk.length > this.buf.length) {
        const next = new Uint8Array(2 * (live + chunk.length));
        next.set(this.buf.subarray(this.start, this.end), 0);
        this.buf = next;
      } else {
        this.buf.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private describe(): H2Frame {
    const f = this.frame;
    const b = this.buf;
    const rec: H2Frame = {
      type: f.type,
      flags: f.flags,
      streamId: f.streamId,
      length: f.length,
      payload: b.slice(f.payloadStart, f.payloadEnd),
      padLength: f.padLength,
    };
    if (f.type === FRAME_RST_STREAM) rec.errorCode = readErrorCode(b, f.payloadStart);
    if (f.type === FRAME_WINDOW_UPDATE) rec.increment = readWindowIncrement(b, f.payloadStart);
    if (f.type === FRAME_PUSH_PROMISE) rec.promisedStreamId = f.promisedStreamId;
    if (f.type === FRAME_GOAWAY) {
      rec.lastStreamId = readUint31(b, f.payloadStart);
      rec.errorCode = readErrorCode(b, f.payloadStart + 4);
      rec.debug = Buffer.from(b.subarray(f.payloadStart + 8, f.payloadEnd)).toString("latin1");
    }
    return rec;
  }

  /** Hands a frame out, or holds it while a field block is open (RFC 9113 §6.10: nothing may interleave). */
  private take(rec: H2Frame, out: H2Frame[]): void {
    const opens = rec.type === FRAME_HEADERS || rec.type === FRAME_PUSH_PROMISE;
    if (this.open.length > 0) {
      if (rec.type !== FRAME_CONTINUATION || rec.streamId !== this.open[0]!.streamId) {
        this.error = `frame of type ${rec.type} on stream ${rec.streamId} inside a field block (RFC 9113 §6.10)`;
        return;
      }
    } else if (rec.type === FRAME_CONTINUATION) {
      this.error = `CONTINUATION on stream ${rec.streamId} without HEADERS before it (RFC 9113 §6.10)`;
      return;
    }
    if (opens || this.open.length > 0) this.open.push(rec);
    else out.push(rec);
    if ((opens || rec.type === FRAME_CONTINUATION) && (rec.flags & FLAG_END_HEADERS) !== 0) {
      const head = this.open[0]!;
      head.block = Buffer.concat(this.open.map((r) => r.payload));
      if (this.decode) head.headers = this.decode(head.block);
      out.push(...this.open);
      this.open = [];
    }
  }
}
