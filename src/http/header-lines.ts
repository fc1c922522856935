/**
 * Response header lines as bytes, checked once and cached: a servlet sending the same
 * `Content-Type: text/plain` on every request gets the same pre-encoded line back without
 * validating, concatenating or encoding it again. A line that cannot be sent (a non-token name,
 * CR/LF or another control in the value: response splitting) is a servlet's bug and throws a
 * TypeError naming the field; framework-owned fields are dropped.
 */
import { FIELD_VALUE, TCHAR } from "../parser/index.ts";

/** What a header line is to the response. */
export interface HeaderLine {
  /** `Name: value\r\n` in latin1. */
  bytes: Uint8Array;
  /** The Content-Length it declares, or -1 when it is another field. */
  contentLength: number;
}

/** Lines per field name kept in the cache (values beyond are encoded each time). */
const VALUES_PER_NAME = 64;
/** Field names kept in the cache. */
const NAMES = 256;

const cache = new Map<string, Map<string | number, HeaderLine>>();

/** Longest part of a field name quoted in an error (the name is the servlet's, but may be long). */
const NAME_IN_ERROR = 40;

/** Why `name` is not a field name a servlet may send (1*tchar, RFC 9110 §5.1), or "" when it is. */
function fieldNameFault(name: string): string {
  if (name.length === 0) return "the field name is empty";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return `the field name has ${describeChar(c)} at index ${i}, where a token character is required`;
  }
  return "";
}

/**
 * Why `value` is not a field value a servlet may send (field-vchar, SP, HTAB, obs-text; no CR/LF,
 * so no response splitting: RFC 9110 §5.5), or "" when it is.
 */
function fieldValueFault(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] === 0) return `the value has ${describeChar(c)} at index ${i}`;
  }
  return "";
}

/** A character named by its code, never echoed (it may be a CR that would split a log line). */
function describeChar(c: number): string {
  const code = c.toString(16).toUpperCase().padStart(4, "0");
  if (c === 0x0d) return "a CR (U+000D)";
  if (c === 0x0a) return "an LF (U+000A)";
  if (c > 0xff) return `U+${code}, above U+00FF (percent-encode a URI; a header carries latin1 only)`;
  return `U+${code}`;
}

/** ASCII case-insensitive equality with a lower-case literal. */
function sameIgnoringCase(s: string, lower: string): boolean {
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) if ((s.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Fields the framework owns (SPEC §3: Date, Server, exactly one Connection, never Transfer-Encoding). */
function isFrameworkField(name: string): boolean {
  return (
    sameIgnoringCase(name, "date") ||
    sameIgnoringCase(name, "server") ||
    sameIgnoringCase(name, "connection") ||
    sameIgnoringCase(name, "transfer-encoding")
  );
}

/**
 * The error a servlet gets for a field it cannot send: names the field (a name that is itself
 * invalid is quoted with its controls escaped) and the fault, never the value — it may be request
 * input, and the message reaches the error log.
 */
function headerError(name: string, fault: string): TypeError {
  const shown = JSON.stringify(name.length > NAME_IN_ERROR ? `${name.slice(0, NAME_IN_ERROR)}…` : name);
  return new TypeError(`sendHeader(${shown}): ${fault}; the field cannot be sent`);
}

function encode(name: string, value: string | number): HeaderLine | null {
  const text = typeof value === "string" ? value : String(value);
  const nameFault = fieldNameFault(name);
  if (nameFault !== "") throw headerError(name, nameFault);
  const valueFault = fieldValueFault(text);
  if (valueFault !== "") throw headerError(name, valueFault);
  if (isFrameworkField(name)) return null;
  let contentLength = -1;
  if (sameIgnoringCase(name, "content-length")) {
    // RFC 9110 §8.6: 1*DIGIT (15 digits stay an exact JavaScript integer).
    if (!/^\d{1,15}$/.test(text)) throw headerError(name, "the value is not a decimal integer of 1 to 15 digits (RFC 9110 §8.6)");
    contentLength = Number(text);
  }
  return { bytes: Buffer.from(`${name}: ${text}\r\n`, "latin1"), contentLength };
}

/**
 * As headerLine, without the cache: for a value made once (a Set-Cookie with a session id) that
 * would only push the reused ones out.
 */
export function headerLineOnce(name: string, value: string | number): HeaderLine | null {
  return encode(name, value);
}

/**
 * The encoded line for `name: value`, or null for a field the framework owns (Date, Server,
 * Connection, Transfer-Encoding: dropped). Throws a TypeError naming the field when it cannot be
 * sent: a name that is not a token, a value with CR, LF, another control or a character above
 * U+00FF, a Content-Length that is not 1–15 digits. Hot path: two map lookups.
 */
export function headerLine(name: string, value: string | number): HeaderLine | null {
  let values = cache.get(name);
  if (values !== undefined) {
    const hit = values.get(value);
    if (hit !== undefined) return hit;
  }
  const line = encode(name, value);
  if (line === null) return null;
  if (values === undefined && cache.size < NAMES) cache.set(name, (values = new Map()));
  if (values !== undefined && values.size < VALUES_PER_NAME) values.set(value, line);
  return line;
}
