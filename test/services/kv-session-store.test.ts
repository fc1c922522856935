/**
 * KvSessionStore (SPEC §13) against a real nats-server with JetStream: a record saved through one
 * Exchange (one NATS connection) is read through another, expires after the bucket's max age, and
 * a store whose NATS is down rejects with SessionStoreUnavailable — never reads as "no session".
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionStoreUnavailable } from "../../src/servers/session-store.ts";
import { Exchange, ServiceRegistry } from "../../src/entry/services.ts";
import { KvSessionStore } from "../../src/services/kv-session-store.ts";
import { eventually } from "../helpers/eventually.ts";
import { startJetStream } from "../helpers/nats-jetstream.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { peerTest } from "../helpers/peers.ts";

/** An Exchange on `url` with its own registry, quiet, closed with the scope. */
async function exchangeOn(url: string): Promise<Exchange & AsyncDisposable> {
  const exchange = new Exchange({ servers: url, registry: new ServiceRegistry(), log: () => {}, discovery: false });
  await exchange.connect();
  return Object.assign(exchange, { [Symbol.asyncDispose]: () => exchange.close() });
}

const MINUTE = 60_000;

describe("KvSessionStore", () => {
  peerTest(["nats-server"], "a record saved through one connection is read through another; delete purges it", async () => {
    await using js = await startJetStream();
    await using a = await exchangeOn(js.nats.url);
    await using b = await exchangeOn(js.nats.url);
    const storeA = new KvSessionStore(a, "sessions");
    const storeB = new KvSessionStore(b, "sessions");
    expect(storeA.ttlMs).toBe(30 * MINUTE);
    await storeA.set("id-1", { user: "ada", n: [1, 2] }, storeA.ttlMs);
    expect(await storeB.get("id-1")).toEqual({ user: "ada", n: [1, 2] });
    await storeB.set("id-1", { user: "ada", n: [3] }, storeB.ttlMs);
    expect(await storeA.get("id-1")).toEqual({ user: "ada", n: [3] });
    await storeA.delete("id-1");
    expect(await storeB.get("id-1")).toBeUndefined();
    expect(await storeB.get("never-saved")).toBeUndefined();
    await storeA.delete("never-saved");
  });

  peerTest(["nats-server"], "ids that cannot be keys read as no session and cannot be written; oversized records are refused", async () => {
    await using js = await startJetStream();
    await using a = await exchangeOn(js.nats.url);
    const store = new KvSessionStore(a, "sessions", { maxRecordBytes: 100 });
    for (const bad of ["", "a b", "a.", ".a", "a*", "a>", "é", "x".repeat(300)]) {
      expect(await store.get(bad)).toBeUndefined();
      await expect(store.set(bad, { n: 1 }, MINUTE)).rejects.toThrow(TypeError);
      await expect(store.delete(bad)).rejects.toThrow(TypeError);
    }
    await expect(store.set("ok", { big: "x".repeat(200) }, MINUTE)).rejects.toThrow(RangeError);
    await expect(store.set("ok", { n: 1n }, MINUTE)).rejects.toThrow(/not JSON-serialisable/);
    expect(await store.get("ok")).toBeUndefined();
  });

  peerTest(["nats-server"], "a value that is not a JSON object (written by something else) reads as no session, counted", async () => {
    await using js = await startJetStream();
    await using a = await exchangeOn(js.nats.url);
    const store = new KvSessionStore(a, "sessions");
    await store.set("k", { n: 1 }, MINUTE); // creates the bucket
    const { Kvm } = await import("@nats-io/kv");
    const { connect } = await import("@nats-io/transport-node");
    const nc = await connect({ servers: js.nats.url });
    try {
      const kv = await new Kvm(nc).open("sessions");
      await kv.put("k", "not json");
      await kv.put("arr", "[1,2]");
    } finally {
      await nc.close();
    }
    expect(await store.get("k")).toBeUndefined();
    expect(await store.get("arr")).toBeUndefined();
    expect(store.stats().unreadable).toBe(2);
  });

  peerTest(["nats-server"], "a record expires the bucket's max age after its last save", async () => {
    await using js = await startJetStream();
    await using a = await exchangeOn(js.nats.url);
    const store = new KvSessionStore(a, "short", { ttlMs: 1_000 });
    await store.set("k", { n: 1 }, store.ttlMs);
    expect(await store.get("k")).toEqual({ n: 1 });
    const saved = Date.now();
    await eventually(async () => {
      if ((await store.get("k")) !== undefined) throw new Error("still there");
    }, 10_000);
    expect(Date.now() - saved).toBeGreaterThanOrEqual(900);
  });

  peerTest(
    ["nats-server"],
    "NATS down: every call rejects with SessionStoreUnavailable, and the store answers again once NATS is back",
    async () => {
      await using js = await startJetStream();
      await using a = await exchangeOn(js.nats.url);
      const store = new KvSessionStore(a, "sessions", { timeoutMs: 1_000 });
      await store.set("k", { n: 1 }, MINUTE);
      await js.nats.stop();
      await eventually(async () => {
        if (a.isConnected()) throw new Error("not noticed yet");
      });
      await expect(store.get("k")).rejects.toThrow(SessionStoreUnavailable);
      await expect(store.set("k", { n: 2 }, MINUTE)).rejects.toThrow(/not connected to NATS/);
      await expect(store.delete("k")).rejects.toThrow(SessionStoreUnavailable);
      expect(store.stats().unavailable).toBe(3);
      await js.nats.restart();
      const back = await eventually(() => store.get("k"), 15_000);
      expect(back).toEqual({ n: 1 }); // JetStream kept it on disk
    },
    30_000,
  );

  peerTest(["nats-server"], "a store made before the exchange connected rejects until it has, then opens its bucket", async () => {
    await using js = await startJetStream();
    const exchange = new Exchange({ servers: js.nats.url, registry: new ServiceRegistry(), log: () => {}, discovery: false });
    try {
      const store = new KvSessionStore(exchange, "sessions");
      await expect(store.get("k")).rejects.toThrow(SessionStoreUnavailable);
      await exchange.connect();
      expect(await store.get("k")).toBeUndefined();
    } finally {
      await exchange.close();
    }
  });

  peerTest(["nats-server"], "an existing bucket is opened as it is: its own max age applies, its records read", async () => {
    await using js = await startJetStream();
    await using a = await exchangeOn(js.nats.url);
    await new KvSessionStore(a, "shared", { ttlMs: 1_000 }).set("k", { n: 1 }, MINUTE);
    const later = new KvSessionStore(a, "shared", { ttlMs: 30 * MINUTE });
    expect(await later.get("k")).toEqual({ n: 1 });
    await eventually(async () => {
      if ((await later.get("k")) !== undefined) throw new Error("still there");
    }, 10_000); // the bucket's 1 s, not this store's 30 minutes
  });

  peerTest(
    ["nats-server"],
    "docs/sessions.md's permissions are enough: publish on $JS.API.> and $KV.<bucket>.>, subscribe on the inbox",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "netsvc-js-perm-"));
      await using _dir = { [Symbol.asyncDispose]: async () => rmSync(dir, { recursive: true, force: true }) };
      await using nats = await NatsServer.start(`
jetstream { store_dir: ${JSON.stringify(dir)} }
authorization {
  users = [
    { user: web, password: w3b, permissions: {
        publish: ["netsvc.>", "$JS.API.>", "$KV.sessions.>"],
        subscribe: ["netsvc.>", "_INBOX.>"] } }
    { user: other, password: 0ther, permissions: {
        publish: ["netsvc.>", "$JS.API.>", "$KV.others.>"],
        subscribe: ["netsvc.>", "_INBOX.>"] } }
  ]
}
`);
      const web = new Exchange({
        servers: nats.url,
        user: "web",
        pass: "w3b",
        registry: new ServiceRegistry(),
        log: () => {},
        discovery: false,
      });
      const other = new Exchange({
        servers: nats.url,
        user: "other",
        pass: "0ther",
        registry: new ServiceRegistry(),
        log: () => {},
        discovery: false,
      });
      await web.connect();
      await other.connect();
      try {
        const store = new KvSessionStore(web, "sessions");
        await store.set("k", { n: 1 }, MINUTE);
        expect(await store.get("k")).toEqual({ n: 1 });
        await store.delete("k");
        expect(await store.get("k")).toBeUndefined();
        // A user without $KV.sessions.> cannot write the bucket: a clear rejection, never a silent success.
        await expect(new KvSessionStore(other, "sessions", { timeoutMs: 1_000 }).set("k", { n: 2 }, MINUTE)).rejects.toThrow(
          SessionStoreUnavailable,
        );
      } finally {
        await web.close();
        await other.close();
      }
    },
    30_000,
  );

  test("bucket names and options NATS would refuse are refused at construction", () => {
    const exchange = new Exchange({ servers: "nats://127.0.0.1:1", registry: new ServiceRegistry(), log: () => {} });
    for (const bad of ["", "a.b", "a b", "a*", "x".repeat(65)]) expect(() => new KvSessionStore(exchange, bad)).toThrow(RangeError);
    expect(() => new KvSessionStore(exchange, "ok", { ttlMs: 0 })).toThrow(RangeError);
    expect(() => new KvSessionStore(exchange, "ok", { replicas: 2 })).toThrow(RangeError);
  });
});
