import { describe, expect, test } from "bun:test";
import { INCOMPLETE, NOT_PREFACE } from "../../../src/parser/h2/errors.ts";
import { CLIENT_PREFACE_LENGTH, matchPreface } from "../../../src/parser/h2/preface.ts";
import { bytes, relocate } from "../replay.ts";
import { everySplit } from "./frame-replay.ts";

const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/** Feeds `data` in pieces; the outcome of the first call that is not INCOMPLETE, or INCOMPLETE. */
function matchInPieces(data: Uint8Array, cuts: number[]): number {
  for (let i = 0; i < cuts.length; i++) {
    const start = 1 + (i % 4);
    const r = matchPreface(relocate(data, cuts[i]!, start), start, start + cuts[i]!);
    if (r !== INCOMPLETE) return r;
  }
  return INCOMPLETE;
}

/** [input, outcome, the byte count at which it is decided]. */
const CASES: [name: string, input: string, outcome: number, decidedAt: number][] = [
  ["the preface", PREFACE, CLIENT_PREFACE_LENGTH, 24],
  ["the preface and a SETTINGS frame after it", `${PREFACE}\x00\x00\x00\x04\x00\x00\x00\x00\x00`, CLIENT_PREFACE_LENGTH, 24],
  ["GET /: HTTP/1 at the first byte", "GET / HTTP/1.1\r\n\r\n", NOT_PREFACE, 1],
  ["POST /: HTTP/1 at the second byte", "POST / HTTP/1.1\r\n\r\n", NOT_PREFACE, 2],
  ["PUT /", "PUT / HTTP/1.1\r\n\r\n", NOT_PREFACE, 2],
  ["PRI as an HTTP/1 method", "PRI / HTTP/1.1\r\n\r\n", NOT_PREFACE, 5],
  ["the preface with HTTP/1.1", "PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n", NOT_PREFACE, 12],
  ["lower case", "pri * HTTP/2.0\r\n\r\nSM\r\n\r\n", NOT_PREFACE, 1],
  ["LF only line ends", "PRI * HTTP/2.0\n\nSM\n\n", NOT_PREFACE, 15],
  ["the last byte wrong", `${PREFACE.slice(0, 23)}X`, NOT_PREFACE, 24],
  ["a TLS ClientHello", "\x16\x03\x01\x02\x00", NOT_PREFACE, 1],
  ["23 bytes of it", PREFACE.slice(0, 23), INCOMPLETE, 0],
];

describe("matchPreface table: whole, at every split, byte by byte", () => {
  for (const [name, input, outcome, decidedAt] of CASES) {
    test(name, () => {
      const data = bytes(input);
      for (const [way, cuts] of everySplit(data.length)) expect([way, matchInPieces(data, cuts)]).toEqual([way, outcome]);
      // Decided exactly when the deciding byte arrives: INCOMPLETE before it.
      for (let s = 0; s < data.length; s++) {
        const r = matchPreface(data, 0, s);
        expect([s, r]).toEqual([s, decidedAt > 0 && s >= decidedAt ? outcome : INCOMPLETE]);
      }
    });
  }
});
