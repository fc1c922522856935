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

/**
 * Where a streamed answer goes: the gateway's servlet, writing through the connection's flow
 * control (sendContent / drained). Text written before the answer reaches RPC_BATCH_PIECE
 * characters, or before flush(), may still go out as one whole response with a Content-Length.
 */
export interface RpcOutput {
  /** Appends text to the answer; false once the client is behind: wait for drained() before more. */
  write(text: string): boolean;
  /** Hands what was written to the connection now (before waiting for a call). */
  flush(): void;
  /** Resolves once the client has taken enough to write more (at once if so; also when it left). */
  drained(): Promise<void>;
  /** True once the client has gone (or the response ended): start no more calls. */
  readonly closed: boolean;
  /** The answer is complete. Nothing written at all: 204 No Content. */
  end(): void;
}

/** An answer written piece by piece as its calls finish (a JSON-RPC batch). */
export interface RpcStream {
  /** Status when anything is written (nothing: 204). */
  status: number;
  contentType: string;
  /** Runs the calls and writes their answers to `out`, ending it; never throws. */
  writeTo(out: RpcOutput): void;
}

/** True when `a` is written piece by piece. */
export function isStream(a: RpcAnswer | RpcStream): a is RpcStream {
  return "writeTo" in a;
}

/** A protocol of the gateway. */
export interface RpcCodec {
  /** Protocol name, as RpcGateway's `protocol` option spells it. */
  readonly protocol: string;
  /** Media type of its requests and responses (named in the 415 message). */
  readonly mediaType: string;
  /**
   * True when the protocol has XML-RPC's `system.*` conventions: the gateway then answers
   * `system.listMethods`, `system.methodHelp` and `system.methodSignature` itself
   * (system-methods.ts), and the codec `system.multicall`. Default false.
   */
  readonly systemMethods?: boolean;
  /** True when requests of this media type (lower case, parameters removed) are this protocol's. */
  accepts(mediaType: string): boolean;
  /**
   * Decodes `body`, runs its calls through `invoke`, and encodes the outcome: at once when every
   * call answered at once, else a Promise; or, for a request of many calls, an RpcStream the
   * gateway drives. Never throws, never rejects. `body` may be a view of the connection's
   * receive buffer, valid only until answer() returns: decode it before then and keep nothing
   * that points into it.
   */
  answer(body: Uint8Array, invoke: Invoke): RpcAnswer | Promise<RpcAnswer> | RpcStream;
}

/** Plain-text answer for a request the protocol cannot even read (names the problem, echoes nothing). */
export function plainAnswer(status: number, message: string): RpcAnswer {
  return { status, contentType: "text/plain; charset=utf-8", body: message + "\n" };
}
