/**
 * OutputQueue on its own, against a socket that takes what it is told to take: the bytes that
 * reach the socket are exactly the bytes appended, in order, whatever the partial writes, the
 * growth and the string encodings.
 */
import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { BufferPool } from "../../src/daemon/buffer-pool.ts";
import { OutputQueue } from "../../src/daemon/output.ts";

/** A socket that accepts at most `take` bytes per write (all when take is Infinity). */
function fakeSocket(take = Infinity) {
  const written: number[] = [];
  const socket = {
    take,
    write(buf: Uint8Array, offset: number, length: number): number {
      const n = Math.min(length, this.take);
      for (let i = 0; i < n; i++) written.push(buf[offset + i]!);
      return n;
    },
  };
  return { socket: socket as unknown as Socket<unknown> & { take: number }, written };
}

const utf8 = (s: string) => [...Buffer.from(s, "utf8")];

describe("OutputQueue", () => {
  test("strings around the hand-copied length and with non-ASCII anywhere encode as UTF-8", () => {
    const strings = [
      "",
      "a",
      "x".repeat(63),
      "x".repeat(64),
      "x".repeat(65),
      "x".repeat(63) + "é", // non-ASCII as the 64th character: the hand copy gives way
      "é" + "x".repeat(10),
      "ok \u{1F600} done",
      "\u00ff".repeat(70),
    ];
    for (const s of strings) {
      const q = new OutputQueue(1 << 20);
      const { socket, written } = fakeSocket();
      q.append(Buffer.from("<"));
      const n = q.appendUtf8(s);
      q.append(Buffer.from(">"));
      expect(n).toBe(Buffer.byteLength(s));
      expect(q.flush(socket)).toBe(true);
      expect(written).toEqual([0x3c, ...utf8(s), 0x3e]);
    }
  });

  test("a long string reserves its exact UTF-8 size, not three bytes per character", () => {
    class RecordingPool extends BufferPool {
      readonly asked: number[] = [];
      override takeAtLeast(bytes: number): Buffer {
        this.asked.push(bytes);
        return super.takeAtLeast(bytes);
      }
    }
    const pool = new RecordingPool(1024);
    const q = new OutputQueue(1 << 20, pool);
    const { socket, written } = fakeSocket();
    const ascii = "x".repeat(600); // 1,800 bytes in the worst case: more than the buffer
    expect(q.appendUtf8(ascii)).toBe(600);
    expect(pool.asked).toEqual([]); // it fitted: no grown buffer
    const wide = "é".repeat(600); // 1,200 bytes after 600: one growth, by doubling (not to 2,400)
    expect(q.appendUtf8(wide)).toBe(1200);
    expect(pool.asked).toEqual([2048]);
    expect(q.flush(socket)).toBe(true);
    expect(written).toEqual([...utf8(ascii), ...utf8(wide)]);
  });

  test("dropTail takes back the end of what was appended", () => {
    const q = new OutputQueue(1 << 20);
    const { socket, written } = fakeSocket();
    q.appendUtf8("hello, world");
    q.dropTail(7);
    q.appendLatin1("!");
    q.flush(socket);
    expect(Buffer.from(written).toString("latin1")).toBe("hello!");
  });

  test("partial writes keep the rest, growth keeps the order, congestion follows the mark", () => {
    const q = new OutputQueue(100);
    const { socket, written } = fakeSocket(7);
    const expected: number[] = [];
    for (let i = 0; i < 50; i++) {
      const piece = Buffer.alloc(13 + i, 0x61 + (i % 26));
      q.append(piece, 3, piece.length); // a piece of a larger array
      expected.push(...piece.subarray(3));
      if (i % 5 === 0) q.flush(socket); // takes only 7 bytes each time
    }
    expect(q.isCongested()).toBe(true);
    socket.take = Infinity;
    expect(q.flush(socket)).toBe(true);
    expect(q.isCongested()).toBe(false);
    expect(written).toEqual(expected);
    expect(q.written).toBe(expected.length);
  });

  test("rollback drops an unwritten response, and refuses once part of it is on the socket", () => {
    const q = new OutputQueue(1 << 20);
    const { socket, written } = fakeSocket(4);
    q.appendLatin1("keep");
    const mark = q.mark();
    q.appendLatin1("drop me");
    expect(q.rollback(mark)).toBe(true);
    q.appendLatin1("-next");
    q.flush(socket); // "keep" goes out
    expect(q.rollback(mark)).toBe(true); // "-next" is still all queued
    q.appendLatin1("+again");
    q.flush(socket); // "+aga" goes out
    expect(q.rollback(mark)).toBe(false); // part of the response reached the socket
    socket.take = Infinity;
    q.flush(socket);
    expect(Buffer.from(written).toString("latin1")).toBe("keep+again");
  });
});
