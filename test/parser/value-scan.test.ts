/**
 * The WebAssembly value scan (src/parser/value-scan.ts) against the byte table it replaces: every
 * byte value at every offset of a long value, values longer than the copy window, heads that
 * interleave in the shared scratch memory, a buffer refilled between calls, and the whole head
 * table replayed with the JavaScript scan.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CR,
  E_BAD_HEADER_VALUE,
  E_BARE_CR,
  E_BARE_LF,
  FIELD_VALUE,
  INCOMPLETE,
  LF,
  RequestHead,
  headerValue,
  parseHead,
} from "../../src/parser/index.ts";
import { SCAN_WINDOW, setSimdValueScan, simdValueScan } from "../../src/parser/value-scan.ts";
import { HEAD_CASES } from "./head-cases.ts";
import { bytes, everyWay, type HeadOutcome } from "./replay.ts";

const PREFIX = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: ";
const SUFFIX = "\r\n\r\n";

/** parseHead over `data` whole: the result code and, when complete, the X-Long value. */
function parseOnce(data: Uint8Array): { result: number; value?: string } {
  const head = new RequestHead();
  head.reset();
  const result = parseHead(data, 0, data.length, head);
  return result > 0 ? { result, value: headerValue(head, data, 1) } : { result };
}

/** The X-Long head with `value`, and byte `b` written at `at` inside the value. */
function longHead(value: string, at = -1, b = 0): Uint8Array {
  const data = bytes(PREFIX + value + SUFFIX);
  if (at >= 0) data[PREFIX.length + at] = b;
  return data;
}

/** What the table says parseHead must answer for byte `b` inside a value (and not at its end). */
function expectedFor(b: number, value: string, at: number): { result: number; value?: string } {
  if (FIELD_VALUE[b] === 1) {
    const v = value.slice(0, at) + String.fromCharCode(b) + value.slice(at + 1);
    return { result: PREFIX.length + value.length + SUFFIX.length, value: v.replace(/^[ \t]+|[ \t]+$/g, "") };
  }
  if (b === LF) return { result: E_BARE_LF };
  if (b === CR) return { result: E_BARE_CR }; // CR followed by a value byte (or a second CR)
  return { result: E_BAD_HEADER_VALUE };
}

/** Runs `body` with the JavaScript scan, restoring the WebAssembly one after. */
function withTableScan<T>(body: () => T): T {
  setSimdValueScan(false);
  try {
    return body();
  } finally {
    setSimdValueScan(true);
  }
}

describe("value scan", () => {
  test("the WebAssembly SIMD scan is what parseHead uses here", () => {
    // Bun's JavaScriptCore runs WebAssembly SIMD on x86-64 and ARM64; without it every figure of
    // the parser benchmark would be the fallback's, so this must not pass silently.
    expect(simdValueScan()).toBe(true);
  });

  test("every byte value at every offset of values of 1 to 48 bytes: as the table says, both scans", () => {
    let checked = 0;
    for (let length = 1; length <= 48; length++) {
      const value = "abcdefghijklmnopqrstuvwxyz0123456789-_.;=,/ABCDEFGH".slice(0, length);
      for (let at = 0; at < length; at++) {
        for (let b = 0; b < 256; b++) {
          const data = longHead(value, at, b);
          const expected = expectedFor(b, value, at);
          const simd = parseOnce(data);
          const table = withTableScan(() => parseOnce(data));
          if (!Bun.deepEquals(simd, expected) || !Bun.deepEquals(table, expected)) {
            throw new Error(
              `length ${length}, byte 0x${b.toString(16)} at ${at}: simd ${JSON.stringify(simd)}, table ${JSON.stringify(table)}, expected ${JSON.stringify(expected)}`,
            );
          }
          checked++;
        }
      }
    }
    expect(checked).toBe((256 * 48 * 49) / 2); // 256 bytes × (1 + 2 + … + 48) offsets
  });

  test("values longer than the copy window: a bad byte next to every window edge is found", () => {
    const value = "v".repeat(3 * SCAN_WINDOW + 100);
    const ok = parseOnce(longHead(value));
    expect(ok.value).toBe(value);
    // Windows start at the value's first byte.
    for (let edge = 0; edge < value.length; edge += SCAN_WINDOW) {
      for (const at of [edge - 17, edge - 16, edge - 1, edge, edge + 1, edge + 15, edge + 16]) {
        if (at < 0 || at >= value.length - 1) continue;
        expect(parseOnce(longHead(value, at, 0x01)).result).toBe(E_BAD_HEADER_VALUE);
        expect(parseOnce(longHead(value, at, 0x7f)).result).toBe(E_BAD_HEADER_VALUE);
      }
    }
  });

  test("a long value across windows, whole, split at every byte boundary and byte by byte", () => {
    const value = Array.from({ length: SCAN_WINDOW + 300 }, (_, i) => String.fromCharCode(0x21 + (i % 94))).join("");
    const results = everyWay(longHead(value));
    const whole = results[0]!.outcome as Extract<HeadOutcome, { consumed: number }>;
    expect(whole.headers[1]).toEqual(["X-Long", value]);
    for (const { way, outcome } of results) {
      if (!Bun.deepEquals(outcome, whole)) throw new Error(`${way} differs from whole`);
    }
  });

  test("two heads interleaving in the scratch memory each see their own bytes", () => {
    const a = longHead("a".repeat(300));
    const b = longHead("b".repeat(40) + "\x01" + "b".repeat(40));
    const headA = new RequestHead();
    const headB = new RequestHead();
    headA.reset();
    headB.reset();
    const cut = PREFIX.length + 150;
    expect(parseHead(a, 0, cut, headA)).toBe(INCOMPLETE);
    expect(parseHead(b, 0, b.length, headB)).toBe(E_BAD_HEADER_VALUE);
    expect(parseHead(a, 0, a.length, headA)).toBe(a.length);
    expect(headerValue(headA, a, 1)).toBe("a".repeat(300));
  });

  test("a buffer refilled in place between calls: bytes past the first `end` are read fresh", () => {
    const final = longHead("x".repeat(200));
    const buf = new Uint8Array(final.length).fill(0x01); // control bytes where the rest will go
    const cut = PREFIX.length + 100;
    buf.set(final.subarray(0, cut), 0);
    const head = new RequestHead();
    head.reset();
    expect(parseHead(buf, 0, cut, head)).toBe(INCOMPLETE);
    buf.set(final.subarray(cut), cut);
    expect(parseHead(buf, 0, buf.length, head)).toBe(final.length);
    expect(headerValue(head, buf, 1)).toBe("x".repeat(200));
  });
});

describe("parseHead table with the JavaScript scan: whole, split at every boundary, byte by byte", () => {
  beforeAll(() => setSimdValueScan(false));
  afterAll(() => setSimdValueScan(true));

  test("the JavaScript scan is in use", () => {
    expect(simdValueScan()).toBe(false);
  });

  for (const row of HEAD_CASES) {
    test(row.name, () => {
      const results = everyWay(bytes(row.input), row.limits);
      const whole = results[0]!.outcome;
      if ("error" in row.expect) expect(whole).toEqual({ error: row.expect.error });
      else expect(whole).toMatchObject(row.expect);
      for (const { way, outcome } of results) {
        if (!Bun.deepEquals(outcome, whole)) throw new Error(`${way}: ${JSON.stringify(outcome)} differs from whole`);
      }
    });
  }
});
