/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2): the few bytes a
 * proxy (HAProxy, nginx `proxy_protocol on`, AWS NLB) writes before the client's own bytes to say
 * whose connection it is relaying. Same style as parseHead: bytes in, offsets out, no throw, no
 * allocation (the result goes into a reusable ProxyHeader), strict.
 *
 * Resumable: called again with the bytes received so far (the same start, a later end) it returns
 * INCOMPLETE until the header is whole. Every decision reads only bytes before `end`, so an answer
 * that is not INCOMPLETE is the same however the bytes were split.
 *
 * Detection: the first bytes decide. A v1 header begins `PROXY ` and a v2 header with its 12-byte
 * signature; any other beginning returns NOT_PROXY_HEADER as soon as a byte departs from both
 * (so `POST /` is known to be HTTP at its second byte).
 */
import {
  E_PROXY_BAD_ADDRESS,
  E_PROXY_BAD_LENGTH,
  E_PROXY_BAD_LINE,
  E_PROXY_BAD_PORT,
  E_PROXY_BAD_PROTOCOL,
  E_PROXY_LINE_TOO_LONG,
  INCOMPLETE,
  NOT_PROXY_HEADER,
} from "./errors.ts";
import { MAX_PROXY_V1_LINE, MAX_PROXY_V2_LENGTH } from "./limits.ts";

/** `PROXY ` (proxy-protocol.txt §2.1). */
const V1_PREFIX = Uint8Array.from("PROXY ", (c) => c.charCodeAt(0));
/** `\r\n\r\n\0\r\nQUIT\n` (proxy-protocol.txt §2.2): cannot begin any HTTP request. */
const V2_SIGNATURE = Uint8Array.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** Signature, version/command, family/transport, 2-byte length. */
const V2_FIXED = 16;
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const DOT = 0x2e;

/** What a PROXY header said. Reused; its fields are meaningful only after a parse returned an offset. */
export class ProxyHeader {
  /** 1 (text) or 2 (binary); 0 before a parse. */
  version = 0;
  /**
   * 4 or 6 when the header carries the client's addresses; 0 when it does not (v1 `UNKNOWN`, v2
   * `LOCAL` or family UNSPEC): then the connection's own addresses stand (§2.1, §2.2).
   */
  family = 0;
  /** Client (source) address, network order: 4 bytes for family 4, 16 for family 6. */
  readonly source = new Uint8Array(16);
  /** Address the client connected to (destination), as `source`. */
  readonly destination = new Uint8Array(16);
  sourcePort = 0;
  destinationPort = 0;

  /** Back to the state before a parse. */
  reset(): void {
    this.version = 0;
    this.family = 0;
    this.sourcePort = this.destinationPort = 0;
  }
}

/**
 * Parses a PROXY header at buf[start..end) into `out`. Returns the offset just past it,
 * INCOMPLETE (more bytes needed), NOT_PROXY_HEADER, or an E_PROXY_* code (errors.ts).
 */
export function parseProxyHeader(buf: Uint8Array, start: number, end: number, out: ProxyHeader): number {
  if (start >= end) return INCOMPLETE;
  const first = buf[start]!;
  if (first === V1_PREFIX[0]) {
    const p = matchPrefix(buf, start, end, V1_PREFIX);
    return p < 0 ? p : parseV1(buf, start, p, end, out);
  }
  if (first === V2_SIGNATURE[0]) {
    const p = matchPrefix(buf, start, end, V2_SIGNATURE);
    return p < 0 ? p : parseV2(buf, start, end, out);
  }
  return NOT_PROXY_HEADER;
}

/** Offset past `prefix` at `start`, INCOMPLETE when the bytes so far match it, NOT_PROXY_HEADER when they do not. */
function matchPrefix(buf: Uint8Array, start: number, end: number, prefix: Uint8Array): number {
  const n = prefix.length;
  for (let i = 0; i < n; i++) {
    if (start + i >= end) return INCOMPLETE;
    if (buf[start + i] !== prefix[i]) return NOT_PROXY_HEADER;
  }
  return start + n;
}

/** Offset of the first SP, CR or LF in buf[p..stop), or -1 when none arrived yet. */
function fieldEnd(buf: Uint8Array, p: number, stop: number): number {
  for (; p < stop; p++) {
    const c = buf[p]!;
    if (c === SP || c === CR || c === LF) return p;
  }
  return -1;
}

