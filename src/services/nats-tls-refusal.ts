/**
 * Why a NATS server did not let this client in over TLS, when the NATS client cannot say: a
 * client certificate the server does not accept.
 *
 * In TLS 1.3 the server verifies the client's certificate after the client's side of the
 * handshake is complete (RFC 8446 §4.4.2: the client's Certificate and Finished are its last
 * flight), so the client sees a successful handshake and the server's verdict arrives as an alert
 * (RFC 8446 §6.2: bad_certificate, unknown_ca, certificate_required…), the first record it reads.
 * The NATS client (`@nats-io/transport-node`) keeps that alert as its transport's close error,
 * but its connect goes on waiting for the server's PONG and rejects with "timeout" when its
 * connect timeout passes — under Node as under Bun (both checked with nats-server 2.9 and a
 * certificate its CA did not sign). So after such a failure the Exchange asks once itself: it
 * reads the server's INFO, starts TLS with the same options, and sends CONNECT and PING; an
 * alert is the refusal, named; an answer, a close or silence is not one.
 */
import { connect as netConnect } from "node:net";
import { isIP } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { NATS_INFO_MAX_BYTES } from "./limits.ts";

/** A server that refused the client certificate, and the TLS alert it sent (e.g. "bad certificate"). */
export interface TlsRefusal {
  server: string;
  alert: string;
}

/** The NATS client's default port, for a server URL that names none. */
const NATS_DEFAULT_PORT = 4222;
/** The end of the server's INFO line (NATS ends protocol lines with CRLF). */
const LF = 0x0a;
/** Sent once TLS is up: any answer (PONG, -ERR) means the certificate was accepted. */
const CONNECT_AND_PING = '{"verbose":false,"pedantic":false}\r\nPING\r\n';

/**
 * Asks every one of `servers` at once whether it refuses the client certificate in `tls` (PEM
 * text: the client's own options), all within `limitMs` (so the question adds at most `limitMs`
 * to a failed attempt, however many servers). Resolves with the first refusal in `servers`'
 * order, or null (none refused, none reachable, or no client certificate to judge). Never rejects.
 */
export async function clientCertificateRefusal(
  servers: readonly string[],
  tls: { ca?: string; cert?: string; key?: string },
  limitMs: number,
): Promise<TlsRefusal | null> {
  if (tls.cert === undefined) return null;
  const options = { ca: tls.ca, cert: tls.cert, key: tls.key };
  const alerts = await Promise.all(servers.map((server) => alertFrom(server, options, limitMs)));
  const i = alerts.findIndex((alert) => alert !== null);
  return i < 0 ? null : { server: servers[i]!, alert: alerts[i]! };
}

/** The host and port of a server string, or null when it is no URL (the client refused it too). */
function endpointOf(server: string): { host: string; port: number } | null {
  try {
    const url = new URL(server.includes("://") ? server : `nats://${server}`);
    return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port) || NATS_DEFAULT_PORT };
  } catch {
    return null;
  }
}

/**
 * The TLS alert `server` answers a connection with `options` by, or null. Never rejects: a server
 * string that is no URL, an error, a close, silence for `limitMs`, or a first line longer than
 * NATS_INFO_MAX_BYTES (no NATS server's INFO is) are all "no refusal".
 */
function alertFrom(server: string, options: ConnectionOptions, limitMs: number): Promise<string | null> {
  const endpoint = endpointOf(server);
  if (endpoint === null) return Promise.resolve(null);
  const { host, port } = endpoint;
  const { promise, resolve } = Promise.withResolvers<string | null>();
  const socket = netConnect(port, host);
  const timer = setTimeout(() => resolve(null), limitMs);
  void promise.finally(() => {
    clearTimeout(timer);
    socket.destroy();
  });
  socket.on("error", () => resolve(null));
  socket.on("close", () => resolve(null));
  let infoBytes = 0;
  const onInfo = (chunk: Buffer) => {
    // Only whether the line has ended matters (a CRLF split across reads: its LF ends it too).
    infoBytes += chunk.length;
    if (!chunk.includes(LF)) {
      if (infoBytes > NATS_INFO_MAX_BYTES) resolve(null);
      return;
    }
    socket.off("data", onInfo);
    // The server's own certificate is not in question here (the client checks it, and says so).
    const secure = tlsConnect({ ...options, socket, rejectUnauthorized: false, servername: isIP(host) ? undefined : host });
    void promise.finally(() => secure.destroy());
    secure.on("secureConnect", () => secure.write(`CONNECT ${CONNECT_AND_PING}`));
    secure.on("data", () => resolve(null));
    secure.on("error", (e: Error & { code?: string }) => resolve(alertName(e.code ?? "")));
    secure.on("close", () => resolve(null));
  };
  socket.on("data", onInfo);
  return promise;
}

/** "bad certificate" for ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE (OpenSSL's and BoringSSL's names); null for anything but an alert. */
function alertName(code: string): string | null {
  const m = /^ERR_SSL_(?:SSLV3|TLSV1\d*)_ALERT_(\w+)$/.exec(code);
  return m ? m[1]!.toLowerCase().replaceAll("_", " ") : null;
}
