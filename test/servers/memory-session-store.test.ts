/**
 * MemorySessionStore (SPEC §13): bounded in count and in bytes (least recently used evicted),
 * expiring after an idle time that a save slides, records kept as copies.
 */
import { describe, expect, test } from "bun:test";
import { MemorySessionStore } from "../../src/servers/memory-session-store.ts";

const MINUTE = 60_000;

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe("MemorySessionStore", () => {
  test("a saved record reads back as a copy: mutating what get() returned changes nothing stored", async () => {
    const store = new MemorySessionStore();
    const record = { user: "ada", items: [1, 2] };
    await store.set("a", record, MINUTE);
    record.user = "changed after the save";
    const first = await store.get("a");
    expect(first).toEqual({ user: "ada", items: [1, 2] });
    (first!.items as number[]).push(3);
    expect(await store.get("a")).toEqual({ user: "ada", items: [1, 2] });
    expect(await store.get("missing")).toBeUndefined();
  });

  test("delete removes a record, and deleting what is not there is no error", async () => {
    const store = new MemorySessionStore();
    await store.set("a", { n: 1 }, MINUTE);
    await store.delete("a");
    await store.delete("never-there");
    expect(await store.get("a")).toBeUndefined();
    expect(store.stats()).toMatchObject({ sessions: 0, bytes: 0 });
  });

  test("a record expires ttlMs after its last save; a save slides it, a read does not", async () => {
    const clock = manualClock();
    const store = new MemorySessionStore({ clock: clock.now });
    await store.set("a", { n: 1 }, 10 * MINUTE);
    clock.advance(9 * MINUTE);
    expect(await store.get("a")).toEqual({ n: 1 }); // a read: no slide
    await store.set("b", { n: 2 }, 10 * MINUTE);
    clock.advance(MINUTE);
    expect(await store.get("a")).toBeUndefined(); // 10 minutes after its save
    expect(store.stats().expired).toBe(1);
    await store.set("b", { n: 3 }, 10 * MINUTE); // saved again: slides
    clock.advance(9 * MINUTE);
    expect(await store.get("b")).toEqual({ n: 3 });
    clock.advance(MINUTE);
    expect(await store.get("b")).toBeUndefined();
  });

  test("expired records are swept out by a later save, so they stop counting against the bounds", async () => {
    const clock = manualClock();
    const store = new MemorySessionStore({ clock: clock.now });
    for (let i = 0; i < 5; i++) await store.set(`old${i}`, { i }, MINUTE);
    clock.advance(2 * MINUTE);
    await store.set("new", { i: 5 }, MINUTE);
    expect(store.stats()).toMatchObject({ sessions: 1, expired: 5 });
  });

  test("over maxSessions the least recently used (read or saved) is evicted", async () => {
    const store = new MemorySessionStore({ maxSessions: 3 });
    await store.set("a", { n: 1 }, MINUTE);
    await store.set("b", { n: 2 }, MINUTE);
    await store.set("c", { n: 3 }, MINUTE);
    await store.get("a"); // a is now more recent than b
    await store.set("d", { n: 4 }, MINUTE);
    expect(await store.get("b")).toBeUndefined();
    expect(await store.get("a")).toEqual({ n: 1 });
    expect(await store.get("c")).toEqual({ n: 3 });
    expect(await store.get("d")).toEqual({ n: 4 });
    expect(store.stats()).toMatchObject({ sessions: 3, evicted: 1 });
  });

  test("over maxBytes the least recently used go until the bytes fit; the byte count is the ids' and the JSON's", async () => {
    const big = "x".repeat(400);
    const store = new MemorySessionStore({ maxBytes: 1_000 });
    await store.set("a", { big }, MINUTE);
    await store.set("b", { big }, MINUTE);
    const one = store.stats().bytes / 2;
    expect(one).toBe(1 + JSON.stringify({ big }).length);
    await store.set("c", { big }, MINUTE); // three would be over 1,000
    expect(await store.get("a")).toBeUndefined();
    expect(store.stats()).toMatchObject({ sessions: 2, evicted: 1 });
    expect(store.stats().bytes).toBeLessThanOrEqual(1_000);
    // A save that shrinks a record frees its bytes.
    await store.set("b", { small: 1 }, MINUTE);
    expect(store.stats().bytes).toBe(one + 1 + JSON.stringify({ small: 1 }).length);
  });

  test("multi-byte characters count as their UTF-8 bytes", async () => {
    const store = new MemorySessionStore();
    await store.set("a", { s: "é€😀" }, MINUTE);
    expect(store.stats().bytes).toBe(1 + Buffer.byteLength(JSON.stringify({ s: "é€😀" })));
  });

  test("a record over maxRecordBytes, or one JSON cannot carry, is refused and the stored one kept", async () => {
    const store = new MemorySessionStore({ maxRecordBytes: 100 });
    await store.set("a", { n: 1 }, MINUTE);
    await expect(store.set("a", { big: "x".repeat(200) }, MINUTE)).rejects.toThrow(/over the store's maxRecordBytes/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(store.set("a", cyclic, MINUTE)).rejects.toThrow(TypeError);
    await expect(store.set("a", { n: 1n }, MINUTE)).rejects.toThrow(/not JSON-serialisable/);
    expect(await store.get("a")).toEqual({ n: 1 });
    expect(store.stats().refused).toBe(3);
  });

  test("a record bigger than the whole store is refused rather than kept over maxBytes", async () => {
    const store = new MemorySessionStore({ maxBytes: 50, maxRecordBytes: 1_000 });
    await expect(store.set("a", { big: "x".repeat(60) }, MINUTE)).rejects.toThrow(RangeError);
    expect(store.stats()).toMatchObject({ sessions: 0, bytes: 0 });
  });

  test("bounds that are not positive integers are refused at construction", () => {
    expect(() => new MemorySessionStore({ maxSessions: 0 })).toThrow(RangeError);
    expect(() => new MemorySessionStore({ maxBytes: 1.5 })).toThrow(RangeError);
    expect(() => new MemorySessionStore({ ttlMs: -1 })).toThrow(RangeError);
    expect(new MemorySessionStore({ ttlMs: MINUTE }).ttlMs).toBe(MINUTE);
    expect(new MemorySessionStore().ttlMs).toBeUndefined();
  });

  test("held in memory within both bounds whatever the traffic", async () => {
    const store = new MemorySessionStore({ maxSessions: 100, maxBytes: 10_000 });
    for (let i = 0; i < 5_000; i++) await store.set(`id${i}`, { i, pad: "p".repeat(i % 300) }, MINUTE);
    const stats = store.stats();
    expect(stats.sessions).toBeLessThanOrEqual(100);
    expect(stats.bytes).toBeLessThanOrEqual(10_000);
    expect(await store.get("id4999")).toMatchObject({ i: 4999 });
  });
});
