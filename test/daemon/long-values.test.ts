/**
 * Long field values over real sockets (the WebAssembly value scan copies them into a scratch
 * memory a window at a time, src/parser/value-scan.ts): each request gets the status the byte
 * table says (200, 400 for a CTL or DEL, 431 past the head limit), with its value read whole,
 * whether it came in one read, pipelined behind others, or split so that the daemon moves a
 * partial head into its pooled buffer; a rejected request closes the connection and nothing after
 * it is answered.
 */
import { describe, expect, test } from "bun:test";
import { MAX_HEAD } from "../../src/parser/index.ts";
import { SCAN_WINDOW } from "../../src/parser/value-scan.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

const DEL = 0x7f;
const CTL = 0x01;
const PREFIX = "GET /v HTTP/1.1\r\nHost: x\r\nX-Long: ";
const SUFFIX = "\r\n\r\n";
/** Where the WebAssembly part of a value's scan starts (its first eight bytes are tested in JavaScript). */
const SIMD_START = 8;

/** Answers every request with its X-Long value, so a test sees the value was read whole. */
const valueEcho = () => new FnServer((s) => new TextServlet(s, s.header("x-long") ?? "(none)"));

/** A value of `n` visible characters that differ from byte to byte (a stale copy would show). */
function value(n: number, seed: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x21 + ((i * 7 + seed) % 94));
  return s;
}

/** The request carrying `v`, with byte `b` written at `at` inside the value when given. */
function request(v: string, at = -1, b = 0): string {
  if (at < 0) return PREFIX + v + SUFFIX;
  return PREFIX + v.slice(0, at) + String.fromCharCode(b) + v.slice(at + 1) + SUFFIX;
}

/** Offsets next to the copy-window edges of a value of length n (the value's own offsets). */
function windowEdges(n: number): number[] {
  const out: number[] = [];
  for (let edge = SIMD_START; edge < n; edge += SCAN_WINDOW) {
    for (const d of [-16, -1, 0, 1, 15]) if (edge + d >= 0 && edge + d < n) out.push(edge + d);
  }
  return out;
}

describe("long field values through the daemon", () => {
  test("pipelined in one write: every value read whole, up to a head exactly at the limit", async () => {
    await using srv = startDaemon({ "/": valueEcho() });
    using c = await RawClient.connect(srv.port);
    const atLimit = MAX_HEAD - PREFIX.length - SUFFIX.length;
    const values = [1016, SCAN_WINDOW, SCAN_WINDOW + 9, 2 * SCAN_WINDOW + 40, 9000, atLimit].map((n, i) => value(n, i));
    c.send(values.map((v) => request(v)).join(""));
    const rs = await c.responses(values.length);
    expect(rs.map((r) => r.status)).toEqual(values.map(() => 200));
    expect(rs.map((r) => r.body)).toEqual(values);
    expect(c.closed).toBe(false);
  });

  test("one request after another on a connection: a value is never checked against the previous one", async () => {
    // Each request arrives in a buffer of its own at the same offsets as the one before it: a
    // window kept from the previous request would hold that request's bytes there.
    await using srv = startDaemon({ "/": valueEcho() });
    using c = await RawClient.connect(srv.port);
    const first = value(3000, 1);
    expect((await c.request(request(first))).body).toBe(first);
    const second = value(1500, 2);
    expect((await c.request(request(second))).body).toBe(second);
    const bad = value(2000, 3);
    const r = await c.request(request(bad, 600, DEL));
    expect(r.status).toBe(400);
    await c.untilClosed();
    expect(parseResponses(c.text(), true)).toHaveLength(3);
  });

  test("a partial head behind an answered request is moved to the pooled buffer and finished there", async () => {
    // The first write ends inside the second request's long value, past a window edge; the daemon
    // parses it in place at a large offset, then moves it to offset 0 of its own buffer, where
    // every byte that follows must still be checked (with or without a DEL among them).
    await using srv = startDaemon({ "/": valueEcho() });
    const first = value(1500, 4);
    const second = value(4000, 5);
    const cut = request(first).length + PREFIX.length + SIMD_START + SCAN_WINDOW + 300;
    for (const delAt of [-1, SIMD_START + SCAN_WINDOW + 400, 3 * SCAN_WINDOW]) {
      using c = await RawClient.connect(srv.port);
      const stream = request(first) + request(second, delAt, DEL);
      c.send(stream.slice(0, cut));
      expect((await c.responses(1))[0]!.body).toBe(first); // the rest is sent only after this turn
      c.send(stream.slice(cut));
      if (delAt < 0) {
        const rs = await c.responses(2);
        expect(rs.map((r) => [r.status, r.body])).toEqual([
          [200, first],
          [200, second],
        ]);
        expect(c.closed).toBe(false);
      } else {
        const rs = await c.responses(2);
        expect(rs.map((r) => r.status)).toEqual([200, 400]);
        await c.untilClosed();
        expect(parseResponses(c.text(), true)).toHaveLength(2);
      }
    }
  });

  test("a CTL or DEL next to a window edge, split there, on four connections at once: 400 and closed", async () => {
    await using srv = startDaemon({ "/": valueEcho() });
    const v = value(3 * SCAN_WINDOW + 100, 6);
    const edges = windowEdges(v.length);
    const runOne = async (k: number) => {
      const statuses: number[] = [];
      for (let i = k; i < edges.length; i += 4) {
        // On a fresh connection each time: the bad request closes it.
        using d = await RawClient.connect(srv.port);
        const at = edges[i]!;
        const good = value(2000, i);
        const stream = request(good) + request(v, at, i % 2 === 0 ? DEL : CTL) + request(good);
        const cut = request(good).length + PREFIX.length + at;
        d.send(stream.slice(0, cut));
        await d.responses(1);
        d.send(stream.slice(cut));
        await d.untilClosed();
        const rs = parseResponses(d.text(), true);
        statuses.push(...rs.map((r) => r.status));
        expect(rs[0]!.body).toBe(good);
      }
      return statuses;
    };
    const all = await Promise.all([0, 1, 2, 3].map(runOne));
    for (const statuses of all) {
      expect(statuses.length % 2).toBe(0);
      for (let i = 0; i < statuses.length; i += 2) expect([statuses[i], statuses[i + 1]]).toEqual([200, 400]);
    }
    expect(all.flat()).toHaveLength(2 * edges.length);
  });

  test("at the head limit: a DEL inside it is 400, one just past it is 431", async () => {
    await using srv = startDaemon({ "/": valueEcho() });
    const v = value(MAX_HEAD - PREFIX.length + 100, 7);
    for (const [at, status] of [
      [MAX_HEAD - PREFIX.length - 1, 400],
      [MAX_HEAD - PREFIX.length, 431],
    ] as const) {
      using c = await RawClient.connect(srv.port);
      c.send(request(v, at, DEL) + request("after"));
      await c.untilClosed();
      const rs = parseResponses(c.text(), true);
      expect(rs.map((r) => r.status)).toEqual([status]);
    }
  });
});
