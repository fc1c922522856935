/**
 * The PROXY header table (HAProxy's proxy-protocol.txt, v1 §2.1 and v2 §2.2): each row is the
 * first bytes of a connection and what parseProxyHeader must make of them. Rows that expect a
 * header list the client (source) and destination as text.
 */
import * as E from "../../src/parser/errors.ts";

/** Expected result of a successful parse. */
export interface ProxyExpect {
  consumed: number;
  version: 1 | 2;
  /** "" when the header carries no addresses (UNKNOWN, LOCAL, UNSPEC). */
  source: string;
  sourcePort: number;
  destination: string;
  destinationPort: number;
}

/** One row of the table. */
export interface ProxyCase {
  name: string;
  input: string;
  expect: ProxyExpect | { error: number };
}

const V2_SIG = "\r\n\r\n\0\r\nQUIT\n";
/** A 16-bit big-endian number as two latin1 characters. */
const u16 = (n: number): string => String.fromCharCode(n >> 8, n & 0xff);
/** IPv4 bytes. */
const ip4 = (...b: number[]): string => String.fromCharCode(...b);
/** A v2 header: version/command byte, family byte, then the body (length computed unless given). */
const v2 = (vc: number, fam: number, body: string, length = body.length): string =>
  V2_SIG + String.fromCharCode(vc, fam) + u16(length) + body;
const V4_BODY = ip4(192, 0, 2, 7) + ip4(10, 0, 0, 1) + u16(51234) + u16(80);
const V6_BODY = "\x20\x01\x0d\xb8" + "\0".repeat(11) + "\x01" + "\0".repeat(15) + "\x01" + u16(443) + u16(8443);
const HTTP = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

const ok = (name: string, input: string, expect: ProxyExpect): ProxyCase => ({ name, input, expect });
const bad = (name: string, input: string, error: number): ProxyCase => ({ name, input, expect: { error } });
const v1 = (line: string, source: string, sourcePort: number, destination: string, destinationPort: number) => ({
  consumed: line.length,
  version: 1 as const,
  source,
  sourcePort,
  destination,
  destinationPort,
});
const none = (consumed: number, version: 1 | 2): ProxyExpect => ({
  consumed,
  version,
  source: "",
  sourcePort: 0,
  destination: "",
  destinationPort: 0,
});

const L4 = "PROXY TCP4 192.0.2.7 10.0.0.1 51234 80\r\n";
const L6 = "PROXY TCP6 2001:db8::1 ::1 443 8443\r\n";
/** The longest v1 line the spec shows (§2.1): 107 bytes with CRLF. */
const LONGEST = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";

