/**
 * The request-head table: each row is a raw request and what the parser must make of it.
 * Rows that expect a head list only the fields they are about; the runner checks those.
 */
import { AB_REQUEST, BROWSER_REQUEST, CHUNKED_POST, WRK_REQUEST } from "../../bench/corpora.ts";
import * as E from "../../src/parser/errors.ts";

/** Expected fields of a successful parse; omitted fields are not checked. */
export interface HeadExpect {
  consumed?: number;
  method?: string;
  target?: string;
  version?: string;
  headers?: [string, string][];
  contentLength?: number;
  chunked?: boolean;
  keepAlive?: boolean;
}

/** One row of the table. */
export interface HeadCase {
  name: string;
  input: string;
  expect: HeadExpect | { error: number };
  limits?: { maxRequestLine?: number; maxHead?: number; maxHeaders?: number };
}

const ok = (name: string, input: string, expect: HeadExpect = {}, limits?: HeadCase["limits"]): HeadCase => ({
  name,
  input,
  expect,
  limits,
});
const bad = (name: string, input: string, error: number, limits?: HeadCase["limits"]): HeadCase => ({
  name,
  input,
  expect: { error },
  limits,
});

const H11 = "Host: a\r\n";
const BROWSER = BROWSER_REQUEST;

export const HEAD_CASES: HeadCase[] = [
  // ── valid request lines ──────────────────────────────────────────────────────────────────
  ok("minimal 1.0", "GET / HTTP/1.0\r\n\r\n", { method: "GET", target: "/", version: "1.0", headers: [], consumed: 18, keepAlive: false }),
  ok("minimal 1.1 with Host", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", { version: "1.1", headers: [["Host", "x"]], keepAlive: true }),
  ok("HEAD", "HEAD /a HTTP/1.0\r\n\r\n", { method: "HEAD", target: "/a" }),
  ok("POST with length", "POST /f HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", { method: "POST", contentLength: 5, consumed: 39 }),
  ok("PUT", "PUT /x HTTP/1.0\r\n\r\n", { method: "PUT" }),
  ok("DELETE", "DELETE /x HTTP/1.0\r\n\r\n", { method: "DELETE" }),
  ok("OPTIONS asterisk", "OPTIONS * HTTP/1.1\r\n" + H11 + "\r\n", { method: "OPTIONS", target: "*" }),
  ok("PATCH", "PATCH /x HTTP/1.0\r\n\r\n", { method: "PATCH" }),
  ok("extension method", "PROPFIND /dav HTTP/1.1\r\n" + H11 + "\r\n", { method: "PROPFIND" }),
  ok("token method with symbols", "M-SEARCH / HTTP/1.1\r\n" + H11 + "\r\n", { method: "M-SEARCH" }),
  ok("lower-case method is a token", "get / HTTP/1.0\r\n\r\n", { method: "get" }),
  ok("GET prefix of a longer method", "GETS / HTTP/1.0\r\n\r\n", { method: "GETS", target: "/" }),
  ok("method shorter than GET", "GE / HTTP/1.0\r\n\r\n", { method: "GE", target: "/" }),
  ok("absolute-form target", "GET http://h:8/p?q HTTP/1.1\r\nHost: h:8\r\n\r\n", { target: "http://h:8/p?q" }),
  ok("query string kept raw", "GET /s?q=a%20b&x=%2f HTTP/1.0\r\n\r\n", { target: "/s?q=a%20b&x=%2f" }),
  ok("target with every allowed symbol", "GET /!$&'()*+,;=:@-._~%41?/? HTTP/1.0\r\n\r\n", { target: "/!$&'()*+,;=:@-._~%41?/?" }),
  // RFC 9112 §3.2 / RFC 3986, with what browsers leave unencoded (WHATWG URL) also admitted.
  ok("browser-unencoded symbols in the path", "GET /a[1]|b^c HTTP/1.0\r\n\r\n", { target: "/a[1]|b^c" }),
  ok("browser-unencoded symbols in the query", "GET /s?f={a}|[b]^`c\\d HTTP/1.0\r\n\r\n", { target: "/s?f={a}|[b]^`c\\d" }),
  ok("a second ? is query data", "GET /s?a?b HTTP/1.0\r\n\r\n", { target: "/s?a?b" }),
  ok("upper- and lower-case hex escapes", "GET /%4a%4B?%7e HTTP/1.0\r\n\r\n", { target: "/%4a%4B?%7e" }),
  ok("escape at the end of the target", "GET /a%20 HTTP/1.0\r\n\r\n", { target: "/a%20" }),
  ok("absolute-form with port, path and query", "GET http://h.example:8080/p?q HTTP/1.1\r\nHost: h.example:8080\r\n\r\n", {
    target: "http://h.example:8080/p?q",
  }),
  ok("absolute-form with scheme symbols", "GET a+b-c.d://h/ HTTP/1.1\r\nHost: h\r\n\r\n", { target: "a+b-c.d://h/" }),
  ok("absolute-form without a path", "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", { target: "http://h" }),
  ok("absolute-form IP-literal host", "GET http://[::1]:80/ HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", { target: "http://[::1]:80/" }),
  ok("authority-form for CONNECT", "CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n", {
    method: "CONNECT",
    target: "h.example:443",
  }),
  ok("HTTP/0.9 with a query", "GET /old?x=1\r\n", { version: "0.9", target: "/old?x=1" }),
  ok("HTTP/1.9 is treated as 1.x", "GET / HTTP/1.9\r\n" + H11 + "\r\n", { version: "1.9", keepAlive: true }),
  ok("HTTP/0.9 simple request", "GET /old\r\n", { method: "GET", target: "/old", version: "0.9", consumed: 10, keepAlive: false }),
  ok("HTTP/0.9 followed by junk is not read", "GET /old\r\nXYZ", { version: "0.9", consumed: 10 }),
  ok("one leading empty line skipped", "\r\nGET / HTTP/1.0\r\n\r\n", { consumed: 20, target: "/" }),
  ok("several leading empty lines skipped", "\r\n\r\n\r\nGET / HTTP/1.0\r\n\r\n", { consumed: 24 }),
  ok("bytes after the head are not consumed", "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n", { consumed: 18 }),
  ok("browser request (703 bytes)", BROWSER, { consumed: BROWSER.length, keepAlive: true, method: "GET" }),
  // The benchmark's other corpora (bench/corpora.ts), so the figures measure heads the tests accept.
  ok("ab -k request", AB_REQUEST, { consumed: AB_REQUEST.length, keepAlive: true, version: "1.0" }),
  ok("wrk request", WRK_REQUEST, { consumed: WRK_REQUEST.length, keepAlive: true, version: "1.1" }),
  ok("chunked POST corpus (head)", CHUNKED_POST, { consumed: CHUNKED_POST.indexOf("\r\n\r\n") + 4, chunked: true, method: "POST" }),

  // ── header fields ────────────────────────────────────────────────────────────────────────
  ok("value OWS trimmed both sides", "GET / HTTP/1.0\r\nA:   b c \t \r\n\r\n", { headers: [["A", "b c"]] }),
  ok("no space after colon", "GET / HTTP/1.0\r\nA:b\r\n\r\n", { headers: [["A", "b"]] }),
  ok("empty value", "GET / HTTP/1.0\r\nA:\r\n\r\n", { headers: [["A", ""]] }),
  ok("whitespace-only value is empty", "GET / HTTP/1.0\r\nA: \t \r\n\r\n", { headers: [["A", ""]] }),
  ok("tab inside value", "GET / HTTP/1.0\r\nA: x\ty\r\n\r\n", { headers: [["A", "x\ty"]] }),
  ok("obs-text in value kept", "GET / HTTP/1.0\r\nA: caf\xe9\r\n\r\n", { headers: [["A", "caf\xe9"]] }),
  ok("colon in value", "GET / HTTP/1.0\r\nA: b:c:d\r\n\r\n", { headers: [["A", "b:c:d"]] }),
  ok("name case preserved", "GET / HTTP/1.0\r\nX-CuStOm: 1\r\n\r\n", { headers: [["X-CuStOm", "1"]] }),
  ok("name with token symbols", "GET / HTTP/1.0\r\nX!#$%&'*+-.^_`|~9: v\r\n\r\n", { headers: [["X!#$%&'*+-.^_`|~9", "v"]] }),
  ok("repeated field kept twice", "GET / HTTP/1.0\r\nA: 1\r\nA: 2\r\n\r\n", {
    headers: [
      ["A", "1"],
      ["A", "2"],
    ],
  }),
  ok("many headers under the limit", "GET / HTTP/1.0\r\n" + "A: b\r\n".repeat(100) + "\r\n", { consumed: 18 + 600 }),
  ok("quote and backslash in value", 'GET / HTTP/1.0\r\nA: "x\\y"\r\n\r\n', { headers: [["A", '"x\\y"']] }),

  // ── persistence (RFC 9112 §9.3) ──────────────────────────────────────────────────────────
  ok("1.0 without Connection is not persistent", "GET / HTTP/1.0\r\n\r\n", { keepAlive: false }),
  ok("1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", { keepAlive: true }),
  ok("1.0 Keep-Alive any case", "GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", { keepAlive: true }),
  ok("1.0 keep-alive in a list", "GET / HTTP/1.0\r\nConnection: foo, keep-alive , bar\r\n\r\n", { keepAlive: true }),
  ok("1.0 keep-alive and close: close wins", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", { keepAlive: false }),
  ok("1.1 persistent by default", "GET / HTTP/1.1\r\n" + H11 + "\r\n", { keepAlive: true }),
  ok("1.1 close", "GET / HTTP/1.1\r\n" + H11 + "Connection: close\r\n\r\n", { keepAlive: false }),
  ok("1.1 CLOSE upper case", "GET / HTTP/1.1\r\n" + H11 + "Connection: CLOSE\r\n\r\n", { keepAlive: false }),
  ok("1.1 close in second Connection field", "GET / HTTP/1.1\r\n" + H11 + "Connection: upgrade\r\nConnection: close\r\n\r\n", {
    keepAlive: false,
  }),
  ok("1.1 closed is not close", "GET / HTTP/1.1\r\n" + H11 + "Connection: closed\r\n\r\n", { keepAlive: true }),
  ok("1.0 keep-alives is not keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n", { keepAlive: false }),
  ok("Keep-Alive header alone does not persist 1.0", "GET / HTTP/1.0\r\nKeep-Alive: 300\r\n\r\n", { keepAlive: false }),

  // ── framing (RFC 9112 §6) ───────────────────────────────────────────────────────────────
  ok("Content-Length 0", "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", { contentLength: 0 }),
  ok("Content-Length with leading zeros", "POST / HTTP/1.0\r\nContent-Length: 007\r\n\r\n", { contentLength: 7 }),
  ok("content-length lower case", "POST / HTTP/1.0\r\ncontent-length: 12\r\n\r\n", { contentLength: 12 }),
  ok("Content-Length with OWS", "POST / HTTP/1.0\r\nContent-Length:  3 \r\n\r\n", { contentLength: 3 }),
  ok("no Content-Length is -1", "GET / HTTP/1.0\r\n\r\n", { contentLength: -1 }),
  ok("largest safe Content-Length", "POST / HTTP/1.0\r\nContent-Length: 9007199254740991\r\n\r\n", { contentLength: 9007199254740991 }),
  ok("chunked on 1.1", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: chunked\r\n\r\n", { chunked: true, contentLength: -1 }),
  ok("CHUNKED any case", "POST / HTTP/1.1\r\n" + H11 + "transfer-encoding: ChUnKeD\r\n\r\n", { chunked: true }),
  ok("chunked with OWS", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding:  chunked \r\n\r\n", { chunked: true }),

  // ── Host ────────────────────────────────────────────────────────────────────────────────
  ok("Host with port", "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", { headers: [["Host", "example.com:8080"]] }),
  ok("Host IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", { headers: [["Host", "[::1]:80"]] }),
  ok("empty Host is allowed", "GET / HTTP/1.1\r\nHost:\r\n\r\n", { headers: [["Host", ""]] }),
  ok("1.0 without Host is fine", "GET / HTTP/1.0\r\n\r\n", { version: "1.0" }),
  ok("host lower case counts", "GET / HTTP/1.1\r\nhost: a\r\n\r\n", { version: "1.1" }),
  ok("HOST upper case counts", "GET / HTTP/1.1\r\nHOST: a\r\n\r\n", { headers: [["HOST", "a"]] }),
  ok("Host in mixed case counts", "GET / HTTP/1.1\r\nhOsT:a\r\n\r\n", { headers: [["hOsT", "a"]] }),

  // ── limits (exactly at them) ─────────────────────────────────────────────────────────────
  ok("request line exactly at the limit", "GET /" + "a".repeat(50 - 14) + " HTTP/1.0\r\n\r\n", { consumed: 54 }, { maxRequestLine: 50 }),
  ok("head exactly at the limit", "GET / HTTP/1.0\r\nA: " + "b".repeat(80 - 23) + "\r\n\r\n", { consumed: 80 }, { maxHead: 80 }),
  ok("exactly maxHeaders fields", "GET / HTTP/1.0\r\n" + "A: b\r\n".repeat(3) + "\r\n", { consumed: 18 + 18 }, { maxHeaders: 3 }),

  // ── request line errors ──────────────────────────────────────────────────────────────────
  bad("empty method", " / HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("method with a slash", "GE/T / HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("method with a control byte", "G\x01T / HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("double space after method", "GET  / HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("double space before version", "GET /  HTTP/1.0\r\n\r\n", E.E_BAD_VERSION),
  bad("tab after method", "GET\t/ HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("tab before version", "GET /\tHTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("method alone", "GET\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("space in target", "GET /a b HTTP/1.0\r\n\r\n", E.E_BAD_VERSION),
  bad("raw UTF-8 in target", "GET /caf\xc3\xa9 HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("NUL in target", "GET /a\x00b HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("DEL in target", "GET /a\x7f HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("trailing space after version", "GET / HTTP/1.0 \r\n\r\n", E.E_BAD_VERSION),
  bad("lower-case http", "GET / http/1.0\r\n\r\n", E.E_BAD_VERSION),
  bad("version without minor", "GET / HTTP/1\r\n\r\n", E.E_BAD_VERSION),
  bad("two-digit minor", "GET / HTTP/1.10\r\n\r\n", E.E_BAD_VERSION),
  bad("two-digit major", "GET / HTTP/11.0\r\n\r\n", E.E_BAD_VERSION),
  bad("version with letters", "GET / HTTP/a.b\r\n\r\n", E.E_BAD_VERSION),
  bad("HTTPS/1.1", "GET / HTTPS/1.1\r\n\r\n", E.E_BAD_VERSION),
  bad("version comma", "GET / HTTP/1,1\r\n\r\n", E.E_BAD_VERSION),
  bad("HTTP/2.0 is unsupported", "GET / HTTP/2.0\r\n\r\n", E.E_UNSUPPORTED_VERSION),
  bad("HTTP/0.9 written out is unsupported", "GET / HTTP/0.9\r\n\r\n", E.E_UNSUPPORTED_VERSION),
  bad("HTTP/3.0 is unsupported", "GET / HTTP/3.0\r\n\r\n", E.E_UNSUPPORTED_VERSION),
  bad("versionless POST", "POST /x\r\n", E.E_BAD_SIMPLE_REQUEST),
  bad("versionless HEAD", "HEAD /x\r\n", E.E_BAD_SIMPLE_REQUEST),
  bad("versionless lower-case get", "get /x\r\n", E.E_BAD_SIMPLE_REQUEST),
  bad("simple request with bare LF", "GET /x\n", E.E_BAD_REQUEST_LINE),
  bad("request line ending in bare LF", "GET / HTTP/1.0\n\r\n", E.E_BAD_VERSION),
  bad("request line ending in bare CR", "GET / HTTP/1.0\rX\r\n\r\n", E.E_BARE_CR),
  bad("bare LF leading line", "\nGET / HTTP/1.0\r\n\r\n", E.E_BARE_LF),
  bad("bare CR leading line", "\rGET / HTTP/1.0\r\n\r\n", E.E_BARE_CR),
  bad("leading space line", " \r\nGET / HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),
  bad("TLS ClientHello bytes", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", E.E_BAD_REQUEST_LINE),
  bad("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", E.E_UNSUPPORTED_VERSION),
  bad("empty target", "GET  HTTP/1.0\r\n\r\n", E.E_BAD_REQUEST_LINE),

  // ── request-target rules (RFC 9112 §3.2, RFC 3986 §2–3) ─────────────────────────────────
  bad("fragment in the target", "GET /a#b HTTP/1.0\r\n\r\n", E.E_BAD_TARGET),
  bad("fragment after a query", "GET /a?b#c HTTP/1.0\r\n\r\n", E.E_BAD_TARGET),
  bad("quote in the path", 'GET /a"b HTTP/1.0\r\n\r\n', E.E_BAD_TARGET),
  bad("quote in the query", 'GET /a?b"c HTTP/1.0\r\n\r\n', E.E_BAD_TARGET),
  bad("angle brackets in the path", "GET /<script> HTTP/1.0\r\n\r\n", E.E_BAD_TARGET),
  bad("angle bracket in the query", "GET /a?<b HTTP/1.0\r\n\r\n", E.E_BAD_TARGET),
  bad("brace in the path", "GET /a{b} HTTP/1.0\r\n\r\n", E.E_BAD_TARGET),
  bad("backquote in the path", "GET /a`b HTTP/1.0\r\n\r\n", E.E_BAD_TARGET),
  bad("backslash in the path", "GET /a\\b HTTP/1.0\r\n\r\n", E.E_BAD_TARGET),
  bad("percent without digits", "GET /a% HTTP/1.0\r\n\r\n", E.E_BAD_PERCENT_ENCODING),
  bad("percent with one digit", "GET /a%4 HTTP/1.0\r\n\r\n", E.E_BAD_PERCENT_ENCODING),
  bad("percent with a non-hex digit", "GET /a%4g HTTP/1.0\r\n\r\n", E.E_BAD_PERCENT_ENCODING),
  bad("percent with non-hex digits in the query", "GET /s?x=%ZZ HTTP/1.0\r\n\r\n", E.E_BAD_PERCENT_ENCODING),
  bad("percent sign alone in the query", "GET /s?100% HTTP/1.0\r\n\r\n", E.E_BAD_PERCENT_ENCODING),
  bad("asterisk-form with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", E.E_BAD_TARGET),
  bad("asterisk followed by more", "OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", E.E_BAD_TARGET),
  bad("authority-form with GET", "GET h.example:80 HTTP/1.1\r\nHost: a\r\n\r\n", E.E_BAD_TARGET),
  bad("relative path", "GET a/b HTTP/1.0\r\n\r\n", E.E_BAD_TARGET),
  bad("scheme without //", "GET http:x HTTP/1.1\r\nHost: a\r\n\r\n", E.E_BAD_TARGET),
  bad("absolute-form with an empty host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", E.E_BAD_TARGET),
  bad("scheme starting with a digit", "GET 1http://h/ HTTP/1.1\r\nHost: a\r\n\r\n", E.E_BAD_TARGET),
  bad("HTTP/0.9 with a fragment", "GET /old#x\r\n", E.E_BAD_TARGET),

  // ── header errors ────────────────────────────────────────────────────────────────────────
  bad("bare LF ends a field line", "GET / HTTP/1.0\r\nA: b\n\r\n", E.E_BARE_LF),
  bad("bare CR inside a value", "GET / HTTP/1.0\r\nA: b\rc\r\n\r\n", E.E_BARE_CR),
  bad("bare LF as the final empty line", "GET / HTTP/1.0\r\nA: b\r\n\n", E.E_BARE_LF),
  bad("bare CR as the final empty line", "GET / HTTP/1.0\r\nA: b\r\n\rX", E.E_BARE_CR),
  bad("space before colon", "GET / HTTP/1.0\r\nA : b\r\n\r\n", E.E_SPACE_BEFORE_COLON),
  bad("tab before colon", "GET / HTTP/1.0\r\nA\t: b\r\n\r\n", E.E_SPACE_BEFORE_COLON),
  bad("obs-fold with space", "GET / HTTP/1.0\r\nA: b\r\n c\r\n\r\n", E.E_OBS_FOLD),
  bad("obs-fold with tab", "GET / HTTP/1.0\r\nA: b\r\n\tc\r\n\r\n", E.E_OBS_FOLD),
  bad("first field line folded", "GET / HTTP/1.0\r\n A: b\r\n\r\n", E.E_OBS_FOLD),
  bad("empty field name", "GET / HTTP/1.0\r\n: b\r\n\r\n", E.E_BAD_HEADER_NAME),
  bad("name with a slash", "GET / HTTP/1.0\r\nA/B: c\r\n\r\n", E.E_BAD_HEADER_NAME),
  bad("name with a quote", 'GET / HTTP/1.0\r\nA"B: c\r\n\r\n', E.E_BAD_HEADER_NAME),
  bad("name with a non-ASCII byte", "GET / HTTP/1.0\r\nA\xe9: c\r\n\r\n", E.E_BAD_HEADER_NAME),
  bad("field line without colon", "GET / HTTP/1.0\r\nJustAName\r\n\r\n", E.E_BAD_HEADER_NAME),
  bad("NUL in value", "GET / HTTP/1.0\r\nA: b\x00c\r\n\r\n", E.E_BAD_HEADER_VALUE),
  bad("DEL in value", "GET / HTTP/1.0\r\nA: b\x7fc\r\n\r\n", E.E_BAD_HEADER_VALUE),
  bad("escape byte in value", "GET / HTTP/1.0\r\nA: \x1b[31m\r\n\r\n", E.E_BAD_HEADER_VALUE),
  bad("vertical tab in value", "GET / HTTP/1.0\r\nA: b\x0bc\r\n\r\n", E.E_BAD_HEADER_VALUE),
  bad("form feed before the value", "GET / HTTP/1.0\r\nA:\x0cb\r\n\r\n", E.E_BAD_HEADER_VALUE),

  // ── framing errors ───────────────────────────────────────────────────────────────────────
  bad("Content-Length negative", "POST / HTTP/1.0\r\nContent-Length: -1\r\n\r\n", E.E_BAD_CONTENT_LENGTH),
  bad("Content-Length plus sign", "POST / HTTP/1.0\r\nContent-Length: +5\r\n\r\n", E.E_BAD_CONTENT_LENGTH),
  bad("Content-Length hex", "POST / HTTP/1.0\r\nContent-Length: 0x10\r\n\r\n", E.E_BAD_CONTENT_LENGTH),
  bad("Content-Length empty", "POST / HTTP/1.0\r\nContent-Length:\r\n\r\n", E.E_BAD_CONTENT_LENGTH),
  bad("Content-Length list", "POST / HTTP/1.0\r\nContent-Length: 5, 5\r\n\r\n", E.E_BAD_CONTENT_LENGTH),
  bad("Content-Length inner space", "POST / HTTP/1.0\r\nContent-Length: 1 2\r\n\r\n", E.E_BAD_CONTENT_LENGTH),
  bad("Content-Length too large", "POST / HTTP/1.0\r\nContent-Length: 9007199254740992\r\n\r\n", E.E_BAD_CONTENT_LENGTH),
  bad("Content-Length huge", "POST / HTTP/1.0\r\nContent-Length: 99999999999999999999999\r\n\r\n", E.E_BAD_CONTENT_LENGTH),
  bad("duplicate equal Content-Length", "POST / HTTP/1.0\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", E.E_DUPLICATE_CONTENT_LENGTH),
  bad("differing Content-Length", "POST / HTTP/1.0\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n", E.E_DUPLICATE_CONTENT_LENGTH),
  bad(
    "TE with Content-Length",
    "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
    E.E_TE_WITH_CONTENT_LENGTH,
  ),
  bad(
    "Content-Length with TE (order)",
    "POST / HTTP/1.1\r\n" + H11 + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    E.E_TE_WITH_CONTENT_LENGTH,
  ),
  bad("TE on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", E.E_TE_ON_HTTP10),
  bad("TE gzip is unsupported", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: gzip\r\n\r\n", E.E_UNSUPPORTED_TRANSFER_ENCODING),
  bad(
    "TE gzip, chunked is unsupported",
    "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: gzip, chunked\r\n\r\n",
    E.E_UNSUPPORTED_TRANSFER_ENCODING,
  ),
  bad("TE chunked not final", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: chunked, gzip\r\n\r\n", E.E_BAD_TRANSFER_ENCODING),
  bad("TE chunked twice", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: chunked, chunked\r\n\r\n", E.E_BAD_TRANSFER_ENCODING),
  bad(
    "TE chunked in two fields",
    "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    E.E_BAD_TRANSFER_ENCODING,
  ),
  bad("TE empty", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding:\r\n\r\n", E.E_BAD_TRANSFER_ENCODING),
  bad("TE empty element", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: ,chunked\r\n\r\n", E.E_BAD_TRANSFER_ENCODING),
  bad("TE chunkedx", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: chunkedx\r\n\r\n", E.E_UNSUPPORTED_TRANSFER_ENCODING),
  bad("TE with a parameter", "POST / HTTP/1.1\r\n" + H11 + "Transfer-Encoding: chunked;q=1\r\n\r\n", E.E_UNSUPPORTED_TRANSFER_ENCODING),

  // ── Host errors ──────────────────────────────────────────────────────────────────────────
  bad("1.1 without Host", "GET / HTTP/1.1\r\n\r\n", E.E_MISSING_HOST),
  bad("1.1 without Host but other fields", "GET / HTTP/1.1\r\nA: b\r\n\r\n", E.E_MISSING_HOST),
  bad("Hostname is not Host", "GET / HTTP/1.1\r\nHostname: a\r\n\r\n", E.E_MISSING_HOST),
  bad("Hos is not Host", "GET / HTTP/1.1\r\nHos: a\r\n\r\n", E.E_MISSING_HOST),
  bad("Host? is not Host", "GET / HTTP/1.1\r\nHosu: a\r\n\r\n", E.E_MISSING_HOST),
  bad("space before the colon of Host", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", E.E_SPACE_BEFORE_COLON),
  bad("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", E.E_DUPLICATE_HOST),
  bad("two Host fields on 1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", E.E_DUPLICATE_HOST),
  bad("Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", E.E_BAD_HOST),
  bad("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", E.E_BAD_HOST),
  bad("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", E.E_BAD_HOST),
  bad("HTTP/1.9 without Host", "GET / HTTP/1.9\r\n\r\n", E.E_MISSING_HOST),

  // ── limits ───────────────────────────────────────────────────────────────────────────────
  bad("request line one over the limit", "GET /" + "a".repeat(50 - 13) + " HTTP/1.0\r\n\r\n", E.E_REQUEST_LINE_TOO_LONG, {
    maxRequestLine: 50,
  }),
  bad("endless request line", "GET /" + "a".repeat(200), E.E_REQUEST_LINE_TOO_LONG, { maxRequestLine: 50 }),
  bad("endless method", "G".repeat(100), E.E_REQUEST_LINE_TOO_LONG, { maxRequestLine: 50 }),
  bad("head one over the limit", "GET / HTTP/1.0\r\nA: " + "b".repeat(80 - 22) + "\r\n\r\n", E.E_HEAD_TOO_LARGE, { maxHead: 80 }),
  bad("endless header value", "GET / HTTP/1.0\r\nA: " + "b".repeat(200), E.E_HEAD_TOO_LARGE, { maxHead: 80 }),
  bad("endless empty lines", "\r\n".repeat(100), E.E_HEAD_TOO_LARGE, { maxHead: 80 }),
  bad("one field over maxHeaders", "GET / HTTP/1.0\r\n" + "A: b\r\n".repeat(4) + "\r\n", E.E_TOO_MANY_HEADERS, { maxHeaders: 3 }),
  bad("101 fields by default", "GET / HTTP/1.0\r\n" + "A: b\r\n".repeat(101) + "\r\n", E.E_TOO_MANY_HEADERS),
  bad("bad byte after the head limit is not reached", "GET / HTTP/1.0\r\nA: " + "b".repeat(100) + "\x00", E.E_HEAD_TOO_LARGE, {
    maxHead: 80,
  }),
  bad("bad byte before the limit wins", "GET / HTTP/1.0\r\nA: b\x00" + "b".repeat(100), E.E_BAD_HEADER_VALUE, { maxHead: 80 }),
];
