/**
 * SubjectTrie: which patterns match a subject, by walking the subject's tokens down a trie of the
 * patterns' tokens (NATS's sublist does the same), never by testing every pattern. A match costs
 * a step per token times the wildcard branches taken, whatever the number of patterns.
 *
 * Invariants: an entry is stored once per distinct pattern (the caller keeps what it needs in
 * it); a node with no entry and no child is removed, so the trie holds only live patterns.
 */
import { ONE_TOKEN, REST_TOKENS } from "./report-subject.ts";

/** One node: the token that led here is its key in the parent. */
class TrieNode<T> {
  /** Children by literal token. */
  readonly children = new Map<string, TrieNode<T>>();
  /** The `*` child (any one token). */
  star: TrieNode<T> | null = null;
  /** The entry of the pattern ending here with `>` (one or more tokens after this node). */
  rest: T | null = null;
  /** The entry of the pattern ending exactly here. */
  exact: T | null = null;

  isEmpty(): boolean {
    return this.children.size === 0 && this.star === null && this.rest === null && this.exact === null;
  }
}

/** Patterns (checked by checkSubject beforehand) → one entry each; matched against subjects. */
export class SubjectTrie<T> {
  private readonly root = new TrieNode<T>();
  private readonly byPattern = new Map<string, T>();

  /** How many distinct patterns are stored. */
  get size(): number {
    return this.byPattern.size;
  }

  /** The entry of `pattern`, or undefined. */
  get(pattern: string): T | undefined {
    return this.byPattern.get(pattern);
  }

  /** Every pattern stored. */
  patterns(): IterableIterator<string> {
    return this.byPattern.keys();
  }

  /** Stores `entry` for `pattern` (which must not be stored yet). */
  add(pattern: string, entry: T): void {
    this.byPattern.set(pattern, entry);
    const tokens = pattern.split(".");
    let node = this.root;
    const last = tokens.length - 1;
    for (let i = 0; i < last; i++) node = childOf(node, tokens[i]!);
    const t = tokens[last]!;
    if (t === REST_TOKENS) node.rest = entry;
    else childOf(node, t).exact = entry;
  }

  /** Removes `pattern`'s entry and the nodes left empty. */
  delete(pattern: string): void {
    if (!this.byPattern.delete(pattern)) return;
    const tokens = pattern.split(".");
    const path: TrieNode<T>[] = [this.root];
    let node: TrieNode<T> | null = this.root;
    const last = tokens.length - 1;
    for (let i = 0; i < last && node; i++) path.push((node = stepOf(node, tokens[i]!)!));
    const t = tokens[last]!;
    if (t === REST_TOKENS) node!.rest = null;
    else {
      const leaf = stepOf(node!, t)!;
      leaf.exact = null;
      path.push(leaf);
    }
    // prune from the leaf up: a node with nothing left goes from its parent
    for (let i = path.length - 1; i > 0; i--) {
      const child = path[i]!;
      if (!child.isEmpty()) break;
      const parent = path[i - 1]!;
      const token = tokens[i - 1]!;
      if (token === ONE_TOKEN) parent.star = null;
      else parent.children.delete(token);
    }
  }

  /**
   * Calls `visit` with the entry of every pattern matching `subject` (a subject: no wildcard),
   * once each. Returns how many matched.
   */
  match(subject: string, visit: (entry: T) => void): number {
    if (this.byPattern.size === 0) return 0;
    return matchFrom(this.root, subject.split("."), 0, visit);
  }

  /**
   * Appends the entry of every pattern matching `subject` to `out`, once each (the publish path:
   * no closure). A subject whose first token no pattern starts with allocates nothing.
   */
  collect(subject: string, out: T[]): void {
    const root = this.root;
    if (this.byPattern.size === 0) return;
    if (root.rest === null && root.star === null) {
      // hot path: most publishes nobody listens to stop at the first token, without a split
      const dot = subject.indexOf(".");
      if (!root.children.has(dot < 0 ? subject : subject.slice(0, dot))) return;
    }
    matchFrom(root, subject.split("."), 0, (e) => out.push(e));
  }
}

function childOf<T>(node: TrieNode<T>, token: string): TrieNode<T> {
  if (token === ONE_TOKEN) return (node.star ??= new TrieNode<T>());
  let c = node.children.get(token);
  if (!c) node.children.set(token, (c = new TrieNode<T>()));
  return c;
}

function stepOf<T>(node: TrieNode<T>, token: string): TrieNode<T> | null {
  return token === ONE_TOKEN ? node.star : (node.children.get(token) ?? null);
}

/** Entries under `node` matching `tokens` from `i` on. */
function matchFrom<T>(node: TrieNode<T>, tokens: string[], i: number, visit: (entry: T) => void): number {
  let n = 0;
  // `>` here matches the rest when at least one token is left
  if (node.rest !== null && i < tokens.length) {
    visit(node.rest);
    n++;
  }
  if (i === tokens.length) {
    if (node.exact !== null) {
      visit(node.exact);
      n++;
    }
    return n;
  }
  const literal = node.children.get(tokens[i]!);
  if (literal) n += matchFrom(literal, tokens, i + 1, visit);
  if (node.star) n += matchFrom(node.star, tokens, i + 1, visit);
  return n;
}
