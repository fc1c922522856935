/**
 * The client-certificate refusal probe (nats-tls-refusal.ts) against endpoints that are not a
 * NATS server refusing a certificate: it never rejects, and never holds more of a first line than
 * a NATS INFO line can be (review finding 6 of issue 21). The refusals themselves are tested
 * against a real nats-server in exchange-auth.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { clientCertificateRefusal } from "../../src/services/nats-tls-refusal.ts";
import { NATS_INFO_MAX_BYTES } from "../../src/services/limits.ts";

/** Far above how long these cases may take: a probe that waits for it has failed the case. */
const PROBE_LIMIT_MS = 60_000;
const CERT = { cert: "not a certificate", key: "not a key" };

describe("clientCertificateRefusal", () => {
  test("an endpoint sending a first line without end is given up past NATS_INFO_MAX_BYTES, not held until the limit", async () => {
    let sent = 0;
    const chunk = Buffer.alloc(16 * 1024, 0x78); // "xxxx…": no CRLF, ever
    const writeMore = (s: { write(b: Uint8Array): number }) => {
      while (sent <= NATS_INFO_MAX_BYTES * 4) {
        const n = s.write(chunk);
        if (n <= 0) return;
        sent += n;
      }
    };
    using listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: writeMore, drain: writeMore, data() {} } });
    const started = performance.now();
    expect(await clientCertificateRefusal([`nats://127.0.0.1:${listener.port}`], CERT, PROBE_LIMIT_MS)).toBeNull();
    expect(performance.now() - started).toBeLessThan(PROBE_LIMIT_MS / 2);
    expect(sent).toBeGreaterThan(NATS_INFO_MAX_BYTES);
  }, 10_000);

  test("a server string that is no URL is not a refusal, and never a rejection", async () => {
    for (const server of ["nats://[::1", "nats://host:99999", "%%%"]) {
      expect(await clientCertificateRefusal([server], CERT, 1000)).toBeNull();
    }
  });
});
