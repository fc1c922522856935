/**
 * How an Exchange proves who it is to NATS (SPEC §10, issue 21 item 3): the ExchangeOptions for
 * user/password, token, a `.creds` file, an NKey seed and TLS, and credentials written in a server
 * URL (`nats://user:pass@host`, `nats://token@host`), turned into the NATS client's options. The
 * client itself parses a URL's host and port only and drops its user part, which is why a
 * `nats://u:p@host` URL used to fail with "Authorization Violation"; the user part is taken here
 * and never passed on, logged or put in an error message (redacted() names the server without it).
 */
import { readFileSync } from "node:fs";
import {
  AuthorizationError,
  type Authenticator,
  type ConnectionOptions,
  credsAuthenticator,
  nkeyAuthenticator,
  type TlsOptions,
  tokenAuthenticator,
  UserAuthenticationExpiredError,
  usernamePasswordAuthenticator,
} from "@nats-io/transport-node";

/** TLS to NATS: each value is PEM text (it starts with "-----BEGIN") or the path of a PEM file. */
export interface NatsTlsOptions {
  /** The CA(s) that signed the server's certificate. Default: the system's CAs. */
  ca?: string;
  /** The client certificate, for a server with `tls { verify: true }`; needs `key`. */
  cert?: string;
  /** The client certificate's private key; needs `cert`. */
  key?: string;
}

/**
 * The credential options of an Exchange. At most one kind among user/pass, token, creds and nkey
 * (a server checks one); `tls` goes with any of them. Credentials in a server URL count as
 * user/pass (`u:p@`) or token (`t@`), and every URL that has some must have the same.
 */
export interface NatsCredentials {
  /** User name (`authorization { user, password }` or `users = [...]`); needs `pass`. */
  user?: string;
  /** Password of `user`. */
  pass?: string;
  /** Token (`authorization { token }`). */
  token?: string;
  /** Path of a `.creds` file (a user JWT and its NKey seed, as `nsc` writes it), or its content. */
  creds?: string | Uint8Array;
  /** NKey seed ("SU…", `authorization { users = [{ nkey: "U…" }] }`), or the path of a file holding it. */
  nkey?: string;
  /** TLS to NATS (a `tls://` URL or a server requiring TLS). true: TLS with the system's CAs. */
  tls?: NatsTlsOptions | true;
}

/** The NATS client options for `servers` and `credentials`, and the name of the credential kind. */
export interface NatsConnectPlan {
  /** The client's options (servers without their user part, authenticator, tls). */
  options: Pick<ConnectionOptions, "servers" | "authenticator" | "tls">;
  /** The servers as they may be shown (user part removed), e.g. "nats://127.0.0.1:4222". */
  shown: string;
  /** Which credential is presented: "user/pass", "token", "creds file", "nkey" or "none". */
  kind: string;
}

/** Turns Exchange options into the client's; throws a TypeError naming a contradictory option. */
export function planConnection(servers: readonly string[], c: NatsCredentials): NatsConnectPlan {
  let fromUrl: { user: string; pass?: string } | null = null;
  const plain: string[] = [];
  for (const s of servers) {
    const { url, user, pass } = splitUserInfo(s);
    plain.push(url);
    if (user === undefined) continue;
    if (fromUrl && (fromUrl.user !== user || fromUrl.pass !== pass))
      throw new TypeError("Exchange: the server URLs carry different credentials (one client presents one)");
    fromUrl = { user, pass };
  }
  const kinds: [string, Authenticator][] = [];
  if (c.user !== undefined || c.pass !== undefined) {
    if (c.user === undefined || c.pass === undefined) throw new TypeError("Exchange: user and pass go together");
    kinds.push(["user/pass", usernamePasswordAuthenticator(c.user, c.pass)]);
  }
  if (c.token !== undefined) kinds.push(["token", tokenAuthenticator(c.token)]);
  if (c.creds !== undefined) kinds.push(["creds file", credsAuthenticator(bytesOf(c.creds))]);
  if (c.nkey !== undefined) kinds.push(["nkey", nkeyAuthenticator(seedOf(c.nkey))]);
  if (fromUrl && kinds.length === 0) {
    // NATS URL convention (as in the Go client): `user:pass@` is a user, a lone `token@` a token.
    kinds.push(
      fromUrl.pass === undefined
        ? ["token", tokenAuthenticator(fromUrl.user)]
        : ["user/pass", usernamePasswordAuthenticator(fromUrl.user, fromUrl.pass)],
    );
  }
  if (kinds.length > 1) throw new TypeError(`Exchange: one credential at a time (got ${kinds.map((k) => k[0]).join(" and ")})`);
  const options: NatsConnectPlan["options"] = { servers: plain };
  if (kinds[0]) options.authenticator = kinds[0][1];
  if (c.tls !== undefined) options.tls = tlsOf(c.tls);
  return { options, shown: plain.join(", "), kind: kinds[0]?.[0] ?? "none" };
}

