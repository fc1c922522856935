/**
 * The command line as a table: every option in both forms — `--flag value` and `--flag=value` —
 * gives the same options, and each bad value gets its own clear message.
 */
import { describe, expect, test } from "bun:test";
import { CliError, parseOptions, type Options } from "../src/cli-options.ts";

/** Each option with a value, and what it sets. */
const ROWS: [flag: string, value: string, expected: Partial<Options>][] = [
  ["--port", "8080", { port: 8080 }],
  ["--port", "0", { port: 0 }],
  ["--host", "0.0.0.0", { host: "0.0.0.0" }],
  ["--index", "home.htm", { index: ["home.htm"] }],
  ["--hide", ".bak", { hide: [".bak"] }],
  ["--map", ".py=text/plain", { map: [[".py", "text/plain"]] }],
  ["--map", ".x=a=b", { map: [[".x", "a=b"]] }],
  ["--plugin", ".ts", { plugin: [".ts"] }],
  ["--echo", "/echo", { echo: "/echo" }],
  ["--auth", "user:pa:ss", { auth: ["user", "pa:ss"] }],
  ["--allow", "127.0.0.0/8", { allow: ["127.0.0.0/8"] }],
  ["--deny", "10.0.0.0/8", { deny: ["10.0.0.0/8"] }],
  ["--trust-proxy", "10.0.0.0/8", { trustProxy: ["10.0.0.0/8"] }],
  ["--log", "access.log", { log: "access.log" }],
  ["--workers", "4", { workers: 4 }],
  ["--max-requests", "0", { maxRequests: Number.POSITIVE_INFINITY }],
  ["--max-requests", "50", { maxRequests: 50 }],
  ["--max-connections", "20000", { maxConnections: 20000 }],
  ["--cache", "3600", { cache: 3600 }],
  ["--cors", "https://example.com", { cors: "https://example.com" }],
  ["--rpc", "/rpc", { rpc: "/rpc" }],
  ["--nats", "nats://127.0.0.1:4222", { nats: ["nats://127.0.0.1:4222"] }],
];

describe("--log-format", () => {
  for (const format of ["common", "combined", "json"] as const) {
    test(`--log --log-format ${format} and --log-format=${format}`, () => {
      const spaced = parseOptions(["--log", "--log-format", format]);
      expect(spaced).toMatchObject({ log: "-", logFormat: format });
      expect(parseOptions(["--log=a.log", `--log-format=${format}`])).toMatchObject({ log: "a.log", logFormat: format });
    });
  }
  test("common without it", () => {
    expect(parseOptions(["--log"]).logFormat).toBe("common");
  });
});

describe("every option, both forms", () => {
  for (const [flag, value, expected] of ROWS) {
    test(`${flag} ${value} and ${flag}=${value}`, () => {
      const spaced = parseOptions(["site", flag, value]);
      const joined = parseOptions(["site", `${flag}=${value}`]);
      expect(spaced).toMatchObject({ ...expected, root: "site" });
      expect(joined).toEqual(spaced);
    });
  }

  test("repeatable options accumulate in order", () => {
    const o = parseOptions(["--index", "a.htm", "--index=b.htm", "--hide", ".x", "--hide=.y"]);
    expect(o.index).toEqual(["a.htm", "b.htm"]);
    expect(o.hide).toEqual([".x", ".y"]);
    const bus = parseOptions(["--nats", "nats://a:4222", "--nats=nats://b:4222", "--nats-creds", "package.json"]);
    expect(bus.nats).toEqual(["nats://a:4222", "nats://b:4222"]);
    expect(bus.natsCreds).toBe("package.json");
  });

  test("--redirect-http and --hsts, with a certificate, both forms", () => {
    const tls = ["--tls-cert", "c.pem", "--tls-key", "k.pem"];
    const spaced = parseOptions([...tls, "--redirect-http", "8080", "--hsts", "31536000"]);
    expect(spaced).toMatchObject({ redirectHttp: 8080, hsts: 31536000 });
    expect(parseOptions([...tls, "--redirect-http=8080", "--hsts=31536000"])).toEqual(spaced);
    expect(parseOptions(tls)).toMatchObject({ redirectHttp: null, hsts: null });
  });

  test("--forwarded-header, --https-port and NATS TLS, with what they go with, both forms", () => {
    const proxy = ["--trust-proxy", "127.0.0.1"];
    expect(parseOptions(proxy).forwardedHeader).toBeNull();
    expect(parseOptions([...proxy, "--forwarded-header", "forwarded"]).forwardedHeader).toBe("forwarded");
    expect(parseOptions([...proxy, "--forwarded-header=x-forwarded-for"]).forwardedHeader).toBe("x-forwarded-for");
    const redirect = ["--tls-cert", "c.pem", "--tls-key", "k.pem", "--redirect-http", "80"];
    expect(parseOptions(redirect).httpsPort).toBeNull();
    expect(parseOptions([...redirect, "--https-port", "443"]).httpsPort).toBe(443);
    expect(parseOptions([...redirect, "--https-port=8443"]).httpsPort).toBe(8443);
    const bus = ["--nats", "tls://127.0.0.1:4222"];
    expect(parseOptions(bus).natsTls).toBeNull();
    expect(parseOptions([...bus, "--nats-ca", "package.json"]).natsTls).toEqual({ ca: "package.json" });
    expect(parseOptions([...bus, "--nats-ca=package.json", "--nats-cert", "README.md", "--nats-key=tsconfig.json"]).natsTls).toEqual({
      ca: "package.json",
      cert: "README.md",
      key: "tsconfig.json",
    });
  });

  test("flags without values, and -h", () => {
    expect(parseOptions(["--spa", "--list", "--compress"])).toMatchObject({ spa: true, list: true, compress: true });
    expect(parseOptions(["-h"]).help).toBe(true);
    expect(parseOptions(["--help"]).help).toBe(true);
  });

  test("--log and --cors may stand without a value (not taking an option or the root as one)", () => {
    expect(parseOptions(["--log"]).log).toBe("-");
    expect(parseOptions(["--log", "--spa"])).toMatchObject({ log: "-", spa: true });
    expect(parseOptions(["--log", "."])).toMatchObject({ log: "-", root: "." });
    expect(parseOptions(["--cors"]).cors).toBe("*");
    expect(parseOptions(["--cors", "src"])).toMatchObject({ cors: "*", root: "src" });
  });
});

