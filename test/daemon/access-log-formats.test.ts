/**
 * The access log's formats (SPEC §14, issue 25 item 3) over real sockets, HTTP/1.x and HTTP/2:
 * every combined line matches a strict reading of Apache's combined format and its quoted fields
 * give back the bytes the client sent; every JSON line is ASCII, parses with JSON.parse and gives
 * back the same; whatever the client sent (quotes, backslashes, HTAB, bytes ≥ 0x80, a login with
 * control characters, a User-Agent as long as the head limit allows, one past it).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { JsonLogFields } from "../../src/daemon/access-log-json.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessLog, type AccessLogFormat, HttpServlet, type HttpSession } from "../../src/index.ts";
import { FRAME_DATA, FRAME_HEADER_LENGTH, FRAME_HEADERS } from "../../src/parser/h2/frame.ts";
import { firstValue } from "../helpers/eventually.ts";
import { H2Client } from "../helpers/h2-client.ts";
import { responseDecoder } from "../helpers/h2-decode.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

/** A quoted field of Apache's log formats: printable ASCII but `"` and `\`, or `\"`, `\\`, `\xhh`. */
const QUOTED = String.raw`"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\]|\\x[0-9a-f]{2})*)"`;
/** Apache's and nginx's combined format, strictly: host ident user [time] "request" status bytes "referer" "user-agent". */
const COMBINED = new RegExp(
  String.raw`^(\S+) (\S+) (\S+) \[(\d{2})/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] ` +
    `${QUOTED} (\\d{3}) (\\d+|-) ${QUOTED} ${QUOTED}$`,
);
/** ISO 8601 in UTC with milliseconds, as JSON lines write the time. */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The bytes a quoted field stands for (latin1: one char per byte). */
function unquote(field: string): string {
  return field.replace(/\\(["\\]|x([0-9a-f]{2}))/g, (_, c: string, hex: string | undefined) =>
    hex === undefined ? c : String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** One combined line's fields, or a failure naming the line. */
function parseCombined(line: string) {
  const m = COMBINED.exec(line);
  if (m === null) throw new Error(`not a combined line: ${JSON.stringify(line)}`);
  return {
    client: m[1]!,
    user: m[3]!,
    request: unquote(m[11]!),
    status: Number(m[12]),
    bytes: Number(m[13]),
    referer: m[14]!,
    userAgent: m[15]!,
  };
}

/** What a JSON line holds: the writer's own description of it. */
type JsonLine = JsonLogFields;

/** Nasty but legal field bytes (RFC 9110 §5.5: HTAB, VCHAR, obs-text): quotes, backslashes, a tab, every byte from 0x80. */
const NASTY = `Mozilla/5.0 "quoted" back\\slash\ttab \\x41 caf\xe9 ${Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join("")}`;

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-log-formats-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A log file in `format` (a real file: its bytes are what an operator's tools read). */
function fileLog(format: AccessLogFormat): { log: AccessLog; lines: () => string[]; bytes: () => Buffer } {
  const path = join(dir, `access-${format}.log`);
  const log = new AccessLog(path, { format });
  const bytes = () => readFileSync(path);
  return { log, bytes, lines: () => bytes().toString("latin1").trimEnd().split("\n") };
}

/** Answers "hi" to anyone, with the login taken as given (any login and password are accepted). */
class Open extends FnServer {
  constructor() {
    super((s) => new TextServlet(s, "hi"));
  }
  override authorise(): boolean {
    return true;
  }
}

const basic = (user: string) => `Basic ${Buffer.from(`${user}:pw`, "utf8").toString("base64")}`;

describe("HTTP/1.x", () => {
  test("combined: common + the Referer and User-Agent, escaped as the request line is, - when absent; every line strictly combined", async () => {
    const { log, lines } = fileLog("combined");
    await using srv = startDaemon({ "/": new FnServer((s) => new TextServlet(s, "hi")) }, { accessLog: log });
    using c = await RawClient.connect(srv.port);
    const plain = await c.request("GET /a?b=1 HTTP/1.1\r\nHost: x\r\nReferer: http://ref.example/p\r\nUser-Agent: curl/8.0\r\n\r\n");
    const bare = await c.request("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    const nasty = await c.request(`GET /c HTTP/1.1\r\nHost: x\r\nReferer: http://r/"q"\\\r\nUser-Agent: ${NASTY}\r\n\r\n`);
    const empty = await c.request("GET /d HTTP/1.1\r\nHost: x\r\nReferer:\r\nUser-Agent: \r\n\r\n");
    const refused = await c.request("GET /e HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n");
    expect([plain.status, bare.status, nasty.status, empty.status, refused.status]).toEqual([200, 200, 200, 200, 400]);
    await srv.daemon.stop(500);
    const parsed = lines().map(parseCombined);
    expect(parsed.map((l) => [l.request, l.status, l.referer, l.userAgent])).toEqual([
      [`GET http://x/a?b=1 HTTP/1.1`, 200, "http://ref.example/p", "curl/8.0"],
      [`GET http://x/b HTTP/1.1`, 200, "-", "-"],
      [`GET http://x/c HTTP/1.1`, 200, String.raw`http://r/\"q\"\\`, expect.any(String)],
      [`GET http://x/d HTTP/1.1`, 200, "-", "-"],
      ["-", 400, "-", "-"],
    ]);
    expect(unquote(parsed[2]!.userAgent)).toBe(NASTY);
    expect(parsed.every((l) => l.client === "127.0.0.1" && l.user === "-")).toBe(true);
  });

  test("json: one ASCII object per line that JSON.parse reads back to exactly what was sent; absent fields null", async () => {
    const { log, lines, bytes } = fileLog("json");
    await using srv = startDaemon({ "/": new Open() }, { accessLog: log });
    using c = await RawClient.connect(srv.port);
    const user = 'bob "the"\\\x01\x1b\n\x7f é 日本 😀';
    const before = Date.now();
    await c.request("GET /a?b=1 HTTP/1.1\r\nHost: x\r\nReferer: http://ref.example/p\r\nUser-Agent: curl/8.0\r\n\r\n");
    {
      using once = await RawClient.connect(srv.port); // HTTP/1.0 without Host: closed after, URL from the local address
      await once.request("GET /b HTTP/1.0\r\n\r\n");
    }
    await c.request(
      `GET /c%20d?q=\\ HTTP/1.1\r\nHost: x\r\nReferer: ${NASTY}\r\nUser-Agent: ${NASTY}\r\nAuthorization: ${basic(user)}\r\n\r\n`,
    );
    await c.request("GET /e HTTP/1.1\r\nHost: x\r\nReferer:\r\n\r\n");
    await c.request("GET /f HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n");
    await srv.daemon.stop(500);
    const after = Date.now();
    // Pure printable ASCII and newlines: valid UTF-8 whatever the client sent.
    expect(bytes().every((b) => b === 0x0a || (b >= 0x20 && b < 0x7f))).toBe(true);
    const parsed = lines().map((l) => JSON.parse(l) as JsonLine);
    expect(parsed).toHaveLength(5);
    for (const l of parsed) {
      expect(Object.keys(l)).toEqual([
        "time",
        "client",
        "user",
        "method",
        "url",
        "protocol",
        "status",
        "bytes",
        "durationMs",
        "referer",
        "userAgent",
      ]);
      expect(l.time).toMatch(ISO_MS);
      expect(Date.parse(l.time)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(l.time)).toBeLessThanOrEqual(after);
      expect(l.client).toBe("127.0.0.1");
    }
    const port = srv.port;
    expect(parsed[0]).toMatchObject({ user: null, method: "GET", url: "http://x/a?b=1", protocol: "HTTP/1.1", status: 200 });
    expect(parsed[0]).toMatchObject({ referer: "http://ref.example/p", userAgent: "curl/8.0" });
    expect(parsed[1]).toMatchObject({
      method: "GET",
      url: `http://127.0.0.1:${port}/b`,
      protocol: "HTTP/1.0",
      referer: null,
      userAgent: null,
    });
    expect(parsed[2]).toMatchObject({ user, method: "GET", url: "http://x/c%20d?q=\\", referer: NASTY, userAgent: NASTY });
    expect(Buffer.from(parsed[2]!.userAgent!, "latin1")).toEqual(Buffer.from(NASTY, "latin1"));
    expect(parsed[3]).toMatchObject({ referer: "", userAgent: null });
    expect(parsed[4]).toMatchObject({ user: null, method: null, url: null, protocol: null, status: 400, durationMs: null, referer: null });
    for (const l of parsed.slice(0, 4)) {
      expect(l.bytes).toBeGreaterThan(0);
      expect(l.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  test("json: a User-Agent as long as the head limit allows is logged whole; one past it is a 431 line with no request", async () => {
    const { log, lines, bytes } = fileLog("json");
    await using srv = startDaemon({ "/": new FnServer((s) => new TextServlet(s, "hi")) }, { accessLog: log });
    const long = Array.from({ length: 15 * 1024 }, (_, i) => String.fromCharCode([0x22, 0x5c, 0x09, 0x41, 0xff][i % 5]!)).join("");
    using c = await RawClient.connect(srv.port);
    expect((await c.request(`GET /long HTTP/1.1\r\nHost: x\r\nUser-Agent: A${long}Z\r\n\r\n`)).status).toBe(200);
    expect((await c.request(`GET /longer HTTP/1.1\r\nHost: x\r\nUser-Agent: ${"x".repeat(16 * 1024)}\r\n\r\n`)).status).toBe(431);
    await srv.daemon.stop(500);
    expect(bytes().every((b) => b === 0x0a || (b >= 0x20 && b < 0x7f))).toBe(true);
    const [whole, refused, ...more] = lines().map((l) => JSON.parse(l) as JsonLine);
    expect(more).toEqual([]);
    expect(whole).toMatchObject({ url: "http://x/long", status: 200, userAgent: `A${long}Z` });
    expect(refused).toMatchObject({ method: null, url: null, status: 431, userAgent: null, durationMs: null });
  });

  test("json: the duration runs from the head read to the last byte handed to the socket (a late answer, a slow reader)", async () => {
    const { log, lines } = fileLog("json");
    const LATE_MS = 80;
    const HELD_MS = 150;
    let produced = false;
    class Late extends HttpServlet {
      override processRequest(): void {
        this.defer();
        setTimeout(() => this.sendDocument(200, "text/plain", "late"), LATE_MS);
      }
    }
    class Big extends HttpServlet {
      override processRequest(): void {
        this.sendDocument(200, "application/octet-stream", new Uint8Array(8 * 1024 * 1024));
        produced = true;
      }
    }
    const pick = (s: HttpSession) =>
      s.requestPath() === "/late" ? new Late(s) : s.requestPath() === "/big" ? new Big(s) : new TextServlet(s, "now");
    await using srv = startDaemon({ "/": new FnServer(pick) }, { accessLog: log });
    using c = await RawClient.connect(srv.port);
    await c.request("GET /now HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.request("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    using slow = await RawClient.connect(srv.port);
    slow.pause();
    slow.send("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await slow.until(() => produced, 5000, "the big response produced");
    // The delay under test: the client takes nothing for HELD_MS, so its last byte cannot have left before.
    await Bun.sleep(HELD_MS);
    slow.resume();
    await slow.untilClosed(10_000);
    await srv.daemon.stop(500);
    const byPath = new Map(
      lines()
        .map((l) => JSON.parse(l) as JsonLine)
        .map((l) => [new URL(l.url!).pathname, l]),
    );
    expect(byPath.get("/now")!.durationMs).toBeGreaterThanOrEqual(0);
    expect(byPath.get("/late")!.durationMs).toBeGreaterThanOrEqual(LATE_MS - 1); // timers may fire up to 1 ms early
    expect(byPath.get("/big")!.status).toBe(200);
    expect(byPath.get("/big")!.bytes).toBeGreaterThan(8 * 1024 * 1024);
    expect(byPath.get("/big")!.durationMs).toBeGreaterThanOrEqual(HELD_MS);
  });

  test("json and combined: a response its client left is 499 with the bytes sent, still a valid line", async () => {
    for (const format of ["json", "combined"] as const) {
      const { log, lines } = fileLog(format);
      let produced = false;
      class Big extends HttpServlet {
        override processRequest(): void {
          this.sendDocument(200, "application/octet-stream", new Uint8Array(8 * 1024 * 1024));
          produced = true;
        }
      }
      await using srv = startDaemon({ "/": new FnServer((s) => new Big(s)) }, { accessLog: log });
      const c = await RawClient.connect(srv.port);
      c.pause();
      c.send("GET /big HTTP/1.1\r\nHost: x\r\nUser-Agent: leaver\r\n\r\n");
      await c.until(() => produced, 5000, "the response produced");
      c.terminate();
      await c.until(() => srv.daemon.stats().open === 0, 5000, "the connection to close");
      await srv.daemon.stop(500);
      const [line] = lines();
      const { status, bytes, userAgent } = format === "json" ? (JSON.parse(line!) as JsonLine) : parseCombined(line!);
      expect([status, userAgent]).toEqual([499, "leaver"]);
      expect(bytes).toBeLessThan(8 * 1024 * 1024);
    }
  });
});

describe("HTTP/2", () => {
  /** The bytes of a stream's HEADERS and DATA frames: what its line counts. */
  const framed = (c: H2Client, id: number) =>
    c.received
      .filter((f) => f.streamId === id && (f.type === FRAME_HEADERS || f.type === FRAME_DATA))
      .reduce((n, f) => n + FRAME_HEADER_LENGTH + f.length, 0);

  for (const format of ["combined", "json"] as const) {
    test(`${format}: the Referer and User-Agent of each stream, HTTP/2.0, the bytes of its frames`, async () => {
      const { log, lines, bytes } = fileLog(format);
      await using srv = startDaemon({ "/": new FnServer((s) => new TextServlet(s, "hi")) }, { accessLog: log });
      const c = await H2Client.connect(srv.port, { decode: responseDecoder() });
      const one = c.request("GET", "/one?x=1", {
        headers: [
          ["referer", "https://r.example/"],
          ["user-agent", NASTY],
        ],
      });
      await c.response(one);
      const two = c.request("GET", "/two");
      await c.response(two);
      await c.close();
      expect(await firstValue(() => (srv.daemon.stats().open === 0 ? true : undefined), 3000)).toBe(true);
      await srv.daemon.stop(500);
      if (format === "combined") {
        const parsed = lines().map(parseCombined);
        expect(parsed.map((l) => [l.request, l.status, l.bytes, l.referer])).toEqual([
          ["GET http://localhost/one?x=1 HTTP/2.0", 200, framed(c, one), "https://r.example/"],
          ["GET http://localhost/two HTTP/2.0", 200, framed(c, two), "-"],
        ]);
        expect([unquote(parsed[0]!.userAgent), parsed[1]!.userAgent]).toEqual([NASTY, "-"]);
      } else {
        expect(bytes().every((b) => b === 0x0a || (b >= 0x20 && b < 0x7f))).toBe(true);
        const parsed = lines().map((l) => JSON.parse(l) as JsonLine);
        expect(parsed).toEqual([
          {
            time: expect.stringMatching(ISO_MS),
            client: "127.0.0.1",
            user: null,
            method: "GET",
            url: "http://localhost/one?x=1",
            protocol: "HTTP/2.0",
            status: 200,
            bytes: framed(c, one),
            durationMs: expect.any(Number),
            referer: "https://r.example/",
            userAgent: NASTY,
          },
          expect.objectContaining({ url: "http://localhost/two", bytes: framed(c, two), referer: null, userAgent: null }),
        ]);
        expect(parsed.every((l) => l.durationMs! >= 0)).toBe(true);
      }
    });
  }
});

describe("AccessLog", () => {
  test("log() writes the log's format: a JSON line takes the method, URL and protocol from the request line", () => {
    const out: string[] = [];
    const json = new AccessLog((t) => out.push(t), { format: "json" });
    json.log("10.0.0.1", "", "PUT http://h/a b HTTP/1.1", 201, 5);
    json.log("10.0.0.1", "", "-", 400, 9);
    json.flush();
    const [a, b] = out
      .join("")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as JsonLine);
    expect(a).toMatchObject({
      method: "PUT",
      url: "http://h/a b",
      protocol: "HTTP/1.1",
      status: 201,
      bytes: 5,
      durationMs: null,
      referer: null,
    });
    expect(b).toMatchObject({ method: null, url: null, protocol: null, status: 400 });
    const combined = new AccessLog((t) => out.push(t), { format: "combined" });
    out.length = 0;
    combined.log("10.0.0.1", "al ice", "GET http://h/ HTTP/1.0", 200, 2);
    combined.flush();
    expect(parseCombined(out.join("").trimEnd())).toMatchObject({
      user: "al_ice",
      request: "GET http://h/ HTTP/1.0",
      referer: "-",
      userAgent: "-",
    });
  });

  test("a combined line is the common line, then the two quoted fields", () => {
    const out: Record<string, string> = {};
    for (const format of ["common", "combined"] as const) {
      const log = new AccessLog((t) => (out[format] = t), { format });
      log.log("10.0.0.1", "bob", 'GET http://h/"x" HTTP/1.1', 200, 7);
      log.flush();
    }
    const untimed = (line: string) => line.replace(/\[[^\]]+\]/, "[T]");
    expect(untimed(out.combined!)).toBe(`${untimed(out.common!).trimEnd()} "-" "-"\n`);
  });

  test("a format it does not know is a TypeError naming the formats", () => {
    expect(() => new AccessLog("-", { format: "clf" as AccessLogFormat })).toThrow("access log format: common, combined, json");
  });

  test("any string survives a JSON line: lone surrogates, astral characters, every control and latin1 char", () => {
    const out: string[] = [];
    const log = new AccessLog((t) => out.push(t), { format: "json" });
    const every = Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i)).join("");
    const users = [every, "\ud800 lone \udfff", "😀 日本", "\u2028\u2029", "\\u0041"];
    for (const user of users) log.log("::1", user, "GET http://h/ HTTP/1.1", 200, 0);
    log.flush();
    const text = out.join("");
    expect([...text].every((ch) => ch === "\n" || (ch >= " " && ch < "\x7f"))).toBe(true);
    expect(
      text
        .trimEnd()
        .split("\n")
        .map((l) => (JSON.parse(l) as JsonLine).user),
    ).toEqual(users);
  });
});
