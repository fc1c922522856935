/**
 * Client authorisation by address: `allow` / `deny` lists of addresses or CIDR ranges
 * (IPv4 `10.0.0.0/8`, IPv6 `fd00::/8`). IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are
 * compared as IPv4.
 */

/** One parsed range: address bits as a bigint, prefix length, and family width. */
interface Range {
  bits: bigint;
  prefix: number;
  width: 32 | 128;
}

/** Parses an IPv4 or IPv6 address to [bits, width], or null. */
export function parseAddress(text: string): [bigint, 32 | 128] | null {
  let s = text.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (mapped) s = mapped[1]!;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    let bits = 0n;
    for (let i = 1; i <= 4; i++) {
      const n = Number(v4[i]);
      if (n > 255) return null;
      bits = (bits << 8n) | BigInt(n);
    }
    return [bits, 32];
  }
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  s = s.replace(/%.*$/, ""); // zone id
  if (!/^[0-9a-fA-F:]+$/.test(s) || !s.includes(":")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let bits = 0n;
  for (const g of groups) {
    if (g.length === 0 || g.length > 4) return null;
    bits = (bits << 16n) | BigInt(parseInt(g, 16));
  }
  return [bits, 128];
}

/** Parses `addr` or `addr/prefix`; throws a TypeError naming the bad entry. */
export function parseRange(text: string): Range {
  const [addr, prefixText] = text.split("/");
  const parsed = parseAddress(addr ?? "");
  if (!parsed) throw new TypeError(`not an address or CIDR range: ${JSON.stringify(text)}`);
  const [bits, width] = parsed;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new TypeError(`bad prefix length in ${JSON.stringify(text)}`);
  }
  return { bits, prefix, width };
}

function contains(range: Range, bits: bigint, width: number): boolean {
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
