import { describe, expect, test } from "bun:test";
import * as h2 from "../../../src/parser/h2/errors.ts";

/** Every exported negative result of the frame layer, by name. */
const RESULTS = Object.entries(h2).filter(([name, v]) => typeof v === "number" && (name.startsWith("E_H2_") || name === "NOT_PREFACE")) as [
  string,
  number,
][];

describe("the HTTP/2 error table", () => {
  test("every result is a distinct negative below INCOMPLETE with a reason of its own", () => {
    expect(RESULTS.length).toBeGreaterThanOrEqual(18);
    const codes = RESULTS.map(([, v]) => v);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, v] of RESULTS) {
      expect([name, v < h2.INCOMPLETE && -v < h2.H2_RESULT_COUNT]).toEqual([name, true]);
      expect([name, h2.h2ErrorReason(v)]).not.toEqual([name, "unknown"]);
    }
    expect(new Set(RESULTS.map(([, v]) => h2.h2ErrorReason(v))).size).toBe(RESULTS.length);
  });

  // RFC 9113: the stream errors are exactly these three (§6.3 PRIORITY length, §5.3.1 self-dependency,
  // §6.9 zero increment on a stream); everything else the frame layer finds ends the connection.
  test("scope: the three stream errors of §5.3.1, §6.3, §6.9; the rest connection errors", () => {
    const streamErrors = RESULTS.filter(([, v]) => h2.isStreamError(v)).map(([name]) => name);
    expect(streamErrors.sort()).toEqual(["E_H2_BAD_PRIORITY_LENGTH", "E_H2_SELF_DEPENDENCY", "E_H2_ZERO_WINDOW_INCREMENT"]);
  });

  test("§7 codes: settings out of range per §6.5.2, sizes FRAME_SIZE_ERROR per §4.2", () => {
    expect(h2.h2ErrorCode(h2.E_H2_INITIAL_WINDOW_TOO_LARGE)).toBe(h2.FLOW_CONTROL_ERROR);
    expect(h2.h2ErrorCode(h2.E_H2_BAD_MAX_FRAME_SIZE)).toBe(h2.PROTOCOL_ERROR);
    expect(h2.h2ErrorCode(h2.E_H2_BAD_ENABLE_PUSH)).toBe(h2.PROTOCOL_ERROR);
    for (const e of [
      h2.E_H2_FRAME_TOO_LARGE,
      h2.E_H2_FRAME_TOO_SHORT,
      h2.E_H2_BAD_PING_LENGTH,
      h2.E_H2_BAD_PRIORITY_LENGTH,
      h2.E_H2_BAD_SETTINGS_LENGTH,
    ]) {
      expect(h2.h2ErrorCode(e)).toBe(h2.FRAME_SIZE_ERROR);
    }
    expect(h2.h2ErrorCode(h2.NOT_PREFACE)).toBe(h2.PROTOCOL_ERROR);
  });

  test("unknown results: a connection INTERNAL_ERROR, reason unknown", () => {
    for (const v of [-1000, h2.H2_RESULT_COUNT * -1, 0, 5]) {
      expect(h2.isStreamError(v)).toBe(false);
      expect(h2.h2ErrorReason(v)).toBe("unknown");
    }
    expect(h2.h2ErrorCode(-1000)).toBe(h2.INTERNAL_ERROR);
  });

  test("§7 names for logs", () => {
    expect(h2.h2ErrorCodeName(h2.NO_ERROR)).toBe("NO_ERROR");
    expect(h2.h2ErrorCodeName(h2.HTTP_1_1_REQUIRED)).toBe("HTTP_1_1_REQUIRED");
    expect(h2.h2ErrorCodeName(0xe)).toBe("0xe");
  });
});
