/**
 * The peer's SETTINGS (RFC 9113 §6.5): the six parameters with their initial values (§6.5.2), and
 * the validation and application of one SETTINGS payload. Bytes in, numbers out, no allocation.
 */
import { E_H2_BAD_ENABLE_PUSH, E_H2_BAD_MAX_FRAME_SIZE, E_H2_BAD_SETTINGS_LENGTH, E_H2_INITIAL_WINDOW_TOO_LARGE } from "./errors.ts";
import { SETTING_ENTRY_LENGTH, readUint32 } from "./frame.ts";

// ── §6.5.2: identifiers ───────────────────────────────────────────────────────────────────────
/** The HPACK dynamic table size the sender's decoder allows (RFC 7541 §4.2). */
export const SETTINGS_HEADER_TABLE_SIZE = 0x1;
/** 0 or 1: whether the sender accepts server push (§8.4). */
export const SETTINGS_ENABLE_PUSH = 0x2;
/** How many streams the sender lets its peer open at once (§5.1.2). */
export const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
/** The sender's initial stream receive window (§6.9.2). */
export const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
/** The largest frame payload the sender accepts (§4.2). */
export const SETTINGS_MAX_FRAME_SIZE = 0x5;
/** The header list size the sender is prepared to accept (advisory). */
export const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

// ── §6.5.2, §6.9: initial values and bounds ───────────────────────────────────────────────────
/** §6.5.2: SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 7541 §4.2). */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;
/** §6.5.2: SETTINGS_INITIAL_WINDOW_SIZE's initial value, also the connection window's (§6.9.2). */
export const DEFAULT_INITIAL_WINDOW_SIZE = 65535;
/** §4.2: SETTINGS_MAX_FRAME_SIZE's initial value and the smallest allowed. */
export const DEFAULT_MAX_FRAME_SIZE = 16384;
/** §4.2, §6.5.2: the largest SETTINGS_MAX_FRAME_SIZE (2^24-1). */
export const MAX_ALLOWED_FRAME_SIZE = 0xffffff;
/** §6.9.1: the largest flow-control window (2^31-1). */
export const MAX_WINDOW_SIZE = 0x7fffffff;
/** A setting with no limit (§6.5.2: MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE start unlimited). */
export const UNLIMITED = Number.POSITIVE_INFINITY;

/** The settings the peer sent (or their initial values). Reused per connection; every field initialised. */
export class PeerSettings {
  /** HPACK dynamic table size our encoder may use (RFC 7541 §4.2). Default 4096. */
  headerTableSize = DEFAULT_HEADER_TABLE_SIZE;
  /** 1 when the peer accepts PUSH_PROMISE (a server never reads it from a client as anything but 0/1). Default 1. */
  enablePush = 1;
  /** Streams we may open towards the peer. Default UNLIMITED. */
  maxConcurrentStreams = UNLIMITED;
  /** Initial send window of every stream (§6.9.2). Default 65535. */
  initialWindowSize = DEFAULT_INITIAL_WINDOW_SIZE;
  /**
   * The initial window before the last applySettings: a change adjusts every open stream's send
   * window by `initialWindowSize - previousInitialWindowSize` (§6.9.2). Default 65535.
   */
  previousInitialWindowSize = DEFAULT_INITIAL_WINDOW_SIZE;
  /** Largest frame payload we may send (§4.2). Default 16384. */
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** Advisory limit on the header list we send (§6.5.2, uncompressed, 32 bytes per field). Default UNLIMITED. */
  maxHeaderListSize = UNLIMITED;

  /** Back to the initial values (a new connection). */
  reset(): void {
    this.headerTableSize = DEFAULT_HEADER_TABLE_SIZE;
    this.enablePush = 1;
    this.maxConcurrentStreams = UNLIMITED;
    this.initialWindowSize = DEFAULT_INITIAL_WINDOW_SIZE;
    this.previousInitialWindowSize = DEFAULT_INITIAL_WINDOW_SIZE;
    this.maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    this.maxHeaderListSize = UNLIMITED;
  }
}

/**
 * Validates and applies the SETTINGS payload buf[start..end) (a non-ACK frame's payload: its
 * length is a multiple of 6, which parseFrame checked) in order, the last value of a repeated
 * identifier winning (§6.5.3). Returns 0, or a negative E_H2_* connection error with `settings`
 * untouched (every entry is checked before any is applied). Unknown identifiers are ignored
 * (§6.5.2). Always sets previousInitialWindowSize to the initial window before this frame.
 */
export function applySettings(buf: Uint8Array, start: number, end: number, settings: PeerSettings): number {
  if ((end - start) % SETTING_ENTRY_LENGTH !== 0) return E_H2_BAD_SETTINGS_LENGTH;
  for (let p = start; p < end; p += SETTING_ENTRY_LENGTH) {
    const value = readUint32(buf, p + 2);
    switch ((buf[p]! << 8) | buf[p + 1]!) {
      case SETTINGS_ENABLE_PUSH:
        if (value > 1) return E_H2_BAD_ENABLE_PUSH;
        break;
      case SETTINGS_INITIAL_WINDOW_SIZE:
        if (value > MAX_WINDOW_SIZE) return E_H2_INITIAL_WINDOW_TOO_LARGE;
        break;
      case SETTINGS_MAX_FRAME_SIZE:
        if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_ALLOWED_FRAME_SIZE) return E_H2_BAD_MAX_FRAME_SIZE;
        break;
    }
  }
  settings.previousInitialWindowSize = settings.initialWindowSize;
  for (let p = start; p < end; p += SETTING_ENTRY_LENGTH) {
    const value = readUint32(buf, p + 2);
    switch ((buf[p]! << 8) | buf[p + 1]!) {
      case SETTINGS_HEADER_TABLE_SIZE:
        settings.headerTableSize = value;
        break;
      case SETTINGS_ENABLE_PUSH:
        settings.enablePush = value;
        break;
      case SETTINGS_MAX_CONCURRENT_STREAMS:
        settings.maxConcurrentStreams = value;
        break;
      case SETTINGS_INITIAL_WINDOW_SIZE:
        settings.initialWindowSize = value;
        break;
      case SETTINGS_MAX_FRAME_SIZE:
        settings.maxFrameSize = value;
        break;
      case SETTINGS_MAX_HEADER_LIST_SIZE:
        settings.maxHeaderListSize = value;
        break;
    }
  }
  return 0;
}
