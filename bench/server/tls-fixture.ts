/**
 * The certificate every TLS peer of the server benchmark serves: the committed test pair
 * (test/fixtures/tls/localhost.*, RSA 2048, self-signed), so netsvc, Bun.serve, the bare
 * listener and nginx pay for the same key in every handshake.
 */
import { join, resolve } from "node:path";

const FIXTURES = resolve(import.meta.dir, "../../test/fixtures/tls");
/** The certificate (PEM file). */
export const TLS_CERT = join(FIXTURES, "localhost.crt");
/** Its private key (PEM file). */
export const TLS_KEY = join(FIXTURES, "localhost.key");
/** True when the peer was started with `--tls` (its second argument). */
export const wantsTls = (argv: string[]) => argv.includes("--tls");
/** True when the peer was started with `--http2` (Bun.serve's `http2: true`: h2c by prior knowledge, h2 by ALPN). */
export const wantsHttp2 = (argv: string[]) => argv.includes("--http2");
/**
 * The idle timeout (seconds) a peer was given with `--idle-timeout S`, or undefined (its default):
 * the idle-connection rows of bench/server/h2.ts hold connections longer than the defaults allow.
 */
export function idleTimeoutSeconds(argv: string[]): number | undefined {
  const i = argv.indexOf("--idle-timeout");
  return i >= 0 ? Number(argv[i + 1]) : undefined;
}
