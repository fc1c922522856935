/**
 * The service registry (SPEC §8.1): which services exist (in this process, and in other processes
 * once an Exchange is connected), their groups, and `call()`, which runs a method locally or hands
 * it to the exchange. `services` is the process-wide registry every Service joins by default.
 *
 * Invariants: a call always settles, with the method's value or a ServiceFailure (never another
 * error type); a local service is preferred to a remote one of the same name; a synchronous
 * method's value is returned without a timer (hot path), a Promise is bounded by the timeout and
 * the signal.
 */
import type { CallContext, ExportedMethod } from "./call-context.ts";
import { type Caller, type CallerSource, callerOf, LOCAL_CALLER } from "./caller.ts";
import { setDefaultReportSource, type ReportSource } from "../servers/report-source.ts";
import { ReportHub, type ReportStats, type ReportSubscriber } from "./reports.ts";
import type { ServiceValue } from "./values.ts";
import { CallOutcomes } from "./call-outcomes.ts";
import {
  CALL_ABORTED,
  CALL_TIMED_OUT,
  FRAMEWORK_ORIGIN,
  INTERNAL_ERROR,
  NO_SUCH_METHOD,
  NO_SUCH_SERVICE,
  ServiceFailure,
  frameworkFailure,
} from "./service-failure.ts";

/** callFast()'s last argument for a call that must be served in this process (never forwarded). */
export const LOCAL_ONLY = true;

/** Default bound of a call (ms), as SPEC §8.1 says. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** Options of a call. */
export interface CallOptions {
  /** Reject with CALL_TIMED_OUT after this long (ms). Default DEFAULT_CALL_TIMEOUT_MS. */
  timeoutMs?: number;
  /**
   * Reject with CALL_ABORTED when this aborts (with the signal's reason instead when that is a
   * ServiceFailure); the method's CallContext signal aborts too (see Service.exportMethod), in
   * this process or, over NATS, in the one serving the call. A reply that comes later is dropped.
   */
  signal?: AbortSignal;
  /**
   * On whose behalf the call is made: the method's CallContext.caller (over NATS: carried in the
   * call's headers). Default LOCAL_CALLER (`{ via: "local" }`). A servlet may pass its HTTP
   * client (`{ via: "http", address: this.clientHost(), user: this.remoteUser() }`); a method
   * calling on may pass its own `ctx.caller`.
   */
  caller?: Caller;
}

/** A service's appearance (announce: new, or its groups changed) or disappearance (withdraw). */
export interface ServiceEvent {
  kind: "announce" | "withdraw";
  name: string;
  /** Groups of the service (local and remote instances together). Empty on withdraw. */
  groups: string[];
  /** True when the event comes from this process's own services. */
  local: boolean;
}

/** What lookup() knows about a service. */
export interface ServiceInfo {
  name: string;
  /** Groups of every instance together, sorted. */
  groups: string[];
  /** Instances in this process. */
  local: number;
  /** Processes elsewhere (through the exchange) that host an instance. */
  remote: number;
}

/** A service as the registry sees it (Service implements it; kept as an interface so the registry does not import Service). */
export interface LocalEndpoint {
  readonly name: string;
  /** The groups this instance belongs to. */
  groupList(): readonly string[];
  /** The exported method `method` (its function may return a Promise, may throw anything), or undefined. */
  exported(method: string): ExportedMethod | undefined;
  /** Names of the exported methods. */
  methodNames(): string[];
}

/**
 * A call's AbortSignal as callers hold it: the signal, none, or (the gateway's hot path) a
 * function asked for it only when the reply turns out to be delayed.
 */
export type SignalSource = AbortSignal | undefined | (() => AbortSignal | undefined);

