/**
 * ParserPool: the request heads and body decoders shared by a daemon's connections. A connection
 * holds a head only while a request is in progress on it (from its first byte until the request
 * is finished, its servlet destroyed) and a decoder only while that request has a body, so an
 * idle connection holds neither: a head is 1.7 KB (its header table is MAX_HEADERS × 4 offsets,
 * preallocated so a request never reallocates it), which at 10,000 idle keep-alive connections
 * would be 17 MB for nothing. The steady state allocates nothing: heads and decoders given back
 * are kept for the next request, up to PARSER_SPARES of each.
 */
import { BodyDecoder, RequestHead } from "../parser/index.ts";
import type { ResolvedLimits } from "./limits.ts";

/** Spare heads (and decoders) kept at most; more are left to the garbage collector. */
export const PARSER_SPARES = 256;

/**
 * What a connection's `head` is while no request is in progress: empty, never parsed into (a
 * connection takes a pooled head before its first byte is parsed), shared by every idle connection.
 */
export const IDLE_HEAD = new RequestHead({ maxHeaders: 1 });
/** What a connection's `decoder` is while its request has no body: shared, never decoded into. */
export const IDLE_DECODER = new BodyDecoder();

/** Heads and decoders made with one daemon's limits. */
export class ParserPool {
  private readonly heads: RequestHead[] = [];
  private readonly decoders: BodyDecoder[] = [];

  /** Heads and decoders handed out enforce `limits`. */
  constructor(private readonly limits: ResolvedLimits) {}

  /** A head ready to parse a request (reset). */
  takeHead(): RequestHead {
    const head = this.heads.pop() ?? new RequestHead(this.limits);
    head.reset();
    return head;
  }

  /** Returns a head nobody reads any more (its request's servlet was destroyed). */
  giveHead(head: RequestHead): void {
    if (head !== IDLE_HEAD && this.heads.length < PARSER_SPARES) this.heads.push(head);
  }

  /** A decoder (start() it for the body). */
  takeDecoder(): BodyDecoder {
    const limits = this.limits;
    return (
      this.decoders.pop() ??
      new BodyDecoder({ maxChunkExtension: limits.maxChunkExtension, maxTrailerBytes: limits.maxHead, maxTrailers: limits.maxHeaders })
    );
  }

  /** Returns a decoder whose body is finished. */
  giveDecoder(decoder: BodyDecoder): void {
    if (decoder !== IDLE_DECODER && this.decoders.length < PARSER_SPARES) this.decoders.push(decoder);
  }
}
