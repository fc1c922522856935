/**
 * Bounded retries for conditions no event announces (a NATS membership spreading, a client
 * reconnecting, a line appearing in a file another process writes): try, and if the answer is
 * not there yet, try again a moment later, until a deadline. Every wait here is for a condition,
 * never a fixed sleep.
 */

/** Pause between attempts (ms): long enough not to spin, short next to any deadline used. */
const RETRY_MS = 50;

const later = () => new Promise<void>((resolve) => setTimeout(resolve, RETRY_MS));

/** Resolves with the first attempt that does not throw; rethrows the last failure after `ms`. */
export async function eventually<T>(attempt: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await later();
    }
  }
}

/** Resolves with the first value `read()` gives other than undefined, or undefined after `ms`. */
export async function firstValue<T>(read: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined || Date.now() > deadline) return value;
    await later();
  }
}
