/**
 * The hand-over of an accepted socket from HTTP/1 to HTTP/2 (SPEC §11): when ALPN chose `h2` at the
 * TLS handshake, or a cleartext connection's first bytes are the preface (daemon/protocols.ts), the
 * HttpConnection that accepted it gives way before any request was read. The H2Connection takes its
 * place in the daemon's registry and as the socket's data, and reads what had arrived.
 */
import type { Socket } from "bun";
import type { ConnectionHost, IdleConnection, PortResources } from "./daemon-resources.ts";
import { H2Connection } from "./h2-connection.ts";

/** What the retiring connection knew of its client. */
export interface HandedOver extends IdleConnection {
  readonly peerAddress: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/**
 * Starts HTTP/2 on `socket` in `previous`'s place. `forwarded`: the peer is a trusted proxy that named
 * no client in a PROXY header, so each request names its own. `initial`: the bytes read so far (the
 * preface first; valid during the call), or null at the handshake, when our SETTINGS go first
 * (RFC 9113 §3.4).
 */
export function handOverToHttp2(
  daemon: ConnectionHost,
  port: PortResources,
  socket: Socket<unknown>,
  previous: HandedOver,
  forwarded: boolean,
  initial: Uint8Array | null,
): void {
  const next = new H2Connection(daemon, port, socket, previous.peerAddress, previous);
  if (forwarded) next.trustForwardedHeaders();
  socket.data = next;
  daemon.replaced(previous, next);
  if (initial !== null) next.onData(initial);
  else next.flush();
}
