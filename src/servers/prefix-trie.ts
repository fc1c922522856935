/**
 * PrefixTrie: server objects attached to parts of the URL namespace, by whole path segments.
 * A request goes to the deepest attached path that is a whole-segment prefix of its path
 * (`/logs` matches `/logs` and `/logs/a`, never `/logsfoo`). The segment lookup is the one
 * RouteTree uses (segment-trie.ts): keys are UTF-8 bytes, so a raw request path can be looked up
 * straight from the receive buffer. Lookup allocates nothing.
 */
import { SegmentNode, segmentEnd } from "./segment-trie.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A node: what is attached at its path (null: nothing). */
class TrieNode<T> extends SegmentNode<TrieNode<T>> {
  value: T | null = null;
}

/**
 * Throws a TypeError unless `path` is normalised: starts with `/`, no trailing `/` except the
 * root itself, no empty, `.` or `..` segments (SPEC §2.1).
 */
export function assertNormalisedPath(path: string): void {
  const bad =
    typeof path !== "string" ||
    !path.startsWith("/") ||
    (path.length > 1 && path.endsWith("/")) ||
    path.includes("//") ||
    path.split("/").some((segment) => segment === "." || segment === "..") ||
    path.includes("?") ||
    path.includes("#");
  if (bad) throw new TypeError(`attach: path ${JSON.stringify(path)} is not normalised (want "/" or "/a/b")`);
}

/** Segment trie mapping attached paths to values. */
export class PrefixTrie<T> {
  private readonly root = new TrieNode<T>();
  /** After a successful lookup: the end offset of the matched prefix in the looked-up bytes. */
  matchEnd = 0;
  /** After a successful lookup: the node's attached path. */
  private readonly paths = new Map<TrieNode<T>, string>();
  private lastNode: TrieNode<T> | null = null;

  /** Attaches `value` at `path` (normalised, else TypeError); null detaches. */
  attach(path: string, value: T | null): void {
    assertNormalisedPath(path);
    let node = this.root;
    if (path !== "/") {
      for (const segment of path.slice(1).split("/")) {
        // Detaching never creates nodes: a path that was never attached has nothing to remove.
        const child = value === null ? node.childAt(segment) : node.childFor(segment, () => new TrieNode<T>());
        if (child === null) return;
        node = child;
      }
    }
    node.value = value;
    if (value === null) this.paths.delete(node);
    else this.paths.set(node, path);
  }

  /**
   * The value attached at the deepest whole-segment prefix of the path in buf[start..end)
   * (which starts with `/`), or null. Sets `matchEnd`. Hot path: no allocation.
   */
  lookupBytes(buf: Uint8Array, start: number, end: number): T | null {
    let node = this.root;
    let best: T | null = node.value;
    let bestNode: TrieNode<T> | null = best === null ? null : node;
    let bestEnd = start;
    let p = start + 1;
    while (p <= end && node.keys.length > 0) {
      const e = segmentEnd(buf, p, end);
      const child = node.find(buf, p, e);
      if (child === null) break;
      node = child;
      if (node.value !== null) {
        best = node.value;
        bestNode = node;
        bestEnd = e;
      }
      p = e + 1;
    }
    this.matchEnd = bestEnd;
    this.lastNode = bestNode;
    return best;
  }

  /** As lookupBytes, for a decoded path string; `matchEnd` is then a string index. */
  lookup(path: string): T | null {
    const bytes = encoder.encode(path);
    const value = this.lookupBytes(bytes, 0, bytes.length);
    // Convert the byte offset back to a string index (they differ only past non-ASCII).
    this.matchEnd = decoder.decode(bytes.subarray(0, this.matchEnd)).length;
    return value;
  }

  /** The attached path of the last successful lookup ("/" for the root). */
  matchedPath(): string {
    return this.lastNode ? (this.paths.get(this.lastNode) ?? "/") : "/";
  }
}