/** The exchange as the registry sees it (Exchange implements it). */
export interface RemoteTransport {
  /**
   * Calls `method` of a remote instance of `name` on behalf of `caller`; settles with its value
   * or a ServiceFailure.
   */
  callRemote(
    name: string,
    method: string,
    params: unknown[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
    caller: Caller,
  ): Promise<unknown>;
}

/** Where errors that are not failures (a method's stray throw, a listener's throw) are reported. */
export type ErrorLog = (message: string, error: unknown) => void;

/** Options of publish(). */
export interface PublishOptions {
  /**
   * On whose behalf the report is published: its subscribers' `from` (over NATS: carried in the
   * report's headers, as a call's caller is). Default LOCAL_CALLER.
   */
  caller?: Caller;
}

/** A registry of services. Most programs use the shared `services`. */
export class ServiceRegistry implements ReportSource {
  /** Stray throws (and each report subscriber's first throw) are logged here with their stack. Default console.error. */
  errorLog: ErrorLog = (m, e) => console.error(`netsvc: ${m}`, e);

  /** @internal its reports (reports.ts); the Exchange carries them across the bus. */
  readonly reports = new ReportHub((m, e) => this.errorLog(m, e));

  private readonly local = new Map<string, LocalEndpoint[]>();
  private readonly nextLocal = new Map<string, number>();
  /** name → (process id → groups) for services in other processes. */
  private readonly remote = new Map<string, Map<string, readonly string[]>>();
  private readonly listeners = new Set<(e: ServiceEvent) => void>();
  private transport: RemoteTransport | null = null;

  // ── the directory ────────────────────────────────────────────────────────────────────────

  /** @internal a Service announces itself (constructor). */
  register(ep: LocalEndpoint): void {
    const list = this.local.get(ep.name);
    if (list) list.push(ep);
    else this.local.set(ep.name, [ep]);
    this.emit("announce", ep.name, true);
  }

  /** @internal a Service's groups changed. */
  changed(ep: LocalEndpoint): void {
    if (this.local.get(ep.name)?.includes(ep)) this.emit("announce", ep.name, true);
  }

  /** @internal a Service retires. */
  unregister(ep: LocalEndpoint): void {
    const list = this.local.get(ep.name);
    const i = list ? list.indexOf(ep) : -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.local.delete(ep.name);
    this.emit(this.has(ep.name) ? "announce" : "withdraw", ep.name, true);
  }

  /** @internal the exchange reports the whole set of services of process `pid` (empty: gone). */
  updateRemote(pid: string, entries: readonly { name: string; groups: readonly string[] }[]): void {
    const seen = new Set<string>();
    for (const { name, groups } of entries) {
      seen.add(name);
      let byPid = this.remote.get(name);
      if (!byPid) this.remote.set(name, (byPid = new Map()));
      const old = byPid.get(pid);
      byPid.set(pid, groups);
      if (!old || old.join("\0") !== groups.join("\0")) this.emit("announce", name, false);
    }
    for (const [name, byPid] of this.remote) {
      if (seen.has(name) || !byPid.delete(pid)) continue;
      if (byPid.size === 0) this.remote.delete(name);
      this.emit(this.has(name) ? "announce" : "withdraw", name, false);
    }
  }

  /** @internal processes that host `name` remotely. */
  remoteProcesses(name: string): string[] {
    return [...(this.remote.get(name)?.keys() ?? [])];
  }

  /** @internal the exchange that carries calls to remote services (null: none). */
  setTransport(t: RemoteTransport | null): void {
    this.transport = t;
  }

  /** Local services, with their groups (what the exchange announces). */
  localServices(): { name: string; groups: string[] }[] {
    return [...this.local].map(([name, list]) => ({ name, groups: groupsOf(list.map((ep) => ep.groupList())) }));
  }

  /** Names of the methods the local instances of `name` export (all instances together, sorted). */
  localMethods(name: string): string[] {
    const s = new Set<string>();
    for (const ep of this.local.get(name) ?? []) for (const m of ep.methodNames()) s.add(m);
    return [...s].sort();
  }

