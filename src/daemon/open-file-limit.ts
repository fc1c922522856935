/**
 * The open-file limit in force for this process. Bun raises its soft limit to the hard one at
 * startup, so this is what the daemon can really open; every connection takes one descriptor.
 */
import { readFileSync } from "node:fs";

/**
 * RLIMIT_NOFILE's soft limit from /proc/self/limits (Linux), or Infinity when unlimited or
 * unknown (no /proc: then the daemon cannot tell and trusts maxConnections).
 */
export function openFileLimit(): number {
  let text: string;
  try {
    text = readFileSync("/proc/self/limits", "utf8");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  const soft = /^Max open files\s+(\d+)/m.exec(text);
  return soft ? Number(soft[1]) : Number.POSITIVE_INFINITY;
}
