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
