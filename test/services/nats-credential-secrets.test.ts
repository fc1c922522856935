/**
 * A NATS secret (a password, a creds file's JWT and seed, an NKey seed, a TLS key) never reaches
 * what may be shown or thrown (SPEC §10; docs/services.md "A secured bus"): the server list as
 * shown, and every error planConnection throws, are free of it whatever shape the option takes.
 */
import { describe, expect, test } from "bun:test";
import { planConnection, type NatsCredentials } from "../../src/services/nats-credentials.ts";

const SECRET = "s3cr/et#Pw";
const SEED = "SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU";
const CREDS = `-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.sig\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${SEED}\n------END USER NKEY SEED------\n`;

/** What planConnection lets out: the servers as shown, or the message it throws. */
function outward(servers: string[], c: NatsCredentials = {}): string {
  try {
    return planConnection(servers, c).shown;
  } catch (e) {
    return (e as Error).message;
  }
}

describe("secrets are never shown or thrown", () => {
  const cases: [name: string, servers: string[], c: NatsCredentials, secret: string][] = [
    ["a URL without a scheme", [`u:${SECRET}@127.0.0.1:4222`], {}, SECRET],
    ["a password with / and # unencoded", [`nats://u:${SECRET}@127.0.0.1:4222`], {}, SECRET],
    ["a malformed % escape in the password", ["nats://u:pa%zzss@127.0.0.1:4222"], {}, "pa%zzss"],
    ["creds given as content in a string", ["nats://127.0.0.1:4222"], { creds: CREDS }, SEED],
    ["an NKey seed with white space around it", ["nats://127.0.0.1:4222"], { nkey: `\n  ${SEED}\n` }, SEED],
    ["a seed of the wrong kind", ["nats://127.0.0.1:4222"], { nkey: `SA${SEED.slice(2)}` }, SEED.slice(2)],
    ["a TLS key that is not PEM", ["tls://127.0.0.1:4222"], { tls: { cert: "x\ny", key: `MIIEv\n${SECRET}` } }, SECRET],
  ];
  for (const [name, servers, c, secret] of cases) {
    test(name, () => {
      expect(outward(servers, c)).not.toContain(secret);
    });
  }

  test("the user part is removed however the password is spelled, and is presented", () => {
    for (const url of [`u:${SECRET}@127.0.0.1:4222`, `nats://u:${SECRET}@127.0.0.1:4222`]) {
      const plan = planConnection([url], {});
      expect([plan.kind, plan.shown]).toEqual(["user/pass", url.startsWith("nats") ? "nats://127.0.0.1:4222" : "127.0.0.1:4222"]);
    }
  });

  test("creds content and a trimmed seed are accepted", () => {
    expect(planConnection(["nats://127.0.0.1:4222"], { creds: CREDS }).kind).toBe("creds file");
    expect(planConnection(["nats://127.0.0.1:4222"], { nkey: `\n  ${SEED}\n` }).kind).toBe("nkey");
  });
});
