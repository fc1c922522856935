/**
 * What the WebSocket benchmark's peers and its load client agree on (issue 23 "Performance"): the
 * paths each peer serves, the fan-out topic, the 32-byte message and the sequence number inside
 * it (which lets the client check that every subscriber gets every message, in order).
 *
 * - `/echo`: every message is sent back as it came (text stays text);
 * - `/fanout`: a subscriber: subscribed to TOPIC when the socket opens; a message from it is
 *   answered `ok` (so the client knows the subscription is in place before the first publication);
 * - `/publish`: the publisher: every message it sends is published to TOPIC's subscribers;
 * - `/idle`: a WebSocket that does nothing (the idle-memory figure);
 * - any other request without an upgrade: 200 "Hello, world!" (keep-alive; the idle HTTP/1.1
 *   connection the idle WebSocket is compared with).
 */

/** The fan-out's topic (netsvc: the report subject; Bun.serve: the pub/sub topic). */
export const TOPIC = "bench.topic";
/** Bytes in every benchmark message (the 32-byte messages). */
export const MESSAGE_BYTES = 32;
/** What a subscriber's "am I subscribed?" message is answered with. */
export const SUBSCRIBED = "ok";
/** The marker before the sequence number in a message. */
export const SEQUENCE_MARK = 0x23; // "#"
/** Decimal digits of the sequence number after the marker. */
export const SEQUENCE_DIGITS = 10;

/** The paths every peer serves (see the file comment). */
export const PATHS = { echo: "/echo", fanout: "/fanout", publish: "/publish", idle: "/idle", hello: "/hello" } as const;

/** How netsvc fans out: a loop of `ws.send(sameString)` over its subscribers, or `services.publish()` (reports). */
export type NetsvcFanout = "send" | "publish";

/**
 * Writes message number `seq` into `out` at `at`: the marker, SEQUENCE_DIGITS decimal digits and
 * "x" padding, MESSAGE_BYTES in all (ASCII, so the same bytes are valid UTF-8 text).
 */
export function writeMessage(out: Uint8Array, at: number, seq: number): void {
  out[at] = SEQUENCE_MARK;
  let n = seq;
  for (let i = SEQUENCE_DIGITS; i >= 1; i--) {
    out[at + i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  out.fill(0x78, at + 1 + SEQUENCE_DIGITS, at + MESSAGE_BYTES);
}

/** The sequence number of the first message marker in `bytes[from, to)`; -1 when there is none. */
export function readSequence(bytes: Uint8Array, from: number, to: number): number {
  const mark = bytes.indexOf(SEQUENCE_MARK, from);
  if (mark < 0 || mark + SEQUENCE_DIGITS >= to) return -1;
  let n = 0;
  for (let i = 1; i <= SEQUENCE_DIGITS; i++) {
    const d = bytes[mark + i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The `--idle-timeout S` of a peer's command line (seconds), or undefined. */
export function idleTimeoutFlag(argv: string[]): number | undefined {
  const i = argv.indexOf("--idle-timeout");
  return i >= 0 ? Number(argv[i + 1]) : undefined;
}
