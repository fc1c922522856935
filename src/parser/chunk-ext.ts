/**
 * The chunk-extension grammar (RFC 9112 §7.1.1), one byte at a time:
 *
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-name = token
 *   chunk-ext-val  = token / quoted-string
 *   quoted-string  = DQUOTE *( qdtext / quoted-pair ) DQUOTE          (RFC 9110 §5.6.4)
 *   qdtext         = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
 *   quoted-pair    = "\" ( HTAB / SP / VCHAR / obs-text )
 *
 * BWS stands only before ";" and around "=", so a line may end (CR) only right after a name,
 * a token value or a closing quote. Extensions are rare and short: a byte-wise step function is
 * fast enough, and the decoder keeps the position between reads.
 */
import { BACKSLASH, CR, DQUOTE, HTAB, SEMICOLON, SP, TCHAR } from "./chars.ts";

/** Whitespace after the chunk size or a value: ";" must follow. */
export const EXT_BWS_BEFORE_SEMICOLON = 0;
/** After ";": whitespace, then a name. */
export const EXT_BEFORE_NAME = 1;
/** Inside a name. */
export const EXT_NAME = 2;
/** Whitespace after a name: "=" or ";" must follow. */
export const EXT_BWS_AFTER_NAME = 3;
/** After "=": whitespace, then a token or a quoted string. */
export const EXT_BEFORE_VALUE = 4;
/** Inside a token value. */
export const EXT_TOKEN_VALUE = 5;
/** Inside a quoted string. */
export const EXT_QUOTED = 6;
/** After a backslash inside a quoted string. */
export const EXT_QUOTED_PAIR = 7;
/** Right after a closing quote. */
export const EXT_AFTER_QUOTED = 8;
/** The CR that ends the chunk-size line was accepted. */
export const EXT_END = 9;
/** Not the grammar. */
export const EXT_ERROR = -1;

const EQUALS = 0x3d;
const DEL = 0x7f;
const OBS_TEXT_START = 0x80;

/** qdtext (RFC 9110 §5.6.4). */
function isQdtext(c: number): boolean {
  return c === HTAB || c === SP || (c > SP && c < DEL && c !== DQUOTE && c !== BACKSLASH) || c >= OBS_TEXT_START;
}

/** The extension position after byte `c` at position `pos`: the next position, EXT_END or EXT_ERROR. */
export function stepChunkExt(pos: number, c: number): number {
  const ws = c === SP || c === HTAB;
  switch (pos) {
    case EXT_BWS_BEFORE_SEMICOLON:
      return ws ? pos : c === SEMICOLON ? EXT_BEFORE_NAME : EXT_ERROR;
    case EXT_BEFORE_NAME:
      return ws ? pos : TCHAR[c] === 1 ? EXT_NAME : EXT_ERROR;
    case EXT_NAME:
      if (TCHAR[c] === 1) return pos;
      return ws ? EXT_BWS_AFTER_NAME : afterItem(c, true);
    case EXT_BWS_AFTER_NAME:
      return ws ? pos : c === EQUALS ? EXT_BEFORE_VALUE : c === SEMICOLON ? EXT_BEFORE_NAME : EXT_ERROR;
    case EXT_BEFORE_VALUE:
      return ws ? pos : c === DQUOTE ? EXT_QUOTED : TCHAR[c] === 1 ? EXT_TOKEN_VALUE : EXT_ERROR;
    case EXT_TOKEN_VALUE:
      if (TCHAR[c] === 1) return pos;
      return ws ? EXT_BWS_BEFORE_SEMICOLON : afterItem(c, false);
    case EXT_QUOTED:
      return c === DQUOTE ? EXT_AFTER_QUOTED : c === BACKSLASH ? EXT_QUOTED_PAIR : isQdtext(c) ? pos : EXT_ERROR;
    case EXT_QUOTED_PAIR:
      return c === HTAB || c === SP || (c > SP && c < DEL) || c >= OBS_TEXT_START ? EXT_QUOTED : EXT_ERROR;
    case EXT_AFTER_QUOTED:
      return ws ? EXT_BWS_BEFORE_SEMICOLON : afterItem(c, false);
    default:
      return EXT_ERROR;
  }
}

/** After a name (where "=" may follow) or a value: ";" starts the next, CR ends the line. */
function afterItem(c: number, equalsAllowed: boolean): number {
  if (c === SEMICOLON) return EXT_BEFORE_NAME;
  if (c === CR) return EXT_END;
  if (equalsAllowed && c === EQUALS) return EXT_BEFORE_VALUE;
  return EXT_ERROR;
}
