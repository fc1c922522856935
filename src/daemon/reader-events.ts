/**
 * ReaderEvents: what a RequestReader (request-reader.ts) reports to its connection, and the few
 * things it asks of it — the connection's side of the reader, kept apart so the reader's file
 * holds the read loop alone.
 */
import type { Canned } from "../http/canned.ts";
import type { ProxyHeader } from "../parser/index.ts";

/** What the reader reports to its connection, and the few things it asks of it. */
export interface ReaderEvents {
  /** True while requests are read (the connection is open: no close decided). */
  isOpen(): boolean;
  /** True once the connection closed (everything pooled is given back). */
  isClosed(): boolean;
  /** False when a head may not be parsed now (output above its mark: SPEC §6 stops reading). */
  mayParseHead(): boolean;
  /** A trusted proxy's PROXY header was read (valid during the call); false: the client is refused (closed). */
  proxyHeaderRead(header: ProxyHeader): boolean;
  /**
   * The PROXY phase is over (a header was read, or the first bytes are not one); `rest` is what
   * followed in this read (valid during the call). True: the connection took it (TLS starts after
   * the header, tls-after-proxy.ts) and the reader reads nothing more of this socket.
   */
  proxyPhaseEnded(rest: Uint8Array): boolean;
  /**
   * The connection's first bytes are HTTP/2's preface (RFC 9113 §3.4); `rest` is everything read
   * from it on (valid during the call). True: the connection took the socket and the reader reads
   * nothing more; false: HTTP/2 is not spoken here, and the bytes are parsed (and refused) as HTTP/1.
   */
  prefaceReceived(rest: Uint8Array): boolean;
  /** A head's first byte arrived: the connection is no longer idle. */
  headStarted(): void;
  /** A head is parsed (the reader's head and headBytes hold it): hand it to the request's cycle. */
  headParsed(): void;
  /** A head cannot be parsed: answer with `canned`, and close. */
  headRefused(canned: Canned): void;
  /** True when the request's cycle takes body bytes now. */
  wantsBody(): boolean;
  /** A piece of the body (a view valid only during the call). */
  bodyPiece(chunk: Uint8Array): void;
  /** The body is whole (delivered, or discarded). */
  bodyEnded(): void;
  /** The body cannot be read (malformed framing): `status` and why (the RequestChannel's refuseBody). */
  refuseBody(status: number, reason: string): void;
  /** The body discarded after a response ran past the body limit: stop reading (SPEC §3; the RequestChannel's closeAfterResponse). */
  closeAfterResponse(): void;
}
