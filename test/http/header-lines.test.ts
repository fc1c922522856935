/**
 * header-lines as a table: which response header lines a servlet may send, exactly as encoded,
 * which are a servlet's bug (response splitting, non-token names, a Content-Length that is not a
 * number: a TypeError naming the field, never echoing the value) and which the framework owns
 * (dropped: null).
 */
import { describe, expect, test } from "bun:test";
import { headerLine } from "../../src/http/header-lines.ts";

/** What headerLine gives: the line, null (a framework field, dropped), or a TypeError's expected text. */
type Outcome = string | null | { throws: RegExp };

const ROWS: [name: string, field: string, value: string | number, outcome: Outcome, contentLength?: number][] = [
  ["a plain field", "Content-Type", "text/plain", "Content-Type: text/plain\r\n"],
  ["a number value", "X-Count", 42, "X-Count: 42\r\n"],
  ["an empty value", "X-Empty", "", "X-Empty: \r\n"],
  ["token symbols in the name", "X-!#$%&'*+-.^_`|~", "v", "X-!#$%&'*+-.^_`|~: v\r\n"],
  ["tab and obs-text in the value", "X-Text", "a\tb\u00e9", "X-Text: a\tb\u00e9\r\n"],
  ["Content-Length", "Content-Length", 123, "Content-Length: 123\r\n", 123],
  ["Content-Length as text", "content-length", "7", "content-length: 7\r\n", 7],
  [
    "CR LF in the value (response splitting)",
    "X-A",
    "a\r\nInjected: 1",
    { throws: /^sendHeader\("X-A"\): the value has a CR \(U\+000D\) at index 1;/ },
  ],
  ["bare LF in the value", "X-A", "a\nb", { throws: /"X-A".*an LF \(U\+000A\) at index 1/ }],
  ["NUL in the value", "X-A", "a\u0000", { throws: /"X-A".*U\+0000 at index 1/ }],
  ["a character above latin1", "X-A", "\u2603", { throws: /"X-A".*U\+2603, above U\+00FF/ }],
  ["space in the name", "Bad Name", "x", { throws: /"Bad Name".*field name has U\+0020 at index 3/ }],
  ["colon in the name", "A:B", "x", { throws: /"A:B".*field name/ }],
  ["empty name", "", "x", { throws: /field name is empty/ }],
  ["Date is the framework's", "Date", "today", null],
  ["Server is the framework's", "server", "mine", null],
  ["Connection is the framework's", "CONNECTION", "keep-alive", null],
  ["Transfer-Encoding is the framework's", "Transfer-Encoding", "chunked", null],
  ["negative Content-Length", "Content-Length", "-1", { throws: /"Content-Length".*decimal integer/ }],
  ["non-digit Content-Length", "Content-Length", "1e3", { throws: /"Content-Length".*decimal integer/ }],
  ["a split value is never echoed in the error", "X-A", "x\r\nSet-Cookie: secret", { throws: /^(?!.*secret).*$/s }],
  ["a name with CR LF is quoted with its controls escaped", "X\r\nY", "v", { throws: /^sendHeader\("X\\r\\nY"\)/ }],
  ["a framework field with a split value is still a bug", "Connection", "close\r\nX: 1", { throws: /"Connection"/ }],
];

describe("header lines", () => {
  for (const [name, field, value, outcome, contentLength] of ROWS) {
    test(name, () => {
      // Twice: the second answer comes from the cache (or the check again) and must be the same.
      for (let i = 0; i < 2; i++) {
        if (outcome !== null && typeof outcome === "object") {
          expect(() => headerLine(field, value)).toThrow(TypeError);
          expect(() => headerLine(field, value)).toThrow(outcome.throws);
          continue;
        }
        const got = headerLine(field, value);
        if (outcome === null) {
          expect(got).toBeNull();
        } else {
          expect(Buffer.from(got!.bytes).toString("latin1")).toBe(outcome);
          expect(got!.contentLength).toBe(contentLength ?? -1);
        }
      }
    });
  }
});
