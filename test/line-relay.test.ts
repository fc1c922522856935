/**
 * LineRelay (the --workers supervisor's relay of each worker's output): whatever the split of the
 * bytes, what it writes is whole lines, in order, and nothing is lost — run at every split and
 * byte by byte, as the parsers' tables are.
 */
import { expect, test } from "bun:test";
import { LineRelay } from "../src/line-relay.ts";

const TEXT = 'first line\n{"json": "second"}\n\nfourth, after an empty one\nno newline at the end';

/** What the relay writes when `text` arrives cut at `cuts`. */
function relay(text: string, cuts: number[]): string[] {
  const writes: string[] = [];
  const r = new LineRelay((b) => writes.push(Buffer.from(b).toString()));
  const bytes = Buffer.from(text);
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    r.push(bytes.subarray(from, at));
    from = at;
  }
  r.end();
  return writes;
}

test("whole lines at every split and byte by byte; the unfinished last line at the end", () => {
  const n = Buffer.byteLength(TEXT);
  const cases = [[], ...Array.from({ length: n - 1 }, (_, i) => [i + 1]), Array.from({ length: n - 1 }, (_, i) => i + 1)];
  for (const cuts of cases) {
    const writes = relay(TEXT, cuts);
    expect(writes.join("")).toBe(TEXT);
    for (const w of writes.slice(0, -1)) expect(w.endsWith("\n")).toBe(true);
    expect(writes.at(-1)).toBe("no newline at the end");
  }
});
