/** Time helpers shared by the harness and its targets. */

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one host. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`: pacing of load generators only, never synchronisation. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `check` every `everyMs` until it returns true or `limitMs` passed; resolves to whether it
 * became true. The harness waits on server state this way (the state lives in another process).
 */
export async function waitFor(check: () => boolean | Promise<boolean>, limitMs: number, everyMs = 100): Promise<boolean> {
  const end = performance.now() + limitMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= end) return false;
    await pause(everyMs);
  }
}
