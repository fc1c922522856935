import { expect, test } from "bun:test";
import * as errors from "../../../src/parser/ws/errors.ts";
import { WS_RESULT_COUNT, wsCloseCode, wsErrorReason } from "../../../src/parser/ws/errors.ts";

const results = Object.entries(errors).filter(([name]) => name.startsWith("E_WS_")) as [string, number][];

test("every E_WS_ result is a distinct small negative integer with a close code and a reason in the one table", () => {
  expect(results.length).toBe(WS_RESULT_COUNT - 2);
  expect(new Set(results.map(([, v]) => v)).size).toBe(results.length);
  for (const [, value] of results) {
    expect(value).toBeLessThan(-1);
    expect(-value).toBeLessThan(WS_RESULT_COUNT);
    expect([1002, 1007, 1009]).toContain(wsCloseCode(value));
    expect(wsErrorReason(value)).not.toBe("unknown");
  }
});

test("close codes by kind: UTF-8 → 1007, sizes → 1009, the rest → 1002; unknown numbers → 1011", () => {
  expect(wsCloseCode(errors.E_WS_INVALID_UTF8)).toBe(1007);
  expect(wsCloseCode(errors.E_WS_CLOSE_REASON_UTF8)).toBe(1007);
  expect(wsCloseCode(errors.E_WS_INFLATE_FAILED)).toBe(1007);
  expect(wsCloseCode(errors.E_WS_FRAME_TOO_BIG)).toBe(1009);
  expect(wsCloseCode(errors.E_WS_MESSAGE_TOO_BIG)).toBe(1009);
  expect(wsCloseCode(errors.E_WS_INFLATE_TOO_BIG)).toBe(1009);
  expect(wsCloseCode(errors.E_WS_UNMASKED)).toBe(1002);
  for (const n of [0, -1, 5, -WS_RESULT_COUNT, -1000]) {
    expect(wsCloseCode(n)).toBe(1011);
    expect(wsErrorReason(n)).toBe("unknown");
  }
});
