/** The body table: raw bytes after a head, the framing, and what the decoder must make of them. */
import * as E from "../../src/parser/errors.ts";

/** One row: `contentLength`/`chunked` as the head said; expect the body text or an error. */
export interface BodyCase {
  name: string;
  input: string;
  contentLength: number;
  chunked: boolean;
  expect: { body: string; consumed: number; trailers?: number } | { error: number } | { incomplete: string };
}

const chunked = (name: string, input: string, expect: BodyCase["expect"]): BodyCase => ({
  name,
  input,
  contentLength: -1,
  chunked: true,
  expect,
});
const length = (name: string, input: string, n: number, expect: BodyCase["expect"]): BodyCase => ({
  name,
  input,
  contentLength: n,
  chunked: false,
  expect,
});

export const BODY_CASES: BodyCase[] = [
  length("exact Content-Length", "hello", 5, { body: "hello", consumed: 5 }),
  length("Content-Length stops at the next request", "helloGET / HTTP/1.0\r\n\r\n", 5, { body: "hello", consumed: 5 }),
  length("short body stays incomplete", "hel", 5, { incomplete: "hel" }),
  length("binary body with CRLFs", "a\r\n\r\nb\x00\xff", 8, { body: "a\r\n\r\nb\x00\xff", consumed: 8 }),
  chunked("one chunk", "5\r\nhello\r\n0\r\n\r\n", { body: "hello", consumed: 15 }),
  chunked("two chunks", "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", { body: "abcde", consumed: 20 }),
  chunked("hex sizes any case", "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n", { body: "01234567890123456789", consumed: 35 }),
  chunked("leading zeros in size", "0005\r\nhello\r\n000\r\n\r\n", { body: "hello", consumed: 20 }),
  chunked("empty body", "0\r\n\r\n", { body: "", consumed: 5 }),
  chunked("next request after the body is not consumed", "0\r\n\r\nGET / HTTP/1.1\r\n", { body: "", consumed: 5 }),
  chunked("extension", "5;name=value\r\nhello\r\n0\r\n\r\n", { body: "hello", consumed: 26 }),
  chunked("extension with BWS and quoted value", '5 ; a = "b c"\r\nhello\r\n0;x\r\n\r\n', { body: "hello", consumed: 29 }),
  // ── chunk-ext (RFC 9112 §7.1.1): every production ──────────────────────────────────────
  chunked("extension name only", "5;a\r\nhello\r\n0\r\n\r\n", { body: "hello", consumed: 17 }),
  chunked("several extensions", '5;a=1;b;c="x"\r\nhello\r\n0\r\n\r\n', { body: "hello", consumed: 27 }),
  chunked("token value with tchar symbols", "5;a=!#$%&'*+-.^_`|~9\r\nhello\r\n0\r\n\r\n", { body: "hello", consumed: 34 }),
  chunked("quoted value with quoted-pairs", '5;a="x\\"y\\\\z"\r\nhello\r\n0\r\n\r\n', { body: "hello", consumed: 27 }),
  chunked("quoted value with obs-text and tab", '5;a="\xe9\tb"\r\nhello\r\n0\r\n\r\n', { body: "hello", consumed: 23 }),
  chunked("BWS with tabs around ; and =", "5\t;\ta\t=\tb\r\nhello\r\n0\r\n\r\n", { body: "hello", consumed: 23 }),
  chunked("extension on the last chunk with a value", "5\r\nhello\r\n0;done=yes\r\n\r\n", { body: "hello", consumed: 24 }),
  chunked("empty extension name", "5;\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("extension value without a name", "5;=v\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("empty extension value", "5;a=\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("double equals", "5;a==b\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("name that is not a token", '5;"a"=b\r\nhello\r\n0\r\n\r\n', { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("name with a slash", "5;a/b\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("two names without a separator", "5;a b\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("token value with a space inside", "5;a=b c\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("whitespace before the CR", "5;a \r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("whitespace after a value before the CR", "5;a=b \r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("unterminated quoted value", '5;a="b\r\nhello\r\n0\r\n\r\n', { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("text after a closing quote", '5;a="b"c\r\nhello\r\n0\r\n\r\n', { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("control byte inside quotes", '5;a="b\x01"\r\nhello\r\n0\r\n\r\n', { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("quoted-pair of a control byte", '5;a="\\\x01"\r\nhello\r\n0\r\n\r\n', { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("DEL in a token value", "5;a=b\x7f\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("bare LF inside quotes", '5;a="b\nc"\r\nhello\r\n0\r\n\r\n', { error: E.E_BARE_LF }),
  chunked("trailers are counted and kept out of the body", "5\r\nhello\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", {
    body: "hello",
    consumed: 31,
    trailers: 2,
  }),
  chunked("data containing CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", { body: "\r\n\r\n", consumed: 14 }),
  chunked("no last chunk yet", "5\r\nhello\r\n", { incomplete: "hello" }),
  chunked("missing final CRLF", "5\r\nhello\r\n0\r\n", { incomplete: "hello" }),
  chunked("empty size", "\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_SIZE }),
  chunked("non-hex size", "g\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_SIZE }),
  chunked("negative size", "-5\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_SIZE }),
  chunked("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_SIZE }),
  chunked("size overflow", "fffffffffffffffff\r\n", { error: E.E_BAD_CHUNK_SIZE }),
  chunked("size with bare LF", "5\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_SIZE }),
  chunked("size with bare CR", "5\rhello\r\n0\r\n\r\n", { error: E.E_BARE_CR }),
  chunked("space then no semicolon", "5 \r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("extension with a control byte", "5;a\x01\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_EXTENSION }),
  chunked("extension with bare LF", "5;a\nhello\r\n0\r\n\r\n", { error: E.E_BARE_LF }),
  chunked("extension over 4 KiB", "5;" + "x".repeat(4200) + "\r\nhello\r\n0\r\n\r\n", { error: E.E_CHUNK_EXTENSION_TOO_LONG }),
  chunked("data longer than the size", "3\r\nhello\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_DATA_END }),
  chunked("data without CRLF", "5\r\nhelloX\r\n0\r\n\r\n", { error: E.E_BAD_CHUNK_DATA_END }),
  chunked("data followed by bare LF", "5\r\nhello\n0\r\n\r\n", { error: E.E_BAD_CHUNK_DATA_END }),
  chunked("data followed by CR only", "5\r\nhello\rX", { error: E.E_BAD_CHUNK_DATA_END }),
  chunked("trailer folded", "0\r\nA: b\r\n c\r\n\r\n", { error: E.E_BAD_TRAILER }),
  chunked("trailer without colon", "0\r\nAB\r\n\r\n", { error: E.E_BAD_TRAILER }),
  chunked("trailer with space before colon", "0\r\nA : b\r\n\r\n", { error: E.E_BAD_TRAILER }),
  chunked("trailer with NUL", "0\r\nA: b\x00\r\n\r\n", { error: E.E_BAD_TRAILER }),
  chunked("trailer with bare LF", "0\r\nA: b\n\r\n", { error: E.E_BARE_LF }),
  chunked("final line bare LF", "0\r\n\n", { error: E.E_BARE_LF }),
  chunked("final line bare CR", "0\r\n\rX", { error: E.E_BARE_CR }),
  chunked("trailer section too large", "0\r\n" + ("A: " + "b".repeat(1000) + "\r\n").repeat(17) + "\r\n", { error: E.E_TRAILER_TOO_LARGE }),
  chunked("too many trailers", "0\r\n" + "A: b\r\n".repeat(101) + "\r\n", { error: E.E_TRAILER_TOO_LARGE }),
];
