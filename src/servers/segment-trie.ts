/**
 * The segment lookup both tries share — PrefixTrie (mounts: the deepest attached prefix) and
 * RouteTree (Router patterns) — so there is one place that walks a path's bytes segment by
 * segment. A node's static children are keyed by a segment's UTF-8 bytes, so a raw request path
 * is looked up straight from the receive buffer; lookups allocate nothing.
 */
import { SLASH } from "../parser/index.ts";

const encoder = new TextEncoder();

/**
 * The end of the path segment that starts at `p` in buf[..end): the offset of the next `/`, or
 * `end`. Segments are short: a loop beats indexOf's call. Hot path: no allocation.
 */
export function segmentEnd(buf: Uint8Array, p: number, end: number): number {
  let e = p;
  while (e < end && buf[e] !== SLASH) e++;
  return e;
}

/**
 * A trie node with static children keyed by a segment's bytes (in the order they were added).
 * `N` is the concrete node class (PrefixTrie's, RouteTree's), which extends this one with what it
 * keeps at a node.
 */
export class SegmentNode<N extends SegmentNode<N>> {
  /** The children's segments as UTF-8 bytes; `children[k]` is the child for `keys[k]`. */
  readonly keys: Uint8Array[] = [];
  /** See keys. */
  readonly children: N[] = [];

  /** The child whose segment equals buf[start..end), or null. Hot path: no allocation. */
  find(buf: Uint8Array, start: number, end: number): N | null {
    const keys = this.keys;
    const n = end - start;
    outer: for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key.length !== n) continue;
      for (let i = 0; i < n; i++) if (key[i] !== buf[start + i]) continue outer;
      return this.children[k]!;
    }
    return null;
  }

  /** The child for `segment` (decoded text, no `/`); when there is none, `make()`'s, added. */
  childFor(segment: string, make: () => N): N {
    const key = encoder.encode(segment);
    const found = this.find(key, 0, key.length);
    if (found !== null) return found;
    const child = make();
    this.keys.push(key);
    this.children.push(child);
    return child;
  }

  /** The child for `segment` (decoded text, no `/`), or null. */
  childAt(segment: string): N | null {
    const key = encoder.encode(segment);
    return this.find(key, 0, key.length);
  }
}
