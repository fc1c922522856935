/**
 * `--log-format` through the binary (run from source) with a real client: curl over HTTP/1.1 and
 * over HTTP/2 (h2c by prior knowledge), with its -e (Referer) and -A (User-Agent); the log file's
 * combined lines match the strict combined format, its JSON lines parse, and a User-Agent curl
 * sent as UTF-8 comes back byte for byte (a JSON field's chars are the bytes sent, latin1).
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { peerTest } from "../helpers/peers.ts";
import { run, withCli } from "../helpers/spawn.ts";

let dir = "";
let site = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-log-format-"));
  site = join(dir, "site");
  mkdirSync(site);
  writeFileSync(join(site, "a.txt"), "hello\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A quoted field: printable ASCII but `"` and `\`, or `\"`, `\\`, `\xhh`. */
const QUOTED = String.raw`"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\]|\\x[0-9a-f]{2})*)"`;
/** Apache's combined format, strictly. */
const COMBINED = new RegExp(
  String.raw`^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] ${QUOTED} (\d{3}) (\d+) ${QUOTED} ${QUOTED}$`,
);
/** A User-Agent with a quote, a backslash and non-ASCII text (curl sends it as UTF-8). */
const AGENT = 'probe "1" \\ café 日本';

/** curl for `url` with -e and -A, HTTP/1.1 or h2c; its status. */
async function curl(url: string, http2: boolean): Promise<string> {
  const r = await run(
    [
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{http_version}",
      http2 ? "--http2-prior-knowledge" : "--http1.1",
      "-e",
      "https://ref.example/?q=1",
      "-A",
      AGENT,
      url,
    ],
    15_000,
  );
  return r.out;
}

peerTest(
  ["curl"],
  "--log-format combined: curl's Referer and User-Agent, escaped, on strictly combined lines (HTTP/1.1 and h2c)",
  async () => {
    const log = join(dir, "combined.log");
    await withCli([site, "--port", "0", "--log", log, "--log-format", "combined"], async (base) => {
      expect(await curl(`${base}a.txt`, false)).toBe("200 1.1");
      expect(await curl(`${base}a.txt`, true)).toBe("200 2");
    });
    const lines = readFileSync(log, "latin1").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    const fields = lines.map((l) => {
      const m = COMBINED.exec(l);
      if (m === null) throw new Error(`not a combined line: ${JSON.stringify(l)}`);
      return [m[1]!.replace(/:\d+\//, ":PORT/"), m[2], m[4], m[5]];
    });
    const agent = String.raw`probe \"1\" \\ caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac`;
    expect(fields).toEqual([
      ["GET http://127.0.0.1:PORT/a.txt HTTP/1.1", "200", "https://ref.example/?q=1", agent],
      ["GET http://127.0.0.1:PORT/a.txt HTTP/2.0", "200", "https://ref.example/?q=1", agent],
    ]);
  },
);

peerTest(["curl"], "--log-format json: one object per line, curl's User-Agent back byte for byte (HTTP/1.1 and h2c)", async () => {
  const log = join(dir, "json.log");
  await withCli([site, "--port", "0", "--log", log, "--log-format", "json"], async (base) => {
    expect(await curl(`${base}a.txt`, false)).toBe("200 1.1");
    expect(await curl(`${base}nothing`, true)).toBe("404 2");
  });
  const lines = readFileSync(log, "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toEqual([
    expect.objectContaining({ method: "GET", protocol: "HTTP/1.1", status: 200, referer: "https://ref.example/?q=1" }),
    expect.objectContaining({ method: "GET", protocol: "HTTP/2.0", status: 404, referer: "https://ref.example/?q=1" }),
  ]);
  for (const l of lines) {
    expect(Buffer.from(l.userAgent as string, "latin1").toString("utf8")).toBe(AGENT);
    expect(l.durationMs).toBeGreaterThanOrEqual(0);
  }
});
