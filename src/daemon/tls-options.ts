/**
 * TLS for the daemon's own listener (SPEC §10): certificates and keys read from files or given as
 * PEM text, checked at start (one clear line for a missing, unreadable or mismatched pair), and the
 * options handed to `Bun.listen` — TLS 1.2 and 1.3 only, forward-secret AEAD ciphers only, in the
 * server's order.
 */
import { constants, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TLSOptions } from "bun";
import { alpnWire, type Protocol } from "./protocols.ts";

/** A certificate (chain) and its private key: each a PEM file path or the PEM text itself. */
export interface TlsCertificate {
  /**
   * The name (SNI, RFC 6066 §3) this certificate answers for. Default: the certificate's DNS
   * names (subjectAltName, else its CN). The first certificate of a list is also the default.
   */
  serverName?: string;
  /** The certificate chain, leaf first: a file path, or PEM text (starts with `-----BEGIN`). */
  cert: string;
  /** The unencrypted private key of the leaf: a file path, or PEM text. */
  key: string;
}

/**
 * The daemon's `tls` option: one certificate, or several chosen by the name the client asks for
 * (SNI); the first answers clients that ask for no name or for another one.
 */
export type TlsSettings = TlsCertificate | readonly TlsCertificate[];

/** A certificate or key that cannot be served; the message is one line naming the file and why. */
export class TlsConfigError extends Error {}

/**
 * TLS 1.2 suites offered, best first, all ECDHE (forward secrecy, RFC 7525 §4.2) and AEAD (no
 * CBC: no LUCKY13, RFC 7457 §2.4). TLS 1.3's suites are all forward-secret AEAD and BoringSSL
 * does not let them be configured.
 */
export const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
].join(":");

/**
 * SSL_OP_* bits: no TLS 1.0 or 1.1 (RFC 8996; the protocol is refused with alert 70), and the
 * server's cipher order rather than the client's (Bun's TLSOptions has no minVersion or
 * honorCipherOrder; it takes the OpenSSL option bits BoringSSL understands).
 */
export const TLS_SECURE_OPTIONS = constants.SSL_OP_NO_TLSv1 | constants.SSL_OP_NO_TLSv1_1 | constants.SSL_OP_CIPHER_SERVER_PREFERENCE;

const PEM_START = "-----BEGIN";

/**
 * `source` as PEM text: itself when it holds a PEM block (after a preamble too, as `openssl pkcs12
 * -nodes` writes "Bag Attributes" lines first), else the file it names; `what` names it in
 * errors. Text that is no path (it has a line break) is refused without being quoted: a key must
 * never reach a log.
 */
function readPem(source: string, what: "certificate" | "key"): { pem: string; origin: string } {
  if (source.includes(PEM_START)) return { pem: source, origin: `the ${what} PEM text` };
  if (/[\r\n]/.test(source)) throw new TlsConfigError(`tls: the ${what} given is neither a file path nor PEM text (no ${PEM_START} line)`);
  let pem: string;
  try {
    pem = readFileSync(source, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : (e as Error).message;
    throw new TlsConfigError(`tls: cannot read ${what} file ${source}: ${why}`);
  }
  if (!pem.includes(PEM_START)) throw new TlsConfigError(`tls: ${what} file ${source} is not PEM (no ${PEM_START} line)`);
  return { pem, origin: `${what} file ${source}` };
}

/** A certificate and key read and checked, and the server names it answers for (SNI). */
export interface LoadedCertificate {
  cert: string;
  key: string;
  /** `serverName` when given, else the certificate's DNS names (subjectAltName, else its CN). */
  names: string[];
}

/** The DNS names a certificate is for: its subjectAltName DNS entries, else its subject CN. */
function certificateNames(x509: X509Certificate): string[] {
  const alt = (x509.subjectAltName ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4));
  if (alt.length > 0) return alt;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject);
  return cn ? [cn[1]!] : [];
}

/**
 * Reads and checks one certificate and key: both parse, and the key is the certificate's.
 * Throws TlsConfigError with one line otherwise.
 */
export function loadCertificate(source: TlsCertificate): LoadedCertificate {
  const cert = readPem(source.cert, "certificate");
  const key = readPem(source.key, "key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert.pem);
  } catch {
    throw new TlsConfigError(`tls: ${cert.origin} holds no valid certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key.pem);
  } catch {
    throw new TlsConfigError(`tls: ${key.origin} holds no valid unencrypted private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new TlsConfigError(`tls: ${key.origin} does not match ${cert.origin}`);
  return { cert: cert.pem, key: key.pem, names: source.serverName ? [source.serverName] : certificateNames(x509) };
}

/** Every certificate of `settings`, read and checked, the default first. */
export function loadSettings(settings: TlsSettings): LoadedCertificate[] {
  const list = Array.isArray(settings) ? settings : [settings];
  if (list.length === 0) throw new TlsConfigError("tls: no certificate given");
  return list.map(loadCertificate);
}

/** A certificate's TLS context settings: the pair, the versions and the ciphers (node:tls shape too). */
export function contextOptions(c: LoadedCertificate): { cert: string; key: string; ciphers: string; secureOptions: number } {
  return { cert: c.cert, key: c.key, ciphers: TLS12_CIPHERS, secureOptions: TLS_SECURE_OPTIONS };
}

/** The options for `Bun.listen`'s `tls`: the default certificate's context, and ALPN offering `protocols`. */
export function listenerTls(first: LoadedCertificate, protocols: readonly Protocol[]): TLSOptions {
  return { ...contextOptions(first), ALPNProtocols: alpnWire(protocols) };
}
