/**
 * ResolvedFiles: a FileServer's memory of request paths that resolved to a regular file inside
 * the root (so they passed the backslash, dotfile, hide and containment checks), so that the next
 * request for one skips those checks and the containment walk (realpath).
 *
 * An entry is trusted for `revalidateMs` before one stat checks it again: the same device and
 * inode keep it (its serving options remade from the fresh stats); anything else forgets it, and
 * the path is resolved afresh — a file swapped for a symlink stats as another inode. Keys are a
 * servlet path's UTF-8 bytes, so a plain path is looked up in the request's own bytes with no
 * string made. Bounded: past RESOLVED_CAPACITY entries the memory is cleared and refills.
 */
import type { Stats } from "node:fs";
import { BytesMap } from "./bytes-map.ts";
import { RESOLVED_CAPACITY, REVALIDATE_MS } from "./file-limits.ts";
import { statOrError } from "./fs-status.ts";
import type { FileServeOptions } from "./servlets/file-servlet.ts";

const encoder = new TextEncoder();

/** A request path known to name a regular file inside the root. */
export interface ResolvedFile {
  absolute: string;
  type: string;
  dev: number;
  ino: number;
  stats: Stats;
  /** performance.now() of the stat that last confirmed it. */
  checkedAt: number;
  /** How the file is served (fields, siblings), made when it was resolved or revalidated. */
  options: FileServeOptions;
}

/** Makes a file's serving options from its stats (FileServer's siblings and fields). */
export type ServeOptionsOf = (absolute: string, type: string, st: Stats) => FileServeOptions;

/** The memory of resolved files of one FileServer. */
export class ResolvedFiles {
  private readonly byPath = new BytesMap<ResolvedFile>();
  /** How long (ms) an entry is trusted before a stat checks it again (0: every time). */
  revalidateMs = REVALIDATE_MS;

  /** `optionsOf` remakes an entry's serving options when a revalidation keeps it. */
  constructor(private readonly optionsOf: ServeOptionsOf) {}

  /**
   * The file remembered for the servlet path key buf[start..end), revalidated if its time is up;
   * null to resolve afresh. Hot path: no allocation while the entry is trusted.
   */
  recall(buf: Uint8Array, start: number, end: number): ResolvedFile | null {
    const known = this.byPath.get(buf, start, end);
    if (known === undefined) return null;
    const now = performance.now();
    if (now - known.checkedAt < this.revalidateMs) return known;
    const st = statOrError(known.absolute);
    if (typeof st !== "number" && st.isFile() && st.ino === known.ino && st.dev === known.dev) {
      known.stats = st;
      known.checkedAt = now;
      known.options = this.optionsOf(known.absolute, known.type, st);
      return known;
    }
    this.byPath.delete(buf, start, end);
    return null;
  }

  /** Remembers that servlet path `rel` resolved to `absolute` (a contained regular file, stats `st`). */
  remember(rel: string, absolute: string, type: string, st: Stats, options: FileServeOptions): void {
    if (this.byPath.size >= RESOLVED_CAPACITY) this.byPath.clear();
    const key = encoder.encode(rel);
    this.byPath.set(key, 0, key.length, { absolute, type, dev: st.dev, ino: st.ino, stats: st, checkedAt: performance.now(), options });
  }

  /** Forgets every entry (a rule changed: it applies to paths resolved before it too). */
  clear(): void {
    this.byPath.clear();
  }
}
