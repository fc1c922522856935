/**
 * CyclePool: the request cycles shared by a daemon's connections. A connection takes a cycle at a
 * head and gives it back when it goes idle (a burst of pipelined requests keeps one), so an idle
 * keep-alive connection holds none — at 10,000 of them that is 1.5 MB kept for nothing — and the
 * steady state allocates no cycle: one given back is kept for the next, up to CYCLE_SPARES. A
 * cycle given back is finished (its session detached), and every callback a finished request left
 * behind checks its own session, so moving it to another connection is safe
 * (test/servers/request-cycle.test.ts).
 */
import type { Routing } from "../servers/mount-table.ts";
import type { RequestChannel } from "../servers/request-channel.ts";
import { RequestCycle } from "../servers/request-cycle.ts";

/** Spare cycles kept at most; more are left to the garbage collector. */
export const CYCLE_SPARES = 256;

/** Request cycles routing through one daemon port's routing (its mount table, or the HTTPS redirect). */
export class CyclePool {
  private readonly spares: RequestCycle[] = [];

  /** Cycles route through `mounts`; their sessions start with `maxBody` as their body limit. */
  constructor(
    private readonly mounts: Routing,
    private readonly maxBody: number,
  ) {}

  /** A cycle serving `channel`'s next request. */
  take(channel: RequestChannel): RequestCycle {
    const cycle = this.spares.pop();
    if (cycle === undefined) return new RequestCycle(channel, this.mounts, this.maxBody);
    cycle.bind(channel);
    return cycle;
  }

  /** Returns a finished cycle (no request in progress on it). */
  give(cycle: RequestCycle): void {
    if (this.spares.length < CYCLE_SPARES) this.spares.push(cycle);
  }
}
