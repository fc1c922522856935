/**
 * `service.method` names, as a single RPC endpoint takes them (RpcGateway `endpoint: "single"`,
 * the XML-RPC convention of one `/RPC2` for everything: Python's `proxy.calc.add(2, 3)` calls
 * `calc.add`). Service names may hold dots themselves (`app.clock`), so the service part is the
 * LONGEST prefix ending before a dot that names a service of the group: `app.clock.now` is
 * `app.clock`'s `now` when that service exists, else `app`'s `clock.now`.
 */
import { RPC_QUALIFIED_NAME_MAX } from "./limits.ts";
import type { ServiceRegistry } from "./registry.ts";
import { SERVICE_NAME } from "./service.ts";
import { NO_SUCH_METHOD, type ServiceFailure, frameworkFailure } from "./service-failure.ts";

/** A qualified name split: the service and the method of it. */
export interface QualifiedName {
  service: string;
  method: string;
}

/**
 * Splits `name` into a service of `group` (`""`: any service) and its method, or null when no
 * prefix names such a service (or `name` is longer than RPC_QUALIFIED_NAME_MAX). The method part
 * may be empty (`calc.`): the call then fails as an unknown method would.
 */
export function splitQualified(registry: ServiceRegistry, group: string, name: string): QualifiedName | null {
  if (name.length > RPC_QUALIFIED_NAME_MAX) return null;
  for (let dot = name.lastIndexOf("."); dot > 0; dot = name.lastIndexOf(".", dot - 1)) {
    const service = name.slice(0, dot);
    // Membership first (a Map lookup); the name check guards the NATS subject a remote call uses.
    if (registry.isMember(service, group) && SERVICE_NAME.test(service)) return { service, method: name.slice(dot + 1) };
  }
  return null;
}

/** `service.method`, as splitQualified() reads it back. */
export function qualify(service: string, method: string): string {
  return `${service}.${method}`;
}

/**
 * The failure of a `service.method` name whose service part names no service of the group: the
 * same code and description as an unknown method of a known service (origin "netsvc": no service
 * answered).
 */
export function unknownQualifiedName(): ServiceFailure {
  return frameworkFailure(NO_SUCH_METHOD, "no such method");
}
