/**
 * permessage-deflate (RFC 7692): the answer to a client's offer, and compressing and inflating
 * one message.
 *
 * The negotiation we answer with (deflateResponse), and why:
 *
 *   permessage-deflate; server_no_context_takeover; client_no_context_takeover
 *
 * - server_no_context_takeover (§7.1.1.1; a server may always include it): each message we send
 *   is compressed by a fresh zlib stream, freed when the message is done;
 * - client_no_context_takeover (§7.1.1.2: "a server MAY include [it] … even if the client did not
 *   offer it"): the client compresses each message on its own, so each one we receive is inflated
 *   by a fresh stream too.
 *
 * So no zlib context lives between messages: an idle WebSocket holds no deflate memory (a context
 * pair with 32 KiB windows costs ~300 KiB; issue 23's goal is ≤ 4 KB per idle WebSocket), and a
 * message inflates the same whatever came before it. The price is a worse ratio on streams of
 * small similar messages, which is why short messages are not compressed at all
 * (WS_DEFLATE_MIN_MESSAGE).
 *
 * We always compress with the largest window (15: 32 KiB), so one compressed frame serves every
 * connection (a report fanned out is compressed once): an offer limiting our window below that is
 * declined by extensions.ts (MIN_SERVER_WINDOW_BITS); server_max_window_bits=15 is echoed
 * (§7.1.2.1: the server MUST then include it). client_max_window_bits is never sent back: we
 * inflate with the largest window, which reads any smaller one (§7.1.2.2 lets the server omit it).
 *
 * Inflating is bounded (RFC 7692 §8.1: a compression bomb): zlib stops at maxOutput bytes and the
 * message fails with 1009; memory never grows beyond about the message limit.
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { E_WS_INFLATE_FAILED, E_WS_INFLATE_TOO_BIG, type WsError } from "../../parser/ws/errors.ts";
import { type DeflateOffer, MAX_WINDOW_BITS } from "../../parser/ws/extensions.ts";
import { WS_DEFLATE_MIN_MESSAGE } from "./limits.ts";

/** The Sec-WebSocket-Extensions value we answer an acceptable offer with (unless it named server_max_window_bits). */
export const DEFLATE_RESPONSE = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/** RFC 7692 §7.2.1: the 4 bytes a sync flush ends with, removed by the sender, appended by the receiver (§7.2.2). */
export const DEFLATE_TAIL_LENGTH = 4;
const TAIL_0 = 0x00;
const TAIL_1 = 0x00;
const TAIL_2 = 0xff;
const TAIL_3 = 0xff;

/** The response value for an accepted offer (extensions.ts choosePermessageDeflate): DEFLATE_RESPONSE, plus the server window the client limited us to. */
export function deflateResponse(offer: DeflateOffer): string {
  return offer.serverMaxWindowBits === 0 ? DEFLATE_RESPONSE : `${DEFLATE_RESPONSE}; server_max_window_bits=${offer.serverMaxWindowBits}`;
}

/** The window (base-2 log) to compress with for an accepted offer: 15 (extensions.ts accepts no smaller one); what compressMessage uses by default. */
export function compressWindowBits(offer: DeflateOffer): number {
  return offer.serverMaxWindowBits === 0 ? MAX_WINDOW_BITS : offer.serverMaxWindowBits;
}

/** Whether a message of `length` bytes is worth compressing (≥ WS_DEFLATE_MIN_MESSAGE). */
export function shouldCompress(length: number): boolean {
  return length >= WS_DEFLATE_MIN_MESSAGE;
}

/**
 * One message compressed on its own (no context kept, §7.1.1.1), as a frame payload with RSV1:
 * raw deflate ending in a sync flush whose trailing 00 00 ff ff is removed (§7.2.1). An empty
 * message gives the single byte 00 (§7.2.3.6). A new buffer (zlib's output).
 */
export function compressMessage(data: Uint8Array, windowBits: number = MAX_WINDOW_BITS): Uint8Array {
  const out = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, windowBits });
  const n = out.length;
  // §7.2.1: "remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end".
  if (n >= DEFLATE_TAIL_LENGTH && out[n - 4] === TAIL_0 && out[n - 3] === TAIL_1 && out[n - 2] === TAIL_2 && out[n - 1] === TAIL_3) {
    return out.subarray(0, n - DEFLATE_TAIL_LENGTH);
  }
  return out;
}

/**
 * Inflates one compressed message at buf[start..end) (§7.2.2), with a fresh context (we asked for
 * client_no_context_takeover). The caller leaves DEFLATE_TAIL_LENGTH writable bytes after `end`:
 * the 00 00 ff ff the sender removed is written there, so nothing is copied. Returns the message
 * (a new buffer, at most `maxOutput` bytes), E_WS_INFLATE_TOO_BIG (1009) when it would be longer
 * — zlib stops there, so a bomb costs at most about maxOutput of memory — or E_WS_INFLATE_FAILED
 * (1007) when the data is not deflate.
 */
export function inflateMessage(buf: Uint8Array, start: number, end: number, maxOutput: number): Uint8Array | WsError {
  buf[end] = TAIL_0;
  buf[end + 1] = TAIL_1;
  buf[end + 2] = TAIL_2;
  buf[end + 3] = TAIL_3;
  try {
    const out = inflateRawSync(buf.subarray(start, end + DEFLATE_TAIL_LENGTH), {
      finishFlush: constants.Z_SYNC_FLUSH,
      // zlib needs a bound of at least 1; a zero limit is checked below.
      maxOutputLength: Math.max(1, maxOutput),
    });
    return out.length > maxOutput ? E_WS_INFLATE_TOO_BIG : out;
  } catch (error) {
    // Node's zlib (and Bun's) throws a RangeError ERR_BUFFER_TOO_LARGE at maxOutputLength.
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return E_WS_INFLATE_TOO_BIG;
    return E_WS_INFLATE_FAILED;
  }
}
