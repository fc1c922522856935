/**
 * What the RpcGateway needs of a protocol (JSON-RPC 2.0, XML-RPC): which request media types it
 * takes, and how a request body becomes calls and the calls' outcomes become a response.
 */

/**
 * Runs one call of the request (the gateway binds the service, timeout and abort signal): returns
 * the value at once when the method is synchronous, a Promise otherwise; a synchronous failure is
 * thrown (a ServiceFailure). Codecs answer synchronously when every call did, so the daemon can
 * write a batch of pipelined responses at once.
 */
export type Invoke = (method: string, params: unknown[]) => unknown;

/** A codec's answer: HTTP status, content type and body (null body: 204 No Content). */
export interface RpcAnswer {
  status: number;
  contentType: string;
  body: string | null;
}

/** A protocol of the gateway. */
export interface RpcCodec {
  /** Protocol name, as RpcGateway's `protocol` option spells it. */
  readonly protocol: string;
  /** Media type of its requests and responses (named in the 415 message). */
  readonly mediaType: string;
  /** True when requests of this media type (lower case, parameters removed) are this protocol's. */
  accepts(mediaType: string): boolean;
  /**
   * Decodes `body`, runs its calls through `invoke`, and encodes the outcome: at once when every
   * call answered at once, else a Promise. Never throws, never rejects. `body` may be a view of
   * the connection's receive buffer, valid only until answer() returns: decode it before then
   * and keep nothing that points into it.
   */
  answer(body: Uint8Array, invoke: Invoke): RpcAnswer | Promise<RpcAnswer>;
}

/** Plain-text answer for a request the protocol cannot even read (names the problem, echoes nothing). */
export function plainAnswer(status: number, message: string): RpcAnswer {
  return { status, contentType: "text/plain; charset=utf-8", body: message + "\n" };
}
