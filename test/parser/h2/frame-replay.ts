/**
 * Feeds frame bytes to parseFrame whole, split, or byte by byte, relocating the bytes received so
 * far to a new offset in a fresh buffer before every call (as a receive buffer moves), and
 * describes the outcome as plain data so the ways can be compared.
 */
import { INCOMPLETE, isStreamError } from "../../../src/parser/h2/errors.ts";
import { FRAME_HEADER_LENGTH, Frame, parseFrame } from "../../../src/parser/h2/frame.ts";
import { matchPreface } from "../../../src/parser/h2/preface.ts";
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

/** What reading a stream of frames came to: each frame (or error) in order, the last result, the bytes left unread (0 after a connection error: the connection ends there). */
export interface StreamOutcome {
  frames: FrameOutcome[];
  last: number;
  rest: number;
}

/**
 * Reads frames from `data` arriving in pieces ending at `cuts`, as a connection does: received
 * bytes accumulate, each parse starts where the last frame ended, a stream error skips its frame
 * (9 + length), a connection error stops. With `preface`, the client preface comes first.
 * Throws when a parse claims more bytes than have arrived, or less than a frame header.
 */
export function readFrameStream(data: Uint8Array, cuts: number[], maxFrameSize: number, preface = false): StreamOutcome {
  const buf = new Uint8Array(data.length);
  const frame = new Frame();
  const frames: FrameOutcome[] = [];
  let have = 0;
  let p = 0;
  let last = INCOMPLETE;
  let prefaceSeen = !preface;
  for (const cut of cuts) {
    buf.set(data.subarray(have, cut), have);
    have = cut;
    if (!prefaceSeen) {
      last = matchPreface(buf, 0, have);
      if (last === INCOMPLETE) continue;
      if (last < 0) return { frames, last, rest: 0 };
      prefaceSeen = true;
      p = last;
    }
    for (let guard = 0; guard <= data.length; guard++) {
      last = parseFrame(buf, p, have, maxFrameSize, frame);
      if (last === INCOMPLETE) break;
      frames.push(describeFrame(last, buf, frame));
      if (last < 0 && !isStreamError(last)) return { frames, last, rest: 0 };
      const took = last < 0 ? FRAME_HEADER_LENGTH + frame.length : last;
      if (took < FRAME_HEADER_LENGTH || p + took > have) throw new Error(`consumed ${took} of ${have - p}`);
      p += took;
    }
  }
  return { frames, last, rest: have - p };
}
