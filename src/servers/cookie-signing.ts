/**
 * Signed cookies (SPEC §13): the daemon's `cookieSecrets`, the first of which signs and all of
 * which verify, so a secret is rotated by putting the new one first and dropping the old one
 * once the cookies it signed have expired.
 *
 * A signed value is sent as `value.signature`, the signature being the HMAC-SHA256 of
 * `name=value` (latin1 octets) under a secret, in base64url without padding (43 characters).
 * The name is signed with the value, so a signed value cannot be moved to another cookie (a
 * `role` value presented as `plan`). Signing proves the server wrote the value; it does not hide
 * it (the value travels in clear) and does not expire it (Max-Age and Expires are the browser's:
 * a stolen cookie verifies until a secret that signed it is dropped).
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

/** base64url of a 32-byte HMAC-SHA256, unpadded. */
const SIGNATURE_LENGTH = 43;
/** Between a signed cookie's value and its signature (a cookie-octet, and never in base64url). */
const SEPARATOR = ".";

/** The daemon's cookie secrets, made once (HttpDaemonOptions.cookieSecrets): signs and verifies cookie values. */
export class CookieKeys {
  private readonly keys: KeyObject[];

  /**
   * `secrets`: the first signs, every one verifies. Throws a TypeError unless it is a non-empty
   * array of non-empty strings. Each should be long and random (32 bytes from a CSPRNG, say, in
   * base64): the signature is only as strong as the secret.
   */
  constructor(secrets: readonly string[]) {
    if (!Array.isArray(secrets) || secrets.length === 0)
      throw new TypeError("cookieSecrets: a non-empty array of strings (the first signs, every one verifies)");
    secrets.forEach((secret, i) => {
      if (typeof secret !== "string" || secret === "") throw new TypeError(`cookieSecrets[${i}]: a non-empty string`);
    });
    this.keys = secrets.map((secret) => createSecretKey(Buffer.from(secret, "utf8")));
  }

  /** `value.signature` for cookie `name`, signed with the first secret. */
  sign(name: string, value: string): string {
    return `${value}${SEPARATOR}${signature(this.keys[0]!, name, value)}`;
  }

  /**
   * The value of `signed` (a `value.signature` sent as cookie `name`) when a secret verifies its
   * signature, else undefined (unsigned, tampered, signed for another name, or by a secret no
   * longer listed). Each comparison takes the same time wherever the signatures differ.
   */
  verify(name: string, signed: string): string | undefined {
    const at = signed.length - SIGNATURE_LENGTH - 1;
    if (at < 0 || signed[at] !== SEPARATOR) return undefined;
    const value = signed.slice(0, at);
    const given = Buffer.from(signed.slice(at + 1), "latin1");
    for (const key of this.keys) if (timingSafeEqual(given, Buffer.from(signature(key, name, value), "latin1"))) return value;
    return undefined;
  }
}

/** base64url(HMAC-SHA256(key, `name=value`)), unpadded. */
function signature(key: KeyObject, name: string, value: string): string {
  return createHmac("sha256", key).update(`${name}=${value}`, "latin1").digest("base64url");
}
