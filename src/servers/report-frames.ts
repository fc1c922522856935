/**
 * Reports fanned out to WebSockets (SPEC §12): every socket subscribed to one pattern shares one
 * subscription at the report source, whose callback frames each report once — its JSON, its
 * text frame, and (on first demand) its permessage-deflate frame — and hands the same bytes to
 * every socket. A fan-out to 1,000 subscribers costs one encoding and 1,000 queue appends, not
 * 1,000 of each; and the report source holds one subscription per pattern, not one per socket.
 */
import { MAX_SERVER_FRAME_HEAD, writeFrameHead } from "../http/ws/frame-writer.ts";
import { compressMessage, shouldCompress } from "../http/ws/permessage-deflate.ts";
import { OPCODE_TEXT } from "../parser/ws/frame-reader.ts";
import { defaultReportSource } from "./report-source.ts";
import type { FramedMessage } from "./websocket-port.ts";

const encoder = new TextEncoder();

/** One report's frames: `{"subject":…,"value":…}` as a text message. */
export class ReportFrame implements FramedMessage {
  private compressedFrame: Uint8Array | null | undefined = undefined;

  /** Frames `subject` and the value's JSON text (made once per report by the report source). */
  constructor(subject: string, json: string) {
    this.payload = encoder.encode(`{"subject":${JSON.stringify(subject)},"value":${json}}`);
    this.plain = frame(this.payload, false);
  }

  private readonly payload: Uint8Array;
  /** The uncompressed frame. */
  readonly plain: Uint8Array;

  /** The permessage-deflate frame (RSV1), made on first use; null when the message is too small to be worth it. */
  compressed(): Uint8Array | null {
    if (this.compressedFrame !== undefined) return this.compressedFrame;
    if (!shouldCompress(this.payload.length)) return (this.compressedFrame = null);
    return (this.compressedFrame = frame(compressMessage(this.payload), true));
  }
}

/** A socket as the fan-out sees it. */
export interface ReportReceiver {
  /** A report for one of its patterns. */
  receiveReport(report: ReportFrame): void;
}

/** The sockets of one pattern and their one subscription. */
interface Fanout {
  readonly receivers: Set<ReportReceiver>;
  readonly unsubscribe: () => void;
}

const fanouts = new Map<string, Fanout>();

/** `receiver` gets the reports matching `pattern` from now on (the first receiver of a pattern subscribes at the source; may throw when there is none). */
export function joinReports(pattern: string, receiver: ReportReceiver): void {
  let f = fanouts.get(pattern);
  if (f === undefined) {
    const receivers = new Set<ReportReceiver>();
    const unsubscribe = defaultReportSource().subscribeReports(pattern, (subject, _value, _from, json) => {
      if (receivers.size === 0) return;
      const report = new ReportFrame(subject, json);
      for (const r of receivers) r.receiveReport(report);
    });
    fanouts.set(pattern, (f = { receivers, unsubscribe }));
  }
  f.receivers.add(receiver);
}

/** `receiver` no longer gets `pattern`'s reports (the last one out unsubscribes at the source). */
export function leaveReports(pattern: string, receiver: ReportReceiver): void {
  const f = fanouts.get(pattern);
  if (f === undefined || !f.receivers.delete(receiver) || f.receivers.size > 0) return;
  fanouts.delete(pattern);
  f.unsubscribe();
}

function frame(payload: Uint8Array, rsv1: boolean): Uint8Array {
  const head = new Uint8Array(MAX_SERVER_FRAME_HEAD);
  const n = writeFrameHead(head, 0, OPCODE_TEXT, true, rsv1, payload.length);
  const out = new Uint8Array(n + payload.length);
  out.set(head.subarray(0, n));
  out.set(payload, n);
  return out;
}
