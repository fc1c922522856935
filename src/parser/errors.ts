/**
 * Parser outcomes. The parser never throws on bad input: it returns a negative number, and this
 * file is the one table that maps each number to the HTTP status it produces and a reason for the
 * log (public error bodies never echo the input; the reason is for operators).
 */

/** More bytes are needed. Not an error. */
export const INCOMPLETE = -1;

/** Malformed request line (method, spacing, target). 400. */
export const E_BAD_REQUEST_LINE = -2;
/** Versionless request line other than `GET SP target CRLF`. 400. */
export const E_BAD_SIMPLE_REQUEST = -3;
/** Malformed HTTP-version (`HTTP/1.0` shape required). 400. */
export const E_BAD_VERSION = -4;
/** Well-formed version with an unsupported major number. 505. */
export const E_UNSUPPORTED_VERSION = -5;
/** A CR not followed by LF. 400. */
export const E_BARE_CR = -6;
/** A LF not preceded by CR. 400. */
export const E_BARE_LF = -7;
/** A field line beginning with SP or HTAB (obs-fold). 400. */
export const E_OBS_FOLD = -8;
/** Empty field name or a byte that is not a tchar in it. 400. */
export const E_BAD_HEADER_NAME = -9;
/** Whitespace between field name and colon. 400. */
export const E_SPACE_BEFORE_COLON = -10;
/** A control character (or DEL) in a field value. 400. */
export const E_BAD_HEADER_VALUE = -11;
/** Content-Length not 1*DIGIT or too large. 400. */
export const E_BAD_CONTENT_LENGTH = -12;
/** More than one Content-Length field. 400. */
export const E_DUPLICATE_CONTENT_LENGTH = -13;
/** Transfer-Encoding together with Content-Length. 400. */
export const E_TE_WITH_CONTENT_LENGTH = -14;
/** Transfer-Encoding in an HTTP/1.0 request. 400. */
export const E_TE_ON_HTTP10 = -15;
/** Transfer-Encoding whose final coding is not chunked, or repeated. 400. */
export const E_BAD_TRANSFER_ENCODING = -16;
/** A transfer coding other than chunked. 501. */
export const E_UNSUPPORTED_TRANSFER_ENCODING = -17;
/** HTTP/1.1 request without Host. 400. */
export const E_MISSING_HOST = -18;
/** More than one Host field. 400. */
export const E_DUPLICATE_HOST = -19;
/** A Host value with characters outside uri-host [":" port]. 400. */
export const E_BAD_HOST = -20;
/** Request line over the limit. 414. */
export const E_REQUEST_LINE_TOO_LONG = -21;
/** Head over the size limit. 431. */
export const E_HEAD_TOO_LARGE = -22;
/** More header fields than the limit. 431. */
export const E_TOO_MANY_HEADERS = -23;
/** Chunk size not 1*HEXDIG, or too large. 400. */
export const E_BAD_CHUNK_SIZE = -24;
/** Chunk extension malformed. 400. */
export const E_BAD_CHUNK_EXTENSION = -25;
/** Chunk extension over the limit. 413. */
export const E_CHUNK_EXTENSION_TOO_LONG = -26;
/** Missing CRLF after chunk data. 400. */
export const E_BAD_CHUNK_DATA_END = -27;
/** Malformed trailer field. 400. */
export const E_BAD_TRAILER = -28;
/** Trailer section over the head limits. 431. */
export const E_TRAILER_TOO_LARGE = -29;

/** A request-target that is not origin-, absolute-, authority- or asterisk-form as its method allows, or has a character RFC 3986 (and browsers) never put there. 400. */
export const E_BAD_TARGET = -30;
/** A "%" in the request-target not followed by two hex digits (RFC 3986 §2.1). 400. */
export const E_BAD_PERCENT_ENCODING = -31;

// ── PROXY protocol header (HAProxy's proxy-protocol.txt, v1 and v2): proxy-header.ts. ──────────
/** The connection does not begin with a PROXY header signature (not an error: read HTTP). */
export const NOT_PROXY_HEADER = -32;
/** v1 protocol other than TCP4/TCP6/UNKNOWN; v2 version other than 2, an unknown command, family or transport. 400. */
export const E_PROXY_BAD_PROTOCOL = -33;
/** An address that is not canonical IPv4 / IPv6 text (v1), or of the other family than announced. 400. */
export const E_PROXY_BAD_ADDRESS = -34;
/** A port that is not a decimal 0..65535 without leading zeros (v1). 400. */
export const E_PROXY_BAD_PORT = -35;
/** A v1 line that has no CRLF within its 107 bytes. 400. */
export const E_PROXY_LINE_TOO_LONG = -36;
/** A v1 line with the wrong spacing, a missing field or a field too many. 400. */
export const E_PROXY_BAD_LINE = -37;
/** A v2 length shorter than its address block, or longer than MAX_PROXY_V2_LENGTH. 400. */
export const E_PROXY_BAD_LENGTH = -38;

