/**
 * trustProxy (SPEC §10): the proxies whose word about the client is believed. From such a peer a
 * connection may begin with a PROXY header (request-reader.ts), and each request's forwarded
 * header names the client; from any other peer it is ignored.
 *
 * One header is read, the one the proxy writes (`forwardedHeader`: `X-Forwarded-For` by default,
 * what nginx, HAProxy and cloud load balancers append to; or RFC 7239's `Forwarded`). A proxy
 * passes the other through as the client sent it, so reading both, or preferring one when
 * present, would let any client name itself.
 *
 * The client in a chain is the rightmost address that is not itself a trusted proxy: every hop
 * appends the address it saw, so the entries right of the last trusted hop were written by
 * proxies we trust, and anything left of it was written by the client and may be forged.
 */
import { findHeader, headerValues, type RequestHead } from "../parser/index.ts";
import { contains, parseAddress, parseRange, type Range } from "./address-filter.ts";

/** The forwarded header trusted proxies write (HttpDaemonOptions.forwardedHeader), lower case. */
export type ForwardedHeader = "x-forwarded-for" | "forwarded";

/** The trusted proxies' ranges (trustProxy CIDRs). */
export class TrustedProxies {
  private readonly ranges: Range[];

  /** Parses the CIDRs (TypeError on a bad entry); `header`: the forwarded header the proxies write. */
  constructor(
    cidrs: string[],
    private readonly header: ForwardedHeader = "x-forwarded-for",
  ) {
    this.ranges = cidrs.map(parseRange);
  }

  /** True when `address` is a trusted proxy (an unparsable address never is). */
  trusts(address: string): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    const [bits, width] = parsed;
    return this.ranges.some((r) => contains(r, bits, width));
  }

  /**
   * The client of a request that came from the trusted `peer`: the rightmost address of the
   * chain in its forwarded header (`X-Forwarded-For`, or `Forwarded`'s `for=` nodes: the one the
   * proxies write, never the other) that is not trusted; `peer` when the request has none. An entry that is not an address (RFC 7239
   * §6: `unknown`, an obfuscated `_name`) ends the walk: the client is the hop that reported it.
   */
  clientOf(head: RequestHead, bytes: Uint8Array, peer: string): string {
    if (findHeader(head, bytes, this.header) < 0) return peer;
    const value = headerValues(head, bytes, this.header)!;
    const chain = this.header === "forwarded" ? forwardedFor(value) : value.split(",");
    let client = peer;
    for (let i = chain.length - 1; i >= 0; i--) {
      const address = nodeAddress(chain[i]!);
      if (address === null) break;
      client = address;
      if (!this.trusts(address)) break;
    }
    return client;
  }
}

/** The `for=` node of each forwarded-element (RFC 7239 §4), in order; "" where an element has none. */
function forwardedFor(value: string): string[] {
  return value.split(",").map((element) => {
    for (const pair of element.split(";")) {
      const eq = pair.indexOf("=");
      if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === "for") return pair.slice(eq + 1);
    }
    return "";
  });
}

/**
 * The address of a node (RFC 7239 §6: `"[2001:db8::1]:4711"`, `192.0.2.1:80`, or an X-Forwarded-For
 * entry), without quotes, brackets or port; null when it is not an IPv4 or IPv6 address.
 */
function nodeAddress(node: string): string | null {
  let s = node.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return null;
    s = s.slice(1, close);
  } else if (s.indexOf(":") === s.lastIndexOf(":") && s.includes(".")) {
    const colon = s.indexOf(":");
    if (colon >= 0) s = s.slice(0, colon); // IPv4 with a port
  }
  return parseAddress(s) ? s : null;
}
