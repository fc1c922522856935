/**
 * The open-file limit in force for this process, and the daemon's limits under it. Bun raises its
 * soft limit to the hard one at startup, so this is what the daemon can really open; every
 * connection takes one descriptor.
 */
import { readFileSync } from "node:fs";
import { FD_RESERVE, type ResolvedLimits } from "./limits.ts";

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

/**
 * `limits` under an open-file limit of `fdLimit` descriptors: maxConnections at most fdLimit −
 * FD_RESERVE. The same object when it fits already.
 */
export function fitOpenFileLimit(limits: ResolvedLimits, fdLimit: number): ResolvedLimits {
  const most = Math.max(1, fdLimit - FD_RESERVE);
  return limits.maxConnections <= most ? limits : { ...limits, maxConnections: most };
}

/**
 * Sockets a daemon holds at most, counted or not (lingering after our close, closing to make
 * room): twice maxConnections, and never past half of FD_RESERVE into the reserve. There the
 * connection idle the longest is closed at once for a newcomer (not at the end of the turn: the
 * accepts that follow need descriptors), and with none idle the newcomer is refused.
 */
export function socketCap(limits: ResolvedLimits, fdLimit: number): number {
  return Math.min(2 * limits.maxConnections, Math.max(1, fdLimit - FD_RESERVE / 2));
}
