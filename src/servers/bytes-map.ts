/**
 * BytesMap: a map whose keys are byte spans, looked up straight from a request buffer, so a hot
 * path can find what it remembered about a path without decoding the path to a string.
 * Keys are copied when set; lookups hash the span (FNV-1a) and compare bytes. Hot path (get):
 * no allocation.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

interface Entry<V> {
  key: Uint8Array;
  value: V;
}

/** FNV-1a over buf[start..end), as a 32-bit integer. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  return h | 0;
}

function sameBytes(key: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== buf[start + i]) return false;
  return true;
}

/** A map from byte strings to values. */
export class BytesMap<V> {
  private readonly buckets = new Map<number, Entry<V>[]>();
  private count = 0;

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /** The value for the key buf[start..end), or undefined. */
  get(buf: Uint8Array, start: number, end: number): V | undefined {
    const bucket = this.buckets.get(hashBytes(buf, start, end));
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const entry = bucket[i]!;
      if (sameBytes(entry.key, buf, start, end)) return entry.value;
    }
    return undefined;
  }

  /** Sets the value for the key buf[start..end) (the key bytes are copied). */
  set(buf: Uint8Array, start: number, end: number, value: V): void {
    const h = hashBytes(buf, start, end);
    let bucket = this.buckets.get(h);
    if (bucket === undefined) this.buckets.set(h, (bucket = []));
    for (const entry of bucket) {
      if (sameBytes(entry.key, buf, start, end)) {
        entry.value = value;
        return;
      }
    }
    bucket.push({ key: Uint8Array.prototype.slice.call(buf, start, end), value }); // a copy (Buffer#slice is a view)
    this.count++;
  }

  /** Removes the key buf[start..end); true when it was there. */
  delete(buf: Uint8Array, start: number, end: number): boolean {
    const h = hashBytes(buf, start, end);
    const bucket = this.buckets.get(h);
    if (bucket === undefined) return false;
    const i = bucket.findIndex((entry) => sameBytes(entry.key, buf, start, end));
    if (i < 0) return false;
    bucket.splice(i, 1);
    if (bucket.length === 0) this.buckets.delete(h);
    this.count--;
    return true;
  }

  /** Removes every key. */
  clear(): void {
    this.buckets.clear();
    this.count = 0;
  }
}
