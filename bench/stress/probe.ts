/** The shape of a probe and of what it reports. */
import type { StressSettings } from "./settings.ts";
import type { ProcSampler } from "./proc.ts";
import type { Target } from "./targets.ts";

/** One goal checked by a probe: met, not met, or not applicable to this server (null). */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
}

/** What a probe's attack returns besides the common figures. */
export interface AttackOutcome {
  /** Probe-specific figures, printed under the table. */
  notes: Record<string, number | string>;
  goals: Goal[];
  /** Raw data kept in stress.json (e.g. fuzz findings). */
  data?: unknown;
}

/** What a probe gets: the target, the settings, the sampler of the target's /proc. */
export interface ProbeContext {
  target: Target;
  settings: StressSettings;
  sampler: ProcSampler;
  /** Baseline fds and RSS (KiB) read before the attack. */
  baseline: { fds: number; rssKiB: number };
  log: (line: string) => void;
  /** The NATS server the target is on (`nats://…`), for a probe with `bus`; "" otherwise. */
  natsUrl: string;
}

/** A probe: runs its attack against a fresh target and stops it before returning. */
export interface Probe {
  name: string;
  /**
   * An attack with no nginx counterpart (netsvc's own services, say): the harness runs it against
   * netsvc only and says so. Default false: every server gets the same probe.
   */
  netsvcOnly?: boolean;
  /** The harness starts a nats-server for the probe and puts the target on it (/rpc). Default false. */
  bus?: boolean;
  /** One line: what the attack does. */
  describe(s: StressSettings): string;
  attack(ctx: ProbeContext): Promise<AttackOutcome>;
}
