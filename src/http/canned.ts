/**
 * Pre-encoded error responses, indexed by parser error code (uWebSockets' HttpErrors idea): the
 * daemon answers a malformed request without building anything. Each is split around the Date
 * line, which changes every second. All of them close the connection.
 */
import { ERROR_COUNT, ERROR_STATUS } from "../parser/index.ts";
import { errorPage } from "./error-page.ts";
import { reasonPhrase, statusLine } from "./status.ts";

const encoder = new TextEncoder();

/** A canned response: bytes before the Date line and after it. */
export interface Canned {
  status: number;
  beforeDate: Uint8Array;
  afterDate: Uint8Array;
  /** Total length with a Date line of `dateLength` bytes. */
  length(dateLength: number): number;
}

/** Builds the canned response for a status. */
export function cannedFor(status: number): Canned {
  const body = errorPage(status, reasonPhrase(status));
  const beforeDate = statusLine(status);
  const afterDate = encoder.encode(
    "Server: netsvc\r\nContent-Type: text/html; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  return { status, beforeDate, afterDate, length: (d) => beforeDate.length + d + afterDate.length };
}

const byStatus = new Map<number, Canned>();
/** The canned response for an HTTP status (cached). */
export function cannedStatus(status: number): Canned {
  let c = byStatus.get(status);
  if (!c) byStatus.set(status, (c = cannedFor(status)));
  return c;
}

/** `CANNED_BY_ERROR[-code]`: the canned response for each parser error code. */
export const CANNED_BY_ERROR: (Canned | null)[] = Array.from({ length: ERROR_COUNT }, (_, i) =>
  ERROR_STATUS[i]! >= 400 ? cannedStatus(ERROR_STATUS[i]!) : null,
);
