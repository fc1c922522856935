/** The shape of a probe (or a scenario) and of what it reports. */
import type { NormalMode, NormalSummary } from "./normal-client.ts";
import type { StressSettings } from "./settings.ts";
import type { ProcSampler } from "./proc.ts";
import type { Target, TargetVariant } from "./targets.ts";
import type { NatsCluster } from "../../test/helpers/nats-cluster.ts";

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
  /** The NATS server the target is on (`nats://…`; a cluster's nodes comma-separated), for a probe with `bus`; "" otherwise. */
  natsUrl: string;
  /** The cluster the target is on, for a probe with `bus: "cluster"`; null otherwise. */
  cluster: NatsCluster | null;
  /** The fixture directory the servers serve (for a probe that starts servers of its own beside the target). */
  fixture: string;
}

/** A probe: runs its attack against a fresh target and stops it before returning. */
export interface Probe {
  name: string;
  /**
   * An attack with no nginx counterpart (netsvc's own services, say): the harness runs it against
   * netsvc only and says so. Default false: every server gets the same probe.
   */
  netsvcOnly?: boolean;
  /**
   * The harness starts a nats-server for the probe (`"cluster"`: three routed ones,
   * test/helpers/nats-cluster.ts) and puts the target on it (/rpc). Default false.
   */
  bus?: boolean | "cluster";
  /** How the servers run for this probe (TLS, trusted proxies, head timeout); default: as for every probe. */
  target?(s: StressSettings): TargetVariant;
  /** One line: what the attack does. */
  describe(s: StressSettings): string;
  /** How the normal client connects during this probe (default: one kept-alive connection). */
  normalMode?: NormalMode;
  attack(ctx: ProbeContext): Promise<AttackOutcome>;
  /** Goals of this probe on the normal client's figures, beside the harness's own. */
  normalGoals?(normal: NormalSummary): Goal[];
}

/** What a scenario gets: the settings, a work directory of its own to write in, the log. */
export interface ScenarioContext {
  settings: StressSettings;
  work: string;
  log: (line: string) => void;
}

/**
 * A scenario: unlike a probe it starts (and stops) its own servers, because what it tests is how
 * a deployment ends (e.g. its supervisor killed), so the harness's fresh target, baseline, normal
 * client and /proc figures do not apply. The harness runs it once per server kind and reports its
 * goals and notes in a table of their own.
 */
export interface Scenario {
  name: string;
  /** One line: what the scenario does. */
  describe(s: StressSettings): string;
  run(kind: "netsvc" | "nginx", ctx: ScenarioContext): Promise<AttackOutcome>;
}
