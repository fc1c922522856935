/**
 * Byte ranges (RFC 9110 §14): parsing a Range field against a file's length, and laying out a
 * 206 body — one part, or `multipart/byteranges` (RFC 9110 §14.6) — as a list of pieces that are
 * either literal bytes (part headers) or spans of the file. Pure functions; no I/O.
 */
import { randomBytes } from "node:crypto";
import { MAX_RANGES, RANGE_MERGE_GAP } from "./file-limits.ts";

/** A satisfiable range: bytes [start, end) of the file (end exclusive). */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a body is made of: literal bytes, or a span [start, end) of the file. */
export type BodyPiece = Uint8Array | ByteRange;

/** parseRange's answer when the field has ranges but none of them is satisfiable (→ 416). */
export const UNSATISFIABLE: readonly ByteRange[] = Object.freeze([]);

const DIGITS = /^\d+$/;

/**
 * Parses a Range field (RFC 9110 §14.1.2: `bytes=` 1#(first-last / first- / -suffix)) for a file
 * of `size` bytes. Returns the satisfiable ranges sorted and merged (never overlapping, so never
 * more bytes than the file), UNSATISFIABLE when none is, or null when the field is to be ignored
 * and the whole file sent: another unit, a syntax error, a last before a first, or more than
 * MAX_RANGES ranges.
 */
export function parseRange(field: string, size: number): readonly ByteRange[] | null {
  const eq = field.indexOf("=");
  if (eq < 0 || field.slice(0, eq).trim().toLowerCase() !== "bytes") return null;
  const specs = field.slice(eq + 1).split(",");
  if (specs.length > MAX_RANGES) return null;
  const ranges: ByteRange[] = [];
  let elements = 0;
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === "") continue; // RFC 9110 §5.6.1: empty list elements are ignored
    elements++;
    const dash = spec.indexOf("-");
    if (dash < 0) return null;
    const first = spec.slice(0, dash);
    const last = spec.slice(dash + 1);
    if (first === "") {
      // suffix-range: the last N bytes; satisfiable when N > 0 and the file is not empty.
      if (!DIGITS.test(last)) return null;
      const n = Number(last);
      if (n > 0 && size > 0) ranges.push({ start: Math.max(0, size - n), end: size });
      continue;
    }
    if (!DIGITS.test(first) || (last !== "" && !DIGITS.test(last))) return null;
    const start = Number(first);
    const lastPos = last === "" ? Infinity : Number(last);
    if (lastPos < start) return null; // RFC 9110 §14.1.1: invalid, so the field is ignored
    if (start < size) ranges.push({ start, end: Math.min(lastPos + 1, size) });
  }
  if (elements === 0) return null;
  if (ranges.length === 0) return UNSATISFIABLE;
  return merge(ranges);
}

/** Sorts and merges ranges that overlap or lie within RANGE_MERGE_GAP of each other. */
function merge(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  ranges.sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [ranges[0]!];
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i]!;
    const last = out[out.length - 1]!;
    if (r.start <= last.end + RANGE_MERGE_GAP) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}

/** `bytes first-last/size` for a Content-Range field. */
export function contentRange(r: ByteRange, size: number): string {
  return `bytes ${r.start}-${r.end - 1}/${size}`;
}

/** A boundary per process: random, so file content cannot contain it by design of an attacker. */
const BOUNDARY = randomBytes(12).toString("hex");

/** The Content-Type of a multipart/byteranges body. */
export const MULTIPART_TYPE = `multipart/byteranges; boundary=${BOUNDARY}`;

const encoder = new TextEncoder();

/**
 * The pieces of a multipart/byteranges body (RFC 9110 §14.6, RFC 2046 §5.1.1) for `ranges` of a
 * file of type `type` and `size` bytes, and its exact length.
 */
export function multipartBody(ranges: readonly ByteRange[], type: string, size: number): { pieces: BodyPiece[]; length: number } {
  const pieces: BodyPiece[] = [];
  let length = 0;
  ranges.forEach((r, i) => {
    const head = encoder.encode(
      `${i === 0 ? "" : "\r\n"}--${BOUNDARY}\r\nContent-Type: ${type}\r\nContent-Range: ${contentRange(r, size)}\r\n\r\n`,
    );
    pieces.push(head, r);
    length += head.length + (r.end - r.start);
  });
  const tail = encoder.encode(`\r\n--${BOUNDARY}--\r\n`);
  pieces.push(tail);
  length += tail.length;
  return { pieces, length };
}
