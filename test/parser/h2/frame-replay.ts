/**
 * Feeds frame bytes to parseFrame whole, split, or byte by byte, relocating the bytes received so
 * far to a new offset in a fresh buffer before every call (as a receive buffer moves), and
 * describes the outcome as plain data so the ways can be compared.
 */
import { INCOMPLETE, isStreamError } from "../../../src/parser/h2/errors.ts";
import { type Frame, parseFrame } from "../../../src/parser/h2/frame.ts";
import { relocate } from "../replay.ts";
import type { FrameOutcome } from "./frame-cases.ts";

function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

/** The outcome of one parse as plain data. */
export function describeFrame(r: number, buf: Uint8Array, frame: Frame): FrameOutcome {
  if (r === INCOMPLETE) return { incomplete: true };
  if (isStreamError(r)) return { streamError: r, streamId: frame.streamId, length: frame.length };
  if (r < 0) return { error: r };
  return {
    consumed: r,
    length: frame.length,
    type: frame.type,
    flags: frame.flags,
    streamId: frame.streamId,
    payload: latin1(buf, frame.payloadStart, frame.payloadEnd),
    padLength: frame.padLength,
    dependency: frame.dependency,
    exclusive: frame.exclusive,
    weight: frame.weight,
    promisedStreamId: frame.promisedStreamId,
  };
}

/** Parses `data` fed in pieces ending at `cuts` (ascending, the last = data.length) with one reused Frame. */
export function parseFrameInPieces(data: Uint8Array, cuts: number[], maxFrameSize: number, frame: Frame): FrameOutcome {
  for (let i = 0; i < cuts.length; i++) {
    const start = 1 + (i % 5);
    const buf = relocate(data, cuts[i]!, start);
    const r = parseFrame(buf, start, start + cuts[i]!, maxFrameSize, frame);
    if (r !== INCOMPLETE || i === cuts.length - 1) return describeFrame(r, buf, frame);
  }
  return { incomplete: true };
}

/** The cut lists of the house rule: whole, split at every point, byte by byte. */
export function everySplit(n: number): [string, number[]][] {
  const each: number[] = [];
  for (let s = 1; s <= n; s++) each.push(s);
  const ways: [string, number[]][] = [
    ["whole", [n]],
    ["byte by byte", each],
  ];
  for (let s = 1; s < n; s++) ways.push([`split at ${s}`, [s, n]]);
  return ways;
}
