/** BytesMap: keys are byte spans of any buffer, copied when set, compared byte by byte. */
import { describe, expect, test } from "bun:test";
import { BytesMap } from "../../src/servers/bytes-map.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");

describe("BytesMap", () => {
  test("finds a key by a span at any offset of any buffer, and only that key", () => {
    const m = new BytesMap<number>();
    // 100 000 keys: enough that some share a 32-bit hash (this set has two such pairs under FNV-1a),
    // so keys that collide must still be told apart byte by byte.
    const keys = Array.from({ length: 100_000 }, (_, i) => `path/${i}/file-${i * 7}.txt`);
    for (const [i, k] of keys.entries()) m.set(bytes(k), 0, k.length, i);
    expect(m.size).toBe(keys.length);
    keys.forEach((k, i) => {
      const framed = bytes(`GET /${k} HTTP/1.1`);
      expect(m.get(framed, 5, 5 + k.length)).toBe(i);
      expect(m.get(framed, 5, 4 + k.length)).toBeUndefined(); // a prefix is another key
    });
    expect(m.get(bytes(""), 0, 0)).toBeUndefined();
  });

  test("set copies the key: reusing the source buffer changes nothing", () => {
    const m = new BytesMap<string>();
    const buf = bytes("hello.txt");
    m.set(buf, 0, buf.length, "kept");
    buf.fill(0x78); // the request buffer is reused for the next request
    expect(m.get(bytes("hello.txt"), 0, 9)).toBe("kept");
    expect(m.get(buf, 0, buf.length)).toBeUndefined();
  });

  test("set replaces, delete removes, clear empties", () => {
    const m = new BytesMap<number>();
    m.set(bytes("a"), 0, 1, 1);
    m.set(bytes("a"), 0, 1, 2);
    m.set(bytes("b"), 0, 1, 3);
    expect([m.size, m.get(bytes("a"), 0, 1)]).toEqual([2, 2]);
    expect(m.delete(bytes("a"), 0, 1)).toBe(true);
    expect(m.delete(bytes("a"), 0, 1)).toBe(false);
    expect([m.size, m.get(bytes("a"), 0, 1), m.get(bytes("b"), 0, 1)]).toEqual([1, undefined, 3]);
    m.clear();
    expect([m.size, m.get(bytes("b"), 0, 1)]).toEqual([0, undefined]);
  });
});
