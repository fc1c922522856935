/**
 * The access log's JSON lines (SPEC §14, `--log-format json`): one object per line, pure ASCII.
 *
 * Request fields are latin1 (one char per byte the client sent), so a byte ≥ 0x80 is a char
 * U+0080–U+00FF; JSON.stringify would write it as that code point in UTF-8, and a login decoded
 * from Basic credentials may hold any character. Every char from DEL up is written as a `\uXXXX`
 * escape instead: a line is ASCII whatever the client sent (so valid UTF-8, and nothing in it can
 * drive a terminal), JSON.parse gives back exactly the field's chars, and for a request field
 * `Buffer.from(value, "latin1")` gives back the bytes. JSON.stringify already escapes quotes,
 * backslashes and controls below 0x20 (and, ES2019, lone surrogates).
 */

/** A char that JSON.stringify leaves raw and an ASCII line may not hold: DEL and everything above. */
const NOT_ASCII = /[\u007f-\uffff]/g;
/** A quick test before the replace: most lines are ASCII already. */
const HAS_NOT_ASCII = /[\u007f-\uffff]/;

/** `\uXXXX` for one UTF-16 unit (an astral char becomes its two surrogates, as JSON allows). */
function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** JSON text of `value` with every char from DEL up written as `\uXXXX`: ASCII, and JSON.parse reads it back unchanged. */
export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value);
  return HAS_NOT_ASCII.test(text) ? text.replace(NOT_ASCII, unicodeEscape) : text;
}

/** What a JSON line says of one response (see AccessLog for each field's meaning). */
export interface JsonLogFields {
  time: string;
  client: string;
  user: string | null;
  method: string | null;
  url: string | null;
  protocol: string | null;
  status: number;
  bytes: number;
  durationMs: number | null;
  referer: string | null;
  userAgent: string | null;
}

/** One JSON log line, `\n`-terminated. */
export function jsonLogLine(fields: JsonLogFields): string {
  return `${asciiJson(fields)}\n`;
}
