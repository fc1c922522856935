/**
 * The application protocols the daemon speaks, and the one place the protocol of a connection is
 * chosen: by ALPN over TLS (RFC 7301), by the connection preface on cleartext (RFC 9113 §3.3: h2c
 * "with prior knowledge"; the HTTP/1.1 Upgrade to h2c is not offered, as RFC 9113 §3.1 deprecates
 * it). `http2: false` (`--no-http2`) leaves h2 out of both.
 */

/** ALPN names the daemon accepts, in its order of preference (RFC 7301 §3.2: the server chooses). */
export const SUPPORTED_PROTOCOLS = ["h2", "http/1.1"] as const;

/** A protocol the daemon speaks. */
export type Protocol = (typeof SUPPORTED_PROTOCOLS)[number];

/** The protocols offered by ALPN, in order: HTTP/2 first unless `http2` is false. */
export function offeredProtocols(http2: boolean): Protocol[] {
  return SUPPORTED_PROTOCOLS.filter((p) => http2 || p !== "h2");
}

/**
 * A protocol list in ALPN wire format (RFC 7301 §3.1: each name preceded by its length byte), as
 * Bun's `tls.ALPNProtocols` needs it (a comma-separated string fails every handshake).
 */
export function alpnWire(protocols: readonly Protocol[]): Buffer {
  return Buffer.concat(protocols.map((p) => Buffer.concat([Buffer.of(p.length), Buffer.from(p, "latin1")])));
}

/**
 * The protocol of a connection from what ALPN negotiated (`socket.alpnProtocol`: a name, or false
 * when the client offered none): a client without ALPN speaks HTTP/1.1 (RFC 7301 §3.2), and so
 * does a cleartext connection until its first bytes say otherwise.
 */
export function protocolOf(negotiated: string | false | null | undefined): Protocol {
  return SUPPORTED_PROTOCOLS.find((p) => p === negotiated) ?? "http/1.1";
}
