/**
 * Every limit and timeout of the daemon (SPEC §6), as a named default next to the status it
 * produces, and the options type that overrides them. One place, so a reader sees them all.
 */

import { MAX_CHUNK_EXTENSION, MAX_HEAD, MAX_HEADERS, MAX_REQUEST_LINE } from "../parser/index.ts";

// The parser's own limits are defined with the parser; they belong to this table too.
export { MAX_CHUNK_EXTENSION, MAX_HEAD, MAX_HEADERS, MAX_REQUEST_LINE };

/** Request body larger than this (bytes) unless the servlet raises it → 413. */
export const MAX_BODY = 1024 * 1024;
/** Whole head not received this long (ms) after its first byte; trickling does not reset it → 408. */
export const HEAD_TIMEOUT_MS = 10_000;
/** No body bytes for this long (ms) while a body is expected → 408. */
export const BODY_IDLE_TIMEOUT_MS = 10_000;
/** Idle persistent connection closed silently after this long (ms) without a new request. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Requests served on one connection before it is closed (the last response says close). */
export const MAX_REQUESTS_PER_CONNECTION = 1000;
/** Output queued above this (bytes): sendContent returns false and reading pauses. */
export const OUTPUT_HIGH_WATER_MARK = 64 * 1024;
/** Output pending with no byte written for this long (ms) → close. */
export const SEND_TIMEOUT_MS = 30_000;
/**
 * Open connections at most (`--max-connections`). At the limit a newcomer takes the place of the
 * connection idle the longest (between requests, or silent since it connected), closed at once
 * however recently it was used (nginx drains its reusable connections the same way); only when
 * every connection has a request in progress is the newcomer refused: 503, then close.
 *
 * 10,000 by default, from what a connection costs (RSS, 10,000 held; bench/stress "idle flood"):
 * 1.8 KB idle after a request, 1.4 KB silent (a bare Bun.listen socket 1.0 / 0.9 KB of that,
 * nginx 0.5 KB), so 10,000 idle connections take under 20 MB; one whose head is still arriving
 * holds a pooled receive buffer, 8 KB in all (nginx: 9 KB), so 10,000 slowloris sockets 80 MB.
 * Lowered, with one warning line, to what the open-file limit allows (see FD_RESERVE). The limit
 * can be passed, never beyond socketCap, by connections whose request raced their closing (see
 * DaemonCore.rescue); the next newcomers pay the excess back.
 */
export const MAX_CONNECTIONS = 10_000;
/**
 * Descriptors of the open-file limit kept back from connections, for everything else a daemon
 * opens: files being sent, logs, the listening socket, the runtime's own. maxConnections is
 * lowered to the open-file limit minus this, so accept() never fails for want of a descriptor
 * (Bun retries a failed accept in a busy loop while newcomers wait unanswered in the backlog).
 */
export const FD_RESERVE = 64;
/**
 * A body must average at least this many bytes per second once its first BODY_IDLE_TIMEOUT_MS
 * have passed → 408 (the idle timeout alone restarts on every byte a trickling client sends).
 */
export const MIN_BODY_RATE = 1024;
/**
 * After our side of a connection is done (half-closed), the client's input is read and discarded
 * for at most this long (ms) before the connection is closed (nginx's lingering close): a close
 * with unread input would reset the connection and destroy responses the client has not read.
 */
export const LINGER_MS = 2_000;
/**
 * A lingering connection whose client sends more than this (bytes) is closed at once: a client
 * still flooding after its last answered request gets no more of our time.
 */
export const LINGER_MAX_BYTES = 1024 * 1024;

/** Limits and timeouts, all optional; defaults are the constants above. */
export interface Limits {
  /** See MAX_REQUEST_LINE (414). */
  maxRequestLine?: number;
  /** See MAX_HEAD (431). */
  maxHead?: number;
  /** See MAX_HEADERS (431). */
  maxHeaders?: number;
  /** See MAX_BODY (413). */
  maxBody?: number;
  /** See MAX_CHUNK_EXTENSION (413). */
  maxChunkExtension?: number;
  /** See HEAD_TIMEOUT_MS (408). */
  headTimeoutMs?: number;
  /** See BODY_IDLE_TIMEOUT_MS (408). */
  bodyIdleTimeoutMs?: number;
  /** See KEEP_ALIVE_TIMEOUT_MS (silent close). */
  keepAliveTimeoutMs?: number;
  /** See MAX_REQUESTS_PER_CONNECTION. */
  maxRequestsPerConnection?: number;
  /** See OUTPUT_HIGH_WATER_MARK. */
  outputHighWaterMark?: number;
  /** See SEND_TIMEOUT_MS (close). */
  sendTimeoutMs?: number;
  /** See MAX_CONNECTIONS (503). */
  maxConnections?: number;
  /** See MIN_BODY_RATE (408), bytes per second. */
  minBodyRate?: number;
  /** See LINGER_MS. */
  lingerMs?: number;
  /** See WS_PING_INTERVAL_MS. */
  wsPingIntervalMs?: number;
  /** See WS_CLOSE_TIMEOUT_MS. */
  wsCloseTimeoutMs?: number;
}

/** Limits with every field present. */
export type ResolvedLimits = Required<Limits>;

