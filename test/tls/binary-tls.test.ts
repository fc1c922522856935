/**
 * The binary over HTTPS: `--tls-cert`/`--tls-key` pairs (the second chosen by SNI), curl against
 * the URL it prints, and SIGHUP re-reading the certificates (SPEC §10).
 */
import { afterEach, beforeEach, expect } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { peerTest } from "../helpers/peers.ts";
import { run, spawnWithOutput } from "../helpers/spawn.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-bin-tls-"));
  for (const f of ["localhost.crt", "localhost.key", "other.crt", "other.key"]) copyFileSync(join(FIXTURES, f), join(dir, f));
  writeFileSync(join(dir, "index.html"), "hello over tls\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The subject CN `name` gets from the server at `port`. */
async function subjectFor(port: string, name: string): Promise<string> {
  const r = await run(["openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-servername", name], 10_000);
  return /subject=CN ?= ?(\S+)/.exec(r.out)?.[1] ?? "(none)";
}

peerTest(["curl", "openssl"], "two pairs: https URL printed, each name its certificate, SIGHUP reloads", async () => {
  const f = (name: string) => join(dir, name);
  const args = [
    "--port",
    "0",
    "--tls-cert",
    f("localhost.crt"),
    "--tls-key",
    f("localhost.key"),
    "--tls-cert",
    f("other.crt"),
    "--tls-key",
    f("other.key"),
  ];
  const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", dir, ...args]);
  try {
    const url = await out.url();
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const port = /:(\d+)\/$/.exec(url)![1]!;
    const r = await run(["curl", "-s", "--cacert", join(FIXTURES, "localhost.crt"), `https://localhost:${port}/`]);
    expect(r.out).toBe("hello over tls\n");
    expect(await subjectFor(port, "other.test")).toBe("other.test");
    expect(await subjectFor(port, "localhost")).toBe("localhost");
    copyFileSync(f("other.crt"), f("localhost.crt"));
    copyFileSync(f("other.key"), f("localhost.key"));
    child.kill("SIGHUP");
    await out.waitFor(/netsvc: reloaded \(certificates re-read\)/);
    expect(await subjectFor(port, "localhost")).toBe("other.test");
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
});

peerTest(["curl"], "--https-port: the redirects name the public HTTPS port, not the listening one (port mapping)", async () => {
  const f = (name: string) => join(dir, name);
  for (const [httpsPort, authority] of [
    ["443", "localhost"], // the scheme's default: left out
    ["8443", "localhost:8443"],
  ]) {
    const args = ["--port", "0", "--tls-cert", f("localhost.crt"), "--tls-key", f("localhost.key")];
    args.push("--redirect-http", "0", "--https-port", httpsPort!);
    const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", dir, ...args]);
    try {
      const redirect = (await out.waitFor(/netsvc: http:\/\/127\.0\.0\.1:(\d+)\/ redirects to https/))[1]!;
      const plain = await run(["curl", "-sI", `http://localhost:${redirect}/index.html?x=1`]);
      expect(plain.out).toMatch(/^HTTP\/1\.1 308 Permanent Redirect\r\n/);
      expect(plain.out).toContain(`Location: https://${authority}/index.html?x=1\r\n`);
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  }
});

peerTest(["curl"], "--redirect-http and --hsts: http:// 308 to the https URL, HSTS on HTTPS answers only", async () => {
  const f = (name: string) => join(dir, name);
  const args = ["--port", "0", "--tls-cert", f("localhost.crt"), "--tls-key", f("localhost.key"), "--redirect-http", "0", "--hsts", "600"];
  const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", dir, ...args]);
  try {
    const port = /:(\d+)\/$/.exec(await out.url())![1]!;
    const redirect = (await out.waitFor(/netsvc: http:\/\/127\.0\.0\.1:(\d+)\/ redirects to https/))[1]!;
    const plain = await run(["curl", "-sI", `http://localhost:${redirect}/index.html?x=1`]);
    expect(plain.out).toMatch(/^HTTP\/1\.1 308 Permanent Redirect\r\n/);
    expect(plain.out).toContain(`Location: https://localhost:${port}/index.html?x=1\r\n`);
    expect(plain.out).not.toContain("Strict-Transport-Security");
    const secure = await run(["curl", "-sI", "--cacert", f("localhost.crt"), `https://localhost:${port}/`]);
    // curl takes h2 by ALPN (SPEC §11): the header comes as an HTTP/2 field, lowercase.
    expect(secure.out).toMatch(/^HTTP\/2 200 \r\n/);
    expect(secure.out).toContain("strict-transport-security: max-age=600\r\n");
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
});