/** Every outcome with its HTTP status and log reason: the one table (DESIGN rule 3). */
const TABLE: readonly (readonly [code: number, status: number, reason: string])[] = [
  [INCOMPLETE, 0, "incomplete"],
  [E_BAD_REQUEST_LINE, 400, "malformed request line"],
  [E_BAD_TARGET, 400, "request-target of the wrong form or with a character not allowed in it"],
  [E_BAD_PERCENT_ENCODING, 400, "percent sign in the request-target not followed by two hex digits"],
  [E_BAD_SIMPLE_REQUEST, 400, "versionless request line that is not GET target CRLF"],
  [E_BAD_VERSION, 400, "malformed HTTP version"],
  [E_UNSUPPORTED_VERSION, 505, "unsupported HTTP major version"],
  [E_BARE_CR, 400, "CR not followed by LF"],
  [E_BARE_LF, 400, "LF without CR"],
  [E_OBS_FOLD, 400, "obsolete line folding"],
  [E_BAD_HEADER_NAME, 400, "empty or invalid field name"],
  [E_SPACE_BEFORE_COLON, 400, "whitespace before colon"],
  [E_BAD_HEADER_VALUE, 400, "control character in field value"],
  [E_BAD_CONTENT_LENGTH, 400, "invalid Content-Length"],
  [E_DUPLICATE_CONTENT_LENGTH, 400, "more than one Content-Length"],
  [E_TE_WITH_CONTENT_LENGTH, 400, "Transfer-Encoding with Content-Length"],
  [E_TE_ON_HTTP10, 400, "Transfer-Encoding in an HTTP/1.0 request"],
  [E_BAD_TRANSFER_ENCODING, 400, "chunked is not the final transfer coding"],
  [E_UNSUPPORTED_TRANSFER_ENCODING, 501, "unsupported transfer coding"],
  [E_MISSING_HOST, 400, "HTTP/1.1 request without Host"],
  [E_DUPLICATE_HOST, 400, "more than one Host"],
  [E_BAD_HOST, 400, "invalid Host"],
  [E_REQUEST_LINE_TOO_LONG, 414, "request line too long"],
  [E_HEAD_TOO_LARGE, 431, "request head too large"],
  [E_TOO_MANY_HEADERS, 431, "too many header fields"],
  [E_BAD_CHUNK_SIZE, 400, "invalid chunk size"],
  [E_BAD_CHUNK_EXTENSION, 400, "invalid chunk extension"],
  [E_CHUNK_EXTENSION_TOO_LONG, 413, "chunk extension too long"],
  [E_BAD_CHUNK_DATA_END, 400, "chunk data not followed by CRLF"],
  [E_BAD_TRAILER, 400, "invalid trailer field"],
  [E_TRAILER_TOO_LARGE, 431, "trailer section too large"],
  [NOT_PROXY_HEADER, 0, "not a PROXY header"],
  [E_PROXY_BAD_PROTOCOL, 400, "PROXY header: unknown protocol, version, command or family"],
  [E_PROXY_BAD_ADDRESS, 400, "PROXY header: address not canonical IPv4/IPv6 or of the wrong family"],
  [E_PROXY_BAD_PORT, 400, "PROXY header: port not 0..65535"],
  [E_PROXY_LINE_TOO_LONG, 400, "PROXY header: v1 line longer than 107 bytes"],
  [E_PROXY_BAD_LINE, 400, "PROXY header: malformed v1 line"],
  [E_PROXY_BAD_LENGTH, 400, "PROXY header: v2 length too short for its addresses or over the limit"],
];

/** Number of distinct outcomes (index = -code), derived from the table. */
const COUNT = Math.max(...TABLE.map(([code]) => -code)) + 1;

/** `ERROR_STATUS[-code]` is the HTTP status for a parser error code. */
export const ERROR_STATUS = new Uint16Array(COUNT);
/** `ERROR_REASON[-code]` is a short human reason, for logs only. */
export const ERROR_REASON: string[] = new Array<string>(COUNT).fill("");
for (const [code, status, reason] of TABLE) {
  ERROR_STATUS[-code] = status;
  ERROR_REASON[-code] = reason;
}

/** The HTTP status a parser error code maps to (0 for INCOMPLETE or an unknown code). */
export function statusOf(code: number): number {
  return code < 0 && -code < COUNT ? ERROR_STATUS[-code]! : 0;
}

/** The log reason of a parser error code. */
export function reasonOf(code: number): string {
  return code < 0 && -code < COUNT ? ERROR_REASON[-code]! : "unknown";
}

/** The highest error index; error codes run from -2 down to -ERROR_COUNT + 1. */
export const ERROR_COUNT = COUNT;
