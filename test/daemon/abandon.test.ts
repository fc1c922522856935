/**
 * Clients that leave (issue 9, items 1–2): a client's FIN or reset while its servlet is pending is
 * noticed at once — destroyServlet, the signal, drain waiters, file handles, the connection slot,
 * and one access-log line: 499 for a response the client left before it had it all (issue 19,
 * item 8), with the bytes that reached the socket.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, pathEcho, startDaemon } from "../helpers/servers.ts";

/** A long-poll that never answers; records its lifecycle. */
class NeverAnswers extends HttpServlet {
  static all: NeverAnswers[] = [];
  destroyed = 0;
  constructor(s: HttpSession) {
    super(s);
    NeverAnswers.all.push(this);
  }
  override processRequest(): void {}
  override destroyServlet(): void {
    this.destroyed++;
  }
}

/** Streams forever to a reader that does not read; counts how its drained() wait ended. */
class Flood extends HttpServlet {
  static last: Flood | null = null;
  waiting = false;
  finallyRan = false;
  constructor(s: HttpSession) {
    super(s);
    Flood.last = this;
  }
  override async processRequest(): Promise<void> {
    const piece = new Uint8Array(64 * 1024).fill(0x61);
    this.sendResponse(200);
    this.endHeaders();
    try {
      while (!this.signal.aborted) {
        if (!this.sendContent(piece)) {
          this.waiting = true;
          await this.drained();
          this.waiting = false;
        }
      }
    } finally {
      this.finallyRan = true;
    }
  }
}

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

describe("a client that leaves while its servlet is pending", () => {
  test("a FIN after a complete request destroys the servlet and aborts its signal at once", async () => {
    const lines: string[] = [];
    NeverAnswers.all = [];
    await using srv = startDaemon({ "/": new FnServer((s) => new NeverAnswers(s)) }, { accessLog: (t) => lines.push(t) });
    const c = await RawClient.connect(srv.port);
    c.send("GET /poll HTTP/1.0\r\n\r\n");
    await c.until(() => NeverAnswers.all.length === 1, 5000, "the servlet");
    const servlet = NeverAnswers.all[0]!;
    c.shutdownWrite(); // a normal close: FIN, the socket still readable
    await c.until(() => servlet.destroyed > 0, 2000, "destroyServlet after the FIN");
    expect(servlet.destroyed).toBe(1);
    expect(servlet.signal.aborted).toBe(true);
    await c.untilClosed(2000);
    await srv.daemon.stop(500);
    expect(lines.join("")).toMatch(/"GET http:\/\/127\.0\.0\.1:\d+\/poll HTTP\/1\.0" 499 0\n/);
  });

  test("abandoned long-polls give their slots back: new clients are served, not refused", async () => {
    NeverAnswers.all = [];
    const server = new FnServer((s) => (s.requestPath() === "/poll" ? new NeverAnswers(s) : new TextServlet(s, "ok")));
    await using srv = startDaemon({ "/": server }, { maxConnections: 4 });
    for (let round = 0; round < 3; round++) {
      const polls = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(srv.port)));
      for (const p of polls) p.send("GET /poll HTTP/1.0\r\n\r\n");
      await polls[0]!.until(() => NeverAnswers.all.length === (round + 1) * 4, 5000, "four pending polls");
      for (const p of polls) p.close();
      await polls[0]!.until(() => NeverAnswers.all.every((s) => s.destroyed === 1), 2000, "every poll destroyed");
      using c = await RawClient.connect(srv.port);
      const r = await c.request("GET /now HTTP/1.0\r\n\r\n");
      expect(r.status).toBe(200);
    }
  });

  test("drained() settles when the client goes away: the servlet's finally runs", async () => {
    Flood.last = null;
    await using srv = startDaemon({ "/": new FnServer((s) => new Flood(s)) });
    const c = await RawClient.connect(srv.port);
    c.pause();
    c.send("GET /flood HTTP/1.0\r\n\r\n");
    await c.until(() => Flood.last?.waiting === true, 5000, "the servlet waiting in drained()");
    const servlet = Flood.last!;
    c.terminate();
    await c.until(() => servlet.finallyRan, 2000, "the servlet's finally");
    expect(servlet.signal.aborted).toBe(true);
  });

  test("file downloads abandoned mid-way close their file handles at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "netsvc-abandon-"));
    writeFileSync(join(dir, "big.bin"), new Uint8Array(8 * 1024 * 1024).fill(0x62));
    await using srv = startDaemon({ "/": new FileServer(dir) });
    const before = openFds();
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(srv.port)));
    for (const c of clients) {
      c.pause();
      c.send("GET /big.bin HTTP/1.0\r\n\r\n");
    }
    // Each download holds a file handle while it waits for its reader.
    await clients[0]!.until(() => openFds() >= before + 20 * 2, 5000, "twenty open downloads");
    for (const c of clients) c.terminate();
    await clients[0]!.until(() => openFds() <= before, 2000, "every socket and file handle closed");
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  test("an aborted download is in the access log as 499, with the bytes sent", async () => {
    const lines: string[] = [];
    Flood.last = null;
    await using srv = startDaemon({ "/": new FnServer((s) => new Flood(s)) }, { accessLog: (t) => lines.push(t) });
    const c = await RawClient.connect(srv.port);
    c.pause();
    c.send("GET /flood HTTP/1.0\r\n\r\n");
    await c.until(() => Flood.last?.waiting === true, 5000, "the servlet waiting");
    c.terminate();
    await c.until(() => Flood.last!.finallyRan, 2000, "the servlet's end");
    await srv.daemon.stop(500);
    const m = /"GET http:\/\/[^ ]+\/flood HTTP\/1\.0" 499 (\d+)\n/.exec(lines.join(""));
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(64 * 1024);
  });
});

