/**
 * Attack connections that are reopened as soon as the server closes them (a reconnecting
 * attacker), each timed from its open to the server's close: the probes of the TLS and PROXY
 * phases (stalled handshakes, garbage, untrusted and dribbled PROXY headers) share it.
 */
import type { Goal } from "./probe.ts";
import { HEAD_TIMEOUT_SLACK_MS } from "./settings.ts";
import { openHeld, openMany, closeAll, type Held } from "./sockets.ts";

/** One connection of the set, with when it opened (performance.now() ms) and its slot. */
export interface CyclingHeld extends Held {
  openedAt: number;
  slot: number;
}

/** What a set of cycling sockets does on each connection. */
export interface CyclingBehaviour {
  /** Right after a connection opens: write the attack's first bytes. */
  open(h: CyclingHeld): void;
  /** Bytes from the server (the answer to a bad request, an alert). */
  data?(h: CyclingHeld, chunk: Uint8Array): void;
}

/** `n` connections to 127.0.0.1:port, each reopened when the server closes it, until stop(). */
export class CyclingSockets {
  /** Connections opened (first ones and reopened ones). */
  opened = 0;
  /** Closed by the server (or reset) before we closed them. */
  closedByServer = 0;
  /** Connects refused (the server's listen queue full, or its limit). */
  refused = 0;
  /** The longest a connection stayed open before the server closed it (ms). */
  longestHeldMs = 0;
  readonly held = new Set<CyclingHeld>();
  private running = true;

  constructor(
    private readonly port: number,
    private readonly behaviour: CyclingBehaviour,
  ) {}

  /** Opens the first `n` connections (in batches). */
  async start(n: number): Promise<void> {
    let slot = 0;
    const first = await openMany(
      this.port,
      n,
      this.hooks(() => slot++),
    );
    this.refused += n - first.length;
  }

  private hooks(slotOf: () => number) {
    return {
      open: (h: Held) => {
        const c = h as CyclingHeld;
        c.openedAt = performance.now();
        c.slot = slotOf();
        this.opened++;
        this.held.add(c);
        this.behaviour.open(c);
      },
      data: (h: Held, chunk: Uint8Array) => this.behaviour.data?.(h as CyclingHeld, chunk),
      close: (h: Held) => {
        const c = h as CyclingHeld;
        this.held.delete(c);
        if (!c.closedByServer) return;
        this.closedByServer++;
        this.longestHeldMs = Math.max(this.longestHeldMs, performance.now() - c.openedAt);
        if (!this.running) return;
        const slot = c.slot;
        void openHeld(
          this.port,
          this.hooks(() => slot),
        ).then((n) => {
          if (!n) this.refused++;
          else if (!this.running) closeAll([n]);
        });
      },
    };
  }

  /** Connections open now that have been open longer than `ms`. */
  openLongerThan(ms: number): number {
    const now = performance.now();
    let n = 0;
    for (const h of this.held) if (!h.closed && now - h.openedAt > ms) n++;
    return n;
  }

  /** The figures every probe using them reports. */
  notes(): Record<string, number> {
    return {
      "connections opened": this.opened,
      "closed by the server": this.closedByServer,
      "longest held before the server closed it (ms)": Math.round(this.longestHeldMs),
      "connects refused": this.refused,
    };
  }

  /**
   * The goal of an attack the head timeout must end: `heldPast` connections were still open
   * past the timeout plus HEAD_TIMEOUT_SLACK_MS when it stopped (none allowed), and the server
   * closed some.
   */
  closedByTimeoutGoal(what: string, heldPast: number): Goal {
    return {
      goal: `every ${what} cut by the head timeout (+${HEAD_TIMEOUT_SLACK_MS / 1000} s)`,
      measured: `${this.closedByServer} closed, longest held ${Math.round(this.longestHeldMs)} ms, ${heldPast} held past it`,
      met: heldPast === 0 && this.closedByServer > 0,
    };
  }

  /** Stops reopening and closes every connection still open. */
  stop(): void {
    this.running = false;
    closeAll([...this.held]);
  }
}
