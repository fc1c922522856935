/**
 * Who called (SPEC §10, OSE's REMOTE_ADDR and REMOTE_USER): `CallContext.caller`, and how it
 * crosses the bus — two headers of the call's NATS message, bounded and checked at both ends.
 *
 * The bus is trusted to carry it: a process that may publish on `<prefix>.call.>` can claim any
 * caller, so NATS's publish permissions decide who may call at all (docs/services.md "Who called").
 */
import { headers, Match, type Msg, type MsgHdrs } from "@nats-io/transport-node";
import { CALLER_ADDRESS_MAX, CALLER_USER_MAX } from "./limits.ts";

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

/** NATS header carrying the caller's address on a call (absent: unknown). */
export const CALLER_ADDRESS_HEADER = "Netsvc-Caller-Address";
/** NATS header carrying the caller's user on a call (absent: nobody authenticated). */
export const CALLER_USER_HEADER = "Netsvc-Caller-User";

/**
 * Control characters (C0, DEL, C1): never in a caller field. CR and LF would end the header
 * line (NATS headers are MIME-style lines); the others have no place in an address or a name
 * and would reach logs and terminals as they are.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * True when `value` may travel as a caller field: 1 to `max` characters, no control character,
 * no space at either end (the NATS client trims header values, so it would not arrive as sent).
 */
export function isCallerField(value: string, max: number): boolean {
  return value.length > 0 && value.length <= max && !CONTROL.test(value) && value.trim() === value;
}

/**
 * The caller fields of one Exchange's calls, both ways, and the count of the fields it dropped
 * (a value over its bound or failing isCallerField, sent or received; headers that cannot be
 * read): expected from a hostile peer, so counted, never logged one by one, never a throw.
 */
export class CallerFields {
  /** Caller fields dropped, sending and receiving (see Exchange.stats()). */
  dropped = 0;

  /**
   * The headers of a call made on behalf of `caller`: undefined for a local caller (nothing to
   * tell: the message is exactly what it was before callers existed) and when every field was dropped.
   */
  headersOf(caller: Caller): MsgHdrs | undefined {
    if (caller.via === "local") return undefined;
    const address = this.checked(caller.address, CALLER_ADDRESS_MAX);
    const user = this.checked(caller.user, CALLER_USER_MAX);
    if (address === "" && user === "") return undefined;
    const h = headers();
    if (address !== "") h.set(CALLER_ADDRESS_HEADER, address);
    if (user !== "") h.set(CALLER_USER_HEADER, user);
    return h;
  }

  /** Adds `caller`'s fields that pass the checks to `h` (a report's headers); none for a local caller. */
  addTo(h: MsgHdrs, caller: Caller): void {
    if (caller.via === "local") return;
    const address = this.checked(caller.address, CALLER_ADDRESS_MAX);
    const user = this.checked(caller.user, CALLER_USER_MAX);
    if (address !== "") h.set(CALLER_ADDRESS_HEADER, address);
    if (user !== "") h.set(CALLER_USER_HEADER, user);
  }

  /** The caller of a call that came over the bus: `{ via: "bus" }` with the fields its headers carry and that pass the checks. */
  callerOf(msg: Msg): Caller {
    let h: MsgHdrs | undefined;
    try {
      h = msg.headers; // decoded on first access; a header name with a forbidden character throws
    } catch {
      this.dropped++;
      return BUS_CALLER;
    }
    if (!h) return BUS_CALLER;
    return makeCaller(
      "bus",
      this.received(h, CALLER_ADDRESS_HEADER, CALLER_ADDRESS_MAX),
      this.received(h, CALLER_USER_HEADER, CALLER_USER_MAX),
    );
  }

  /** `value` if it passes the checks, else "" (counted when there was one). */
  private checked(value: string | undefined, max: number): string {
    if (value === undefined || value === "") return "";
    if (isCallerField(value, max)) return value;
    this.dropped++;
    return "";
  }

  /**
   * The one value of header `name` (any case: a peer may write it in another), checked; "" when
   * absent, repeated (counted: which one would be the caller's?) or failing the checks (counted).
   */
  private received(h: MsgHdrs, name: string, max: number): string {
    const values = h.values(name, Match.IgnoreCase);
    if (values.length === 0) return "";
    if (values.length > 1) {
      this.dropped++;
      return "";
    }
    return this.checked(values[0], max);
  }
}
