/**
 * A process's resident memory, open descriptors and CPU time from /proc (Linux), and a sampler
 * that records them over a probe: before (baseline), peak during, and after.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** One reading of a process. */
export interface ProcReading {
  /** VmRSS in KiB. */
  rssKiB: number;
  /** Entries in /proc/<pid>/fd. */
  fds: number;
  /** utime + stime in seconds. */
  cpuSeconds: number;
}

/** Whether `pid` is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The child processes of `pid` (Linux); none when it is gone. */
export function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return text === "" ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** Reads `pid`'s RSS, fds and CPU time; throws if the process is gone. */
export function readProc(pid: number): ProcReading {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3 (state).
  const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  return { rssKiB: rss, fds: readdirSync(`/proc/${pid}/fd`).length, cpuSeconds: cpu };
}

/** The median of `xs` (NaN when empty). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Samples a process every `everyMs` while started; keeps the peaks and the CPU used. */
export class ProcSampler {
  peakRssKiB = 0;
  peakFds = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private cpuStart = 0;
  private tStart = 0;
  /** CPU seconds used between start() and stop(). */
  cpuSeconds = 0;
  /** Wall seconds between start() and stop(). */
  wallSeconds = 0;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 100,
  ) {}

  /** Starts sampling. */
  start(): void {
    const r = readProc(this.pid);
    this.cpuStart = r.cpuSeconds;
    this.tStart = performance.now();
    this.take(r);
    this.timer = setInterval(() => {
      if (isAlive(this.pid)) this.take(readProc(this.pid));
    }, this.everyMs);
  }

  /** Takes one sample now (also called by the probes at moments of interest). */
  sample(): ProcReading | null {
    if (!isAlive(this.pid)) return null;
    const r = readProc(this.pid);
    this.take(r);
    return r;
  }

  /** Stops sampling and fixes the CPU figure. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (isAlive(this.pid)) {
      const r = readProc(this.pid);
      this.take(r);
      this.cpuSeconds = r.cpuSeconds - this.cpuStart;
    }
    this.wallSeconds = (performance.now() - this.tStart) / 1000;
  }

  private take(r: ProcReading): void {
    if (r.rssKiB > this.peakRssKiB) this.peakRssKiB = r.rssKiB;
    if (r.fds > this.peakFds) this.peakFds = r.fds;
  }
}
