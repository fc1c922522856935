/**
 * Basic credentials compared in constant time (issue 19 item 7). A check that compares the
 * password only when the user is right answers a wrong user faster than a wrong password, which
 * tells an attacker when a user name is right. Here both fields are always digested (SHA-256, so
 * their lengths do not show either) and the two digests, side by side, are compared with one
 * `timingSafeEqual`: the work is the same whichever field is wrong, or both.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** Bytes of one field's digest (SHA-256). */
export const FIELD_DIGEST_BYTES = 32;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * The digest of a login and a password: the SHA-256 of each, side by side
 * (2 × FIELD_DIGEST_BYTES bytes whatever their lengths; the login's first).
 */
export function credentialDigest(login: string, password: string): Buffer {
  return Buffer.concat([sha256(login), sha256(password)], 2 * FIELD_DIGEST_BYTES);
}

/**
 * A check of Basic credentials against `user` and `password`, for HttpServer.authorise():
 * `server.authorise = credentialsMatcher("admin", secret)`. True only for exactly that pair
 * (compared as UTF-8, case-sensitive). Every call digests both fields and compares all 64 bytes,
 * so it takes the same time whether the user, the password or both are wrong.
 */
export function credentialsMatcher(user: string, password: string): (login: string, password: string) => boolean {
  const expected = credentialDigest(user, password);
  return (login, pass) => timingSafeEqual(credentialDigest(login, pass), expected);
}
