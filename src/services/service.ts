/**
 * Service: a named set of exported methods, registered in a registry (by default the shared
 * `services`) from construction until retire() (SPEC §8.1, OSE's Service). Methods receive the
 * call's parameters as arguments; a returned Promise is a delayed reply; a thrown ServiceFailure
 * is a failure reply.
 */
import { services, type LocalEndpoint, type ServiceRegistry } from "./registry.ts";
import { NO_SUCH_METHOD, ServiceFailure } from "./service-failure.ts";

/**
 * Service names: dot-separated tokens of letters, digits, `_` and `-`. They appear as a URL path
 * segment (RpcGateway) and as NATS subject tokens (Exchange), so nothing else is allowed.
 */
export const SERVICE_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** Base class of services. Subclass it, or construct it and export functions. */
export class Service implements LocalEndpoint {
  private readonly methods = new Map<string, (...args: unknown[]) => unknown>();
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

  /** Exports `fn` (bound to this service) as `name`; default: the function's own name. */
  exportMethod(fn: (...args: never[]) => unknown, name: string = fn.name): void {
    if (!name) throw new TypeError("exportMethod needs a name for an anonymous function");
    this.methods.set(name, (fn as (...args: unknown[]) => unknown).bind(this));
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

  /** @internal runs an exported method (the registry calls it). */
  invoke(method: string, params: unknown[]): unknown {
    const fn = this.methods.get(method);
    if (!fn) throw new ServiceFailure(NO_SUCH_METHOD, "no such method", this.name);
    return fn(...params);
  }
}
