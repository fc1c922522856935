/**
 * Who called (SPEC §10, OSE's REMOTE_ADDR and REMOTE_USER): `CallContext.caller`. How it crosses
 * the bus is caller-fields.ts's (NATS headers), so that this module — which every process with a
 * service registry loads, the daemon's included — does not load the NATS client.
 */

/**
 * Who made a call, as the method serving it sees it (CallContext.caller). Frozen.
 * - `{ via: "local" }`: code in this process called (`services.call()`, a servlet); nothing more
 *   is known. One shared object (LOCAL_CALLER).
 * - `{ via: "http", address, user? }`: an RpcGateway's HTTP client — `address` is the session's
 *   clientHost() (the client's, behind a trusted proxy: trustProxy), `user` the name its server
 *   object authenticated (remoteUser(); absent when none).
 * - `{ via: "bus", address?, user? }`: another process on the NATS bus, with what that process
 *   knew of its own caller (a gateway there: its HTTP client's address and user). Absent fields:
 *   the calling process knew none (its own code called), or an old peer sent none, or a value
 *   failed the checks (dropped and counted: Exchange.stats()).
 */
export interface Caller {
  readonly via: "local" | "http" | "bus";
  /** The client's address (an IP address as clientHost() gives it); absent when unknown. */
  readonly address?: string;
  /** The authenticated user name; absent when nobody authenticated. */
  readonly user?: string;
}

/** The caller of every call made in-process by code: one shared frozen object (no allocation per call). */
export const LOCAL_CALLER: Caller = Object.freeze({ via: "local" });

/** The caller of a call from the bus that says nothing of its own caller (an old peer, a plain NATS request). */
export const BUS_CALLER: Caller = Object.freeze({ via: "bus" });

/**
 * A call's caller as callers hold it: the Caller, or (the gateway's and the exchange's hot path) a
 * function asked for it only when a method takes a CallContext or the call leaves the process.
 */
export type CallerSource = Caller | (() => Caller);

/** The Caller of `source`. */
export function callerOf(source: CallerSource): Caller {
  return typeof source === "function" ? source() : source;
}

/** A frozen Caller with the given fields; an empty `address` or `user` is left out (unknown). */
export function makeCaller(via: Caller["via"], address: string, user: string): Caller {
  if (address === "" && user === "") return via === "bus" ? BUS_CALLER : Object.freeze({ via });
  if (user === "") return Object.freeze({ via, address });
  if (address === "") return Object.freeze({ via, user });
  return Object.freeze({ via, address, user });
}
