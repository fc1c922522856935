/**
 * ServiceFailure: the failure reply of a service call (SPEC §8.1, OSE's ServiceFailure), and the
 * failure codes the framework itself produces. The framework's codes sit in JSON-RPC 2.0's ranges
 * (-32601..-32603 standard, -32000..-32099 "server error") so the JSON-RPC gateway can pass them
 * through unchanged; a service chooses any other integer for its own failures.
 */

/** No service of that name is reachable (the gateway answers 404 before calling). */
export const NO_SUCH_SERVICE = -32001;
/** The service exists but exports no method of that name (JSON-RPC "method not found"). */
export const NO_SUCH_METHOD = -32601;
/** The parameters cannot be passed to the method (JSON-RPC "invalid params"). */
export const INVALID_PARAMS = -32602;
/** The method threw something other than a ServiceFailure (JSON-RPC "internal error"). */
export const INTERNAL_ERROR = -32603;
/** The call's timeout passed before the reply arrived. */
export const CALL_TIMED_OUT = -32002;
/** The caller's AbortSignal was aborted before the reply arrived. */
export const CALL_ABORTED = -32003;
/**
 * The call provably did not run, so it is safe to retry: it never left this process (the exchange
 * is not connected to NATS), NATS had no subscriber for it ("no responders"), or the instance
 * refused it (it was closing). The RPC gateway answers a single call failing so with 503.
 */
export const SERVICE_UNAVAILABLE = -32004;
/**
 * The instance that acknowledged the call went away before it replied: the call may have run,
 * wholly or in part. Not safe to retry blindly; the RPC gateway answers 502.
 */
export const INSTANCE_LOST = -32005;
/**
 * The call left this process but its outcome is unknown: it may have run. No instance had
 * acknowledged it when one that could have taken it went away, or this process lost its
 * connection to NATS (or closed its exchange) while the call was in flight. Not safe to retry
 * blindly; the RPC gateway answers 502.
 */
export const CALL_OUTCOME_UNKNOWN = -32006;

/** Origin of the failures the framework itself produces. */
export const FRAMEWORK_ORIGIN = "netsvc";

/** Fields of a failure as carried by the codecs. */
export interface FailureFields {
  error: number;
  description: string;
  origin: string;
  details: string;
}

/**
 * A failure reply. `error` is an integer code, `description` says what went wrong (never a stack),
 * `origin` names who failed (default ""), `details` carries anything else (default "").
 */
export class ServiceFailure extends Error {
  constructor(
    /** Integer failure code. */
    readonly error: number,
    /** What went wrong, for a human. */
    readonly description: string,
    /** Who failed (a service name, "netsvc" for the framework). Default "". */
    readonly origin = "",
    /** Further detail. Default "". */
    readonly details = "",
    /** Standard Error options: `cause` says what caused the failure (never sent by a codec). Default none. */
    options?: ErrorOptions,
  ) {
    super(description, options);
    this.name = "ServiceFailure";
  }

  /** The four fields, for a codec. */
  fields(): FailureFields {
    return { error: this.error, description: this.description, origin: this.origin, details: this.details };
  }

  /** Rebuilds a failure from a codec's fields. */
  static from(f: FailureFields): ServiceFailure {
    return new ServiceFailure(f.error, f.description, f.origin, f.details);
  }
}

/** A framework failure (origin "netsvc"). */
export function frameworkFailure(error: number, description: string, details = ""): ServiceFailure {
  return new ServiceFailure(error, description, FRAMEWORK_ORIGIN, details);
}
