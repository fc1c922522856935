/**
 * Feeds client frame bytes to a WsFrameReader in pieces (each piece copied into a fresh buffer at
 * a different offset, as a socket's chunks arrive) and records what the sink heard as plain data,
 * so whole, split and byte-by-byte readings can be compared.
 */
import { WsFrameReader, type WsFrameSink } from "../../../src/parser/ws/frame-reader.ts";
import { chunkAt, latin1Of } from "./ws-build.ts";

/** One sink call, as data. A frame's payload pieces are joined into one "payload" event. */
export type FrameEvent =
  | ["start", opcode: number, fin: boolean, rsv1: boolean, length: number]
  | ["payload", latin1: string]
  | ["end"]
  | ["control", opcode: number, latin1: string];

/** What reading came to: the events, and the error (0 when none). */
export interface ReadOutcome {
  events: FrameEvent[];
  error: number;
}

/** A sink that records events, joining payload pieces; throws if a piece is empty or out of the chunk. */
export class RecordingSink implements WsFrameSink {
  events: FrameEvent[] = [];
  dataFrameStart(opcode: number, fin: boolean, rsv1: boolean, length: number): void {
    this.events.push(["start", opcode, fin, rsv1, length]);
  }
  dataFramePayload(bytes: Uint8Array, start: number, end: number): void {
    if (end <= start || start < 0 || end > bytes.length) throw new Error(`bad payload span ${start}..${end} of ${bytes.length}`);
    const last = this.events[this.events.length - 1]!;
    if (last[0] === "payload") last[1] += latin1Of(bytes, start, end);
    else this.events.push(["payload", latin1Of(bytes, start, end)]);
  }
  dataFrameEnd(): void {
    this.events.push(["end"]);
  }
  controlFrame(opcode: number, payload: Uint8Array, start: number, end: number): void {
    if (end - start > 125) throw new Error("control payload over 125");
    this.events.push(["control", opcode, latin1Of(payload, start, end)]);
  }
}

/** Options a row may set. */
export interface ReaderOptions {
  maxFramePayload?: number;
  allowRsv1?: boolean;
}

/** The default frame limit of the table: above 65536 so every size form fits. */
export const TABLE_MAX_FRAME = 70_000;

/**
 * Reads `data` arriving in pieces ending at `cuts` with a new reader. Throws when read() claims
 * other than all of a piece without an error, or when an error is not sticky.
 */
export function readInPieces(data: Uint8Array, cuts: number[], options: ReaderOptions = {}): ReadOutcome {
  const reader = new WsFrameReader(options.maxFramePayload ?? TABLE_MAX_FRAME);
  reader.allowRsv1 = options.allowRsv1 ?? false;
  const sink = new RecordingSink();
  let from = 0;
  for (let i = 0; i < cuts.length; i++) {
    const offset = 1 + (i % 7);
    const chunk = chunkAt(data, from, cuts[i]!, offset);
    const r = reader.read(chunk, offset, offset + cuts[i]! - from, sink);
    if (r < 0) {
      const again = reader.read(chunk, offset, offset + 1, sink);
      if (again !== r) throw new Error(`error not sticky: ${r} then ${again}`);
      return { events: sink.events, error: r };
    }
    if (r !== cuts[i]! - from) throw new Error(`read ${r} of ${cuts[i]! - from}`);
    from = cuts[i]!;
  }
  return { events: sink.events, error: 0 };
}
