/**
 * The application protocols the daemon speaks over TLS, and the one place the protocol of a
 * connection is chosen (ALPN, RFC 7301). HTTP/1.1 only today; the HTTP/2 issue adds "h2" first in
 * SUPPORTED_PROTOCOLS and its connection class in protocolOf's caller.
 */

/** ALPN names the daemon accepts, in its order of preference (RFC 7301 §3.2: the server chooses). */
export const SUPPORTED_PROTOCOLS = ["http/1.1"] as const;

/** A protocol the daemon speaks. */
export type Protocol = (typeof SUPPORTED_PROTOCOLS)[number];

/**
 * The protocol list in ALPN wire format (RFC 7301 §3.1: each name preceded by its length byte),
 * as Bun's `tls.ALPNProtocols` needs it (a comma-separated string fails every handshake).
 */
export const ALPN_WIRE: Buffer = Buffer.concat(
  SUPPORTED_PROTOCOLS.map((p) => Buffer.concat([Buffer.of(p.length), Buffer.from(p, "latin1")])),
);

/**
 * The protocol of a connection from what ALPN negotiated (`socket.alpnProtocol`: a name, or false
 * when the client offered none): a client without ALPN speaks HTTP/1.1 (RFC 7301 §3.2), and so
 * does a cleartext connection.
 */
export function protocolOf(negotiated: string | false | null | undefined): Protocol {
  return SUPPORTED_PROTOCOLS.find((p) => p === negotiated) ?? "http/1.1";
}
