/**
 * credentialsMatcher(): Basic credentials checked in constant time (issue 19 item 7). Timing is
 * not asserted here (bench/auth/credentials.bench.ts prints it); what is asserted is the structure
 * that makes it constant: both fields are always digested to fixed-length digests, whichever is
 * wrong, and only the pair as a whole is compared.
 */
import { describe, expect, test } from "bun:test";
import { credentialsMatcher } from "../../src/index.ts";
import { FIELD_DIGEST_BYTES, credentialDigest } from "../../src/servers/credentials.ts";

const USER = "alice";
const PASSWORD = "s3:cret ü";

/** [login, password, accepted]: the right pair, each field wrong alone, both, and near misses. */
const TRIES: [string, string, boolean][] = [
  [USER, PASSWORD, true],
  [USER, "wrong", false],
  ["bob", PASSWORD, false],
  ["bob", "wrong", false],
  ["", "", false],
  ["", PASSWORD, false],
  [USER, "", false],
  ["alic", PASSWORD, false],
  ["alicee", PASSWORD, false],
  ["Alice", PASSWORD, false],
  [USER, "s3:cret u", false],
  [USER, "s3:cret ü ", false],
  [`${USER}:s3`, "cret ü", false], // the same "login:password" text split elsewhere
  [USER, PASSWORD.repeat(1000), false],
];

describe("credentialsMatcher", () => {
  test("accepts exactly the pair it was given", () => {
    const matches = credentialsMatcher(USER, PASSWORD);
    expect(TRIES.map(([l, p]) => [l.slice(0, 20), p.slice(0, 20), matches(l, p)])).toEqual(
      TRIES.map(([l, p, ok]) => [l.slice(0, 20), p.slice(0, 20), ok]),
    );
  });

  test("every try is digested to the same length, whatever the lengths of its fields", () => {
    for (const [l, p] of TRIES) expect(credentialDigest(l, p).length).toBe(2 * FIELD_DIGEST_BYTES);
  });

  test("the password is digested whatever the user, and the user whatever the password", () => {
    const expected = credentialDigest(USER, PASSWORD);
    const user = (d: Buffer) => d.subarray(0, FIELD_DIGEST_BYTES);
    const password = (d: Buffer) => d.subarray(FIELD_DIGEST_BYTES);
    // A wrong user still has its password examined: the password's half is the right one…
    expect(password(credentialDigest("bob", PASSWORD))).toEqual(password(expected));
    // …and a wrong password its user: neither field decides alone, no early return on either.
    expect(user(credentialDigest(USER, "wrong"))).toEqual(user(expected));
    expect(user(credentialDigest("bob", PASSWORD))).not.toEqual(user(expected));
    expect(password(credentialDigest(USER, "wrong"))).not.toEqual(password(expected));
  });
});
