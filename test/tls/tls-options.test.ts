/**
 * A certificate or key that cannot be served stops the daemon at creation with one line naming
 * the file and the reason (SPEC §10), from the API and from the binary.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { HttpDaemon } from "../../src/index.ts";
import { run } from "../helpers/spawn.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const CERT = join(FIXTURES, "localhost.crt");
const KEY = join(FIXTURES, "localhost.key");
const OTHER_KEY = join(FIXTURES, "other.key");

/** The message HttpDaemon's constructor throws for these TLS settings. */
function refusal(cert: string, key: string): string {
  try {
    new HttpDaemon(0, { tls: { cert, key } });
  } catch (e) {
    return (e as Error).message;
  }
  return "(accepted)";
}

describe("certificate and key checked at creation", () => {
  test("a missing file", () => {
    expect(refusal(join(FIXTURES, "nope.crt"), KEY)).toBe(`tls: cannot read certificate file ${join(FIXTURES, "nope.crt")}: no such file`);
  });

  test("an unreadable key (a directory)", () => {
    expect(refusal(CERT, FIXTURES)).toBe(`tls: cannot read key file ${FIXTURES}: is a directory`);
  });

  test("a file that is not PEM", () => {
    const readme = join(FIXTURES, "README.md");
    expect(refusal(readme, KEY)).toBe(`tls: certificate file ${readme} is not PEM (no -----BEGIN line)`);
  });

  test("key text never appears in the error: PEM after a preamble is text, other text is not a path", async () => {
    const key = await Bun.file(KEY).text();
    // openssl pkcs12 -nodes writes "Bag Attributes" lines before the PEM block: still PEM text.
    expect(refusal(CERT, `Bag Attributes\n    localKeyID: 01 02\n${key}`)).toBe("(accepted)");
    // Text that is not PEM (a key pasted in another encoding) is not taken for a file name.
    const body = key.split("\n").slice(1, -2).join("\n");
    const message = refusal(CERT, body);
    expect(message).toBe("tls: the key given is neither a file path nor PEM text (no -----BEGIN line)");
    expect(message).not.toContain(body.slice(0, 20));
  });

  test("a key that is not the certificate's", () => {
    expect(refusal(CERT, OTHER_KEY)).toBe(`tls: key file ${OTHER_KEY} does not match certificate file ${CERT}`);
  });

  test("the key given as certificate", () => {
    expect(refusal(KEY, KEY)).toBe(`tls: certificate file ${KEY} holds no valid certificate`);
  });

  test("PEM text instead of paths is accepted, and a mismatch in text is named as text", async () => {
    const [cert, key, other] = await Promise.all([Bun.file(CERT).text(), Bun.file(KEY).text(), Bun.file(OTHER_KEY).text()]);
    const daemon = new HttpDaemon(0, { tls: { cert, key } });
    expect(daemon.isSecure()).toBe(true);
    expect(refusal(cert, other)).toBe("tls: the key PEM text does not match the certificate PEM text");
  });
});

describe("the binary", () => {
  test("--tls-cert with a mismatched --tls-key: one line naming the files, exit 2, nothing served", async () => {
    const r = await run([process.execPath, "src/cli.ts", "--port", "0", "--tls-cert", CERT, "--tls-key", OTHER_KEY], 20_000);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.split("\n")[0]).toBe(`netsvc: tls: key file ${OTHER_KEY} does not match certificate file ${CERT}`);
  });

  test("--tls-cert without --tls-key", async () => {
    const r = await run([process.execPath, "src/cli.ts", "--tls-cert", CERT], 20_000);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--tls-cert and --tls-key go in pairs (got 1 --tls-cert and 0 --tls-key)");
  });
});
