/**
 * "Refuse with this status", the one shape servers/ uses for it: a function that may refuse
 * returns `T | Refused`, where the Refused is the HTTP status that answers the request (400, 403,
 * 404, 501…) and anything else is the result. Allocation-free, so it suits the hot path (a
 * request path is checked on every request); `isRefused` tells the two apart.
 */

/** An HTTP status (4xx/5xx) that refuses the request. */
export type Refused = number;

/** True when `outcome` is a refusal rather than a result. */
export function isRefused<T extends object | string | boolean | null>(outcome: T | Refused): outcome is Refused {
  return typeof outcome === "number";
}
