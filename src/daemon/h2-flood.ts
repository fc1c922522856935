/**
 * FloodMeter: counts, per HTTP/2 connection, the frames that cost the server work and give the
 * client nothing it could not have had more cheaply — streams reset before their answer (rapid
 * reset, CVE-2023-44487), SETTINGS and PING frames (each owes an ACK), frames that carry nothing, header blocks past the advertised limit (HPACK bombs) —
 * each over a one-second window. Past its limit (limits.ts) the connection ends with GOAWAY
 * ENHANCE_YOUR_CALM (SPEC §11). Counting only: a number and a window per kind, no allocation.
 */
import {
  H2_MAX_EMPTY_FRAMES_PER_SECOND,
  H2_MAX_OVERSIZED_BLOCKS_PER_SECOND,
  H2_MAX_PINGS_PER_SECOND,
  H2_MAX_RESETS_PER_SECOND,
  H2_MAX_SETTINGS_PER_SECOND,
} from "./limits.ts";

const WINDOW_MS = 1000;

/** One kind of frame over the current second. */
class Rate {
  private start = -WINDOW_MS;
  private count = 0;

  constructor(private readonly limit: number) {}

  /** Counts one at `now` (ms); true when the limit is passed. */
  add(now: number): boolean {
    if (now - this.start >= WINDOW_MS) {
      this.start = now;
      this.count = 0;
    }
    return ++this.count > this.limit;
  }
}

/** The abuse counters of one HTTP/2 connection (see the file comment). */
export class FloodMeter {
  private readonly resets = new Rate(H2_MAX_RESETS_PER_SECOND);
  private readonly settingsFrames = new Rate(H2_MAX_SETTINGS_PER_SECOND);
  private readonly pings = new Rate(H2_MAX_PINGS_PER_SECOND);
  private readonly empties = new Rate(H2_MAX_EMPTY_FRAMES_PER_SECOND);
  private readonly oversizedBlocks = new Rate(H2_MAX_OVERSIZED_BLOCKS_PER_SECOND);

  /** A stream reset by the client before its response ended; true: too many. */
  reset(now: number): boolean {
    return this.resets.add(now);
  }

  /** A SETTINGS frame (not an ACK); true: too many. */
  settings(now: number): boolean {
    return this.settingsFrames.add(now);
  }

  /** A PING (not an ACK); true: too many. */
  ping(now: number): boolean {
    return this.pings.add(now);
  }

  /** A header block past the header list limit we advertised (answered 431); true: too many. */
  oversized(now: number): boolean {
    return this.oversizedBlocks.add(now);
  }

  /** A frame that carries nothing; true: too many. */
  emptyFrame(now: number): boolean {
    return this.empties.add(now);
  }
}
