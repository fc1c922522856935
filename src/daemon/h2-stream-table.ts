/**
 * StreamTable: an HTTP/2 connection's open streams by id. At most H2_MAX_CONCURRENT_STREAMS are
 * open and ids only grow (RFC 9113 §5.1.1), so an open-addressed table of a fixed power-of-two size
 * (linear probing, backward-shift deletion) holds them without the churn a Map of ever-new keys
 * costs per request. No allocation after construction.
 */
import type { H2Stream } from "./h2-stream.ts";

/** Slots: a power of two, at least twice the concurrent-stream limit (100) so probes stay short. */
const SLOTS = 256;
const MASK = SLOTS - 1;

/** Open streams by id (see the file comment). */
export class StreamTable {
  private readonly ids = new Int32Array(SLOTS);
  private readonly streams: (H2Stream | null)[] = new Array<H2Stream | null>(SLOTS).fill(null);
  /** Streams held. */
  size = 0;

  /** The open stream `id`, or undefined. */
  get(id: number): H2Stream | undefined {
    for (let i = slotOf(id); ; i = (i + 1) & MASK) {
      const s = this.streams[i];
      if (s === null) return undefined;
      if (this.ids[i] === id) return s;
    }
  }

  /** Adds stream `id` (not present; fewer than SLOTS - 1 held). */
  set(id: number, stream: H2Stream): void {
    let i = slotOf(id);
    while (this.streams[i] !== null) i = (i + 1) & MASK;
    this.ids[i] = id;
    this.streams[i] = stream;
    this.size++;
  }

  /** Removes stream `id` if present. */
  delete(id: number): void {
    let i = slotOf(id);
    for (;;) {
      if (this.streams[i] === null) return;
      if (this.ids[i] === id) break;
      i = (i + 1) & MASK;
    }
    // Backward shift: move later entries of the probe run into the hole so lookups stay correct.
    let hole = i;
    for (let j = (i + 1) & MASK; this.streams[j] !== null; j = (j + 1) & MASK) {
      const home = slotOf(this.ids[j]!);
      // j's entry may fill the hole unless its home lies cyclically in (hole, j].
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        this.ids[hole] = this.ids[j]!;
        this.streams[hole] = this.streams[j]!;
        hole = j;
      }
    }
    this.streams[hole] = null;
    this.size--;
  }

  /** The open streams, copied (callers close streams while walking them). */
  list(): H2Stream[] {
    const out: H2Stream[] = [];
    for (const s of this.streams) if (s !== null) out.push(s);
    return out;
  }
}

/** Client stream ids are odd: consecutive ones fill consecutive slots. */
function slotOf(id: number): number {
  return (id >>> 1) & MASK;
}
