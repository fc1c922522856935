/**
 * Report subjects and patterns (SPEC §12): NATS's rules. A subject is dot-separated tokens; in a
 * pattern a token `*` matches any one token and a last token `>` matches one or more. A bad
 * subject is a programming error, so it is a TypeError thrown at the call, never a value.
 */
import { REPORT_SUBJECT_MAX } from "./limits.ts";

/** The token matching any one token of a subject (in a pattern only). */
export const ONE_TOKEN = "*";
/** The last token matching one or more tokens of a subject (in a pattern only). */
export const REST_TOKENS = ">";

const DOT = 0x2e;
const SPACE = 0x20;
const DEL = 0x7f;

/**
 * Throws a TypeError naming `what` unless `s` is a subject (`pattern` false: no wildcard token) or
 * a pattern (`pattern` true: `*` tokens anywhere, `>` as the last token). Both: 1 to
 * REPORT_SUBJECT_MAX characters, no empty token, no space or control character (NATS would take a
 * space as the end of the subject). A token that merely contains `*` or `>` ("a*") is a literal
 * one, as in NATS.
 */
export function checkSubject(s: string, pattern: boolean, what: string): void {
  if (typeof s !== "string") throw new TypeError(`${what}: a subject must be a string`);
  const n = s.length;
  if (n === 0 || n > REPORT_SUBJECT_MAX) throw new TypeError(`${what}: a subject has 1 to ${REPORT_SUBJECT_MAX} characters`);
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : DOT;
    if (c <= SPACE || c === DEL) throw new TypeError(`${what}: ${JSON.stringify(s)} has a space or a control character`);
    if (c !== DOT) continue;
    if (i === start) throw new TypeError(`${what}: ${JSON.stringify(s)} has an empty token`);
    if (i === start + 1) {
      const t = s.charCodeAt(start);
      if (t === 0x2a /* * */ || t === 0x3e /* > */) {
        if (!pattern) throw new TypeError(`${what}: ${JSON.stringify(s)} has a wildcard; only patterns may`);
        if (t === 0x3e && i !== n) throw new TypeError(`${what}: ${JSON.stringify(s)} has ">" before its last token`);
      }
    }
    start = i + 1;
  }
}
