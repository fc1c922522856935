/**
 * Runs the members of a batch a few at a time and writes their answers, in request order, as
 * they come (issue 19). Two bounds hold at every moment:
 *
 * - at most RPC_BATCH_CONCURRENCY members are started and not yet written: one request cannot
 *   queue its thousand calls ahead of other clients' calls (they interleave), and no more than
 *   that many finished answers wait for a slow one before them;
 * - no member is started while the connection is behind (a write returned false): a client that
 *   does not read stops its batch after filling the output high-water mark, instead of having
 *   the whole answer built and held for it.
 *
 * Members that answer at once are written at once, so a batch of synchronous calls whose answer
 * fits in RPC_BATCH_PIECE is still one whole response, written in the daemon's read turn.
 */
import { RPC_BATCH_CONCURRENCY } from "./limits.ts";
import type { RpcOutput } from "./rpc-codec.ts";

/** A member's encoded answer: its text, null for none (a notification), or a Promise of either that never rejects. */
export type MemberAnswer = string | null | Promise<string | null>;

/** How answers are framed: before the first, between two, after the last (JSON: `[`, `,`, `]`). */
export interface BatchFrame {
  open: string;
  separator: string;
  close: string;
}

/**
 * Starts members 0..count-1 through `start` (at most RPC_BATCH_CONCURRENCY unwritten at once)
 * and writes their answers to `out` in order, framed by `frame`; ends `out` after the last. When
 * no member has an answer, nothing is written (the output answers 204). Stops starting members
 * once `out` is closed (the client left). Never throws if `start` does not.
 */
export function streamBatch(count: number, start: (i: number) => MemberAnswer, out: RpcOutput, frame: BatchFrame): void {
  // undefined: not started or not answered yet; written answers are dropped (set to null).
  const answers: (string | null | undefined)[] = new Array(count);
  let started = 0;
  let written = 0;
  let any = false;
  /** pump() returned to wait for member `written`: its answer resumes it. */
  let waiting = false;

  const arrive = (i: number, answer: string | null): void => {
    answers[i] = answer;
    if (waiting && i === written) {
      waiting = false;
      pump();
    }
  };

  const pump = (): void => {
    while (!out.closed) {
      while (started < count && started - written < RPC_BATCH_CONCURRENCY) {
        const i = started++;
        const a = start(i);
        if (a instanceof Promise) a.then((x) => arrive(i, x));
        else answers[i] = a;
      }
      if (written === count) {
        if (any) out.write(frame.close);
        out.end();
        return;
      }
      const a = answers[written];
      if (a === undefined) {
        // The next answer is not in: what is written goes out now, and its arrival resumes us.
        out.flush();
        waiting = true;
        return;
      }
      answers[written++] = null;
      if (a === null) continue;
      const more = out.write((any ? frame.separator : frame.open) + a);
      any = true;
      if (!more) {
        void out.drained().then(pump);
        return;
      }
    }
  };

  pump();
}
