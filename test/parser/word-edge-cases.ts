/**
 * Table rows for the parser's block scans (the field value is tested eight bytes per branch, then
 * byte by byte to the exact stop byte): a forbidden byte, a CR, or the head limit at every position
 * of the first blocks of a value; values shorter than a block; starts at every alignment. The same
 * positions in a request-target and a field name guard those scans should they get a block path
 * (tried, lost: bench/results/parser.md). Each row is replayed whole, at every split and byte by
 * byte like the main table.
 */
import * as E from "../../src/parser/errors.ts";
import type { HeadCase } from "./head-cases.ts";

/** Positions covered: two whole 8-byte words and the start of a third. */
const POSITIONS = 18;
const FILLER = "abcdefghijklmnopqrstuvwxyz";

/** Bytes a value must refuse, with the error each gives. */
const FORBIDDEN: [string, string, number][] = [
  ["NUL", "\x00", E.E_BAD_HEADER_VALUE],
  ["CTL 0x01", "\x01", E.E_BAD_HEADER_VALUE],
  ["CTL 0x1f", "\x1f", E.E_BAD_HEADER_VALUE],
  ["DEL", "\x7f", E.E_BAD_HEADER_VALUE],
  ["bare LF", "\n", E.E_BARE_LF],
  ["bare CR", "\rx", E.E_BARE_CR],
];
/** Bytes a value keeps (HTAB, obs-text at both ends of its range, the last VCHAR). */
const ALLOWED: [string, string][] = [
  ["HTAB", "\t"],
  ["obs-text 0x80", "\x80"],
  ["obs-text 0xff", "\xff"],
  ["tilde", "~"],
];

function rows(): HeadCase[] {
  const out: HeadCase[] = [];
  const line = "GET / HTTP/1.0\r\n";
  for (let i = 0; i < POSITIONS; i++) {
    const before = FILLER.slice(0, i);
    const after = FILLER.slice(i, POSITIONS);
    for (const [label, bytes, error] of FORBIDDEN) {
      out.push({
        name: `word scan: ${label} at value offset ${i}`,
        input: `${line}A: ${before}${bytes}${after}\r\n\r\n`,
        expect: { error },
      });
    }
    for (const [label, bytes] of ALLOWED) {
      const value = before + bytes + after;
      // A leading HTAB is OWS, not part of the value (RFC 9112 §5.1).
      const kept = value.replace(/^\t/, "");
      out.push({
        name: `word scan: ${label} kept at value offset ${i}`,
        input: `${line}A: ${value}\r\n\r\n`,
        expect: { headers: [["A", kept]] },
      });
    }
    // A value of exactly i bytes (shorter than, equal to and longer than a word), CR at offset i.
    out.push({
      name: `word scan: CRLF at value offset ${i}`,
      input: `${line}A: x${before}\r\nB: y\r\n\r\n`,
      expect: {
        headers: [
          ["A", "x" + before],
          ["B", "y"],
        ],
      },
    });
    // The value starts at every alignment: the name's length moves it.
    const name = "N" + FILLER.slice(0, i);
    out.push({
      name: `word scan: value starting after a ${name.length}-byte name`,
      input: `${line}${name}: ${FILLER}\x01\r\n\r\n`,
      expect: { error: E.E_BAD_HEADER_VALUE },
    });
    out.push({
      name: `word scan: clean value after a ${name.length}-byte name`,
      input: `${line}${name}:${FILLER}\r\n\r\n`,
      expect: { headers: [[name, FILLER]] },
    });
    // The head limit inside a word: a long value stops there; a bad byte before it still wins.
    const maxHead = line.length + 3 + 1 + i; // "A: " then 1 + i value bytes fit
    out.push({
      name: `word scan: head limit at value offset ${i + 1}`,
      input: `${line}A: ${"v".repeat(40)}\r\n\r\n`,
      expect: { error: E.E_HEAD_TOO_LARGE },
      limits: { maxHead },
    });
    out.push({
      name: `word scan: DEL just before a head limit at value offset ${i + 1}`,
      input: `${line}A: ${"v".repeat(i)}\x7f${"v".repeat(40)}\r\n\r\n`,
      expect: { error: E.E_BAD_HEADER_VALUE },
      limits: { maxHead },
    });
    // The request-target: a forbidden byte at every offset, a clean target of every length.
    out.push({
      name: `word scan: CTL at target offset ${i}`,
      input: `GET /${before}\x01${after} HTTP/1.0\r\n\r\n`,
      expect: { error: E.E_BAD_REQUEST_LINE },
    });
    out.push({
      name: `word scan: DEL at target offset ${i}`,
      input: `GET /${before}\x7f${after} HTTP/1.0\r\n\r\n`,
      expect: { error: E.E_BAD_REQUEST_LINE },
    });
    out.push({
      name: `word scan: obs-text at target offset ${i}`,
      input: `GET /${before}\x80${after} HTTP/1.0\r\n\r\n`,
      expect: { error: E.E_BAD_REQUEST_LINE },
    });
    out.push({ name: `word scan: target of ${i + 1} bytes`, input: `GET /${before} HTTP/1.0\r\n\r\n`, expect: { target: "/" + before } });
    // Field names: a non-token byte at every offset.
    out.push({
      name: `word scan: non-token byte at name offset ${i}`,
      input: `${line}X${before}"${after}: v\r\n\r\n`,
      expect: { error: E.E_BAD_HEADER_NAME },
    });
    out.push({
      name: `word scan: name of ${i + 1} bytes`,
      input: `${line}X${before}: v\r\n\r\n`,
      expect: { headers: [["X" + before, "v"]] },
    });
  }
  return out;
}

/** The rows, built once. */
export const WORD_EDGE_CASES: HeadCase[] = rows();
