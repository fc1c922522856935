/** The error table: every E_* code has a status and a reason, and codes are distinct. */
import { expect, test } from "bun:test";
import * as errors from "../../src/parser/errors.ts";

test("every error code is in the table with a 4xx/5xx status and a reason", () => {
  const codes = Object.entries(errors).filter(([name]) => name.startsWith("E_")) as [string, number][];
  expect(codes.length).toBeGreaterThan(20);
  expect(new Set(codes.map(([, code]) => code)).size).toBe(codes.length);
  for (const [name, code] of codes) {
    expect({ name, status: errors.statusOf(code) >= 400 && errors.statusOf(code) < 600 }).toEqual({ name, status: true });
    expect(errors.reasonOf(code)).not.toBe("");
  }
  expect(errors.ERROR_COUNT).toBe(Math.max(...codes.map(([, code]) => -code)) + 1);
});
