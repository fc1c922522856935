/**
 * The cleartext port of a TLS daemon (`redirectHttp`, SPEC §10): its PortProfile routes through
 * an HttpsRedirect (servers/https-redirect.ts) and adds `Vary: Upgrade-Insecure-Requests` to
 * every answer. Its connections are the daemon's like any other: the same HttpConnection,
 * reader, limits, timeouts, connection limit, counters, access log and stop().
 */
import { HttpsRedirect } from "../servers/https-redirect.ts";
import type { Routing } from "../servers/mount-table.ts";
import { PortProfile } from "./port-profile.ts";
import { TlsConfigError } from "./tls-options.ts";

/** `redirectHttp` in full. */
export interface RedirectHttpOptions {
  /** The cleartext port (0: pick a free one; HttpDaemon.redirectPort() tells which). */
  port: number;
  /**
   * true (the default): every request is answered 308 to HTTPS. false: the port serves the same
   * server objects in cleartext and redirects only the GET and HEAD requests that carry
   * `Upgrade-Insecure-Requests: 1` (W3C Upgrade Insecure Requests §3.2: browsers send it on
   * navigations).
   */
  all?: boolean;
  /**
   * The HTTPS port the redirects name in `Location` (1-65535): the one clients reach, when it is
   * not the one the daemon listens on (port mapping, e.g. 8443 published as 443). Default: the
   * daemon's bound TLS port. 443 is left out of the URL, as its scheme's default.
   */
  httpsPort?: number;
}

/** The daemon's `redirectHttp` option: a port (every request redirected), or the options. */
export type RedirectHttp = number | RedirectHttpOptions;

/**
 * In every answer of the cleartext port: whether a request is redirected depends on that header
 * (with `all: false`), so a cache must not give one client's answer to the other kind (W3C
 * Upgrade Insecure Requests §3.2 asks for it on the redirect; with `all` every answer is the
 * redirect, and the line tells conformance checkers and caches the same thing).
 */
export const VARY_UPGRADE = "Vary: Upgrade-Insecure-Requests\r\n";

/** The cleartext port: its number, its profile, and the redirect (whose httpsPort the daemon sets once bound). */
export interface RedirectPort {
  readonly port: number;
  /** The port the redirects name (RedirectHttpOptions.httpsPort); null: the daemon's bound TLS port. */
  readonly httpsPort: number | null;
  readonly profile: PortProfile;
  readonly redirect: HttpsRedirect;
}

/**
 * The cleartext port for `option` on a daemon whose mount table is `mounts`. A TlsConfigError (one
 * line) when the daemon has no TLS to redirect to, or the port is not one.
 */
export function redirectPort(option: RedirectHttp, secure: boolean, mounts: Routing, maxBody: number): RedirectPort {
  const { port, all = true, httpsPort = null } = typeof option === "number" ? { port: option } : option;
  if (!secure) throw new TlsConfigError("tls: redirectHttp needs the tls option (a port to redirect to)");
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new TlsConfigError(`tls: redirectHttp port must be 0 to 65535 (got ${port})`);
  if (httpsPort !== null && (!Number.isInteger(httpsPort) || httpsPort < 1 || httpsPort > 65_535))
    throw new TlsConfigError(`tls: redirectHttp httpsPort must be 1 to 65535 (got ${httpsPort})`);
  const redirect = new HttpsRedirect(all ? null : mounts);
  return { port, httpsPort, profile: new PortProfile(false, redirect, VARY_UPGRADE, maxBody), redirect };
}
