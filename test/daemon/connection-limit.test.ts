/**
 * At the connection limit (issue 19, item 4; SPEC §6): idle keep-alive and silent connections are
 * closed oldest-first at once to make room for a newcomer, however recently they were used (nginx
 * drains its reusable connections the same way); a newcomer is refused (503, then close) only when
 * every connection has a request in progress; and a request that reached the server on a
 * connection chosen for closing is served, never dropped.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet } from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { FnServer, pathEcho, startDaemon } from "../helpers/servers.ts";

const get = (path: string, close = false) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? "Connection: close\r\n" : ""}\r\n`;

/**
 * A keep-alive client: a GET, its answer, a pause of `gapMs` (pacing, not synchronisation), again.
 * A connection the server closed while it was idle is reopened and the unanswered request sent
 * again, as HTTP/1.1 clients retry an idempotent request on a connection closed before any byte
 * of its answer (RFC 9112 §9.3.1).
 */
class KeepAliveClient {
  /** Status of every request, in order. */
  readonly statuses: number[] = [];
  /** Connections the server closed under this client. */
  reconnects = 0;
  private running = true;
  private done: Promise<void> = Promise.resolve();
  private n = 0;

  constructor(
    private readonly port: number,
    private readonly name: string,
    private readonly gapMs: number,
  ) {}

  start(): void {
    this.done = this.run();
  }

  /** Stops after the request in flight. */
  stop(): Promise<void> {
    this.running = false;
    return this.done;
  }

  private async run(): Promise<void> {
    let c = await RawClient.connect(this.port);
    try {
      while (this.running) {
        const path = `/${this.name}/${this.n++}`;
        for (;;) {
          const before = parseResponses(c.text(), false).length;
          if (!c.closed) c.send(get(path));
          await c.until(() => c.closed || parseResponses(c.text(), false).length > before, 5000, `${path} answered`);
          const answered = parseResponses(c.text(), c.closed);
          if (answered.length > before) {
            this.statuses.push(answered[before]!.status);
            break;
          }
          this.reconnects++; // closed while idle: reopen and send it again
          c = await RawClient.connect(this.port);
        }
        await new Promise((resolve) => setTimeout(resolve, this.gapMs));
      }
    } finally {
      c.close();
    }
  }
}

/** Waits (bounded) for a condition on server or client state. */
function until(predicate: () => boolean, what: string): Promise<void> {
  return eventually(async () => {
    if (!predicate()) throw new Error(`timed out waiting for ${what}`);
  }, 5000);
}