  /**
   * The description a local instance of `name` gave method `method` when exporting it (""
   * when it gave none), or undefined when no local instance exports it (a service in another
   * process: its methods are not announced, so nothing is known of them here).
   */
  localMethodHelp(name: string, method: string): string | undefined {
    for (const ep of this.local.get(name) ?? []) {
      const m = ep.exported(method);
      if (m) return m.description;
    }
    return undefined;
  }

  /** True when a service of that name exists here or elsewhere. */
  has(name: string): boolean {
    return this.local.has(name) || this.remote.has(name);
  }

  /** What is known of service `name`, or null. */
  lookup(name: string): ServiceInfo | null {
    const list = this.local.get(name) ?? [];
    const byPid = this.remote.get(name);
    if (list.length === 0 && !byPid) return null;
    return {
      name,
      groups: groupsOf([...list.map((ep) => ep.groupList()), ...(byPid?.values() ?? [])]),
      local: list.length,
      remote: byPid?.size ?? 0,
    };
  }

  /** True when service `name` exists and belongs to `group` (`""`: any group, or none). */
  isMember(name: string, group: string): boolean {
    if (group === "") return this.has(name);
    for (const ep of this.local.get(name) ?? []) if (ep.groupList().includes(group)) return true;
    for (const g of this.remote.get(name)?.values() ?? []) if (g.includes(group)) return true;
    return false;
  }

  /** Names of the services in `group` (`""`: every service), local and remote, sorted. */
  members(group = ""): string[] {
    const names = new Set([...this.local.keys(), ...this.remote.keys()]);
    return [...names].filter((n) => this.isMember(n, group)).sort();
  }

  /** Calls `cb` on every announce and withdraw from now on; returns a function that stops it. */
  subscribe(cb: (e: ServiceEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(kind: ServiceEvent["kind"], name: string, local: boolean): void {
    if (this.listeners.size === 0) return;
    const event: ServiceEvent = { kind, name, groups: kind === "withdraw" ? [] : (this.lookup(name)?.groups ?? []), local };
    for (const cb of [...this.listeners]) {
      try {
        cb(event);
      } catch (e) {
        this.errorLog("a service listener threw", e);
      }
    }
  }

  // ── reports (SPEC §12) ─────────────────────────────────────────────────────────────────

  /**
   * Publishes a report: every subscriber whose pattern matches `subject` gets `value` — in this
   * process at once (before publish() returns), and with an Exchange connected in every process
   * on the bus. `subject`: dot-separated tokens, no wildcard (NATS rules); a bad one throws a
   * TypeError. The value is encoded as calls' values are (values.ts); one that cannot be is a
   * TypeError, one over REPORT_MAX_BYTES encoded a RangeError — checked whenever the report goes
   * anywhere (a publish nobody could receive, with no subscriber here and no Exchange, encodes
   * nothing and costs a subject check). Reports from one publisher arrive in the order published.
   */
  publish(subject: string, value: ServiceValue, options?: PublishOptions): void {
    this.reports.publish(subject, value, options?.caller ?? LOCAL_CALLER);
  }

  /**
   * Calls `cb(subject, value, from, json)` for every report whose subject matches `pattern` from
   * now on (`*` one token, a last `>` one or more: NATS rules; a bad pattern throws a TypeError),
   * published here or, with an Exchange connected, anywhere on the bus; returns the unsubscribe
   * (idempotent). With an Exchange, each distinct pattern is one NATS subscription, made with its
   * first subscriber and ended with its last. A callback that throws is counted, its first throw
   * logged through errorLog, and the other subscribers still get the report.
   */
  subscribeReports(pattern: string, cb: ReportSubscriber): () => void {
    return this.reports.subscribe(pattern, cb);
  }

  /** Counters of this registry's reports since it was made (see ReportStats). */
  reportStats(): ReportStats {
    return this.reports.stats();
  }

  // ── calls ────────────────────────────────────────────────────────────────────────────────

  /**
   * Calls `method` of service `name` with `params`. A local instance is preferred (several: in
   * turn); otherwise the exchange carries the call. Rejects with a ServiceFailure: NO_SUCH_SERVICE,
   * NO_SUCH_METHOD, CALL_TIMED_OUT, CALL_ABORTED, the service's own, or INTERNAL_ERROR for a stray
   * throw (logged with its stack, never sent).
   */
  call(name: string, method: string, params: unknown[] = [], options: CallOptions = {}): Promise<unknown> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortFailureOf(signal));
    let result: unknown;
    try {
      result = this.callFast(name, method, params, options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, signal, options.caller ?? LOCAL_CALLER);
    } catch (e) {
      return Promise.reject(e);
    }
    return isThenable(result) ? (result as Promise<unknown>) : Promise.resolve(result);
  }

