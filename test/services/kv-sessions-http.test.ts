/**
 * Sessions shared across processes (SPEC §13, issue 24 item 4): a real nats-server with JetStream,
 * this process's daemon and Exchange, and a second process (test/fixtures/session-app.ts) with
 * its own daemon and Exchange, both keeping sessions in one KvSessionStore bucket. A user logs in
 * through one and is logged in on the other; logs out through the other and is logged out on the
 * first. With nats-server stopped a request that reads its session gets 503 (never an empty
 * session), and once NATS is back the session is there again.
 */
import { expect } from "bun:test";
import { Exchange, KvSessionStore, ServiceRegistry } from "../../src/entry/services.ts";
import { sessionApp } from "../fixtures/session-routes.ts";
import { eventually } from "../helpers/eventually.ts";
import { startJetStream } from "../helpers/nats-jetstream.ts";
import { peerTest } from "../helpers/peers.ts";
import { startDaemon } from "../helpers/servers.ts";
import { spawnWithOutput } from "../helpers/spawn.ts";

/** The `sid=…` pair of a response's Set-Cookie, or null. */
function sessionCookie(r: Response): string | null {
  const line = r.headers.getSetCookie().find((c) => c.startsWith("sid="));
  return line === undefined ? null : line.slice(0, line.indexOf(";"));
}

async function me(base: string, cookie: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${base}me`, { headers: { cookie } });
  return { status: r.status, body: r.status === 200 ? await r.json() : await r.text() };
}

peerTest(
  ["nats-server"],
  "log in through one process, read the session through another; log out there; NATS down: 503, then back",
  async () => {
    await using js = await startJetStream();
    const exchange = new Exchange({ servers: js.nats.url, registry: new ServiceRegistry(), log: () => {}, discovery: false });
    await exchange.connect();
    const other = spawnWithOutput([process.execPath, "test/fixtures/session-app.ts", js.nats.url]);
    try {
      await using here = startDaemon({ "/": sessionApp(new KvSessionStore(exchange, "sessions", { timeoutMs: 1_000 })) });
      const a = `http://127.0.0.1:${here.port}/`;
      const b = (await other.out.waitFor(/ready (http:\S+\/)/))[1]!;

      // Log in on A: the cookie names a new session.
      const login = await fetch(`${a}login`, { method: "POST" });
      expect(login.status).toBe(200);
      const cookie = sessionCookie(login)!;
      expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{22}$/);
      const { id } = (await login.json()) as { id: string };
      expect(cookie).toBe(`sid=${id}`);

      // The other process reads it at once: the save finished before A's response was sent.
      expect(await me(b, cookie)).toEqual({ status: 200, body: { user: "ada", id } });

      // Log out on B: A no longer knows the session.
      const logout = await fetch(`${b}logout`, { method: "POST", headers: { cookie } });
      expect(logout.status).toBe(200);
      expect(logout.headers.getSetCookie().some((c) => /^sid=;.*Max-Age=0/i.test(c))).toBe(true);
      const after = await me(a, cookie);
      expect(after.status).toBe(200);
      expect((after.body as { user: unknown }).user).toBeNull();

      // Log in again, then NATS goes away: reading the session is a 503, not an empty session.
      const again = sessionCookie(await fetch(`${b}login`, { method: "POST" }))!;
      await js.nats.stop();
      await eventually(async () => {
        if (exchange.isConnected()) throw new Error("not noticed yet");
      });
      const down = await me(a, again);
      expect(down.status).toBe(503);
      expect(String(down.body)).toContain("the session store is unavailable");
      expect(here.errors).toEqual([]); // an answer, not a servlet failure

      // NATS back: the session is there again (JetStream kept it).
      await js.nats.restart();
      const back = await eventually(async () => {
        const r = await me(a, again);
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        return r;
      }, 15_000);
      expect((back.body as { user: unknown }).user).toBe("ada");
    } finally {
      other.child.kill("SIGINT");
      expect(await other.child.exited).toBe(0);
      await exchange.close();
    }
  },
  60_000,
);
