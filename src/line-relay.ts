/**
 * LineRelay: passes a stream of bytes on in whole lines only — what the `--workers` supervisor
 * does with each worker's standard output, so two workers' access-log lines reach the shared
 * output one whole line at a time and never interleave mid-line (a pipe hands a reader any split
 * of a large write). The tail after the last newline waits for the rest of its line; what is left
 * when the stream ends goes out as it is.
 */

const NEWLINE = 0x0a;

/** Whole-line passing of one stream (see the file comment). */
export class LineRelay {
  /** The pieces of the line waiting for its newline (concatenated once, when it comes). */
  private tail: Uint8Array[] = [];

  /** Passes `write` what `chunk` completes: the waiting tail and everything up to the chunk's last newline. */
  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  /** A piece of the stream. */
  push(chunk: Uint8Array): void {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.tail.push(chunk.slice());
      return;
    }
    const whole = chunk.subarray(0, last + 1);
    this.write(this.tail.length === 0 ? whole : Buffer.concat([...this.tail, whole]));
    this.tail = last + 1 < chunk.length ? [chunk.slice(last + 1)] : [];
  }

  /** The stream ended: a last line without its newline goes out as it is. */
  end(): void {
    if (this.tail.length > 0) this.write(Buffer.concat(this.tail));
    this.tail = [];
  }
}
