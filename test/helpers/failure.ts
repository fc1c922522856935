/** The ServiceFailure a call rejects with (the test fails if it resolves, or rejects with anything else). */
import { expect } from "bun:test";
import { ServiceFailure } from "../../src/entry/services.ts";

/** Awaits `p`, expecting it to reject with a ServiceFailure; returns that failure. */
export async function failureOf(p: Promise<unknown>): Promise<ServiceFailure> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceFailure);
    return e as ServiceFailure;
  }
  throw new Error("the call did not fail");
}