/** `PROXY TCP4|TCP6 src dst sport dport\r\n` or `PROXY UNKNOWN ...\r\n` (§2.1). */
function parseV1(buf: Uint8Array, start: number, p: number, end: number, out: ProxyHeader): number {
  // The line may not run past MAX_PROXY_V1_LINE bytes: bytes beyond it are never looked at, so a
  // line that is still open there is too long whatever follows.
  const limit = start + MAX_PROXY_V1_LINE;
  const stop = Math.min(end, limit);
  const tooLongOrMore = end < limit ? INCOMPLETE : E_PROXY_LINE_TOO_LONG;
  let q = fieldEnd(buf, p, stop);
  if (q < 0) return tooLongOrMore;
  let family: number;
  if (isWord(buf, p, q, "TCP4")) family = 4;
  else if (isWord(buf, p, q, "TCP6")) family = 6;
  else if (isWord(buf, p, q, "UNKNOWN")) family = 0;
  else return E_PROXY_BAD_PROTOCOL;
  if (family === 0) {
    // UNKNOWN: the rest of the line is ignored (§2.1); only its end matters.
    for (; q < stop && buf[q] !== LF; q++) {}
    if (q >= stop) return tooLongOrMore;
    if (buf[q - 1] !== CR) return E_PROXY_BAD_LINE;
    out.version = 1;
    out.family = 0;
    out.sourcePort = out.destinationPort = 0;
    return q + 1;
  }
  let sourcePort = 0;
  // Four fields follow, each after one SP: source, destination, source port, destination port.
  for (let field = 0; field < 4; field++) {
    if (buf[q] !== SP) return E_PROXY_BAD_LINE;
    p = q + 1;
    q = fieldEnd(buf, p, stop);
    if (q < 0) return tooLongOrMore;
    if (field < 2) {
      const target = field === 0 ? out.source : out.destination;
      if (!(family === 4 ? parseIpv4Text(buf, p, q, target, 0) : parseIpv6Text(buf, p, q, target))) return E_PROXY_BAD_ADDRESS;
    } else {
      const port = parsePort(buf, p, q);
      if (port < 0) return E_PROXY_BAD_PORT;
      if (field === 2) sourcePort = port;
      else out.destinationPort = port;
    }
  }
  if (buf[q] !== CR) return E_PROXY_BAD_LINE;
  if (q + 1 >= stop) return tooLongOrMore;
  if (buf[q + 1] !== LF) return E_PROXY_BAD_LINE;
  out.version = 1;
  out.family = family;
  out.sourcePort = sourcePort;
  return q + 2;
}

