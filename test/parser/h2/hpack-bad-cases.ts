/**
 * The bad-block table: every HPACK decoding error and every malformed-request rule, each as a
 * sequence of blocks on one connection (earlier blocks set the table up; the outcome of every
 * block is compared). `expect` names the last block's outcome: a connection error, or the code
 * checkRequest() gives (0 for the good cases kept beside them as controls).
 */
import {
  E_HPACK_BAD_INDEX,
  E_HPACK_HUFFMAN_EOS,
  E_HPACK_HUFFMAN_PADDING,
  E_HPACK_INTEGER_OVERFLOW,
  E_HPACK_SIZE_UPDATE_MISPLACED,
  E_HPACK_STRINGS_TOO_LONG,
  E_HPACK_TABLE_SIZE_TOO_LARGE,
  E_HPACK_TRUNCATED,
  MALFORMED_CONNECT,
  MALFORMED_CONNECTION_FIELD,
  MALFORMED_EMPTY_PATH,
  MALFORMED_MISSING_PSEUDO,
  MALFORMED_NAME,
  MALFORMED_PSEUDO_AFTER_FIELD,
  MALFORMED_PSEUDO_IN_TRAILERS,
  MALFORMED_PSEUDO_REPEATED,
  MALFORMED_RESPONSE_PSEUDO,
  MALFORMED_TE,
  MALFORMED_UNKNOWN_PSEUDO,
  MALFORMED_VALUE,
} from "../../../src/parser/h2/hpack-errors.ts";
import { GET_HEAD, idx, int, lit, litIndexed, sizeUpdate, str } from "./hpack-build.ts";

/** One row. */
export interface BadCase {
  readonly name: string;
  readonly blocks: readonly (readonly number[])[];
  readonly expect: { readonly error: number } | { readonly check: number };
  /** The last block is a trailer section. */
  readonly trailers?: boolean;
}

const CONNECT = [...litIndexed(2, "CONNECT"), ...litIndexed(1, "example.com:443")];