  /**
   * @internal the one way into a call: call() wraps it in a Promise, the RPC gateway runs it per
   * request (hot path), the exchange answers other processes' calls with it (`localOnly`, also
   * Discovery's). A local instance is preferred (several: in turn); otherwise, unless
   * `localOnly`, the exchange carries the call. Returns a synchronous method's value as it is (no
   * Promise, no timer), or a Promise for a delayed or remote reply, bounded by `timeoutMs` and
   * the signal and rejecting with ServiceFailures only; throws a ServiceFailure for a synchronous
   * failure. A method exported with `context: true` gets a CallContext whose signal aborts when
   * the bound does (a method without it gets no extra argument and no extra allocation).
   * `signal` (a function: the gateway's and the exchange's) is asked for only when the reply is
   * delayed, `caller` (default LOCAL_CALLER; a function likewise) only by a method's CallContext
   * or a remote call. Keep the local path small: JSC inlines it into its callers only while it is.
   */
  callFast(
    name: string,
    method: string,
    params: unknown[],
    timeoutMs: number,
    signal: SignalSource,
    caller: CallerSource = LOCAL_CALLER,
    localOnly = false,
  ): unknown {
    // A call answered for another process (localOnly) is counted there, by its caller.
    if (localOnly) return this.dispatch(name, method, params, timeoutMs, signal, caller, true);
    let result: unknown;
    try {
      result = this.dispatch(name, method, params, timeoutMs, signal, caller, false);
    } catch (e) {
      this.callOutcomes.failed(e);
      throw e;
    }
    if (isThenable(result)) (result as Promise<unknown>).then(this.callOutcomes.succeeded, this.callOutcomes.failed);
    else this.callOutcomes.ok++;
    return result;
  }

  /** Outcomes of the calls made through this registry (the metrics page's service calls). */
  readonly callOutcomes = new CallOutcomes();

  /** callFast() without the counting. */
  private dispatch(
    name: string,
    method: string,
    params: unknown[],
    timeoutMs: number,
    signal: SignalSource,
    caller: CallerSource,
    localOnly: boolean,
  ): unknown {
    if (this.local.has(name)) {
      const m = this.methodOf(name, method);
      if (m.context) return this.invokeWithContext(m, name, method, params, timeoutMs, signal, caller);
      const result = this.run(m, name, method, params);
      return isThenable(result) ? this.bounded(result, name, method, timeoutMs, signalOf(signal), null) : result;
    }
    if (!localOnly && this.remote.has(name) && this.transport)
      return this.transport.callRemote(name, method, params, timeoutMs, signalOf(signal), callerOf(caller));
    throw frameworkFailure(NO_SUCH_SERVICE, "no such service");
  }

  /** The method of the local instance of `name` whose turn it is (several instances take calls in turn). */
  private methodOf(name: string, method: string): ExportedMethod {
    const list = this.local.get(name);
    if (!list) throw frameworkFailure(NO_SUCH_SERVICE, "no such service");
    let ep = list[0]!;
    if (list.length > 1) {
      const n = (this.nextLocal.get(name) ?? 0) % list.length;
      this.nextLocal.set(name, n + 1);
      ep = list[n]!;
    }
    const m = ep.exported(method);
    if (!m) throw new ServiceFailure(NO_SUCH_METHOD, "no such method", name);
    return m;
  }

