/** Sizes for people: powers of 1024 with IEC units, as listings show them. */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * `bytes` as a short IEC size: "0 B", "999 B", "1.0 KiB", "9.9 KiB", "10 KiB", "1023 KiB",
 * "1.0 MiB". One decimal below 10 of a unit, whole numbers from 10; a value that would round to
 * 1024 of a unit is shown in the next one. Negative or non-finite input is "-".
 */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "-";
  if (bytes < 1024) return `${Math.floor(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (unit < UNITS.length - 1 && value >= 1024) {
    value /= 1024;
    unit++;
  }
  // Rounding may reach the next unit (1023.7 KiB → "1024 KiB"): show "1.0 MiB" instead.
  if (Math.round(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value < 9.95 ? value.toFixed(1) : String(Math.round(value));
  return `${shown} ${UNITS[unit]}`;
}
