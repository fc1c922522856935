/**
 * Client authorisation by address: `allow` / `deny` lists of addresses or CIDR ranges
 * (IPv4 `10.0.0.0/8`, IPv6 `fd00::/8`). An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, in any of
 * its spellings: `::ffff:102:304`, `0:0:0:0:0:ffff:1.2.3.4` …) is the IPv4 address it maps
 * (RFC 4291 §2.5.5.2), and so is a range inside `::ffff:0:0/96`: `::ffff:0:0/96` is `0.0.0.0/0`,
 * `::ffff:7f00:0/104` is `127.0.0.0/8`. Both clients and rules are read that way once, when
 * parsed, so a client seen as `::ffff:127.0.0.1` (a dual-stack listener) meets `127.0.0.1`, and
 * `127.0.0.1` meets `::ffff:7f00:1/128`. An IPv6 range wider than /96 (`::/0`, `::/80`) matches
 * IPv6 clients only, as in nginx and Go's netip: IPv4 clients are matched by IPv4 rules.
 */

/** One parsed range: address bits as a bigint, prefix length, and family width. */
export interface Range {
  bits: bigint;
  prefix: number;
  width: 32 | 128;
}

/** Bits of the IPv4-mapped block `::ffff:0:0/96` above its 32 IPv4 bits (RFC 4291 §2.5.5.2). */
const MAPPED_HIGH = 0xffffn;
/** Length of the IPv4-mapped block's prefix. */
const MAPPED_PREFIX = 96;
const IPV4_MASK = 0xffff_ffffn;
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** `a.b.c.d` to its 32 bits, or null. */
function parseIpv4(s: string): bigint | null {
  const m = DOTTED_QUAD.exec(s);
  if (!m) return null;
  let bits = 0n;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) return null;
    bits = (bits << 8n) | BigInt(n);
  }
  return bits;
}

/**
 * An IPv6 address in any RFC 4291 §2.2 form — full, `::`-compressed, or with its last 32 bits as
 * a dotted quad — to its 128 bits, or null. Brackets and a zone id (`%eth0`) are dropped.
 */
function parseIpv6(text: string): bigint | null {
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  s = s.replace(/%.*$/, "");
  if (!s.includes(":")) return null;
  // A trailing dotted quad stands for the last two groups.
  let tail32: bigint | null = null;
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".", lastColon)) {
    tail32 = parseIpv4(s.slice(lastColon + 1));
    if (tail32 === null) return null;
    s = s.slice(0, lastColon + 1) + "0:0"; // zeros where the quad's bits go, OR-ed in below
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let bits = 0n;
  for (const g of groups) {
    if (!HEX_GROUP.test(g)) return null;
    bits = (bits << 16n) | BigInt(parseInt(g, 16));
  }
  return tail32 === null ? bits : bits | tail32;
}

/** True when 128 bits lie in `::ffff:0:0/96`. */
function isIpv4Mapped(bits: bigint): boolean {
  return bits >> 32n === MAPPED_HIGH;
}

/** An address as written, without reading IPv4-mapped ones as IPv4: [bits, width], or null. */
function parseAsWritten(text: string): [bigint, 32 | 128] | null {
  const s = text.trim();
  const v4 = parseIpv4(s);
  if (v4 !== null) return [v4, 32];
  const v6 = parseIpv6(s);
  return v6 === null ? null : [v6, 128];
}

/**
 * Parses an IPv4 or IPv6 address to [bits, width], or null. An IPv4-mapped IPv6 address, in any
 * spelling, comes back as its IPv4 address (width 32).
 */
export function parseAddress(text: string): [bigint, 32 | 128] | null {
  const parsed = parseAsWritten(text);
  if (parsed && parsed[1] === 128 && isIpv4Mapped(parsed[0])) return [parsed[0] & IPV4_MASK, 32];
  return parsed;
}

/**
 * Parses `addr` or `addr/prefix`; throws a TypeError naming the bad entry. A range inside
 * `::ffff:0:0/96` (prefix ≥ 96) comes back as the IPv4 range it maps.
 */
export function parseRange(text: string): Range {
  const [addr, prefixText, extra] = text.split("/");
  const parsed = extra === undefined ? parseAsWritten(addr ?? "") : null;
  if (!parsed) throw new TypeError(`not an address or CIDR range: ${JSON.stringify(text)}`);
  const [bits, width] = parsed;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new TypeError(`bad prefix length in ${JSON.stringify(text)}`);
  }
  if (width === 128 && prefix >= MAPPED_PREFIX && isIpv4Mapped(bits)) {
    return { bits: bits & IPV4_MASK, prefix: prefix - MAPPED_PREFIX, width: 32 };
  }
  return { bits, prefix, width };
}

/** True when `range` holds the address `bits` of family `width`. */
export function contains(range: Range, bits: bigint, width: number): boolean {
  if (range.width !== width) return false;
  const shift = BigInt(width - range.prefix);
  return bits >> shift === range.bits >> shift;
}

/** Allow/deny lists. A denied address is refused; with an allow list, only listed ones pass. */
export class AddressFilter {
  private readonly allow: Range[];
  private readonly deny: Range[];

  /** Parses the lists (TypeError on a bad entry). */
  constructor(allow: string[] = [], deny: string[] = []) {
    this.allow = allow.map(parseRange);
    this.deny = deny.map(parseRange);
  }

  /** True when no list is set (every address passes without parsing). */
  isEmpty(): boolean {
    return this.allow.length === 0 && this.deny.length === 0;
  }

  /** True when `address` may connect. An unparsable address passes only without an allow list. */
  permits(address: string): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return this.allow.length === 0;
    const [bits, width] = parsed;
    if (this.deny.some((r) => contains(r, bits, width))) return false;
    return this.allow.length === 0 || this.allow.some((r) => contains(r, bits, width));
  }
}