export const PROXY_CASES: ProxyCase[] = [
  // ── v1, valid ──
  ok("v1 TCP4", L4, v1(L4, "192.0.2.7", 51234, "10.0.0.1", 80)),
  ok("v1 TCP4 followed by a request: only the line is consumed", L4 + HTTP, v1(L4, "192.0.2.7", 51234, "10.0.0.1", 80)),
  ok("v1 TCP6 compressed", L6, v1(L6, "2001:db8::1", 443, "::1", 8443)),
  ok(
    "v1 longest line, 107 bytes",
    LONGEST,
    v1(LONGEST, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535),
  ),
  ok(
    "v1 ports 0 and 65535",
    "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
    v1("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", "0.0.0.0", 0, "255.255.255.255", 65535),
  ),
  ok(
    "v1 TCP6 full form, upper case, leading zeros in a group",
    "PROXY TCP6 2001:0DB8:0:0:0:0:0:0001 :: 1 2\r\n",
    v1("PROXY TCP6 2001:0DB8:0:0:0:0:0:0001 :: 1 2\r\n", "2001:db8::1", 1, "::", 2),
  ),
  ok(
    "v1 TCP6 IPv4-mapped with a dotted quad",
    "PROXY TCP6 ::ffff:192.0.2.1 ::1 5 6\r\n",
    v1("PROXY TCP6 ::ffff:192.0.2.1 ::1 5 6\r\n", "::ffff:192.0.2.1", 5, "::1", 6),
  ),
  ok(
    "v1 TCP6 trailing ::",
    "PROXY TCP6 fe80:: 1:2:3:4:5:6:7:8 5 6\r\n",
    v1("PROXY TCP6 fe80:: 1:2:3:4:5:6:7:8 5 6\r\n", "fe80::", 5, "1:2:3:4:5:6:7:8", 6),
  ),
  ok(
    "v1 TCP6 single zero group is not shortened in text",
    "PROXY TCP6 1:0:2:3:4:5:6:7 ::1 5 6\r\n",
    v1("PROXY TCP6 1:0:2:3:4:5:6:7 ::1 5 6\r\n", "1:0:2:3:4:5:6:7", 5, "::1", 6),
  ),
  ok("v1 UNKNOWN alone", "PROXY UNKNOWN\r\n", none(15, 1)),
  ok("v1 UNKNOWN with addresses ignored", "PROXY UNKNOWN ffff:: 1.2.3.4 x y\r\n" + HTTP, none(34, 1)),

  // ── v1, invalid ──
  bad("v1 lower-case protocol", "PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_PROTOCOL),
  bad("v1 protocol TCP5", "PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_PROTOCOL),
  bad("v1 UDP4", "PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_PROTOCOL),
  bad("v1 empty protocol", "PROXY \r\n", E.E_PROXY_BAD_PROTOCOL),
  bad("v1 IPv4 part over 255", "PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv4 leading zero", "PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv4 three parts", "PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv4 five parts", "PROXY TCP4 1.2.3.4.5 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv4 empty part", "PROXY TCP4 1..3.4 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv4 hex", "PROXY TCP4 0x1.2.3.4 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 address under TCP4", "PROXY TCP4 ::1 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv4 address under TCP6", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 bad destination", "PROXY TCP4 1.2.3.4 1.2.3 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 two ::", "PROXY TCP6 1::2::3 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 ::: ", "PROXY TCP6 1:::2 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 nine groups", "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 seven groups without ::", "PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 :: standing for no group", "PROXY TCP6 1:2:3:4::5:6:7:8 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 five hex digits", "PROXY TCP6 12345::1 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 leading single colon", "PROXY TCP6 :1:2:3:4:5:6:7 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 trailing single colon", "PROXY TCP6 1:2:3:4:5:6:7: ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 zone id", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 in brackets", "PROXY TCP6 [::1] ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 IPv6 dotted quad too late", "PROXY TCP6 1:2:3:4:5:6:7:1.2.3.4 ::1 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 empty address (two spaces)", "PROXY TCP4  1.2.3.4 1 2\r\n", E.E_PROXY_BAD_ADDRESS),
  bad("v1 port 65536", "PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", E.E_PROXY_BAD_PORT),
  bad("v1 port with a leading zero", "PROXY TCP4 1.2.3.4 1.2.3.4 080 2\r\n", E.E_PROXY_BAD_PORT),
  bad("v1 port negative", "PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n", E.E_PROXY_BAD_PORT),
  bad("v1 port six digits", "PROXY TCP4 1.2.3.4 1.2.3.4 1 100000\r\n", E.E_PROXY_BAD_PORT),
  bad("v1 destination port not a number", "PROXY TCP4 1.2.3.4 1.2.3.4 1 http\r\n", E.E_PROXY_BAD_PORT),
  bad("v1 missing destination port", "PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", E.E_PROXY_BAD_LINE),
  bad("v1 a field too many", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n", E.E_PROXY_BAD_LINE),
  bad("v1 bare LF", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n", E.E_PROXY_BAD_LINE),
  bad("v1 CR without LF", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX", E.E_PROXY_BAD_LINE),
  bad("v1 UNKNOWN bare LF", "PROXY UNKNOWN\n", E.E_PROXY_BAD_LINE),
  bad("v1 tab instead of space", "PROXY TCP4\t1.2.3.4 1.2.3.4 1 2\r\n", E.E_PROXY_BAD_PROTOCOL),
  bad("v1 108 bytes: its LF is past the limit", "PROXY UNKNOWN " + "x".repeat(92) + "\r\n", E.E_PROXY_LINE_TOO_LONG),
  bad("v1 no CRLF in 200 bytes", "PROXY TCP6 " + "1".repeat(200), E.E_PROXY_LINE_TOO_LONG),
  ok("v1 UNKNOWN exactly 107 bytes", "PROXY UNKNOWN " + "x".repeat(91) + "\r\n" + HTTP, none(107, 1)),

  // ── not a PROXY header: HTTP ──
  bad("POST is HTTP at its second byte", "POST / HTTP/1.1\r\n", E.NOT_PROXY_HEADER),
  bad("PROXX", "PROXX", E.NOT_PROXY_HEADER),
  bad("PROXY without its space", "PROXY\r\n", E.NOT_PROXY_HEADER),
  bad("GET", HTTP, E.NOT_PROXY_HEADER),
  bad("leading CRLF then GET (RFC 9112 §2.2 empty line)", "\r\nGET / HTTP/1.1\r\n", E.NOT_PROXY_HEADER),
  bad("v2 signature wrong in its last byte", V2_SIG.slice(0, 11) + "X" + "\x21\x11" + u16(12) + V4_BODY, E.NOT_PROXY_HEADER),

  // ── v2, valid ──
  ok("v2 PROXY TCP over IPv4", v2(0x21, 0x11, V4_BODY), {
    consumed: 28,
    version: 2,
    source: "192.0.2.7",
    sourcePort: 51234,
    destination: "10.0.0.1",
    destinationPort: 80,
  }),
  ok("v2 followed by a request", v2(0x21, 0x11, V4_BODY) + HTTP, {
    consumed: 28,
    version: 2,
    source: "192.0.2.7",
    sourcePort: 51234,
    destination: "10.0.0.1",
    destinationPort: 80,
  }),
  ok("v2 PROXY TCP over IPv6", v2(0x21, 0x21, V6_BODY), {
    consumed: 52,
    version: 2,
    source: "2001:db8::1",
    sourcePort: 443,
    destination: "::1",
    destinationPort: 8443,
  }),
  ok("v2 TLVs after the addresses are skipped", v2(0x21, 0x11, V4_BODY + "\x04" + u16(3) + "abc" + "\x20" + u16(1) + "\x01") + HTTP, {
    consumed: 28 + 10,
    version: 2,
    source: "192.0.2.7",
    sourcePort: 51234,
    destination: "10.0.0.1",
    destinationPort: 80,
  }),
  ok("v2 LOCAL (a health check): addresses ignored", v2(0x20, 0x11, V4_BODY) + HTTP, none(28, 2)),
  ok("v2 LOCAL UNSPEC, empty", v2(0x20, 0x00, ""), none(16, 2)),
  ok("v2 LOCAL with a UNIX family is still LOCAL", v2(0x20, 0x31, ""), none(16, 2)),
  ok("v2 PROXY UNSPEC: the connection's addresses stand", v2(0x21, 0x00, "abc"), none(19, 2)),
  ok("v2 the largest length allowed", v2(0x21, 0x11, V4_BODY + "\xee" + u16(2048 - 15) + "z".repeat(2048 - 15)), {
    consumed: 16 + 2048,
    version: 2,
    source: "192.0.2.7",
    sourcePort: 51234,
    destination: "10.0.0.1",
    destinationPort: 80,
  }),

  // ── v2, invalid ──
  bad("v2 version 1", v2(0x11, 0x11, V4_BODY), E.E_PROXY_BAD_PROTOCOL),
  bad("v2 version 3", v2(0x31, 0x11, V4_BODY), E.E_PROXY_BAD_PROTOCOL),
  bad("v2 command 2", v2(0x22, 0x11, V4_BODY), E.E_PROXY_BAD_PROTOCOL),
  bad("v2 UDP over IPv4", v2(0x21, 0x12, V4_BODY), E.E_PROXY_BAD_PROTOCOL),
  bad("v2 UNIX stream", v2(0x21, 0x31, "\0".repeat(216)), E.E_PROXY_BAD_PROTOCOL),
  bad("v2 family 4", v2(0x21, 0x41, V4_BODY), E.E_PROXY_BAD_PROTOCOL),
  bad("v2 IPv4 length 11", v2(0x21, 0x11, V4_BODY.slice(0, 11)), E.E_PROXY_BAD_LENGTH),
  bad("v2 IPv6 with an IPv4 body length", v2(0x21, 0x21, V4_BODY), E.E_PROXY_BAD_LENGTH),
  bad("v2 length over the limit", v2(0x21, 0x11, V4_BODY, 2049), E.E_PROXY_BAD_LENGTH),
  bad("v2 length 65535", v2(0x21, 0x11, V4_BODY, 65535), E.E_PROXY_BAD_LENGTH),
];
