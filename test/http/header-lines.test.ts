/**
 * header-lines as a table: which response header lines a servlet may send, exactly as encoded,
 * and which are refused (response splitting, non-token names, framework-owned fields).
 */
import { describe, expect, test } from "bun:test";
import { headerLine } from "../../src/http/header-lines.ts";

const ROWS: [name: string, field: string, value: string | number, line: string | null, contentLength?: number][] = [
  ["a plain field", "Content-Type", "text/plain", "Content-Type: text/plain\r\n"],
  ["a number value", "X-Count", 42, "X-Count: 42\r\n"],
  ["an empty value", "X-Empty", "", "X-Empty: \r\n"],
  ["token symbols in the name", "X-!#$%&'*+-.^_`|~", "v", "X-!#$%&'*+-.^_`|~: v\r\n"],
  ["tab and obs-text in the value", "X-Text", "a\tb\u00e9", "X-Text: a\tb\u00e9\r\n"],
  ["Content-Length", "Content-Length", 123, "Content-Length: 123\r\n", 123],
  ["Content-Length as text", "content-length", "7", "content-length: 7\r\n", 7],
  ["CR LF in the value (response splitting)", "X-A", "a\r\nInjected: 1", null],
  ["bare LF in the value", "X-A", "a\nb", null],
  ["NUL in the value", "X-A", "a\u0000", null],
  ["a character above latin1", "X-A", "\u2603", null],
  ["space in the name", "Bad Name", "x", null],
  ["colon in the name", "A:B", "x", null],
  ["empty name", "", "x", null],
  ["Date is the framework's", "Date", "today", null],
  ["Server is the framework's", "server", "mine", null],
  ["Connection is the framework's", "CONNECTION", "keep-alive", null],
  ["Transfer-Encoding is the framework's", "Transfer-Encoding", "chunked", null],
  ["negative Content-Length", "Content-Length", "-1", null],
  ["non-digit Content-Length", "Content-Length", "1e3", null],
];

describe("header lines", () => {
  for (const [name, field, value, line, contentLength] of ROWS) {
    test(name, () => {
      // Twice: the second answer comes from the cache and must be the same.
      for (let i = 0; i < 2; i++) {
        const got = headerLine(field, value);
        if (line === null) {
          expect(got).toBeNull();
        } else {
          expect(Buffer.from(got!.bytes).toString("latin1")).toBe(line);
          expect(got!.contentLength).toBe(contentLength ?? -1);
        }
      }
    });
  }
});
