/**
 * The Set-Cookie value (RFC 6265bis §4.1) and signed values: every attribute as it is written,
 * each rule a browser enforces refused up front with a TypeError, the prefixes' promises, and
 * signing — a roundtrip, key rotation (the old secret still verifies, the new one signs),
 * tampering, a value moved to another name, a secret dropped.
 */
import { describe, expect, test } from "bun:test";
import { CookieKeys } from "../../src/servers/cookie-signing.ts";
import { type CookieOptions, cookieStageKey, expiringOptions, setCookieValue } from "../../src/servers/set-cookie.ts";

const value = (name: string, v: string, options: CookieOptions = {}) => setCookieValue(name, v, options, null);

describe("setCookieValue: attributes", () => {
  /** [options, expected field value for a=1] */
  const CASES: [CookieOptions, string][] = [
    [{}, "a=1; Path=/"],
    [{ path: "/app" }, "a=1; Path=/app"],
    [{ maxAge: 3600 }, "a=1; Max-Age=3600; Path=/"],
    [{ maxAge: 0 }, "a=1; Max-Age=0; Path=/"],
    [{ expires: new Date(Date.UTC(2027, 0, 2, 3, 4, 5)) }, "a=1; Expires=Sat, 02 Jan 2027 03:04:05 GMT; Path=/"],
    [{ domain: "example.com" }, "a=1; Domain=example.com; Path=/"],
    [{ domain: ".Example.COM" }, "a=1; Domain=.Example.COM; Path=/"],
    [{ secure: true, httpOnly: true }, "a=1; Path=/; Secure; HttpOnly"],
    [{ sameSite: "Lax" }, "a=1; Path=/; SameSite=Lax"],
    [{ sameSite: "strict" as "Strict" }, "a=1; Path=/; SameSite=Strict"],
    [{ sameSite: "None", secure: true }, "a=1; Path=/; Secure; SameSite=None"],
    [{ partitioned: true, secure: true }, "a=1; Path=/; Secure; Partitioned"],
    [{ priority: "High" }, "a=1; Path=/; Priority=High"],
    [{ secure: false, httpOnly: false, partitioned: false }, "a=1; Path=/"],
    [
      {
        maxAge: 60,
        expires: new Date(0),
        domain: "x.org",
        path: "/p",
        secure: true,
        httpOnly: true,
        sameSite: "None",
        partitioned: true,
        priority: "Low",
      },
      "a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=x.org; Path=/p; Secure; HttpOnly; SameSite=None; Partitioned; Priority=Low",
    ],
  ];
  for (const [options, expected] of CASES) {
    test(`${JSON.stringify(options)} → ${expected}`, () => {
      expect(value("a", "1", options)).toBe(expected);
    });
  }

  test("every cookie-octet is sent as given, and an empty value is a value", () => {
    const octets = "!#$%&'()*+-./0123456789:<=>?@AZ[]^_`az{|}~";
    expect(value("t", octets)).toBe(`t=${octets}; Path=/`);
    expect(value("t", "")).toBe("t=; Path=/");
  });
});

describe("setCookieValue: refused with a TypeError", () => {
  /** [what, name, value, options] */
  const REFUSED: [string, string, string, CookieOptions][] = [
    ["empty name", "", "1", {}],
    ["name with a space", "a b", "1", {}],
    ["name with '='", "a=b", "1", {}],
    ["name with ';'", "a;", "1", {}],
    ["non-ASCII name", "caf\u00e9", "1", {}],
    ["value with a space", "a", "x y", {}],
    ["value with ';'", "a", "x;y", {}],
    ["value with ','", "a", "x,y", {}],
    ["value with a DQUOTE", "a", 'x"', {}],
    ["value with a backslash", "a", "x\\", {}],
    ["value with CR LF (header injection)", "a", "x\r\nSet-Cookie: evil=1", {}],
    ["non-ASCII value", "a", "\u00e9t\u00e9", {}],
    ["value beyond UTF-16 code units of latin1", "a", "\u{1f36a}", {}],
    ["name and value over 4096 octets", "a", "x".repeat(4096), {}],
    ["maxAge not an integer", "a", "1", { maxAge: 1.5 }],
    ["maxAge NaN", "a", "1", { maxAge: Number.NaN }],
    ["maxAge beyond a safe integer", "a", "1", { maxAge: 1e21 }],
    ["expires an invalid Date", "a", "1", { expires: new Date(Number.NaN) }],
    ["expires not a Date", "a", "1", { expires: "tomorrow" as unknown as Date }],
    ["path not beginning with /", "a", "1", { path: "app" }],
    ["path with ';' (attribute injection)", "a", "1", { path: "/; Domain=evil.com" }],
    ["path with a CTL", "a", "1", { path: "/a\nb" }],
    ["path over 1024 octets", "a", "1", { path: `/${"p".repeat(1024)}` }],
    ["domain with ';'", "a", "1", { domain: "x.org; Secure" }],
    ["domain with a space", "a", "1", { domain: "x .org" }],
    ["domain empty", "a", "1", { domain: "" }],
    ["sameSite unknown", "a", "1", { sameSite: "Sometimes" as "Lax" }],
    ["SameSite=None without secure", "a", "1", { sameSite: "None" }],
    ["partitioned without secure", "a", "1", { partitioned: true }],
    ["priority unknown", "a", "1", { priority: "Urgent" as "High" }],
    ["sameSite naming an Object.prototype member", "a", "1", { sameSite: "constructor" as "Lax" }],
    ["sameSite __proto__", "a", "1", { sameSite: "__proto__" as "Lax" }],
    ["priority naming an Object.prototype member", "a", "1", { priority: "constructor" as "High" }],
    ["__Secure- without secure", "__Secure-id", "1", {}],
    ["__secure- (any case) without secure", "__secure-id", "1", {}],
    ["__Host- without secure", "__Host-id", "1", {}],
    ["__Host- with a domain", "__Host-id", "1", { secure: true, domain: "x.org" }],
    ["__Host- with another path", "__Host-id", "1", { secure: true, path: "/app" }],
    ["__HOST- (any case) with a domain", "__HOST-id", "1", { secure: true, domain: "x.org" }],
  ];
  for (const [what, name, v, options] of REFUSED) {
    test(what, () => {
      expect(() => value(name, v, options)).toThrow(TypeError);
    });
  }

  test("the prefixes are accepted when their promise is kept", () => {
    expect(value("__Secure-id", "1", { secure: true, domain: "x.org" })).toBe("__Secure-id=1; Domain=x.org; Path=/; Secure");
    expect(value("__Host-id", "1", { secure: true })).toBe("__Host-id=1; Path=/; Secure");
  });

  test("the message names the cookie and what to do, and never throws for a value a cookie can carry", () => {
    expect(() => value("pref", "a b")).toThrow(/setCookie\("pref"\).*encode it first/);
  });
});

