/**
 * HSTS (RFC 6797): the `Strict-Transport-Security` line a TLS daemon adds to every answer — its
 * servlets', its error pages, its canned refusals and its redirects — and never over cleartext
 * (RFC 6797 §7.2: a host sends it only over secure transport; a browser ignores it elsewhere).
 * The line is built once here and carried by the port's Date lines (date-lines.ts): no work per
 * response.
 */
import { TlsConfigError } from "./tls-options.ts";

/** The daemon's `hsts` option. */
export interface HstsOptions {
  /**
   * Seconds the browser keeps to HTTPS for this host (RFC 6797 §6.1.1 `max-age`); a whole number
   * ≥ 0 (0 tells browsers to forget the host). No default: it must be chosen (a year is
   * 31_536_000).
   */
  maxAge: number;
  /** The rule covers every subdomain too (§6.1.2 `includeSubDomains`). Default false. */
  includeSubDomains?: boolean;
  /**
   * Ask to be in browsers' preload lists (`preload`, not in RFC 6797: hstspreload.org's rule, which
   * also needs includeSubDomains and a max-age of a year or more, checked here). Default false.
   */
  preload?: boolean;
}

/** hstspreload.org accepts a host whose max-age is at least a year. */
export const HSTS_PRELOAD_MIN_AGE = 31_536_000;

/**
 * The header line (ending CRLF) for `hsts`, checked: a TlsConfigError (one line) for a max-age
 * that is not a whole number ≥ 0, or preload without what the preload lists require.
 */
export function hstsLine(hsts: HstsOptions): string {
  const { maxAge, includeSubDomains = false, preload = false } = hsts;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0)
    throw new TlsConfigError(`tls: hsts maxAge must be a whole number of seconds ≥ 0 (got ${maxAge})`);
  if (preload && (!includeSubDomains || maxAge < HSTS_PRELOAD_MIN_AGE))
    throw new TlsConfigError(`tls: hsts preload needs includeSubDomains and a maxAge of at least ${HSTS_PRELOAD_MIN_AGE} (a year)`);
  return `Strict-Transport-Security: max-age=${maxAge}${includeSubDomains ? "; includeSubDomains" : ""}${preload ? "; preload" : ""}\r\n`;
}
