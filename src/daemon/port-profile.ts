/**
 * PortProfile: what differs between the ports one daemon listens on — whether connections arrive
 * over TLS, the constant header lines every answer carries (HSTS over TLS, `Vary:
 * Upgrade-Insecure-Requests` on the cleartext redirect port), and what requests route through
 * (the mount table, or the HTTPS redirect). Everything else (limits, counters, buffers, the
 * registry of connections and its connection limit, shutdown) is the daemon's, shared by its
 * ports: a connection on the redirect port is counted, limited, timed out and closed at stop()
 * like any other.
 */
import type { Routing } from "../servers/mount-table.ts";
import { CyclePool } from "./cycle-pool.ts";
import type { PortResources } from "./daemon-resources.ts";
import { DateLines } from "./date-lines.ts";
import type { TlsUpgrader } from "./tls-after-proxy.ts";

/** One listener's side of the daemon (see the file comment). */
export class PortProfile implements PortResources {
  /** The Date line and the response tails around it, with this port's fixed lines. */
  readonly dates: DateLines;
  /** Request cycles routing through this port's routing. */
  readonly cycles: CyclePool;
  /** TLS after a PROXY header (set by the daemon on its secure port with tls + trustProxy); null: none. */
  tlsUpgrader: TlsUpgrader | null = null;
  /** See PortResources; set by bound(). */
  localPort = 0;
  /** See PortResources; set by bound(). */
  boundAddress = "";
  /** HTTP/2 is spoken here (the daemon's http2 option): ALPN h2, or the preface on cleartext. */
  http2 = true;

  /**
   * `secure`: the listener speaks TLS. `routing`: what its requests route through. `fixedLines`:
   * header lines (each ending CRLF) in every answer; "" for none. `maxBody`: the sessions' body limit.
   */
  constructor(
    readonly secure: boolean,
    routing: Routing,
    fixedLines: string,
    maxBody: number,
  ) {
    this.dates = new DateLines(fixedLines);
    this.cycles = new CyclePool(routing, maxBody);
  }

  /** The listener is bound to `address` (its hostname option) and `port` (the port it got). */
  bound(address: string, port: number): void {
    this.boundAddress = address;
    this.localPort = port;
  }
}
