/**
 * The client connection preface (RFC 9113 §3.4): the 24 octets `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`
 * an HTTP/2 client sends first (then its SETTINGS frame). Its first byte `P` is also where
 * `POST`/`PUT`/`PATCH` begin, so the decision is made byte by byte: the first byte that departs
 * from the preface says HTTP/1 (`GET /` at its first byte, `POST /` at its second), which is how
 * h2c by prior knowledge is detected on the same port as HTTP/1.x (§3.3).
 */
import { INCOMPLETE, NOT_PREFACE } from "./errors.ts";

/** §3.4: the client connection preface. */
export const CLIENT_PREFACE = Uint8Array.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", (c) => c.charCodeAt(0));
/** §3.4: its length, 24. */
export const CLIENT_PREFACE_LENGTH = CLIENT_PREFACE.length;

/**
 * Matches buf[start..end) against the client preface. Returns CLIENT_PREFACE_LENGTH (24, the bytes
 * it takes) when all of it is there, INCOMPLETE while the bytes so far are a prefix of it, and
 * NOT_PREFACE as soon as one byte differs (also when h2 was negotiated: then it is a connection
 * PROTOCOL_ERROR, §3.4). Bytes after the preface are not looked at. hot path: no allocation.
 */
export function matchPreface(buf: Uint8Array, start: number, end: number): number {
  const n = Math.min(end - start, CLIENT_PREFACE_LENGTH);
  for (let i = 0; i < n; i++) if (buf[start + i] !== CLIENT_PREFACE[i]) return NOT_PREFACE;
  return n === CLIENT_PREFACE_LENGTH ? CLIENT_PREFACE_LENGTH : INCOMPLETE;
}
