/**
 * The values a service call carries (SPEC §8.1): JSON values plus Uint8Array and Date. Codecs
 * without those types (JSON-RPC, the NATS wire format) tag them as one-key objects:
 * `{"$base64": "…"}` and `{"$date": "ISO 8601"}`. An object that has exactly one of those keys and
 * nothing else therefore cannot be sent as a plain object; that is the price of the convention.
 */

import { VALUE_MAX_DEPTH } from "./limits.ts";
import { INTERNAL_ERROR, INVALID_PARAMS, frameworkFailure } from "./service-failure.ts";

/** A value a service method receives or returns. */
export type ServiceValue = null | boolean | number | string | Uint8Array | Date | ServiceValue[] | { [key: string]: ServiceValue };

/** Key of a tagged byte string. */
export const BASE64_TAG = "$base64";
/** Key of a tagged date. */
export const DATE_TAG = "$date";

/**
 * Replaces Uint8Array and Date by their tags, recursively (for JSON.stringify). `undefined` → null.
 * Deeper than VALUE_MAX_DEPTH: a ServiceFailure (INTERNAL_ERROR: the result cannot be sent).
 */
export function toTagged(v: unknown, depth = 0): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== "object") return v;
  if (depth >= VALUE_MAX_DEPTH) throw frameworkFailure(INTERNAL_ERROR, `value nested deeper than ${VALUE_MAX_DEPTH} levels`);
  if (v instanceof Uint8Array) return { [BASE64_TAG]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (v instanceof Date) return { [DATE_TAG]: v.toISOString() };
  if (Array.isArray(v)) return v.map((x) => toTagged(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined && typeof x !== "function") defineValue(out, k, toTagged(x, depth + 1));
  }
  return out;
}

/** Whether `v` holds nothing that needs a tag (the common case: skip the copy). Too deep: false. */
function isPlain(v: unknown, depth = 0): boolean {
  if (v === null || typeof v !== "object") return v !== undefined;
  if (depth >= VALUE_MAX_DEPTH) return false; // toTagged refuses it
  if (Array.isArray(v)) {
    for (const x of v) if (!isPlain(x, depth + 1)) return false;
    return true;
  }
  if (v instanceof Uint8Array || v instanceof Date) return false;
  for (const k in v) if (!isPlain((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/** JSON text of a value, with tags where needed. */
export function stringifyValue(v: unknown): string {
  return JSON.stringify(isPlain(v) ? v : toTagged(v));
}

/**
 * Replaces tags by Uint8Array and Date, recursively, in place where possible. A value nested
 * deeper than VALUE_MAX_DEPTH throws a ServiceFailure (INVALID_PARAMS) instead of exhausting the
 * stack: its input comes from the network.
 */
export function fromTagged(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== "object") return v;
  if (depth >= VALUE_MAX_DEPTH) throw frameworkFailure(INVALID_PARAMS, `value nested deeper than ${VALUE_MAX_DEPTH} levels`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = fromTagged(v[i], depth + 1);
    return v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const k = keys[0]!;
    const x = o[k];
    if (k === BASE64_TAG && typeof x === "string") return new Uint8Array(Buffer.from(x, "base64"));
    if (k === DATE_TAG && typeof x === "string") {
      const d = new Date(x);
      if (!Number.isNaN(d.getTime())) return d;
    }
  }
  for (const k of keys) {
    const x = o[k];
    const y = fromTagged(x, depth + 1);
    if (y !== x) defineValue(o, k, y);
  }
  return o;
}

/**
 * Sets an own, plain data property. Plain assignment would run the `__proto__` setter for a key
 * of that name (which JSON.parse makes an own property) and swap the object's prototype.
 */
function defineValue(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}
