/**
 * trustProxy (SPEC §10): the proxies whose word about the client is believed. From such a peer a
 * connection may begin with a PROXY header (request-reader.ts), and each request's `Forwarded`
 * (RFC 7239) or `X-Forwarded-For` names the client; from any other peer both are ignored.
 *
 * The client in a chain is the rightmost address that is not itself a trusted proxy: every hop
 * appends the address it saw, so the entries right of the last trusted hop were written by
 * proxies we trust, and anything left of it was written by the client and may be forged.
 */
import { findHeader, headerValues, type RequestHead } from "../parser/index.ts";
import { contains, parseAddress, parseRange, type Range } from "./address-filter.ts";

/** The trusted proxies' ranges (trustProxy CIDRs). */
export class TrustedProxies {
  private readonly ranges: Range[];

  /** Parses the CIDRs (TypeError on a bad entry). */
  constructor(cidrs: string[]) {
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
   * The client of a request that came from the trusted `peer`: the rightmost address of its
   * `Forwarded` `for=` chain (preferred: the standard) or else its `X-Forwarded-For` chain that is
   * not trusted; `peer` when the request has neither. An entry that is not an address (RFC 7239
   * §6: `unknown`, an obfuscated `_name`) ends the walk: the client is the hop that reported it.
   */
  clientOf(head: RequestHead, bytes: Uint8Array, peer: string): string {
    let chain: string[];
    if (findHeader(head, bytes, "forwarded") >= 0) chain = forwardedFor(headerValues(head, bytes, "forwarded")!);
    else if (findHeader(head, bytes, "x-forwarded-for") >= 0) chain = headerValues(head, bytes, "x-forwarded-for")!.split(",");
    else return peer;
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