/** Every access-log line for `path`: [status, bytes]. */
function logged(lines: string[], path: string): [number, number][] {
  const out: [number, number][] = [];
  const re = new RegExp(`"GET http://[^ ]+${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} HTTP/1\\.[01]" (\\d+) (\\d+)\\n`, "g");
  for (const m of lines.join("").matchAll(re)) out.push([Number(m[1]), Number(m[2])]);
  return out;
}

/** Sends a whole response of `size` bytes in one call, then notes it was produced. */
class WholeAtOnce extends HttpServlet {
  static produced = 0;
  override processRequest(): void {
    this.sendDocument(200, "application/octet-stream", new Uint8Array(16 * 1024 * 1024).fill(0x63));
    WholeAtOnce.produced++;
  }
}

/** Sends its head and a first piece, then waits for its client (a deferred answer). */
class HalfAnswer extends HttpServlet {
  override processRequest(): void {
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.endHeaders();
    this.sendContent("first part;");
    this.flushContent();
  }
}

describe("the access log of a response the client did not get whole", () => {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-cut-"));
  const FILE_SIZE = 32 * 1024 * 1024;
  writeFileSync(join(dir, "large.bin"), new Uint8Array(FILE_SIZE).fill(0x64));

  for (const how of ["FIN", "reset"] as const) {
    test(`a large file closed mid-transfer (${how}) is 499 with the bytes written, fewer than the file`, async () => {
      const lines: string[] = [];
      await using srv = startDaemon({ "/": new FileServer(dir) }, { accessLog: (t) => lines.push(t) });
      const c = await RawClient.connect(srv.port);
      c.send("GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n");
      await c.until(() => c.length > 256 * 1024, 5000, "the first 256 KiB");
      c.pause();
      if (how === "FIN") c.close();
      else c.terminate();
      await c.until(() => srv.daemon.stats().open === 0, 5000, "the connection to close");
      await srv.daemon.stop(500);
      const [line, ...more] = logged(lines, "/large.bin");
      expect(more).toEqual([]);
      expect(line![0]).toBe(499);
      expect(line![1]).toBeGreaterThan(256 * 1024);
      expect(line![1]).toBeLessThan(FILE_SIZE);
    });
  }

  test("a response produced whole but still queued when the client resets is 499, not 200", async () => {
    const lines: string[] = [];
    WholeAtOnce.produced = 0;
    await using srv = startDaemon({ "/": new FnServer((s) => new WholeAtOnce(s)) }, { accessLog: (t) => lines.push(t) });
    const c = await RawClient.connect(srv.port);
    c.pause(); // reads nothing: most of the 16 MiB stays in the server's queue
    c.send("GET /whole HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => WholeAtOnce.produced === 1, 5000, "the response to be produced");
    c.terminate();
    await c.until(() => srv.daemon.stats().open === 0, 5000, "the connection to close");
    await srv.daemon.stop(500);
    const [line] = logged(lines, "/whole");
    expect(line![0]).toBe(499);
    expect(line![1]).toBeLessThan(16 * 1024 * 1024);
  });

  test("a deferred servlet whose client left after the first piece is 499 with the bytes sent", async () => {
    const lines: string[] = [];
    await using srv = startDaemon({ "/": new FnServer((s) => new HalfAnswer(s)) }, { accessLog: (t) => lines.push(t) });
    const c = await RawClient.connect(srv.port);
    c.send("GET /half HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => c.text().includes("first part;"), 5000, "the first piece");
    const received = c.length;
    c.close();
    await c.untilClosed(2000);
    await srv.daemon.stop(500);
    expect(logged(lines, "/half")).toEqual([[499, received]]);
  });

  test("a response whose last byte was written before it completed is logged when it completes, not at the close", async () => {
    // A deferred HEAD: its head (all it sends) reaches the socket in one turn, endContent() comes
    // in a later one and appends nothing, so no later write would release its line.
    const lines: string[] = [];
    let finish = () => {};
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.sendResponse(200);
            this.sendHeader("Content-Type", "text/plain");
            this.endHeaders();
            this.flushContent();
            finish = () => this.endContent();
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server }, { accessLog: (t) => lines.push(t) });
    using c = await RawClient.connect(srv.port);
    c.send("HEAD /deferred HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => c.text().includes("\r\n\r\n"), 3000, "the head");
    finish();
    await c.until(() => lines.length === 1, 3000, "the access-log line while the connection is open");
    expect(c.closed).toBe(false);
    expect(lines[0]).toMatch(/"HEAD http:\/\/[^ ]+\/deferred HTTP\/1\.1" 200 \d+\n/);
  });

  test("responses the client read whole keep their status and sizes, in order, after its FIN too", async () => {
    const lines: string[] = [];
    await using srv = startDaemon({ "/": pathEcho() }, { accessLog: (t) => lines.push(t) });
    const c = await RawClient.connect(srv.port);
    // Pipelined, then a FIN at once: the client still reads what it asked for (RFC 9112 §9.6).
    c.send(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /bb HTTP/1.1\r\nHost: x\r\n\r\nGET /ccc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    c.shutdownWrite();
    const responses = await c.responses(3, 3000);
    await c.untilClosed(2000);
    await srv.daemon.stop(500);
    const sizes = responses.map(wireLength);
    expect(logged(lines, "/a")).toEqual([[200, sizes[0]!]]);
    expect(logged(lines, "/bb")).toEqual([[200, sizes[1]!]]);
    expect(logged(lines, "/ccc")).toEqual([[200, sizes[2]!]]);
    expect(
      lines
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => /\/(a|bb|ccc) /.exec(l)?.[1]),
    ).toEqual(["a", "bb", "ccc"]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(c.length);
  });
});

/** The bytes of a parsed response as it came over the wire (status line, fields, blank line, body). */
function wireLength(r: { statusLine: string; headers: Record<string, string>; rawHeaderNames: string[]; body: string }): number {
  let n = r.statusLine.length + 2;
  for (const name of r.rawHeaderNames) n += name.length + 2 + r.headers[name.toLowerCase()]!.length + 2;
  return n + 2 + r.body.length; // latin1: one char per byte
}