describe("connections at the limit", () => {
  test("a newcomer is served at once: the oldest idle keep-alive connection is closed for it, however recently used", async () => {
    const LIMIT = 20;
    const NEWCOMERS = 10;
    await using srv = startDaemon({ "/": pathEcho() }, { maxConnections: LIMIT });
    const clients = Array.from({ length: LIMIT }, (_, i) => new KeepAliveClient(srv.port, `k${i}`, 3));
    for (const k of clients) k.start();
    await until(() => clients.every((k) => k.statuses.length >= 3), "every keep-alive client answered a few times");
    const newcomers: number[] = [];
    for (let i = 0; i < NEWCOMERS; i++) {
      // A new connection per request, as a normal client making its first request would.
      using c = await RawClient.connect(srv.port);
      c.send(get(`/new/${i}`, true));
      await c.untilClosed();
      const rs = parseResponses(c.text(), true);
      newcomers.push(...rs.map((r) => r.status));
    }
    await Promise.all(clients.map((k) => k.stop()));
    expect(newcomers).toEqual(Array(NEWCOMERS).fill(200));
    const stats = srv.daemon.stats();
    expect(stats.refused).toBe(0);
    expect(stats.reclaimed).toBeGreaterThan(0); // keep-alive connections were closed to make room
    // Nothing lost: every keep-alive request was answered 200 (those closed while idle after a
    // reconnect), and every request the server read was answered — none read and then dropped.
    for (const k of clients) expect(k.statuses.filter((s) => s !== 200)).toEqual([]);
    expect(stats.abandoned).toBe(0);
    expect(stats.requests).toBe(clients.reduce((n, k) => n + k.statuses.length, 0) + NEWCOMERS);
    expect(srv.errors).toEqual([]);
  });

  test("only when every connection has a request in progress is a newcomer refused: 503, then closed", async () => {
    const LIMIT = 20;
    const release = new Map<string, () => void>();
    const server = new FnServer((s) =>
      s.requestPath().startsWith("/hold/")
        ? new (class extends HttpServlet {
            override processRequest(): void {
              release.set(this.requestPath(), () => this.sendDocument(200, "text/plain", "held"));
            }
          })(s)
        : pathEcho().servlet(s),
    );
    await using srv = startDaemon({ "/": server }, { maxConnections: LIMIT });
    const held = await Promise.all(Array.from({ length: LIMIT }, () => RawClient.connect(srv.port)));
    for (const [i, c] of held.entries()) c.send(get(`/hold/${i}`));
    await until(() => release.size === LIMIT, "every connection busy");

    using refused = await RawClient.connect(srv.port);
    refused.send(get("/refused"));
    await refused.untilClosed();
    expect(parseResponses(refused.text(), true).map((r) => [r.status, r.headers.connection])).toEqual([[503, "close"]]);
    expect(srv.daemon.stats()).toMatchObject({ refused: 1, reclaimed: 0 });

    // One request finishes: its connection is idle now, so the next newcomer is served and that
    // connection — used a moment ago — is closed for it, with nothing after its answer.
    release.get("/hold/0")!();
    expect((await held[0]!.responses(1)).map((r) => r.body)).toEqual(["held"]);
    using next = await RawClient.connect(srv.port);
    expect((await next.request(get("/next"))).body).toBe("GET /next [next]");
    await held[0]!.untilClosed();
    expect(parseResponses(held[0]!.text(), true).length).toBe(1);
    expect(srv.daemon.stats()).toMatchObject({ refused: 1, reclaimed: 1 });

    for (let i = 1; i < LIMIT; i++) release.get(`/hold/${i}`)!();
    for (const c of held.slice(1)) {
      expect((await c.responses(1)).map((r) => r.body)).toEqual(["held"]);
      expect(c.closed).toBe(false);
      c.close();
    }
  });

  test("a request that reached the server on the oldest idle connection is served; the next idle one is closed instead", async () => {
    await using srv = startDaemon({ "/": pathEcho() }, { maxConnections: 2 });
    using oldest = await RawClient.connect(srv.port);
    expect((await oldest.request(get("/a1"))).status).toBe(200);
    using other = await RawClient.connect(srv.port);
    expect((await other.request(get("/b1"))).status).toBe(200);
    // In one turn: a newcomer connects (the server sees it first), then the oldest idle client
    // sends its next request — both are ready for the server's next read of the sockets.
    const connecting = RawClient.connect(srv.port);
    oldest.send(get("/a2"));
    using newcomer = await connecting;
    expect((await newcomer.request(get("/n"))).body).toBe("GET /n [n]");
    expect((await oldest.responses(2)).map((r) => r.body)).toEqual(["GET /a1 [a1]", "GET /a2 [a2]"]);
    expect(oldest.closed).toBe(false);
    await other.untilClosed();
    expect(parseResponses(other.text(), true).map((r) => r.body)).toEqual(["GET /b1 [b1]"]);
    expect(srv.daemon.stats()).toMatchObject({ refused: 0, reclaimed: 1, abandoned: 0 });
  });
  test("one over the limit after such a race (only a silent connection was left to close) is paid back by the next newcomer", async () => {
    await using srv = startDaemon({ "/": pathEcho() }, { maxConnections: 2 });
    using reused = await RawClient.connect(srv.port);
    expect((await reused.request(get("/a1"))).status).toBe(200);
    using silent = await RawClient.connect(srv.port); // a new client whose request may be on its way: never closed in a race
    await until(() => srv.daemon.stats().open === 2, "two open");
    const connecting = RawClient.connect(srv.port);
    reused.send(get("/a2"));
    using first = await connecting;
    expect((await first.request(get("/f"))).body).toBe("GET /f [f]");
    expect((await reused.responses(2)).map((r) => r.body)).toEqual(["GET /a1 [a1]", "GET /a2 [a2]"]);
    expect(silent.closed).toBe(false);
    expect(srv.daemon.stats().open).toBe(3);
    // The next newcomer makes room for two: the silent connection and the next idle the longest.
    using second = await RawClient.connect(srv.port);
    expect((await second.request(get("/s"))).body).toBe("GET /s [s]");
    await silent.untilClosed();
    await reused.untilClosed();
    expect(first.closed).toBe(false);
    await until(() => srv.daemon.stats().open === 2, "back at the limit");
    expect(srv.daemon.stats()).toMatchObject({ refused: 0, reclaimed: 2, abandoned: 0 });
  });
});
