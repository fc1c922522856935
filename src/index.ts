/// <reference types="bun" preserve="true" />
/**
 * netsvc's public face, the root `netsvc`: the daemon, server objects, servlets, the session,
 * errors, Router and FileServer — what a program serving HTTP imports. Everything else is a
 * subpath, one file each in src/entry/ (package.json maps `netsvc/<name>` to
 * src/entry/<name>.ts): services, rpc, limits, testing. docs/api.md has the "where is X" table.
 * Invariant: at most 70 runtime names here (test/public-face.test.ts counts them). Re-exports
 * only. The reference above ships in the declarations: they name Bun's and Node's types
 * (Socket, Buffer, NodeJS.Signals), so a consumer's compilation needs @types/bun (a dependency)
 * whatever its own `types` setting says.
 */
export { HttpDaemon, type HttpDaemonOptions } from "./daemon/daemon.ts";
export { TlsConfigError, type TlsCertificate, type TlsSettings } from "./daemon/tls-options.ts";
export type { ForwardedHeader } from "./daemon/trusted-proxies.ts";
export type { RedirectHttp, RedirectHttpOptions } from "./daemon/redirect-port.ts";
export type { HstsOptions } from "./daemon/hsts.ts";
export { Dispatcher, type ShutdownPhase } from "./daemon/dispatcher.ts";
export { MetricsServer, type MetricsPage } from "./daemon/metrics-server.ts";
export { AccessLog, type AccessLogFormat, type AccessLogOptions, type AccessLogSink } from "./daemon/access-log.ts";
export type { DaemonStats } from "./daemon/stats.ts";
export { HttpServer, type AuthDecision } from "./servers/http-server.ts";
export { credentialsMatcher } from "./servers/credentials.ts";
export { HttpServlet } from "./servers/http-servlet.ts";
export { HttpSession } from "./servers/http-session.ts";
export { HttpRequest } from "./servers/http-request.ts";
export type { Part } from "./servers/multipart.ts";
export { HttpError } from "./servers/http-error.ts";
export { RequestAborted } from "./servers/request-aborted.ts";
export type { ErrorDocument } from "./http/error-page.ts";
export { reasonPhrase } from "./http/status.ts";
export {
  Router,
  RouteServlet,
  type Middleware,
  type MiddlewareObject,
  type Next,
  type RouteHandler,
  type RouteParams,
} from "./servers/router.ts";
export {
  EventStream,
  eventStreamStats,
  type EventStreamOptions,
  type EventStreamStats,
  type ServerSentEvent,
} from "./servers/event-stream.ts";
export { ErrorServlet } from "./servers/servlets/error-servlet.ts";
export { RedirectServlet } from "./servers/servlets/redirect-servlet.ts";
export { EchoServlet } from "./servers/servlets/echo-servlet.ts";
export { FormServlet } from "./servers/servlets/form-servlet.ts";
export { FileServer, NOT_FOUND_PAGE, type PluginFactory, type PluginObject } from "./servers/file-server.ts";
export { FileServlet, type FileServeOptions, type FileVariant, type HeaderField } from "./servers/servlets/file-servlet.ts";
export { DirectoryListingServlet } from "./servers/servlets/directory-listing-servlet.ts";
export { ModulePlugin } from "./servers/module-plugin.ts";
export { VirtualHosts } from "./servers/virtual-hosts.ts";
export { WebSocketSession, type WsReadyState } from "./servers/websocket.ts";
export type { UpgradeOptions } from "./servers/websocket-handshake.ts";
export type { ClearCookieOptions, CookieOptions, CookieReadOptions } from "./servers/set-cookie.ts";
export { Sessions, type SessionCookieSettings, type SessionsOptions, type SessionsStats } from "./servers/sessions.ts";
export { type SessionRecord, type SessionStore, SessionStoreUnavailable } from "./servers/session-store.ts";
export { MemorySessionStore, type MemorySessionStoreOptions, type MemorySessionStoreStats } from "./servers/memory-session-store.ts";
