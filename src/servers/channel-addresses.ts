/**
 * ChannelAddresses: where a request (or a WebSocket after its upgrade) came from and arrived, as
 * its transport reports it — shared by the request port (request-channel.ts) and the WebSocket
 * port (websocket-port.ts).
 */

/** Where a request came from and arrived, as its session reports it. */
export interface ChannelAddresses {
  /** Local address of the transport. */
  readonly localAddress: string;
  /** Local port. */
  readonly localPort: number;
  /** Peer address. */
  readonly remoteAddress: string;
  /** Peer port. */
  readonly remotePort: number;
  /** True when the request arrived over TLS (false for plain TCP). */
  isSecure(): boolean;
}
