/** The fixture directory both servers serve: a 13-byte file and a sparse 200 MB file. */
import { mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The small file's path and body. */
export const SMALL_PATH = "/small.txt";
export const SMALL_BODY = "Hello, world!";
/** The large file's path and size (sparse: created instantly, read as zeros). */
export const BIG_PATH = "/big.bin";
export const BIG_SIZE = 200 * 1024 * 1024;

/**
 * netsvc only: the target's JSON-RPC gateway path to a service whose `echo(x)` returns `x`
 * (nginx has no JSON-RPC).
 */
export const RPC_PATH = "/rpc/stress";

/**
 * The certificate and key of the servers' TLS variant (TargetVariant.tls): the tests' self-signed
 * localhost pair (clients do not verify it: the probes time TLS, not trust).
 */
export const TLS_CERT = join(import.meta.dir, "../../test/fixtures/tls/localhost.crt");
export const TLS_KEY = join(import.meta.dir, "../../test/fixtures/tls/localhost.key");

/** Creates the fixture under `dir` and returns `dir`. */
export function makeFixture(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SMALL_PATH), SMALL_BODY);
  writeFileSync(join(dir, BIG_PATH), "");
  truncateSync(join(dir, BIG_PATH), BIG_SIZE);
  return dir;
}
