/**
 * XML-RPC's introspection methods, answered by the RpcGateway itself (the conventions of
 * xmlrpc-c, Python's SimpleXMLRPCServer and Apache XML-RPC; SPEC §13, issue 24):
 *
 * - `system.listMethods()` → the names a client can call on this endpoint, sorted: on a
 *   per-service endpoint (`/RPC2/calc`) that service's methods (`add`); on a single endpoint
 *   (`endpoint: "single"`) every `service.method` of the group's services; the `system.*`
 *   methods in both. Only services hosted in this process list their methods: the bus announces
 *   a remote service's name, not its methods.
 * - `system.methodHelp(name)` → the description the method was exported with (ExportOptions
 *   `description`), "" when it has none or lives in another process; a fault (-32601) for a name
 *   the endpoint cannot call.
 * - `system.methodSignature(name)` → `"undef"`, the conventional answer when signatures are not
 *   known (JavaScript functions declare no types); the same fault for an unknown name.
 *
 * `system.multicall` is the XML-RPC codec's (xml-rpc-multicall.ts): it is about the answer's
 * shape, and its calls come back through the gateway like any other.
 */
import { RPC_QUALIFIED_NAME_MAX } from "./limits.ts";
import { qualify, splitQualified, unknownQualifiedName } from "./qualified-name.ts";
import type { ServiceRegistry } from "./registry.ts";
import { INVALID_PARAMS, NO_SUCH_METHOD, ServiceFailure, frameworkFailure } from "./service-failure.ts";

/** `system.listMethods`. */
export const LIST_METHODS = "system.listMethods";
/** `system.methodHelp`. */
export const METHOD_HELP = "system.methodHelp";
/** `system.methodSignature`. */
export const METHOD_SIGNATURE = "system.methodSignature";
/** `system.multicall` (answered by the XML-RPC codec). */
export const MULTICALL = "system.multicall";
/** What `system.methodSignature` answers: no signature is known. */
export const NO_SIGNATURE = "undef";

/** The system methods and their help texts. */
const SYSTEM_HELP = new Map<string, string>([
  [LIST_METHODS, "Lists the methods this endpoint calls (service.method names on a single endpoint), the system methods included."],
  [METHOD_HELP, "Returns the description of the named method (the empty string when it has none)."],
  [METHOD_SIGNATURE, `Returns "${NO_SIGNATURE}": netsvc methods declare no parameter types.`],
  [MULTICALL, "Calls each {methodName, params} of an array (at most 1000), returning [result] or a fault struct for each, in order."],
]);

/** Where system methods look: the gateway's registry and group, and the endpoint's service. */
export interface MethodScope {
  readonly registry: ServiceRegistry;
  /** The gateway's group (`""`: every service). */
  readonly group: string;
  /** The service of a per-service endpoint; null on a single endpoint (`service.method` names). */
  readonly service: string | null;
}

/** True for the system methods the gateway answers (listMethods, methodHelp, methodSignature). */
export function isIntrospection(method: string): boolean {
  return method === LIST_METHODS || method === METHOD_HELP || method === METHOD_SIGNATURE;
}

/** Answers an introspection method (isIntrospection); throws a ServiceFailure for bad params or an unknown name. */
export function introspect(method: string, params: unknown[], scope: MethodScope): unknown {
  if (method === LIST_METHODS) return listMethods(scope);
  const name = params[0];
  if (params.length !== 1 || typeof name !== "string")
    throw frameworkFailure(INVALID_PARAMS, `invalid params: ${method} takes one method name`);
  const help = describe(name, scope);
  return method === METHOD_HELP ? help : NO_SIGNATURE;
}

/** The names a client can call on the endpoint, sorted. */
function listMethods(scope: MethodScope): string[] {
  const { registry, group, service } = scope;
  const names = new Set(SYSTEM_HELP.keys());
  if (service !== null) for (const m of registry.localMethods(service)) names.add(m);
  else {
    for (const s of registry.members(group))
      for (const m of registry.localMethods(s)) {
        const q = qualify(s, m);
        if (q.length <= RPC_QUALIFIED_NAME_MAX) names.add(q); // a longer one cannot be called
      }
  }
  return [...names].sort();
}

/** The help text of `name` on the endpoint; throws NO_SUCH_METHOD when the endpoint cannot call it. */
function describe(name: string, scope: MethodScope): string {
  const system = SYSTEM_HELP.get(name);
  if (system !== undefined) return system;
  const { registry } = scope;
  let service = scope.service;
  let method = name;
  if (service === null) {
    const q = splitQualified(registry, scope.group, name);
    if (!q) throw unknownQualifiedName();
    service = q.service;
    method = q.method;
  }
  const help = registry.localMethodHelp(service, method);
  if (help !== undefined) return help;
  // Hosted only in other processes: reachable, but its methods are not known here.
  if (registry.lookup(service)?.local === 0) return "";
  throw new ServiceFailure(NO_SUCH_METHOD, "no such method", service);
}