export const BAD_CASES: readonly BadCase[] = [
  // RFC 7541: connection errors (COMPRESSION_ERROR unless said otherwise).
  { name: "index 0 (§6.1)", blocks: [[0x80]], expect: { error: E_HPACK_BAD_INDEX } },
  { name: "index 62 with an empty dynamic table (§2.3.3)", blocks: [idx(62)], expect: { error: E_HPACK_BAD_INDEX } },
  {
    name: "index 63 with one dynamic entry",
    blocks: [[...lit("a", "b", 0x40), ...idx(62), ...idx(63)]],
    expect: { error: E_HPACK_BAD_INDEX },
  },
  {
    name: "index one past the table, from an earlier block",
    blocks: [lit("a", "b", 0x40), [...idx(62), ...idx(63)]],
    expect: { error: E_HPACK_BAD_INDEX },
  },
  { name: "literal whose name index is beyond the tables", blocks: [litIndexed(62, "v", 0x40)], expect: { error: E_HPACK_BAD_INDEX } },
  {
    name: "integer with a fifth continuation byte (§5.1)",
    blocks: [[0xff, 0x80, 0x80, 0x80, 0x80, 0x01]],
    expect: { error: E_HPACK_INTEGER_OVERFLOW },
  },
  { name: "integer above 2^24 (§5.1)", blocks: [[0xff, 0xff, 0xff, 0xff, 0x7f]], expect: { error: E_HPACK_INTEGER_OVERFLOW } },
  { name: "string length integer above 2^24", blocks: [[0x00, 0x7f, 0xff, 0xff, 0xff, 0x7f]], expect: { error: E_HPACK_INTEGER_OVERFLOW } },
  {
    name: "Huffman string holding EOS (§5.2)",
    blocks: [[0x00, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]],
    expect: { error: E_HPACK_HUFFMAN_EOS },
  },
  { name: "Huffman padding of 8 ones (§5.2)", blocks: [[0x00, 0x81, 0xff, 0x00]], expect: { error: E_HPACK_HUFFMAN_PADDING } },
  { name: "Huffman padding not all ones (§5.2)", blocks: [[0x00, 0x81, 0x18, 0x00]], expect: { error: E_HPACK_HUFFMAN_PADDING } },
  {
    name: "Huffman value with bad padding after a good name",
    blocks: [[0x00, 0x81, 0x1f, 0x81, 0x00]],
    expect: { error: E_HPACK_HUFFMAN_PADDING },
  },
  { name: "table size update above our 4096 (§6.3)", blocks: [sizeUpdate(4097)], expect: { error: E_HPACK_TABLE_SIZE_TOO_LARGE } },
  {
    name: "table size update after a field (§4.2)",
    blocks: [[...idx(2), ...sizeUpdate(0)]],
    expect: { error: E_HPACK_SIZE_UPDATE_MISPLACED },
  },
  { name: "block ends inside a string", blocks: [[0x40, 0x0a, 0x63, 0x75]], expect: { error: E_HPACK_TRUNCATED } },
  { name: "block ends inside an integer", blocks: [[...GET_HEAD, 0xff]], expect: { error: E_HPACK_TRUNCATED } },
  { name: "block ends after a literal's name", blocks: [[...GET_HEAD, 0x00, ...str("x-a")]], expect: { error: E_HPACK_TRUNCATED } },
  {
    name: "name and value lengths over HPACK_MAX_STRINGS, before their bytes (ENHANCE_YOUR_CALM)",
    blocks: [[0x00, ...int(10000, 7), ...Array(10000).fill(0x61), ...int(10481, 7)]],
    expect: { error: E_HPACK_STRINGS_TOO_LONG },
  },
  { name: "one name longer than HPACK_MAX_STRINGS", blocks: [[0x00, ...int(20481, 7)]], expect: { error: E_HPACK_STRINGS_TOO_LONG } },
  // Good controls next to the errors.
  { name: "size update 4096 then a request", blocks: [[...sizeUpdate(4096), ...GET_HEAD]], expect: { check: 0 } },
  { name: "two size updates at the start (§4.2)", blocks: [[...sizeUpdate(0), ...sizeUpdate(100), ...GET_HEAD]], expect: { check: 0 } },
  {
    name: "size update 0 evicts, then index 62 is gone",
    blocks: [lit("a", "b", 0x40), [...sizeUpdate(0), ...idx(62)]],
    expect: { error: E_HPACK_BAD_INDEX },
  },
  {
    name: "request with indexed, literal, never-indexed and Huffman fields",
    blocks: [[...GET_HEAD, ...lit("x-a", "1", 0x40), ...idx(62), ...lit("authorization", "s", 0x10), 0x00, 0x81, 0x1f, 0x81, 0x1f]],
    expect: { check: 0 },
  },
  { name: "te: trailers", blocks: [[...GET_HEAD, ...lit("te", "trailers")]], expect: { check: 0 } },
  { name: "empty value", blocks: [[...GET_HEAD, ...lit("x-empty", "")]], expect: { check: 0 } },
  { name: "CONNECT with :authority only (RFC 9113 §8.5)", blocks: [CONNECT], expect: { check: 0 } },
  {
    name: "extended CONNECT with :protocol (RFC 8441 §4)",
    blocks: [
      [
        ...litIndexed(2, "CONNECT"),
        ...idx(7),
        ...litIndexed(4, "/chat"),
        ...litIndexed(1, "example.com"),
        ...lit(":protocol", "websocket"),
      ],
    ],
    expect: { check: 0 },
  },
  { name: "trailers with regular fields", blocks: [lit("x-checksum", "abc")], trailers: true, expect: { check: 0 } },
  // RFC 9113 §8.2, §8.3: malformed requests (stream errors: the block decodes, the table is in step).
  { name: "uppercase field name", blocks: [[...GET_HEAD, ...lit("X-Upper", "1", 0x40)]], expect: { check: MALFORMED_NAME } },
  { name: "field name with a space", blocks: [[...GET_HEAD, ...lit("x a", "1")]], expect: { check: MALFORMED_NAME } },
  { name: "field name with a colon inside", blocks: [[...GET_HEAD, ...lit("x:a", "1")]], expect: { check: MALFORMED_NAME } },
  { name: "empty field name", blocks: [[...GET_HEAD, ...lit("", "1")]], expect: { check: MALFORMED_NAME } },
  { name: "field name with a byte above 0x7f", blocks: [[...GET_HEAD, ...lit("x-\xe9", "1")]], expect: { check: MALFORMED_NAME } },
  { name: "value with NUL", blocks: [[...GET_HEAD, ...lit("x-a", "a\0b")]], expect: { check: MALFORMED_VALUE } },
  { name: "value with CR", blocks: [[...GET_HEAD, ...lit("x-a", "a\rb")]], expect: { check: MALFORMED_VALUE } },
  { name: "value with LF", blocks: [[...GET_HEAD, ...lit("x-a", "a\nb")]], expect: { check: MALFORMED_VALUE } },
  { name: "value with leading SP", blocks: [[...GET_HEAD, ...lit("x-a", " a")]], expect: { check: MALFORMED_VALUE } },
  { name: "value with trailing HTAB", blocks: [[...GET_HEAD, ...lit("x-a", "a\t")]], expect: { check: MALFORMED_VALUE } },
  {
    name: "pseudo-header value with CR",
    blocks: [[...idx(2), ...idx(7), ...litIndexed(4, "/a\rb"), ...litIndexed(1, "example.com")]],
    expect: { check: MALFORMED_VALUE },
  },
  { name: "unknown pseudo-header", blocks: [[...GET_HEAD, ...lit(":foo", "bar")]], expect: { check: MALFORMED_UNKNOWN_PSEUDO } },
  {
    name: "pseudo-header after a regular field",
    blocks: [[...idx(2), ...idx(7), ...lit("x-a", "1"), ...idx(4), ...litIndexed(1, "e")]],
    expect: { check: MALFORMED_PSEUDO_AFTER_FIELD },
  },
  { name: "repeated :method", blocks: [[...idx(2), ...GET_HEAD]], expect: { check: MALFORMED_PSEUDO_REPEATED } },
  { name: "repeated :path", blocks: [[...GET_HEAD, ...idx(5)]], expect: { check: MALFORMED_PSEUDO_REPEATED } },
  { name: ":status in a request", blocks: [[...idx(8), ...GET_HEAD]], expect: { check: MALFORMED_RESPONSE_PSEUDO } },
  { name: "pseudo-header in trailers", blocks: [idx(2)], trailers: true, expect: { check: MALFORMED_PSEUDO_IN_TRAILERS } },
  ...["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"].map((n) => ({
    name: `connection-specific field ${n}`,
    blocks: [[...GET_HEAD, ...lit(n, "x")]],
    expect: { check: MALFORMED_CONNECTION_FIELD },
  })),
  { name: "static transfer-encoding by index (57)", blocks: [[...GET_HEAD, ...idx(57)]], expect: { check: MALFORMED_CONNECTION_FIELD } },
  {
    name: "static transfer-encoding name with a value",
    blocks: [[...GET_HEAD, ...litIndexed(57, "chunked")]],
    expect: { check: MALFORMED_CONNECTION_FIELD },
  },
  {
    name: "te: gzip from the dynamic table (verdict kept with the entry)",
    blocks: [lit("te", "gzip", 0x40), [...GET_HEAD, ...idx(62)]],
    expect: { check: MALFORMED_TE },
  },
  {
    name: "a valid field from the dynamic table after a malformed block",
    blocks: [
      [...GET_HEAD, ...lit("x-a", "1", 0x40), ...lit("x-b", "a\x00", 0x40)],
      [...GET_HEAD, ...idx(63)],
    ],
    expect: { check: 0 },
  },
  { name: "te: gzip", blocks: [[...GET_HEAD, ...lit("te", "gzip")]], expect: { check: MALFORMED_TE } },
  { name: "te: trailers, gzip", blocks: [[...GET_HEAD, ...lit("te", "trailers, gzip")]], expect: { check: MALFORMED_TE } },
  {
    name: "empty :path",
    blocks: [[...idx(2), ...idx(7), ...litIndexed(4, ""), ...litIndexed(1, "e")]],
    expect: { check: MALFORMED_EMPTY_PATH },
  },
  { name: "no :scheme", blocks: [[...idx(2), ...idx(4), ...litIndexed(1, "e")]], expect: { check: MALFORMED_MISSING_PSEUDO } },
  { name: "no :path", blocks: [[...idx(2), ...idx(7), ...litIndexed(1, "e")]], expect: { check: MALFORMED_MISSING_PSEUDO } },
  { name: "no :method", blocks: [[...idx(7), ...idx(4), ...litIndexed(1, "e")]], expect: { check: MALFORMED_MISSING_PSEUDO } },
  { name: "CONNECT with :path (RFC 9113 §8.5)", blocks: [[...CONNECT, ...idx(4)]], expect: { check: MALFORMED_CONNECT } },
  { name: "CONNECT without :authority", blocks: [litIndexed(2, "CONNECT")], expect: { check: MALFORMED_MISSING_PSEUDO } },
  {
    name: ":protocol without CONNECT (RFC 8441 §4)",
    blocks: [[...GET_HEAD, ...lit(":protocol", "websocket")]],
    expect: { check: MALFORMED_CONNECT },
  },
  {
    name: "malformed field still enters the table (stays in step)",
    blocks: [lit("X-Up", "1", 0x40), [...GET_HEAD, ...idx(62)]],
    expect: { check: MALFORMED_NAME },
  },
];
