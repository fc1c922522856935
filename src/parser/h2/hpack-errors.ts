/**
 * HPACK (RFC 7541) and HTTP/2 field-section (RFC 9113 §8.2, §8.3) outcomes, in one table. Codes
 * are negative integers of their own range (-101 and below), apart from the HTTP/1 parser's
 * (src/parser/errors.ts) and the frame layer's, so a log line names the layer by its number.
 *
 * Two kinds:
 * - E_HPACK_*: the header block cannot be decoded, so the decoder's table is out of step with the
 *   peer's: a connection error, answered with GOAWAY and the HTTP/2 error code of the table
 *   (COMPRESSION_ERROR, RFC 9113 §4.3; ENHANCE_YOUR_CALM for a limit of ours).
 * - MALFORMED_*: the block decoded, the table is in step, but the request is malformed (RFC 9113
 *   §8.1.1): a stream error of type PROTOCOL_ERROR (RST_STREAM), the connection lives on.
 */

/** RFC 9113 §7: PROTOCOL_ERROR, the code of a malformed request's RST_STREAM. */
export const H2_PROTOCOL_ERROR = 0x1;
/** RFC 9113 §7: COMPRESSION_ERROR, "unable to maintain the field compression context". */
export const H2_COMPRESSION_ERROR = 0x9;
/** RFC 9113 §7: ENHANCE_YOUR_CALM, the peer exceeds a limit we set against abuse. */
export const H2_ENHANCE_YOUR_CALM = 0xb;

/** Index 0, or beyond the static and dynamic tables (RFC 7541 §2.3.3, §6.1). COMPRESSION_ERROR. */
export const E_HPACK_BAD_INDEX = -101;
/** An integer longer than HPACK_MAX_INTEGER_BYTES or larger than HPACK_MAX_INTEGER (§5.1). COMPRESSION_ERROR. */
export const E_HPACK_INTEGER_OVERFLOW = -102;
/** The Huffman code of EOS inside a string (§5.2). COMPRESSION_ERROR. */
export const E_HPACK_HUFFMAN_EOS = -103;
/** Huffman padding longer than 7 bits or not all ones (§5.2). COMPRESSION_ERROR. */
export const E_HPACK_HUFFMAN_PADDING = -104;
/** A dynamic table size update above the SETTINGS_HEADER_TABLE_SIZE we advertised (§6.3). COMPRESSION_ERROR. */
export const E_HPACK_TABLE_SIZE_TOO_LARGE = -105;
/** A dynamic table size update after a field of the same block (§4.2). COMPRESSION_ERROR. */
export const E_HPACK_SIZE_UPDATE_MISPLACED = -106;
/** The block ended inside a representation (RFC 9113 §4.3: a truncated block). COMPRESSION_ERROR. */
export const E_HPACK_TRUNCATED = -107;
/** A representation whose name and value lengths add up to more than HPACK_MAX_STRINGS. ENHANCE_YOUR_CALM. */
export const E_HPACK_STRINGS_TOO_LONG = -108;

/** A field name empty, with an uppercase letter, or with a byte that is not a tchar (RFC 9113 §8.2.1). */
export const MALFORMED_NAME = -121;
/** A field value with NUL, CR or LF, or beginning or ending with SP or HTAB (RFC 9113 §8.2.1). */
export const MALFORMED_VALUE = -122;
/** A pseudo-header field other than :method :scheme :authority :path :protocol (RFC 9113 §8.3). */
export const MALFORMED_UNKNOWN_PSEUDO = -123;
/** A pseudo-header field after a regular field (RFC 9113 §8.3). */
export const MALFORMED_PSEUDO_AFTER_FIELD = -124;
/** A pseudo-header field given twice (RFC 9113 §8.3.1). */
export const MALFORMED_PSEUDO_REPEATED = -125;
/** :status, a response pseudo-header, in a request (RFC 9113 §8.3). */
export const MALFORMED_RESPONSE_PSEUDO = -126;
/** Any pseudo-header field in trailers (RFC 9113 §8.1). */
export const MALFORMED_PSEUDO_IN_TRAILERS = -127;
/** connection, keep-alive, proxy-connection, transfer-encoding or upgrade (RFC 9113 §8.2.2). */
export const MALFORMED_CONNECTION_FIELD = -128;
/** te with a value other than `trailers` (RFC 9113 §8.2.2). */
export const MALFORMED_TE = -129;
/** An empty :path (RFC 9113 §8.3.1). */
export const MALFORMED_EMPTY_PATH = -130;
/** :method, :scheme or :path missing; for CONNECT, :authority missing (RFC 9113 §8.3.1, §8.5). */
export const MALFORMED_MISSING_PSEUDO = -131;
/** CONNECT with :scheme or :path (RFC 9113 §8.5), or :protocol without CONNECT (RFC 8441 §4). */
export const MALFORMED_CONNECT = -132;