/** True when `e` (from the client's connect) is the server refusing the credentials, not a network failure. */
export function isRefusal(e: unknown): boolean {
  return e instanceof AuthorizationError || e instanceof UserAuthenticationExpiredError;
}

/**
 * `url` without its user part, and that user part decoded (undefined: none). The user part ends
 * at the last "@" (a host has none; a password may hold "/", "?" or "#" unencoded), with or
 * without a scheme (the client takes `host:port`). A bad %-escape is a TypeError that does not
 * quote the URL: it holds a secret.
 */
function splitUserInfo(url: string): { url: string; user?: string; pass?: string } {
  const scheme = url.indexOf("://");
  const start = scheme < 0 ? 0 : scheme + 3;
  const at = url.lastIndexOf("@");
  if (at < start) return { url };
  const info = url.slice(start, at);
  const colon = info.indexOf(":");
  const plain = url.slice(0, start) + url.slice(at + 1);
  try {
    if (colon < 0) return { url: plain, user: decodeURIComponent(info) };
    return { url: plain, user: decodeURIComponent(info.slice(0, colon)), pass: decodeURIComponent(info.slice(colon + 1)) };
  } catch {
    throw new TypeError(`Exchange: the user part of server ${plain} is not valid %-encoding`);
  }
}

function tlsOf(t: NatsTlsOptions | true): TlsOptions {
  if (t === true) return {};
  if ((t.cert === undefined) !== (t.key === undefined)) throw new TypeError("Exchange: tls.cert and tls.key go together");
  const o: TlsOptions = {};
  if (t.ca !== undefined) o.ca = pemOf(t.ca, "tls.ca");
  if (t.cert !== undefined) o.cert = pemOf(t.cert, "tls.cert");
  if (t.key !== undefined) o.key = pemOf(t.key, "tls.key");
  return o;
}

/**
 * The content of `option`'s file `path`, read now (at construction). The error names the option
 * and the reason, not the value: a secret given where a path was expected must not be quoted.
 */
function readOption(option: string, path: string): Buffer {
  if (/[\r\n]/.test(path)) throw new TypeError(`Exchange: ${option} is neither a file path nor its expected content`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TypeError(`Exchange: cannot read the ${option} file (${(e as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
}

/** PEM text as is (a block anywhere in it); anything else is a file path, read now. */
function pemOf(v: string, option: string): string {
  return v.includes("-----BEGIN") ? v : readOption(option, v).toString("utf8");
}

/** A `.creds` file's content: given as bytes, as text (it holds a PEM-like block), or by its path. */
function bytesOf(v: string | Uint8Array): Uint8Array {
  if (typeof v !== "string") return v;
  return v.includes("-----BEGIN") ? new TextEncoder().encode(v) : readOption("creds", v);
}

/**
 * An NKey user seed: "SU…" (nkeys' prefix for a user's seed; white space around it ignored), or
 * the path of a file holding one. Another kind of seed ("S" and a base-32 run) is refused
 * without being quoted.
 */
function seedOf(v: string): Uint8Array {
  const given = v.trim();
  if (/^S[A-Z2-7]{40,}$/.test(given) && !given.startsWith("SU"))
    throw new TypeError("Exchange: nkey is a seed, but not a user's (a user seed starts SU)");
  const text = given.startsWith("SU") ? given : readOption("nkey", given).toString("utf8").trim();
  return new TextEncoder().encode(text);
}
