/**
 * RFC 9112 §3.2: the four forms of request-target and which methods may use them.
 *   origin-form    = absolute-path [ "?" query ]         any method (the usual case)
 *   absolute-form  = absolute-URI                         any method (SPEC §5: accepted)
 *   authority-form = uri-host ":" port                    CONNECT only
 *   asterisk-form  = "*"                                  OPTIONS only
 * The characters were checked as the target was scanned; this decides the form from its first
 * bytes. Absolute-form must name an authority (`scheme "://" host`), as an http(s) URI does.
 */
import { COLON, SCHEME, SLASH, isAsciiLetter } from "./chars.ts";
import { E_BAD_TARGET } from "./errors.ts";
import { METHOD_CONNECT, METHOD_OPTIONS } from "./request-head.ts";

const ASTERISK = 0x2a;

/** 0 when `buf[start..end)` is a request-target form that `method` (a METHOD_* code) may use, else E_BAD_TARGET. */
export function checkTargetForm(buf: Uint8Array, start: number, end: number, method: number): number {
  const first = buf[start]!;
  if (first === SLASH) return 0; // hot path: origin-form
  if (first === ASTERISK) return end - start === 1 && method === METHOD_OPTIONS ? 0 : E_BAD_TARGET;
  if (method === METHOD_CONNECT) return 0; // authority-form; the daemon answers CONNECT with 501
  if (!isAsciiLetter(first)) return E_BAD_TARGET;
  let p = start + 1;
  while (p < end && SCHEME[buf[p]!] === 1) p++;
  // scheme "://" and a non-empty authority (RFC 9110 §4.2.1: an http URI's host is not empty).
  const hasAuthority = p + 3 < end && buf[p] === COLON && buf[p + 1] === SLASH && buf[p + 2] === SLASH && buf[p + 3] !== SLASH;
  return hasAuthority ? 0 : E_BAD_TARGET;
}
