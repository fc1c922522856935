import { expect, test } from "bun:test";
import { checkClosePayload, closeCode, closeReasonStart, isSendableCloseCode } from "../../../src/parser/ws/close-payload.ts";
import { E_WS_BAD_CLOSE_CODE, E_WS_CLOSE_ONE_BYTE, E_WS_CLOSE_REASON_UTF8, wsCloseCode } from "../../../src/parser/ws/errors.ts";

function payload(code: number | null, reason: number[] = []): Uint8Array {
  return Uint8Array.from(code === null ? reason : [code >>> 8, code & 0xff, ...reason]);
}

// Autobahn 7.7.x (valid) and 7.9.x (invalid) codes, with the edges of each range — except 1012–1014,
// registered with IANA since Autobahn's case was written (Service Restart, Try Again Later, Bad
// Gateway): valid here, as for Python's websockets, Node's ws and browsers.
const VALID = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
const INVALID = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

test("§7.4: codes that may be sent are accepted", () => {
  for (const code of VALID) {
    expect(isSendableCloseCode(code)).toBe(true);
    expect(checkClosePayload(payload(code), 0, 2)).toBe(0);
  }
});

test("§7.4: codes that may not be sent are 1002", () => {
  for (const code of INVALID) {
    expect(isSendableCloseCode(code)).toBe(false);
    expect(checkClosePayload(payload(code), 0, 2)).toBe(E_WS_BAD_CLOSE_CODE);
  }
  expect(wsCloseCode(E_WS_BAD_CLOSE_CODE)).toBe(1002);
});

test("§5.5.1: an empty payload is fine and reads as 1005", () => {
  expect(checkClosePayload(new Uint8Array(0), 0, 0)).toBe(0);
  expect(closeCode(new Uint8Array(0), 0, 0)).toBe(1005);
  expect(closeReasonStart(0, 0)).toBe(0);
});

test("§5.5.1: a 1-byte payload is 1002", () => {
  expect(checkClosePayload(Uint8Array.of(0x03), 0, 1)).toBe(E_WS_CLOSE_ONE_BYTE);
  expect(wsCloseCode(E_WS_CLOSE_ONE_BYTE)).toBe(1002);
});

test("a UTF-8 reason is accepted; an invalid one is 1007; the code and reason are read over offsets", () => {
  const reason = [...new TextEncoder().encode("bye κόσμε")];
  const good = payload(1000, reason);
  expect(checkClosePayload(good, 0, good.length)).toBe(0);
  expect(closeCode(good, 0, good.length)).toBe(1000);
  expect(closeReasonStart(0, good.length)).toBe(2);
  const bad = payload(1000, [0x41, 0xed, 0xa0, 0x80]);
  expect(checkClosePayload(bad, 0, bad.length)).toBe(E_WS_CLOSE_REASON_UTF8);
  expect(wsCloseCode(E_WS_CLOSE_REASON_UTF8)).toBe(1007);
  const cut = payload(3000, [0xe2, 0x82]);
  expect(checkClosePayload(cut, 0, cut.length)).toBe(E_WS_CLOSE_REASON_UTF8);
  // At an offset inside a larger buffer.
  const inside = Uint8Array.from([9, 9, ...good, 9]);
  expect(checkClosePayload(inside, 2, 2 + good.length)).toBe(0);
  expect(closeCode(inside, 2, 2 + good.length)).toBe(1000);
});
