/**
 * H2StreamPool: the HTTP/2 streams shared by a daemon's connections. A stream is heavy (its decoded
 * header block, its request head, its response queue: about 27 KB), and a connection holds one only
 * while a request is in progress on it, so an idle HTTP/2 connection holds none; streams given back
 * are kept for the next request up to H2_STREAM_SPARES (the steady state allocates none).
 */
import { HeaderBlock } from "../parser/h2/header-block.ts";
import { RequestHead } from "../parser/index.ts";
import { H2Stream, type StreamHost } from "./h2-stream.ts";
import { H2_STREAM_SPARES, type ResolvedLimits } from "./limits.ts";

/** Streams made with one daemon's limits (see the file comment). */
export class H2StreamPool {
  private readonly spares: H2Stream[] = [];

  /** Streams enforce `limits` (header capacity, output high-water mark). */
  constructor(private readonly limits: ResolvedLimits) {}

  /** A stream of `host`'s, ready to open(). */
  take(host: StreamHost): H2Stream {
    const stream = this.spares.pop() ?? new H2Stream(new RequestHead(this.limits), new HeaderBlock(), this.limits.outputHighWaterMark);
    stream.host = host;
    return stream;
  }

  /** Returns a recycled stream (nothing of its request kept). */
  give(stream: H2Stream): void {
    if (this.spares.length < H2_STREAM_SPARES) this.spares.push(stream);
  }
}
