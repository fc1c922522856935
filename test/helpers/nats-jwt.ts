/**
 * NATS decentralised authentication for tests, without `nsc` (not packaged by Debian): an
 * operator, an account and a user made with the client's nkeys, their JWTs signed the way the
 * NATS JWT v2 format says (header `{"typ":"JWT","alg":"ed25519-nkey"}`, base64url parts, the
 * issuer's Ed25519 signature over "header.claims"), the nats-server configuration that trusts
 * the operator and preloads the account (memory resolver), and a user's `.creds` file.
 */
import { nkeys } from "@nats-io/transport-node";

type KeyPair = ReturnType<typeof nkeys.createUser>;

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** A JWT with `claims` (nats: the typed part) about `subject`, issued and signed by `issuer`. */
function signJwt(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const header = base64url(encoder.encode(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" })));
  const claims = {
    jti: crypto.randomUUID().replaceAll("-", "").toUpperCase(),
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    nats: { ...nats, version: 2 },
  };
  const body = base64url(encoder.encode(JSON.stringify(claims)));
  return `${header}.${body}.${base64url(issuer.sign(encoder.encode(`${header}.${body}`)))}`;
}

/** No limit (-1) on anything an account or user may do. */
const UNLIMITED = { subs: -1, data: -1, payload: -1 };

/** An operator with one account: `config` for nats-server, and `creds()` for users of that account. */
export function operatorAccount(): { config: string; creds(): string } {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const operatorJwt = signJwt(operator, operator.getPublicKey(), "netsvc-test", { type: "operator" });
  const accountJwt = signJwt(operator, account.getPublicKey(), "services", {
    type: "account",
    limits: { ...UNLIMITED, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 },
  });
  return {
    config: `operator: ${operatorJwt}\nresolver: MEMORY\nresolver_preload: { ${account.getPublicKey()}: ${accountJwt} }\n`,
    creds() {
      const user = nkeys.createUser();
      const jwt = signJwt(account, user.getPublicKey(), "svc", { type: "user", pub: {}, sub: {}, ...UNLIMITED });
      const seed = new TextDecoder().decode(user.getSeed());
      return `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`;
    },
  };
}