/** Fills in the defaults. */
export function resolveLimits(limits: Limits = {}): ResolvedLimits {
  return {
    maxRequestLine: limits.maxRequestLine ?? MAX_REQUEST_LINE,
    maxHead: limits.maxHead ?? MAX_HEAD,
    maxHeaders: limits.maxHeaders ?? MAX_HEADERS,
    maxBody: limits.maxBody ?? MAX_BODY,
    maxChunkExtension: limits.maxChunkExtension ?? MAX_CHUNK_EXTENSION,
    headTimeoutMs: limits.headTimeoutMs ?? HEAD_TIMEOUT_MS,
    bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs ?? BODY_IDLE_TIMEOUT_MS,
    keepAliveTimeoutMs: limits.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS,
    maxRequestsPerConnection: limits.maxRequestsPerConnection ?? MAX_REQUESTS_PER_CONNECTION,
    outputHighWaterMark: limits.outputHighWaterMark ?? OUTPUT_HIGH_WATER_MARK,
    sendTimeoutMs: limits.sendTimeoutMs ?? SEND_TIMEOUT_MS,
    maxConnections: limits.maxConnections ?? MAX_CONNECTIONS,
    minBodyRate: limits.minBodyRate ?? MIN_BODY_RATE,
    lingerMs: limits.lingerMs ?? LINGER_MS,
    wsPingIntervalMs: limits.wsPingIntervalMs ?? WS_PING_INTERVAL_MS,
    wsCloseTimeoutMs: limits.wsCloseTimeoutMs ?? WS_CLOSE_TIMEOUT_MS,
  };
}

// ── HTTP/2 (SPEC §11). What SETTINGS advertise is defined with the frame writer; it belongs here too.
export { H2_MAX_CONCURRENT_STREAMS, H2_MAX_HEADER_LIST_SIZE } from "../http/h2/limits.ts";
import { DEFAULT_ADVERTISED } from "../http/h2/frame-writer.ts";
/** Largest frame payload we accept (SETTINGS_MAX_FRAME_SIZE; RFC 9113 §4.2's minimum, so a half-read frame costs at most this). */
export const H2_MAX_FRAME_SIZE = DEFAULT_ADVERTISED.maxFrameSize;
/** Each stream's receive window (SETTINGS_INITIAL_WINDOW_SIZE): body bytes a client may send ahead of its servlet. */
export const H2_STREAM_WINDOW = DEFAULT_ADVERTISED.initialWindowSize;
/**
 * The connection's receive window: body bytes a client may have sent ahead of all its servlets
 * together (RFC 9113 §6.9). Opened only as servlets consume, so it bounds what a connection holds.
 */
export const H2_CONNECTION_WINDOW = 1024 * 1024;
/**
 * A header block (HEADERS + CONTINUATION, compressed) larger than this ends the connection with
 * ENHANCE_YOUR_CALM: four times the header list limit leaves room for any honest encoding, and a
 * block that never ends (CVE-2024-27316) stops here.
 */
export const H2_MAX_HEADER_BLOCK = 64 * 1024;
/**
 * Streams a client may reset before their answer per second (CVE-2023-44487, rapid reset): past it,
 * ENHANCE_YOUR_CALM. A browser cancelling a page's requests on navigation stays far below.
 */
export const H2_MAX_RESETS_PER_SECOND = 200;
/** SETTINGS frames per second past which the connection ends with ENHANCE_YOUR_CALM (a SETTINGS flood). */
export const H2_MAX_SETTINGS_PER_SECOND = 100;
/** PING frames per second past which the connection ends with ENHANCE_YOUR_CALM (each one costs us an ACK). */
export const H2_MAX_PINGS_PER_SECOND = 100;
/**
 * Header blocks past the header list limit per second (each answered 431; each a whole HPACK decode,
 * an HPACK bomb's cost) → ENHANCE_YOUR_CALM. One such block is a client that ignored our
 * SETTINGS_MAX_HEADER_LIST_SIZE once; ten a second is an attack.
 */
export const H2_MAX_OVERSIZED_BLOCKS_PER_SECOND = 10;
/** Frames that carry nothing (empty DATA or CONTINUATION without an end) per second → ENHANCE_YOUR_CALM. */
export const H2_MAX_EMPTY_FRAMES_PER_SECOND = 100;
/** A stream's response queue starts in a buffer of this size (bytes; grown for a large response). */
export const H2_STREAM_BUFFER = 2048;
/** HTTP/2 streams (about 27 KB each) kept for reuse across a daemon's connections (7 MB at most). */
export const H2_STREAM_SPARES = 256;
/** Stream buffers kept for reuse across the daemon (2 MiB at most). */
export const H2_STREAM_BUFFER_SPARES = 1024;
/**
 * Closed stream ids an HTTP/2 connection remembers (h2-closed-streams.ts): beyond the 100 a client
 * may have open at once, so a frame for a stream closed lately is told from one for an id never used.
 */
export const CLOSED_STREAMS_KEPT = 128;

/** A WebSocket silent this long is pinged; silent as long again after the ping, it is dropped (a peer that vanished). */
export const WS_PING_INTERVAL_MS = 30_000;
/** RFC 6455 §7.1.1: after our Close, the client has this long to answer with its own before the TCP connection is closed. */
export const WS_CLOSE_TIMEOUT_MS = 5_000;
/**
 * RFC 6455 §5.5.2 makes every Ping owe a Pong: past this many Pings a second from one client, the
 * socket is closed with 1008 and counted (stats().websocketFloods), as HTTP/2's PING flood is
 * (H2_MAX_PINGS_PER_SECOND). Browsers send none (their API cannot); libraries ping every few seconds.
 */
export const WS_MAX_PINGS_PER_SECOND = 100;
