/**
 * Sec-WebSocket-Extensions (RFC 6455 §9.1) read over offsets, and the choice of a
 * permessage-deflate offer (RFC 7692 §5, §7.1):
 *
 *   extension-list  = 1#extension
 *   extension       = extension-token *( ";" extension-param )
 *   extension-param = token [ "=" (token | quoted-string) ]   ; a quoted value must be a token once unquoted
 *
 * OWS is allowed around ",", ";" and "=" (RFC 9110 §5.6.1, §5.6.6), and empty list elements are
 * skipped (RFC 9110 §5.6.1). Offers are read in the client's order of preference; the first
 * acceptable permessage-deflate one is taken. An offer with an unknown parameter, a parameter
 * twice, a value where none belongs or a bad window size is declined — that offer, not the
 * handshake (RFC 7692 §5, §7.1: "the server MUST decline" such an offer). A value that breaks the
 * grammar itself declines every offer from there on (E_WS_BAD_EXTENSIONS_HEADER: the caller
 * answers without extensions).
 *
 * hot path: no allocation (the offer is written into a reused DeflateOffer).
 */
import { BACKSLASH, CASE_BIT, COMMA, DQUOTE, DIGIT_0, DIGIT_9, HTAB, SEMICOLON, SP, TCHAR } from "../chars.ts";
import { E_WS_BAD_EXTENSIONS_HEADER, type WsError } from "./errors.ts";

const EQUALS = 0x3d;

/** RFC 7692 §7.1.2: the smallest and largest LZ77 window sizes (base-2 log) a client may ask for. */
export const MIN_WINDOW_BITS = 8;
/** RFC 7692 §7.1.2.1: 15 (a 32 KiB window), also the value when the parameter is absent. */
export const MAX_WINDOW_BITS = 15;
/**
 * The smallest server_max_window_bits we accept: 15, i.e. an offer that limits our LZ77 window at
 * all is declined (RFC 7692 §7.1.2.1 lets the server decline it; the next offer is considered).
 * The server compresses with one window for every connection, so a message (a report fanned out
 * to many subscribers) is compressed once and the same frame goes to all of them; a client that
 * limited our window would need its own compression. Browsers and Python's websockets never send
 * the parameter. (zlib could not honour 8 anyway: it raises a raw stream's 256-byte window to 9.)
 */
export const MIN_SERVER_WINDOW_BITS = MAX_WINDOW_BITS;

/** One permessage-deflate offer's parameters (RFC 7692 §7.1), as the client sent them. Reused; reset() between offers. */
export class DeflateOffer {
  /** §7.1.1.1: the client asks us not to keep our LZ77 window between messages. */
  serverNoContextTakeover = false;
  /** §7.1.1.2: the client says it will not keep its window between messages. */
  clientNoContextTakeover = false;
  /** §7.1.2.1: the largest window (base-2 log) the client lets us compress with; 0 when not offered. Accepted offers only have 0 or 15 (MIN_SERVER_WINDOW_BITS). */
  serverMaxWindowBits = 0;
  /** §7.1.2.2: whether the client offered client_max_window_bits (it can honour a limit we set). */
  clientMaxWindowBitsOffered = false;
  /** §7.1.2.2: the value it offered with it (8–15), or 0 when it gave none. */
  clientMaxWindowBits = 0;

  /** Back to "no parameters". */
  reset(): void {
    this.serverNoContextTakeover = false;
    this.clientNoContextTakeover = false;
    this.serverMaxWindowBits = 0;
    this.clientMaxWindowBitsOffered = false;
    this.clientMaxWindowBits = 0;
  }
}

/** `choosePermessageDeflate` found an acceptable offer (its parameters are in the DeflateOffer). */
export const DEFLATE_ACCEPTED = 1;
/** `choosePermessageDeflate` found no acceptable offer: answer without the extension. */
export const DEFLATE_NONE = 0;

/** The lower-case bytes of "permessage-deflate" and its parameters' names. */
const PERMESSAGE_DEFLATE = ascii("permessage-deflate");
const SERVER_NO_CONTEXT_TAKEOVER = ascii("server_no_context_takeover");
const CLIENT_NO_CONTEXT_TAKEOVER = ascii("client_no_context_takeover");
const SERVER_MAX_WINDOW_BITS = ascii("server_max_window_bits");
const CLIENT_MAX_WINDOW_BITS = ascii("client_max_window_bits");

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Whether bytes[start..end) equals `lower` (lower-case ASCII), ignoring ASCII case. */
function equalsIgnoringCase(bytes: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const b = bytes[start + i]!;
    // Tokens only: letters fold by the case bit; '_' (0x5f) and '-' never reach a letter that way.
    if (b !== lower[i] && (b | CASE_BIT) !== lower[i]) return false;
  }
  return true;
}

/**
 * A parameter's value as read: NO_VALUE when it had none, NOT_A_NUMBER when it was a token or
 * quoted string that is not 1–2 digits without a leading zero, else the number.
 */
const NO_VALUE = -1;
const NOT_A_NUMBER = -2;

/** Scanner state for one call (module-level: the parser is not re-entered). */
let pos = 0;
let paramValue = NO_VALUE;

function skipWhitespace(bytes: Uint8Array, p: number, end: number): number {
  while (p < end && (bytes[p] === SP || bytes[p] === HTAB)) p++;
  return p;
}

function skipToken(bytes: Uint8Array, p: number, end: number): number {
  while (p < end && TCHAR[bytes[p]!] === 1) p++;
  return p;
}

/** The digits of the value being read: how many, their number, whether it is still 1–2 digits without a leading zero. */
let digits = 0;
let number = 0;
let numeric = true;

