/** Sizes for people in listings (IEC units; one decimal below 10), as a table. */
import { expect, test } from "bun:test";
import { humanSize } from "../../src/servers/human-size.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const rows: [number, string][] = [
  [0, "0 B"],
  [1, "1 B"],
  [1023, "1023 B"],
  [1024, "1.0 KiB"],
  [1536, "1.5 KiB"],
  [10 * KiB - 1, "10 KiB"], // 9.999 KiB rounds to 10: shown whole
  [10 * KiB, "10 KiB"],
  [1000 * KiB, "1000 KiB"],
  [1023 * KiB, "1023 KiB"],
  [MiB - 1, "1.0 MiB"], // 1023.999 KiB would round to 1024 KiB: the next unit instead
  [MiB, "1.0 MiB"],
  [5.25 * MiB, "5.3 MiB"],
  [700 * MiB, "700 MiB"],
  [4.7 * GiB, "4.7 GiB"],
  [2 ** 53, "8.0 PiB"],
  [2 ** 70, "1048576 PiB"], // past the last unit: the number grows
  [-1, "-"],
  [Number.NaN, "-"],
  [Number.POSITIVE_INFINITY, "-"],
];

for (const [bytes, expected] of rows) {
  test(`${bytes} bytes → ${expected}`, () => {
    expect(humanSize(bytes)).toBe(expected);
  });
}