/** buf[p..q) is exactly `word` (ASCII, case-sensitive: §2.1 spells them in capitals). */
function isWord(buf: Uint8Array, p: number, q: number, word: string): boolean {
  if (q - p !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[p + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** A decimal 0..65535 without leading zeros, or -1. */
function parsePort(buf: Uint8Array, p: number, q: number): number {
  const n = q - p;
  if (n < 1 || n > 5 || (n > 1 && buf[p] === 0x30)) return -1;
  let v = 0;
  for (; p < q; p++) {
    const d = buf[p]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= 0xffff ? v : -1;
}

/** Dotted-quad text (four decimals 0..255, no leading zeros) into out[at..at+4); false when not canonical. */
function parseIpv4Text(buf: Uint8Array, p: number, q: number, out: Uint8Array, at: number): boolean {
  for (let part = 0; part < 4; part++) {
    const from = p;
    let v = 0;
    for (; p < q && buf[p] !== DOT; p++) {
      const d = buf[p]! - 0x30;
      if (d < 0 || d > 9) return false;
      v = v * 10 + d;
    }
    const digits = p - from;
    if (digits < 1 || digits > 3 || (digits > 1 && buf[from] === 0x30) || v > 255) return false;
    out[at + part] = v;
    if (part < 3) {
      if (p >= q) return false;
      p++; // the dot
    }
  }
  return p === q;
}

/** Value of a hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/**
 * IPv6 text (RFC 4291 §2.2: eight groups of 1–4 hex digits, at most one `::` standing for one or
 * more zero groups, optionally a dotted quad in the last 32 bits) into out[0..16); false otherwise.
 */
function parseIpv6Text(buf: Uint8Array, p: number, q: number, out: Uint8Array): boolean {
  let groups = 0;
  let gap = -1; // the group index where `::` stands
  if (q - p >= 2 && buf[p] === COLON && buf[p + 1] === COLON) {
    gap = 0;
    p += 2;
    if (p === q) {
      out.fill(0);
      return true;
    }
  }
  for (;;) {
    if (groups >= 8) return false;
    const from = p;
    let v = 0;
    for (; p < q && buf[p] !== COLON && buf[p] !== DOT; p++) {
      const h = hexValue(buf[p]!);
      if (h < 0) return false;
      v = (v << 4) | h;
    }
    if (p < q && buf[p] === DOT) {
      // The embedded dotted quad: the last two groups.
      if (groups > 6 || !parseIpv4Text(buf, from, q, out, groups * 2)) return false;
      groups += 2;
      break;
    }
    if (p - from < 1 || p - from > 4) return false;
    out[groups * 2] = v >> 8;
    out[groups * 2 + 1] = v & 0xff;
    groups++;
    if (p === q) break;
    p++; // the colon
    if (p < q && buf[p] === COLON) {
      if (gap >= 0) return false; // a second `::`
      gap = groups;
      p++;
      if (p === q) break;
    } else if (p === q) {
      return false; // a trailing single colon
    }
  }
  if (gap < 0) return groups === 8;
  if (groups >= 8) return false; // `::` must stand for at least one group
  const tail = groups - gap;
  out.copyWithin(16 - tail * 2, gap * 2, groups * 2);
  out.fill(0, gap * 2, 16 - tail * 2);
  return true;
}

/** The binary header after its signature (§2.2). */
function parseV2(buf: Uint8Array, start: number, end: number, out: ProxyHeader): number {
  if (start + V2_FIXED > end) {
    // Check what has arrived of version/command and family, so a bad one is known at its byte.
    if (start + 12 < end && !isV2VersionCommand(buf[start + 12]!)) return E_PROXY_BAD_PROTOCOL;
    if (start + 13 < end && !isV2Family(buf[start + 12]!, buf[start + 13]!)) return E_PROXY_BAD_PROTOCOL;
    return INCOMPLETE;
  }
  const versionCommand = buf[start + 12]!;
  const familyTransport = buf[start + 13]!;
  if (!isV2VersionCommand(versionCommand) || !isV2Family(versionCommand, familyTransport)) return E_PROXY_BAD_PROTOCOL;
  const length = (buf[start + 14]! << 8) | buf[start + 15]!;
  const local = (versionCommand & 0x0f) === 0;
  const family = local ? 0 : familyTransport === 0x11 ? 4 : familyTransport === 0x21 ? 6 : 0;
  const needed = family === 4 ? 12 : family === 6 ? 36 : 0;
  if (length < needed || length > MAX_PROXY_V2_LENGTH) return E_PROXY_BAD_LENGTH;
  const headerEnd = start + V2_FIXED + length;
  if (headerEnd > end) return INCOMPLETE;
  // TLVs after the addresses (§2.2.7) are skipped: nothing here needs them.
  const a = start + V2_FIXED;
  const size = family === 4 ? 4 : 16;
  if (family !== 0) {
    out.source.set(buf.subarray(a, a + size));
    out.destination.set(buf.subarray(a + size, a + 2 * size));
    out.sourcePort = (buf[a + 2 * size]! << 8) | buf[a + 2 * size + 1]!;
    out.destinationPort = (buf[a + 2 * size + 2]! << 8) | buf[a + 2 * size + 3]!;
  } else {
    out.sourcePort = out.destinationPort = 0;
  }
  out.version = 2;
  out.family = family;
  return headerEnd;
}

/** Version 2 (high nibble) with command LOCAL (0) or PROXY (1) (§2.2). */
function isV2VersionCommand(b: number): boolean {
  return b === 0x20 || b === 0x21;
}

/**
 * Family and transport this daemon accepts (§2.2): any with LOCAL (its addresses are ignored);
 * with PROXY, UNSPEC (0x00: the connection's own addresses stand), TCP over IPv4 (0x11) or IPv6
 * (0x21). UDP and UNIX sockets cannot carry an HTTP client to a TCP listener.
 */
function isV2Family(versionCommand: number, b: number): boolean {
  return (versionCommand & 0x0f) === 0 || b === 0x00 || b === 0x11 || b === 0x21;
}

/**
 * The client address of a parsed header as text: dotted quad, or IPv6 in RFC 5952 form (lower
 * case, the longest run of two or more zero groups as `::`, an IPv4-mapped address as
 * `::ffff:a.b.c.d`). Allocates: called once per connection, off the parse path.
 */
export function proxySourceText(header: ProxyHeader): string {
  return addressText(header.source, header.family);
}

/** See proxySourceText. */
export function addressText(bytes: Uint8Array, family: number): string {
  if (family === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestAt = -1;
  let bestLength = 1; // RFC 5952 §4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(":");
  return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLength).join(":")}`;
}
