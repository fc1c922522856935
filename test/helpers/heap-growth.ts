/**
 * Heap growth per call, measured as the parser benchmark does (bench/parser/worker.ts): JSC heap
 * capacity after a full collection, before and after `calls` calls, best of three rounds, after
 * a warm-up so the JIT's own allocations are done. A 16 KiB heap block over `calls` is the
 * resolution: pick `calls` so that is well under the bound asserted.
 */
import { heapStats } from "bun:jsc";

/** Calls made before measuring. */
const WARM_UP_CALLS = 200;
const ROUNDS = 3;

/** Smallest heap growth per call over three rounds of `calls` calls of `fn` (bytes). */
export function heapGrowthPerCall(fn: () => unknown, calls: number): number {
  for (let i = 0; i < WARM_UP_CALLS; i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    Bun.gc(true);
    const before = heapStats().heapCapacity;
    for (let i = 0; i < calls; i++) fn();
    best = Math.min(best, (heapStats().heapCapacity - before) / calls);
  }
  return best;
}
