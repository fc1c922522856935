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
  const problem = subjectProblem(s, pattern);
  if (problem !== null) throw new TypeError(`${what}: ${problem}`);
}

/**
 * True when `s` is a subject without wildcards (checkSubject's rules): for subjects that arrive
 * from the bus, where a bad one is input to drop and count, not a programming error.
 */
export function isSubject(s: string): boolean {
  return subjectProblem(s, false) === null;
}

/** What is wrong with `s` as a subject (or, `pattern`, a pattern), or null. */
function subjectProblem(s: string, pattern: boolean): string | null {
  const n = s.length;
  if (n === 0 || n > REPORT_SUBJECT_MAX) return `a subject has 1 to ${REPORT_SUBJECT_MAX} characters`;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : DOT;
    if (c <= SPACE || c === DEL) return `${JSON.stringify(s)} has a space or a control character`;
    if (c !== DOT) continue;
    if (i === start) return `${JSON.stringify(s)} has an empty token`;
    if (i === start + 1) {
      const t = s.charCodeAt(start);
      if (t === 0x2a /* * */ || t === 0x3e /* > */) {
        if (!pattern) return `${JSON.stringify(s)} has a wildcard; only patterns may`;
        if (t === 0x3e && i !== n) return `${JSON.stringify(s)} has ">" before its last token`;
      }
    }
    start = i + 1;
  }
  return null;
}
