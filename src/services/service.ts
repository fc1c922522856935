/**
 * Service: a named set of exported methods, registered in a registry (by default the shared
 * `services`) from construction until retire() (SPEC §8.1, OSE's Service). Methods receive the
 * call's parameters as arguments (and, when exported with `{ context: true }`, a CallContext before
 * them, whose signal aborts when the caller gives up); a returned Promise is a delayed reply; a
 * thrown ServiceFailure is a failure reply.
 */
import type { ExportedMethod, ExportOptions } from "./call-context.ts";
import { services, type LocalEndpoint, type ServiceRegistry } from "./registry.ts";

/**
 * Service names: dot-separated tokens of letters, digits, `_` and `-`. They appear as a URL path
 * segment (RpcGateway) and as NATS subject tokens (Exchange), so nothing else is allowed.
 */
export const SERVICE_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** Base class of services. Subclass it, or construct it and export functions. */
export class Service implements LocalEndpoint {
  private readonly methods = new Map<string, ExportedMethod>();
  private readonly groups: string[] = [];
  private retired = false;

  /** Registers the service under `name` (a TypeError unless it matches SERVICE_NAME). */
  constructor(
    /** The service's name. */
    readonly name: string,
    /** The registry it joins. Default: the shared `services`. */
    readonly registry: ServiceRegistry = services,
  ) {
    if (!SERVICE_NAME.test(name)) throw new TypeError(`service name ${JSON.stringify(name)} is not dot-separated [A-Za-z0-9_-] tokens`);
    registry.register(this);
  }

  /**
   * Exports `fn` (bound to this service) as `name`; default: the function's own name. With
   * `options.context` the method receives a CallContext before the call's parameters (its `signal`
   * tells it the caller gave up); without it, nothing extra is passed or allocated per call.
   * `options.description` says what the method does (XML-RPC's `system.methodHelp`).
   */
  exportMethod(fn: (...args: never[]) => unknown, name: string = fn.name, options: ExportOptions = {}): void {
    if (!name) throw new TypeError("exportMethod needs a name for an anonymous function");
    this.methods.set(name, {
      fn: (fn as (...args: unknown[]) => unknown).bind(this),
      context: options.context === true,
      description: options.description ?? "",
    });
  }

  /** Joins group `g` (announced at once). */
  joinGroup(g: string): void {
    if (this.groups.includes(g)) return;
    this.groups.push(g);
    this.registry.changed(this);
  }

  /** Leaves group `g`. */
  leaveGroup(g: string): void {
    const i = this.groups.indexOf(g);
    if (i < 0) return;
    this.groups.splice(i, 1);
    this.registry.changed(this);
  }

  /** Withdraws the service from its registry; later calls fail with NO_SUCH_SERVICE. Idempotent. */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.registry.unregister(this);
  }

  /** The groups this service belongs to. */
  groupList(): readonly string[] {
    return this.groups;
  }

  /** Names of the exported methods. */
  methodNames(): string[] {
    return [...this.methods.keys()];
  }

  /** @internal the exported method `method`, or undefined (the registry runs it). */
  exported(method: string): ExportedMethod | undefined {
    return this.methods.get(method);
  }
}
