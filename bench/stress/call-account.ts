/**
 * The exactly-once account of the bus probes (nats-kill, nats-cluster-kill): what each call
 * through the gateway was told, checked against what the serving processes recorded running
 * (test/fixtures/recording-host.ts writes every call id before running it).
 */

/**
 * What a call was told: answered (200 with its own id), unavailable (503 / 404: it did not run),
 * unknown (502, or timed out: it may have run), or unaccounted (anything else, or no answer).
 */
export type CallOutcome = "answered" | "unavailable" | "unknown" | "unaccounted";

/** Every call, counted once by what it was told, and against the records. */
export interface CallAccount {
  calls: number;
  /** Ids the serving processes recorded (a call that ran twice would be there twice). */
  ran: number;
  answered: number;
  unavailable: number;
  unknown: number;
  /** Calls reported unavailable (503 / 404) that ran: the goal is 0. */
  unavailableThatRan: number;
  /** Calls of unknown outcome that ran (their answer was lost). */
  unknownThatRan: number;
  /** 200 without the call's own result or for a call that did not run, another status, or no answer in time. */
  unaccounted: number;
  /** Ids recorded more than once, or recorded but never asked for. */
  ranTwiceOrUnasked: number;
}

/** Accounts `outcomes` (call id → what it was told) against `ranList` (the ids recorded, in any order). */
export function accountCalls(outcomes: ReadonlyMap<string, CallOutcome>, ranList: readonly string[]): CallAccount {
  const ran = new Set(ranList);
  const a: CallAccount = {
    calls: outcomes.size,
    ran: ranList.length,
    answered: 0,
    unavailable: 0,
    unknown: 0,
    unavailableThatRan: 0,
    unknownThatRan: 0,
    unaccounted: 0,
    ranTwiceOrUnasked: ranList.length - ran.size + [...ran].filter((id) => !outcomes.has(id)).length,
  };
  for (const [id, got] of outcomes) {
    const o = got === "answered" && !ran.has(id) ? "unaccounted" : got; // an answer for a call that did not run
    a[o]++;
    if (o === "unavailable" && ran.has(id)) a.unavailableThatRan++;
    if (o === "unknown" && ran.has(id)) a.unknownThatRan++;
  }
  return a;
}

/**
 * The ways `a` breaks exactly-once, each a count that must be 0: unaccounted calls, ids run
 * twice or unasked, calls reported unavailable that ran, and calls whose outcomes and records
 * do not add up (every call told once; every recorded run answered or of unknown outcome).
 */
export function accountBreaks(a: CallAccount) {
  return {
    unaccounted: a.unaccounted,
    ranTwiceOrUnasked: a.ranTwiceOrUnasked,
    unavailableThatRan: a.unavailableThatRan,
    toldNotOnce: a.calls - (a.answered + a.unavailable + a.unknown),
    ranNotTold: a.ran - (a.answered + a.unknownThatRan),
  };
}

/** accountBreaks() of an account that holds: every count 0. */
export const ACCOUNT_KEPT: ReturnType<typeof accountBreaks> = {
  unaccounted: 0,
  ranTwiceOrUnasked: 0,
  unavailableThatRan: 0,
  toldNotOnce: 0,
  ranNotTold: 0,
};