describe("bad command lines", () => {
  const BAD: [argv: string[], message: string][] = [
    [["--nonsense"], "unknown option --nonsense"],
    [["--port"], "--port needs a value"],
    [["--port", ""], "--port takes 0-65535"],
    [["--port=70000"], "--port takes 0-65535"],
    [["--port", "8o"], "--port takes 0-65535"],
    [["--map", ".py"], "--map takes EXT=TYPE"],
    [["--echo", "echo"], "--echo takes a path"],
    [["--auth", "nopassword"], "--auth takes USER:PASSWORD"],
    [["--rpc", "rpc"], "--rpc takes a path"],
    [["--nats", "127.0.0.1:4222"], "--nats takes a URL"],
    [["--nats-creds", "package.json"], "--nats-creds goes with --nats"],
    [["--nats", "nats://127.0.0.1:4222", "--nats-creds", "no/such.creds"], "--nats-creds: no file"],
    [["--cache=-1"], "--cache takes whole seconds"],
    [["--max-requests", "1.5"], "--max-requests takes a whole number"],
    [["--max-connections", "0"], "--max-connections takes a whole number of connections, 1 or more"],
    [["--max-connections", "1e4"], "--max-connections takes a whole number of connections, 1 or more"],
    [["--workers", "0"], "--workers takes 1-256"],
    [["--redirect-http", "8080"], "--redirect-http goes with --tls-cert and --tls-key"],
    [["--hsts", "60"], "--hsts goes with --tls-cert and --tls-key"],
    [["--tls-cert", "c", "--tls-key", "k", "--redirect-http", "http"], "--redirect-http takes a port, 0-65535"],
    [["--tls-cert", "c", "--tls-key", "k", "--redirect-http", "0", "--workers", "2"], "--redirect-http 0 cannot be shared by --workers"],
    [["--tls-cert", "c", "--tls-key", "k", "--hsts", "1y"], "--hsts takes whole seconds"],
    [["--forwarded-header", "forwarded"], "--forwarded-header goes with --trust-proxy"],
    [["--trust-proxy", "127.0.0.1", "--forwarded-header", "X-Real-IP"], "--forwarded-header takes x-forwarded-for or forwarded"],
    [["--tls-cert", "c", "--tls-key", "k", "--https-port", "443"], "--https-port goes with --redirect-http"],
    [["--tls-cert", "c", "--tls-key", "k", "--redirect-http", "80", "--https-port", "0"], "--https-port takes a port, 1-65535"],
    [["--nats-ca", "package.json"], "--nats-ca, --nats-cert and --nats-key go with --nats"],
    [["--nats", "tls://127.0.0.1:4222", "--nats-cert", "package.json"], "--nats-cert and --nats-key go together"],
    [["--nats", "tls://127.0.0.1:4222", "--nats-ca", "no/such/ca.pem"], "--nats-ca: no file"],
    [["a", "b"], "one root only"],
    [["--log", "--log-format", "clf"], '--log-format takes common, combined, json (got "clf")'],
    [["--log-format", "json"], "--log-format goes with --log"],
  ];
  for (const [argv, message] of BAD) {
    test(`${argv.join(" ")} → ${message}`, () => {
      expect(() => parseOptions(argv)).toThrow(CliError);
      expect(() => parseOptions(argv)).toThrow(message);
    });
  }
});
