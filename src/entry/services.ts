/// <reference types="bun" preserve="true" />
/**
 * `netsvc/services` (SPEC §8.1, §8.2, §8.4): services in process, the registry and its calls,
 * failures and their codes, the NATS Exchange, and RemoteService (a service behind an RPC URL).
 * Re-exports only.
 */
export { Service, SERVICE_NAME } from "../services/service.ts";
export type { CallContext, ExportOptions } from "../services/call-context.ts";
export { LOCAL_CALLER, type Caller } from "../services/caller.ts";
export {
  ServiceRegistry,
  services,
  DEFAULT_CALL_TIMEOUT_MS,
  type CallOptions,
  type ServiceEvent,
  type ServiceInfo,
  type ErrorLog,
  type PublishOptions,
} from "../services/registry.ts";
export type { ReportStats, ReportSubscriber } from "../services/reports.ts";
export type { ServiceValue } from "../services/values.ts";
export * from "../services/service-failure.ts";
export { Exchange, type ExchangeOptions, type ExchangeStats, type ShutdownSource } from "../services/exchange.ts";
export type { NatsCredentials, NatsTlsOptions } from "../services/nats-credentials.ts";
export { MICRO_VERSION, microName } from "../services/discovery.ts";
export { RemoteService, type RemoteServiceOptions } from "../services/remote-service.ts";
export { KvSessionStore, type KvSessionStoreOptions, type KvSessionStoreStats } from "../services/kv-session-store.ts";
