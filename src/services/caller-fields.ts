/**
 * How a call's caller (caller.ts) crosses the bus: two headers of the call's NATS message, bounded
 * and checked at both ends.
 *
 * The bus is trusted to carry it: a process that may publish on `<prefix>.call.>` can claim any
 * caller, so NATS's publish permissions decide who may call at all (docs/services.md "Who called").
 */
import { headers, Match, type Msg, type MsgHdrs } from "@nats-io/transport-node";
import { BUS_CALLER, type Caller, makeCaller } from "./caller.ts";
import { CALLER_ADDRESS_MAX, CALLER_USER_MAX } from "./limits.ts";

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
