/**
 * scripts/testssl.ts's reading of testssl.sh's flat JSON (testssl itself takes minutes and runs
 * only as `npm run tls:check`): which findings are flags, and the side-by-side rows.
 */
import { describe, expect, test } from "bun:test";
import { flagCount, isFlag, markdown, parseReport, sideBySide } from "../../scripts/testssl.ts";

/** An entry in testssl.sh 3.0's shape (more fields than the script reads). */
const entry = (port: string, id: string, severity: string, finding: string) => ({ id, ip: "127.0.0.1/127.0.0.1", port, severity, finding });

const NETSVC = JSON.stringify([
  entry("8443", "engine_problem", "WARN", "No engine or GOST support via engine with your /usr/bin/openssl"),
  entry("8443", "TLS1", "INFO", "not offered"),
  entry("8443", "TLS1_2", "OK", "offered"),
  entry("8443", "cipher_order", "OK", "server"),
  entry("8443", "LUCKY13", "OK", "not vulnerable, no CBC ciphers"),
]);
const NGINX = JSON.stringify([
  entry("443", "TLS1", "INFO", "not offered"),
  entry("443", "TLS1_2", "OK", "offered"),
  entry("443", "PFS", "OK", "offered"),
  entry("443", "cipher_order", "MEDIUM", "NOT a cipher order configured"),
  entry("443", "LUCKY13", "LOW", "potentially VULNERABLE, uses cipher block chaining (CBC) ciphers with TLS"),
]);

describe("testssl.sh report", () => {
  test("flags are LOW and above; WARN (testssl's own trouble), INFO and OK are not", () => {
    const severities = ["DEBUG", "INFO", "OK", "WARN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
    expect(severities.filter((severity) => isFlag({ id: "x", severity, finding: "" }))).toEqual(["LOW", "MEDIUM", "HIGH", "CRITICAL"]);
    expect(flagCount(parseReport(NETSVC))).toBe(0);
    expect(flagCount(parseReport(NGINX))).toBe(2);
  });

  test("side by side: the flags of either first, then the facts either has, each once", () => {
    const rows = sideBySide([parseReport(NETSVC), parseReport(NGINX)]);
    expect(rows.map((r) => r.id)).toEqual(["cipher_order", "LUCKY13", "TLS1", "TLS1_2", "PFS"]);
    expect(rows[0]!.cells).toEqual(["OK server", "MEDIUM NOT a cipher order configured"]);
    expect(rows[4]!.cells).toEqual(["—", "OK offered"]);
    const table = markdown(["netsvc", "nginx"], rows).split("\n");
    expect(table[0]).toBe("| check | netsvc | nginx |");
    expect(table).toHaveLength(2 + rows.length);
  });

  test("a report that is not the flat JSON array is an error, not an empty table", () => {
    expect(() => parseReport('{"scanResult": []}')).toThrow(/flat format/);
    expect(() => parseReport('[{"id": "x"}]')).toThrow(/entry 0/);
  });
});
