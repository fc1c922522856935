/**
 * What a service method can learn about the call it is serving (SPEC §8.1): opted into per method
 * with `exportMethod(fn, name, { context: true })`, which passes a CallContext as the first
 * argument, before the call's parameters (a fixed place: the caller chooses how many parameters
 * it sends, so a place after them would be the caller's to move). Methods that do not opt in get nothing extra and cost nothing extra.
 */
import type { Caller } from "./caller.ts";

/** The call a method is serving (the first argument of methods exported with `context: true`). */
export interface CallContext {
  /**
   * Aborts when the call's outcome no longer matters: the caller's AbortSignal aborted (for the
   * RpcGateway: the HTTP client went away), the call's timeout passed, or — over NATS — the
   * caller sent a cancel or its process went away (closed, or silent for
   * EXCHANGE_DEAD_AFTER_MS). `signal.reason` is the ServiceFailure the caller saw (CALL_ABORTED
   * or CALL_TIMED_OUT). It never aborts once the method's reply was delivered, nor for a method
   * that answered synchronously.
   */
  readonly signal: AbortSignal;
  /**
   * Who called (SPEC §10; OSE's REMOTE_ADDR and REMOTE_USER): `{ via: "local" }` for code in
   * this process, `{ via: "http", address, user? }` through an RpcGateway (the HTTP client's
   * address after trustProxy, the user its server object authenticated), `{ via: "bus",
   * address?, user? }` from another process (what that process knew of its caller). Frozen. The
   * bus is trusted to carry it: see caller-fields.ts.
   */
  readonly caller: Caller;
}

/** Options of Service.exportMethod. */
export interface ExportOptions {
  /** Pass a CallContext as the first argument. Default false (the method gets the parameters only). */
  context?: boolean;
  /**
   * What the method does, for a human: XML-RPC's `system.methodHelp` answers it (RpcGateway).
   * Default "" (no description). Never sent with calls, never announced on the bus.
   */
  description?: string;
}

/** @internal an exported method as the registry runs it. */
export interface ExportedMethod {
  /** The function, bound to its service. */
  readonly fn: (...args: unknown[]) => unknown;
  /** True: it takes a CallContext before the parameters. */
  readonly context: boolean;
  /** ExportOptions.description ("" when none). */
  readonly description: string;
}
