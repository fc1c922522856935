/**
 * Field names HTTP/2 treats specially, as bytes, and the one test both directions share: the
 * decoder refuses connection-specific fields in a request, the response transcoder drops them.
 */
import { equalsLower } from "../framing.ts";

/** Bytes of an ASCII string (module load only). */
export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

/** RFC 9113 §8.2.2: fields that describe one HTTP/1 connection and never go on a stream. */
const CONNECTION_SPECIFIC: readonly Uint8Array[] = [
  ascii("connection"),
  ascii("keep-alive"),
  ascii("proxy-connection"),
  ascii("transfer-encoding"),
  ascii("upgrade"),
];

/** Whether `buf[s..e)` names a connection-specific field (RFC 9113 §8.2.2), ignoring ASCII case. Hot path. */
export function isConnectionSpecific(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = 0; i < CONNECTION_SPECIFIC.length; i++) if (equalsLower(buf, s, e, CONNECTION_SPECIFIC[i]!)) return true;
  return false;
}
