/**
 * Copies `src[s..e)` to `dst` at `at` and returns the offset after it. A loop, not
 * `dst.set(src.subarray(s, e))`: subarray makes a view object per call, and header names and
 * values are short. `src` and `dst` must not be the same buffer. Hot path: no allocation.
 */
export function copyBytes(src: Uint8Array, s: number, e: number, dst: Uint8Array, at: number): number {
  for (let p = s; p < e; p++) dst[at++] = src[p]!;
  return at;
}
