/**
 * ClosedStreams: the ids of an HTTP/2 connection's streams closed lately, and how. RFC 9113 §5.1
 * treats a frame on a closed stream differently by how it closed — after both END_STREAMs a
 * HEADERS is a connection error STREAM_CLOSED; after our RST_STREAM, frames the client sent before
 * it saw the reset are ignored — and a HEADERS on an id lower than one already opened that was
 * never used is a PROTOCOL_ERROR (§5.1.1). Keeping every id would grow with the connection, so a
 * ring keeps the last CLOSED_STREAMS_KEPT: older ids read as never used, which errs towards the
 * connection error, never towards serving a stream twice.
 */
import { CLOSED_STREAMS_KEPT } from "./limits.ts";

/** Not among the streams closed lately. */
export const NOT_CLOSED = 0;
/** Closed by both END_STREAMs (or the client's RST_STREAM). */
export const CLOSED_ENDED = 1;
/** Closed by our RST_STREAM: frames in flight may still arrive (ignored). */
export const CLOSED_BY_RESET = 2;

/** A ring of recently closed stream ids (see the file comment). */
export class ClosedStreams {
  private readonly ids = new Int32Array(CLOSED_STREAMS_KEPT);
  private readonly how = new Uint8Array(CLOSED_STREAMS_KEPT);
  private next = 0;

  /** Stream `id` closed. */
  add(id: number): void {
    this.ids[this.next] = id;
    this.how[this.next] = CLOSED_ENDED;
    this.next = (this.next + 1) % CLOSED_STREAMS_KEPT;
  }

  /** Stream `id` was closed by our RST_STREAM (added now if it was not). */
  reset(id: number): void {
    const i = this.indexOf(id);
    if (i >= 0) this.how[i] = CLOSED_BY_RESET;
    else {
      this.add(id);
      this.how[(this.next + CLOSED_STREAMS_KEPT - 1) % CLOSED_STREAMS_KEPT] = CLOSED_BY_RESET;
    }
  }

  /** How stream `id` closed: NOT_CLOSED, CLOSED_ENDED or CLOSED_BY_RESET. */
  find(id: number): number {
    const i = this.indexOf(id);
    return i < 0 ? NOT_CLOSED : this.how[i]!;
  }

  private indexOf(id: number): number {
    if (id === 0) return -1;
    for (let i = 0; i < CLOSED_STREAMS_KEPT; i++) if (this.ids[i] === id) return i;
    return -1;
  }
}
