/**
 * RFC 9110 §10.1.1: `Expect: 100-continue`, the client's request to be invited before it sends
 * its body. HTTP/1.1 and HTTP/2 (RFC 9113 §8.1: a 100 in its own HEADERS frame) define it; an
 * HTTP/1.0 client gets no 100 (RFC 9110 §15.2).
 */
import { headerValues, type RequestHead } from "../parser/index.ts";

/** True when an HTTP/1.1 or HTTP/2 request carries `Expect: 100-continue` (case-insensitive). */
export function isContinueExpected(head: RequestHead, bytes: Uint8Array): boolean {
  if (head.versionMajor === 1 ? head.versionMinor < 1 : head.versionMajor !== 2) return false;
  const value = headerValues(head, bytes, "expect");
  return value !== null && value.toLowerCase() === "100-continue";
}