describe("clearing", () => {
  test("an expired cookie on the same path and domain; Secure when its prefix or partition needs it", () => {
    expect(value("a", "", expiringOptions("a", {}))).toBe("a=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/");
    expect(value("a", "", expiringOptions("a", { path: "/app", domain: "x.org" }))).toBe(
      "a=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=x.org; Path=/app",
    );
    expect(value("__Host-id", "", expiringOptions("__Host-id", {}))).toBe(
      "__Host-id=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure",
    );
    expect(value("__Secure-id", "", expiringOptions("__Secure-id", {}))).toContain("; Secure");
    expect(value("p", "", expiringOptions("p", { partitioned: true }))).toEndWith("; Secure; Partitioned");
  });

  test("the staging key is the cookie's identity: name, domain (any case) and path", () => {
    expect(cookieStageKey("a", {})).toBe(cookieStageKey("a", { path: "/" }));
    expect(cookieStageKey("a", { domain: "X.org" })).toBe(cookieStageKey("a", { domain: "x.org" }));
    expect(cookieStageKey("a", { domain: ".x.org" })).toBe(cookieStageKey("a", { domain: "x.org" })); // §5.6.3: the dot is ignored
    expect(cookieStageKey("a", { path: "/p" })).not.toBe(cookieStageKey("a", {}));
    expect(cookieStageKey("a", {})).not.toBe(cookieStageKey("A", {}));
    expect(cookieStageKey("a", {})).not.toBe("set-cookie");
  });
});

describe("signed cookies", () => {
  const OLD = "old secret, long and random in real life";
  const NEW = "new secret, long and random in real life";

  test("a roundtrip: value.signature (43 base64url characters), verified back to the value", () => {
    const keys = new CookieKeys([NEW]);
    const signed = keys.sign("uid", "42");
    expect(signed).toMatch(/^42\.[A-Za-z0-9_-]{43}$/);
    expect(keys.verify("uid", signed)).toBe("42");
    expect(keys.verify("uid", keys.sign("uid", ""))).toBe("");
    expect(keys.verify("uid", keys.sign("uid", "a.b.c"))).toBe("a.b.c");
  });

  test("setCookieValue signs with the first secret, and checks the value before", () => {
    const keys = new CookieKeys([NEW, OLD]);
    const field = setCookieValue("uid", "42", { signed: true, httpOnly: true }, keys);
    const sent = /^uid=([^;]*); Path=\/; HttpOnly$/.exec(field)![1]!;
    expect(new CookieKeys([NEW]).verify("uid", sent)).toBe("42");
    expect(new CookieKeys([OLD]).verify("uid", sent)).toBeUndefined();
    expect(() => setCookieValue("uid", "4 2", { signed: true }, keys)).toThrow(TypeError);
  });

  test("without secrets, signing is a clear Error", () => {
    expect(() => setCookieValue("uid", "42", { signed: true }, null)).toThrow(/cookieSecrets/);
  });

  test("rotation: new secret first — it signs, the old one still verifies what it signed; dropped, it no longer does", () => {
    const before = new CookieKeys([OLD]).sign("uid", "42");
    const rotated = new CookieKeys([NEW, OLD]);
    expect(rotated.verify("uid", before)).toBe("42");
    const after = rotated.sign("uid", "42");
    expect(after).not.toBe(before);
    expect(new CookieKeys([NEW]).verify("uid", after)).toBe("42");
    expect(new CookieKeys([NEW]).verify("uid", before)).toBeUndefined();
  });

  test("tampering is rejected: value, signature, name, truncation, unsigned", () => {
    const keys = new CookieKeys([NEW]);
    const signed = keys.sign("role", "user");
    const sig = signed.slice(-43);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    for (const forged of [
      `admin.${sig}`,
      `user.${flip(sig, 0)}`,
      `user.${flip(sig, 42)}`,
      signed.slice(0, -1),
      `${signed}x`,
      `user${sig}`,
      "user",
      "",
      `.${sig}`,
      `user.${"\u00ff".repeat(43)}`,
    ]) {
      expect(keys.verify("role", forged)).toBeUndefined();
    }
    expect(keys.verify("plan", signed)).toBeUndefined(); // moved to another cookie name
  });

  test("secrets are checked: a non-empty array of non-empty strings", () => {
    for (const bad of [[], [""], ["ok", ""], [42], "secret", undefined]) {
      expect(() => new CookieKeys(bad as unknown as string[])).toThrow(TypeError);
    }
  });
});
