/**
 * Clients that leave (issue 9, items 1–2): a client's FIN or reset while its servlet is pending is
 * noticed at once — destroyServlet, the signal, drain waiters, file handles, the connection slot,
 * and one access-log line (499 when nothing was sent).
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

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

  test("an aborted download is in the access log with the bytes sent", async () => {
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
    const m = /"GET http:\/\/[^ ]+\/flood HTTP\/1\.0" 200 (\d+)\n/.exec(lines.join(""));
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(64 * 1024);
  });
});