function takeValueByte(b: number): void {
  if (b < DIGIT_0 || b > DIGIT_9 || (digits === 0 && b === DIGIT_0) || digits === 2) {
    numeric = false;
    return;
  }
  number = number * 10 + (b - DIGIT_0);
  digits++;
}

/**
 * Reads a parameter value (token or quoted-string) at `pos`; sets pos past it and paramValue.
 * Returns false when the grammar is broken (no value, an unterminated quote).
 */
function readValue(bytes: Uint8Array, end: number): boolean {
  let p = pos;
  digits = 0;
  number = 0;
  numeric = true;
  if (p < end && bytes[p] === DQUOTE) {
    // RFC 9110 §5.6.4: quoted-string with quoted-pairs; RFC 6455 §9.1: its content must be a token.
    p++;
    for (;;) {
      if (p >= end) return false;
      let b = bytes[p++]!;
      if (b === DQUOTE) break;
      if (b === BACKSLASH) {
        if (p >= end) return false;
        b = bytes[p++]!;
      }
      takeValueByte(b);
    }
  } else {
    const tokenEnd = skipToken(bytes, p, end);
    if (tokenEnd === p) return false;
    for (; p < tokenEnd; p++) takeValueByte(bytes[p]!);
  }
  pos = p;
  paramValue = numeric && digits > 0 ? number : NOT_A_NUMBER;
  return true;
}

/** Whether a window-bits value is one RFC 7692 §7.1.2 allows (8–15) and, for the server's, one we can honour (≥ 9). */
function isWindowBits(value: number, min: number): boolean {
  return value >= min && value <= MAX_WINDOW_BITS;
}

/**
 * Applies one parameter to `offer`; false when it makes the offer unacceptable (unknown, twice,
 * a value where none belongs, a missing or bad window size: RFC 7692 §7.1).
 */
function applyParam(bytes: Uint8Array, nameStart: number, nameEnd: number, value: number, offer: DeflateOffer, seen: number[]): boolean {
  let which: number;
  if (equalsIgnoringCase(bytes, nameStart, nameEnd, SERVER_NO_CONTEXT_TAKEOVER)) which = 0;
  else if (equalsIgnoringCase(bytes, nameStart, nameEnd, CLIENT_NO_CONTEXT_TAKEOVER)) which = 1;
  else if (equalsIgnoringCase(bytes, nameStart, nameEnd, SERVER_MAX_WINDOW_BITS)) which = 2;
  else if (equalsIgnoringCase(bytes, nameStart, nameEnd, CLIENT_MAX_WINDOW_BITS)) which = 3;
  else return false; // §7.1: an unknown parameter declines the offer
  // §7.1: the same parameter twice declines the offer.
  if (seen[which] === 1) return false;
  seen[which] = 1;
  switch (which) {
    case 0: // §7.1.1.1: no value
      offer.serverNoContextTakeover = true;
      return value === NO_VALUE;
    case 1: // §7.1.1.2: no value
      offer.clientNoContextTakeover = true;
      return value === NO_VALUE;
    case 2: // §7.1.2.1: a value is required
      offer.serverMaxWindowBits = value;
      return isWindowBits(value, MIN_SERVER_WINDOW_BITS);
    default: // §7.1.2.2: the value is optional
      offer.clientMaxWindowBitsOffered = true;
      offer.clientMaxWindowBits = value === NO_VALUE ? 0 : value;
      return value === NO_VALUE || isWindowBits(value, MIN_WINDOW_BITS);
  }
}

/** Which of the four parameters the current offer named (reset per offer). */
const seenParams = [0, 0, 0, 0];

/**
 * Reads the Sec-WebSocket-Extensions value at bytes[start..end) (one field line, or several
 * joined with ", ") and looks for the first acceptable permessage-deflate offer. Returns
 * DEFLATE_ACCEPTED with that offer's parameters in `offer`, DEFLATE_NONE when there is none, or
 * E_WS_BAD_EXTENSIONS_HEADER when the grammar breaks before one was found (answer without
 * extensions; RFC 6455 §9.1 leaves the server free to ignore what it does not accept).
 */
export function choosePermessageDeflate(bytes: Uint8Array, start: number, end: number, offer: DeflateOffer): number | WsError {
  let p = start;
  for (;;) {
    // RFC 9110 §5.6.1: empty elements and OWS around commas are allowed.
    while (p < end && (bytes[p] === SP || bytes[p] === HTAB || bytes[p] === COMMA)) p++;
    if (p >= end) return DEFLATE_NONE;
    const nameStart = p;
    p = skipToken(bytes, p, end);
    if (p === nameStart) return E_WS_BAD_EXTENSIONS_HEADER;
    let acceptable = equalsIgnoringCase(bytes, nameStart, p, PERMESSAGE_DEFLATE);
    offer.reset();
    seenParams.fill(0);
    p = skipWhitespace(bytes, p, end);
    while (p < end && bytes[p] === SEMICOLON) {
      p = skipWhitespace(bytes, p + 1, end);
      const paramStart = p;
      p = skipToken(bytes, p, end);
      if (p === paramStart) return E_WS_BAD_EXTENSIONS_HEADER;
      const paramEnd = p;
      p = skipWhitespace(bytes, p, end);
      let value = NO_VALUE;
      if (p < end && bytes[p] === EQUALS) {
        pos = skipWhitespace(bytes, p + 1, end);
        if (!readValue(bytes, end)) return E_WS_BAD_EXTENSIONS_HEADER;
        value = paramValue;
        p = skipWhitespace(bytes, pos, end);
      }
      if (acceptable) acceptable = applyParam(bytes, paramStart, paramEnd, value, offer, seenParams);
    }
    if (p < end && bytes[p] !== COMMA) return E_WS_BAD_EXTENSIONS_HEADER;
    if (acceptable) return DEFLATE_ACCEPTED;
  }
}
