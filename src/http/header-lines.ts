/**
 * Response header lines as bytes, checked once and cached: a servlet sending the same
 * `Content-Type: text/plain` on every request gets the same pre-encoded line back without
 * validating, concatenating or encoding it again. Invalid lines (non-token names, CR/LF or other
 * controls in values: response splitting) are refused; framework-owned fields are dropped.
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

/** A field name a servlet may send: 1*tchar (RFC 9110 §5.1). */
function isFieldName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return false;
  }
  return true;
}

/** A field value a servlet may send: field-vchar, SP, HTAB; no CR/LF, so no response splitting. */
function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] === 0) return false;
  }
  return true;
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

function encode(name: string, value: string | number): HeaderLine | null {
  const text = typeof value === "string" ? value : String(value);
  if (!isFieldName(name) || !isFieldValue(text) || isFrameworkField(name)) return null;
  let contentLength = -1;
  if (sameIgnoringCase(name, "content-length")) {
    if (!/^\d{1,15}$/.test(text)) return null;
    contentLength = Number(text);
  }
  return { bytes: Buffer.from(`${name}: ${text}\r\n`, "latin1"), contentLength };
}

/** The encoded line for `name: value`, or null when it must not be sent. Hot path: two map lookups. */
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