/** Every outcome with its HTTP/2 error code and a reason for the log: the one table (DESIGN rule 3). */
const TABLE: readonly (readonly [code: number, h2Error: number, reason: string])[] = [
  [E_HPACK_BAD_INDEX, H2_COMPRESSION_ERROR, "HPACK: index 0 or beyond the tables"],
  [E_HPACK_INTEGER_OVERFLOW, H2_COMPRESSION_ERROR, "HPACK: integer too long or too large"],
  [E_HPACK_HUFFMAN_EOS, H2_COMPRESSION_ERROR, "HPACK: EOS in a Huffman-coded string"],
  [E_HPACK_HUFFMAN_PADDING, H2_COMPRESSION_ERROR, "HPACK: Huffman padding over 7 bits or not all ones"],
  [E_HPACK_TABLE_SIZE_TOO_LARGE, H2_COMPRESSION_ERROR, "HPACK: table size update above our SETTINGS_HEADER_TABLE_SIZE"],
  [E_HPACK_SIZE_UPDATE_MISPLACED, H2_COMPRESSION_ERROR, "HPACK: table size update after a field"],
  [E_HPACK_TRUNCATED, H2_COMPRESSION_ERROR, "HPACK: header block ends inside a representation"],
  [E_HPACK_STRINGS_TOO_LONG, H2_ENHANCE_YOUR_CALM, "HPACK: name and value longer than the representation limit"],
  [MALFORMED_NAME, H2_PROTOCOL_ERROR, "malformed request: empty, uppercase or invalid field name"],
  [MALFORMED_VALUE, H2_PROTOCOL_ERROR, "malformed request: NUL, CR, LF or surrounding whitespace in a field value"],
  [MALFORMED_UNKNOWN_PSEUDO, H2_PROTOCOL_ERROR, "malformed request: unknown pseudo-header"],
  [MALFORMED_PSEUDO_AFTER_FIELD, H2_PROTOCOL_ERROR, "malformed request: pseudo-header after a regular field"],
  [MALFORMED_PSEUDO_REPEATED, H2_PROTOCOL_ERROR, "malformed request: repeated pseudo-header"],
  [MALFORMED_RESPONSE_PSEUDO, H2_PROTOCOL_ERROR, "malformed request: response pseudo-header"],
  [MALFORMED_PSEUDO_IN_TRAILERS, H2_PROTOCOL_ERROR, "malformed request: pseudo-header in trailers"],
  [MALFORMED_CONNECTION_FIELD, H2_PROTOCOL_ERROR, "malformed request: connection-specific field"],
  [MALFORMED_TE, H2_PROTOCOL_ERROR, "malformed request: te other than trailers"],
  [MALFORMED_EMPTY_PATH, H2_PROTOCOL_ERROR, "malformed request: empty :path"],
  [MALFORMED_MISSING_PSEUDO, H2_PROTOCOL_ERROR, "malformed request: missing :method, :scheme, :path or :authority"],
  [MALFORMED_CONNECT, H2_PROTOCOL_ERROR, "malformed request: CONNECT with :scheme or :path, or :protocol without CONNECT"],
];

/** The HTTP/2 error code (RFC 9113 §7) a code is answered with; 0 for a code not in the table. */
export function hpackH2ErrorOf(code: number): number {
  for (const row of TABLE) if (row[0] === code) return row[1];
  return 0;
}

/** The reason of a code for the log; "" for a code not in the table. */
export function hpackReasonOf(code: number): string {
  for (const row of TABLE) if (row[0] === code) return row[2];
  return "";
}

/** Whether `code` is a stream error (malformed request: RST_STREAM) rather than a connection error. */
export function isMalformed(code: number): boolean {
  return code <= MALFORMED_NAME && code >= MALFORMED_CONNECT;
}
