/**
 * CallOutcomes: how the calls made through a registry ended — answered, or failed with which
 * failure code (SPEC §8.2: the framework's own, or a service's) — for the metrics page (SPEC §14).
 * Counted where the call's answer reaches its caller; numbers only, nothing kept per call.
 */
import {
  CALL_ABORTED,
  CALL_OUTCOME_UNKNOWN,
  CALL_TIMED_OUT,
  INSTANCE_LOST,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  NO_SUCH_METHOD,
  NO_SUCH_SERVICE,
  SERVICE_UNAVAILABLE,
  ServiceFailure,
} from "./service-failure.ts";

/** The framework's failure codes by the outcome they are reported as; any other code is a service's own ("failed"). */
const FRAMEWORK_OUTCOMES = new Map<number, string>([
  [CALL_TIMED_OUT, "timed_out"],
  [CALL_ABORTED, "aborted"],
  [SERVICE_UNAVAILABLE, "unavailable"],
  [NO_SUCH_SERVICE, "no_such_service"],
  [NO_SUCH_METHOD, "no_such_method"],
  [INVALID_PARAMS, "invalid_params"],
  [INTERNAL_ERROR, "internal_error"],
  [INSTANCE_LOST, "instance_lost"],
  [CALL_OUTCOME_UNKNOWN, "outcome_unknown"],
]);

/** Counts of call outcomes (see the file comment). */
export class CallOutcomes {
  /** Calls answered with a value. */
  ok = 0;
  private readonly byOutcome = new Map<string, number>();

  /** A call's promise resolved (bound once: passed to then() per call without a closure). */
  readonly succeeded = (): void => {
    this.ok++;
  };

  /** A call failed with `e` (a ServiceFailure; anything else counts as an internal error). Bound once. */
  readonly failed = (e: unknown): void => {
    const code = e instanceof ServiceFailure ? e.error : INTERNAL_ERROR;
    const outcome = FRAMEWORK_OUTCOMES.get(code) ?? "failed";
    this.byOutcome.set(outcome, (this.byOutcome.get(outcome) ?? 0) + 1);
  };

  /** Every outcome with its count: "ok", then the failures seen ("failed" is a service's own failure). */
  counts(): [string, number][] {
    return [["ok", this.ok], ...[...this.byOutcome].sort((a, b) => a[0].localeCompare(b[0]))];
  }
}
