/**
 * The Cookie header, read leniently (SPEC §13, RFC 6265bis §4.2.1 and §5.8.3): a table of what
 * browsers send and what a careless script or an attacker writes. Malformed input never throws;
 * values come back as sent (never percent-decoded); the first of a repeated name wins; the work is
 * bounded however long the header.
 */
import { describe, expect, test } from "bun:test";
import { parseCookieHeader } from "../../src/servers/cookie-header.ts";
import { MAX_COOKIE_HEADER, MAX_COOKIE_PAIRS } from "../../src/servers/limits.ts";

/** [what, header, expected cookies] */
const CASES: [string, string, Record<string, string>][] = [
  ["none", "", {}],
  ["one pair", "a=1", { a: "1" }],
  ["browser form: '; ' between pairs", "a=1; b=2; c=3", { a: "1", b: "2", c: "3" }],
  ["no space after ';'", "a=1;b=2", { a: "1", b: "2" }],
  ["spaces and tabs around names and values", " a = 1 ;\tb\t=\t2\t", { a: "1", b: "2" }],
  ["empty value", "a=; b=2", { a: "", b: "2" }],
  ["quoted value loses its DQUOTEs", 'a="x y"; b=""', { a: "x y", b: "" }],
  ["a lone DQUOTE stays", 'a="x; b=y"', { a: '"x', b: 'y"' }],
  ["'=' inside a value stays (base64 padding)", "t=YWJj==; u=a=b", { t: "YWJj==", u: "a=b" }],
  ["percent-escapes are not decoded", "a=%41%42; b=%zz; c=%", { a: "%41%42", b: "%zz", c: "%" }],
  ["comma stays in the value (never split on it)", "a=1, b=2", { a: "1, b=2" }],
  ["pair without '=' skipped", "flag; a=1; =; b=2", { a: "1", b: "2" }],
  ["empty name skipped", "=v; a=1;  =x", { a: "1" }],
  ["empty pairs skipped", ";;a=1;;; ;b=2;", { a: "1", b: "2" }],
  ["duplicate: the first wins", "a=path-specific; a=root; b=1; b=2", { a: "path-specific", b: "1" }],
  ["names are case-sensitive", "A=1; a=2", { A: "1", a: "2" }],
  [
    "prototype names are plain names",
    "__proto__=x; constructor=y; toString=z",
    JSON.parse('{"__proto__":"x","constructor":"y","toString":"z"}'),
  ],
  ["latin1 octets come back as sent", "n=caf\u00e9", { n: "caf\u00e9" }],
  ["only separators", " ; ; ", {}],
  ["signed form kept whole", "s=v.abc; t=", { s: "v.abc", t: "" }],
];

/** The parsed jar as a plain object, for toEqual (the jar has no prototype). */
function plain(header: string): Record<string, string> {
  return Object.fromEntries(Object.entries(parseCookieHeader(header)));
}

describe("parseCookieHeader", () => {
  for (const [what, header, expected] of CASES) {
    test(`${what}: ${JSON.stringify(header)}`, () => {
      expect(plain(header)).toEqual(Object.fromEntries(Object.entries(expected)));
    });
  }

  test("the jar is frozen and has no prototype: a cookie cannot reach Object.prototype", () => {
    const jar = parseCookieHeader("__proto__=x; a=1");
    expect(Object.getPrototypeOf(jar)).toBeNull();
    expect(Object.isFrozen(jar)).toBe(true);
    expect(Object.getOwnPropertyDescriptor(jar, "__proto__")?.value).toBe("x");
    expect(jar.hasOwnProperty).toBeUndefined();
  });

  test(`at most ${MAX_COOKIE_PAIRS} pairs are read, malformed ones counted too`, () => {
    const many = Array.from({ length: MAX_COOKIE_PAIRS + 50 }, (_, i) => `c${i}=${i}`).join("; ");
    const jar = parseCookieHeader(many);
    expect(Object.keys(jar).length).toBe(MAX_COOKIE_PAIRS);
    expect(jar[`c${MAX_COOKIE_PAIRS - 1}`]).toBe(String(MAX_COOKIE_PAIRS - 1));
    expect(jar[`c${MAX_COOKIE_PAIRS}`]).toBeUndefined();
    const junk = `${";".repeat(MAX_COOKIE_PAIRS)}late=1`;
    expect(parseCookieHeader(junk).late).toBeUndefined();
  });

  test(`a pair that does not end within ${MAX_COOKIE_HEADER} characters is ignored whole, never cut`, () => {
    const head = "a=1; ";
    const long = `b=${"x".repeat(MAX_COOKIE_HEADER)}`;
    const jar = parseCookieHeader(`${head}${long}; c=3`);
    expect(Object.keys(jar)).toEqual(["a"]);
    // One ending exactly at the bound is whole, and read.
    const fits = `b=${"x".repeat(MAX_COOKIE_HEADER - head.length - 2)}`;
    expect(parseCookieHeader(`${head}${fits}`).b?.length).toBe(fits.length - 2);
  });

  test("random bytes and random mutations of a real header never throw and give string values", () => {
    const real = 'session=abc.def; theme=dark; __Host-id="q"; a=%41; n';
    let seed = 0x9e3779b9;
    const random = () => (seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
    const alphabet = ' =;"\t%,\\\u00ff\u0000ax';
    for (let round = 0; round < 2000; round++) {
      const chars = [...real];
      for (let m = 0; m < 5; m++)
        chars.splice(Math.floor(random() * chars.length), Math.floor(random() * 2), alphabet[Math.floor(random() * alphabet.length)]!);
      const jar = parseCookieHeader(chars.join(""));
      for (const [name, value] of Object.entries(jar)) {
        expect(name).not.toBe("");
        expect(typeof value).toBe("string");
      }
    }
  });
});