  /** Runs `m` with `args`; a throw becomes a ServiceFailure (a stray one is logged). */
  private run(m: ExportedMethod, name: string, method: string, args: unknown[]): unknown {
    try {
      return m.fn(...args);
    } catch (e) {
      throw this.failureOf(e, name, method);
    }
  }

  /** callFast() for a method that takes a CallContext (kept apart so the plain path stays small). */
  private invokeWithContext(
    m: ExportedMethod,
    name: string,
    method: string,
    params: unknown[],
    timeoutMs: number,
    signal: SignalSource,
    caller: CallerSource,
  ): unknown {
    const context = new AbortController();
    const ctx: CallContext = { signal: context.signal, caller: callerOf(caller) };
    // First, at a fixed place: after the parameters, a caller's count of them would move it.
    const result = this.run(m, name, method, [ctx, ...params]);
    return isThenable(result) ? this.bounded(result, name, method, timeoutMs, signalOf(signal), context) : result;
  }

  /**
   * A delayed reply, bounded by the timeout and the signal; rejects with ServiceFailures only.
   * When the bound fails the call, `context` (the method's CallContext controller) is aborted
   * with the same failure.
   */
  private bounded(
    p: PromiseLike<unknown>,
    name: string,
    method: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    context: AbortController | null,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let done = false;
      const end = () => {
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const fail = (f: ServiceFailure) => {
        if (done) return;
        end();
        reject(f);
        context?.abort(f);
      };
      const onAbort = () => fail(abortFailureOf(signal!));
      const timer = setTimeout(() => fail(frameworkFailure(CALL_TIMED_OUT, "call timed out")), timeoutMs);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      p.then(
        (v) => {
          if (done) return;
          end();
          resolve(v);
        },
        (e) => {
          if (done) return; // failed already (the method may throw its signal's reason): nothing to log
          end();
          reject(this.failureOf(e, name, method));
        },
      );
    });
  }

  /** A ServiceFailure passes as it is; anything else is logged with its stack and replaced. */
  failureOf(e: unknown, name: string, method: string): ServiceFailure {
    if (e instanceof ServiceFailure) return e;
    this.errorLog(`service ${name}.${method} threw`, e);
    return frameworkFailure(INTERNAL_ERROR, "internal error in the service");
  }
}

/** The failure of an aborted call; `cause` (default none) is what aborted it, e.g. its signal's reason. */
export function abortedFailure(cause?: unknown): ServiceFailure {
  return new ServiceFailure(CALL_ABORTED, "call aborted", FRAMEWORK_ORIGIN, "", cause === undefined ? undefined : { cause });
}

/**
 * The failure a call gets when `signal` aborts: the signal's reason when it is a ServiceFailure
 * (so a cancel that says "timed out" stays CALL_TIMED_OUT), else CALL_ABORTED caused by that
 * reason (its `cause`), so that whoever aborted the signal can recognise its own abort — a
 * servlet's `this.signal`: the client left, counted and not logged.
 */
export function abortFailureOf(signal: AbortSignal): ServiceFailure {
  return signal.reason instanceof ServiceFailure ? signal.reason : abortedFailure(signal.reason);
}

/** True for a Promise or any object with a then() method. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function";
}

function groupsOf(lists: Iterable<readonly string[]>): string[] {
  const s = new Set<string>();
  for (const l of lists) for (const g of l) s.add(g);
  return [...s].sort();
}

function signalOf(source: SignalSource): AbortSignal | undefined {
  return typeof source === "function" ? source() : source;
}

/** The process-wide registry (and the servers layer's report source: event streams, WebSockets). */
export const services = new ServiceRegistry();
setDefaultReportSource(services);
