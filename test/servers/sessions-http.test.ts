/**
 * Sessions on a real HTTP/1.1 connection (SPEC §13): while the store saves, not one byte of the
 * response reaches the client — a request on a second connection is answered meanwhile, so the
 * server's turns went on — and the response follows once the store has the session; the next
 * request on the same connection reads it.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Router } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";
import { ControlledStore, holdingApp } from "../helpers/session-stores.ts";

const streamEnd = Promise.withResolvers<void>();

/** The hold tests' application, with a streamed answer. */
function app(store: ControlledStore): Router {
  return holdingApp(store).get("/stream", async (s) => {
    (await s.sessionContext()).streamed = true;
    s.sendResponse(200);
    s.sendHeader("Content-Type", "text/plain");
    s.sendContent("first piece;"); // chunked, and asked to be flushed
    await streamEnd.promise;
    s.sendContent("last piece");
    s.endContent();
  });
}

/**
 * Sends `requests` on one connection with the store holding its next save, and checks, once the
 * save has begun, that the server still answers a second connection while not one byte has
 * reached the first; then lets the save finish and runs `after` on the first connection.
 */
async function whileSaveHeld(requests: string, after: (c: RawClient) => Promise<void>): Promise<void> {
  const store = new ControlledStore();
  await using d = startDaemon({ "/": app(store) });
  store.hold();
  const c = await RawClient.connect(d.port);
  const other = await RawClient.connect(d.port);
  try {
    c.send(requests);
    await store.whenSetStarts();
    expect((await other.request("GET /other HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(200);
    expect(c.length).toBe(0);
    store.release();
    await after(c);
    expect(d.errors).toEqual([]);
  } finally {
    c.close();
    other.close();
  }
}

test("no byte of the response goes before the save; the next request on the connection reads the session", async () => {
  await whileSaveHeld("GET /login HTTP/1.1\r\nHost: x\r\n\r\n", async (c) => {
    const [login] = await c.responses(1);
    expect(login!.status).toBe(200);
    const id = (JSON.parse(login!.body) as { id: string }).id;
    expect(login!.headers["set-cookie"]).toStartWith(`sid=${id}; `);
    const me = await c.request(`GET /me HTTP/1.1\r\nHost: x\r\nCookie: sid=${id}\r\n\r\n`);
    expect(JSON.parse(me.body)).toEqual({ user: "ada" });
  });
});

test("a streamed response: its head and the content it sends wait for the save too, then flow", async () => {
  await whileSaveHeld("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", async (c) => {
    await c.until(() => c.text().includes("first piece;"), 5_000, "the first piece after the save");
    expect(c.text()).not.toContain("last piece");
    streamEnd.resolve();
    await c.until(() => c.text().endsWith("\r\n0\r\n\r\n"), 5_000, "the last chunk");
    expect(c.text()).toStartWith("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: sid="); // staged lines follow the answer's own
    expect(c.text()).toEndWith("\r\n\r\nc\r\nfirst piece;\r\na\r\nlast piece\r\n0\r\n\r\n");
  });
});

test("over TLS the session cookie is Secure by default", async () => {
  const tlsDir = join(import.meta.dir, "..", "fixtures", "tls");
  const cert = readFileSync(join(tlsDir, "localhost.crt"), "utf8");
  const key = readFileSync(join(tlsDir, "localhost.key"), "utf8");
  await using d = startDaemon({ "/": app(new ControlledStore()) }, { tls: { cert, key } });
  const r = await fetch(`https://localhost:${d.port}/login`, { tls: { ca: cert } });
  expect(r.status).toBe(200);
  const line = r.headers.getSetCookie()[0]!;
  expect(line).toMatch(/^sid=[A-Za-z0-9_-]{22}; /);
  expect(line).toContain("; Secure");
  expect(line).toContain("; HttpOnly");
});

test("a pipelined request behind a held response waits its turn: the answers come in order, none before the save", async () => {
  await whileSaveHeld("GET /login HTTP/1.1\r\nHost: x\r\n\r\nGET /other HTTP/1.1\r\nHost: x\r\n\r\n", async (c) => {
    const [login, second] = await c.responses(2);
    expect(login!.headers["set-cookie"]).toStartWith("sid=");
    expect(JSON.parse(second!.body)).toEqual({ other: true });
  });
});
