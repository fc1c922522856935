/**
 * BodySink: something that takes a request body piece by piece in place of processContent() —
 * the multipart reader behind parts(). A Promise from write() pauses delivery until it settles,
 * so a consumer that does not read holds the body back in the socket (backpressure).
 */
export interface BodySink {
  /** A piece of the body (a view valid only during the call: copy to keep). */
  write(chunk: Uint8Array): void | Promise<void>;
  /** The body is whole. */
  end(): void;
  /** The body will not be whole: the client left, or it was refused. */
  fail(reason: Error): void;
}
