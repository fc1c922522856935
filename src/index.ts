/** netsvc's public API: re-exports only. */
export { HttpDaemon, type HttpDaemonOptions } from "./daemon/daemon.ts";
export { Dispatcher, type ShutdownPhase } from "./daemon/dispatcher.ts";
export { AccessLog, type AccessLogSink } from "./daemon/access-log.ts";
export * from "./daemon/limits.ts";
export { HttpServer, type AuthDecision } from "./servers/http-server.ts";
export { credentialsMatcher } from "./servers/credentials.ts";
export { HttpServlet } from "./servers/http-servlet.ts";
export { HttpError } from "./servers/http-error.ts";
export type { ErrorDocument } from "./http/error-page.ts";
export { Router, RouteServlet, type RouteHandler, type RouteParams } from "./servers/router.ts";
export { HttpRequest } from "./servers/http-request.ts";
export { HttpSession } from "./servers/http-session.ts";
export { RequestAborted } from "./servers/request-aborted.ts";
export type { Part } from "./servers/multipart.ts";
export type { DaemonStats } from "./daemon/stats.ts";
export { ErrorServlet } from "./servers/servlets/error-servlet.ts";
export { RedirectServlet } from "./servers/servlets/redirect-servlet.ts";
export { EchoServlet } from "./servers/servlets/echo-servlet.ts";
export { FormServlet } from "./servers/servlets/form-servlet.ts";
export { reasonPhrase } from "./http/status.ts";
export { FileServer, NOT_FOUND_PAGE, type PluginFactory, type PluginObject } from "./servers/file-server.ts";
export { FileServlet, clearFileCache, type FileServeOptions, type FileVariant, type HeaderField } from "./servers/servlets/file-servlet.ts";
export { clearCompressionCache } from "./servers/compression-cache.ts";
export { DirectoryListingServlet } from "./servers/servlets/directory-listing-servlet.ts";
export { ModulePlugin } from "./servers/module-plugin.ts";
export * from "./services/service-failure.ts";
export { Service, SERVICE_NAME } from "./services/service.ts";
export type { CallContext, ExportOptions } from "./services/call-context.ts";
export {
  ServiceRegistry,
  services,
  DEFAULT_CALL_TIMEOUT_MS,
  type CallOptions,
  type ServiceEvent,
  type ServiceInfo,
  type ErrorLog,
} from "./services/registry.ts";
export type { ServiceValue } from "./services/values.ts";
export { RpcGateway, mediaTypeOf, type RpcGatewayOptions, type RpcProtocol } from "./services/rpc-gateway.ts";
export { jsonRpc, PARSE_ERROR, INVALID_REQUEST } from "./services/json-rpc.ts";
export { xmlRpc, encodeCall, decodeCall, encodeResponse, decodeResponse, encodeFault } from "./services/xml-rpc.ts";
export type { RpcCodec, RpcAnswer, RpcStream, RpcOutput, Invoke } from "./services/rpc-codec.ts";
export * from "./services/limits.ts";
export { XmlError, parseXml, type XmlElement } from "./services/xml-lite.ts";
export { XmlRpcError, XML_MEDIA_TYPE } from "./services/xml-rpc.ts";
export { Exchange, type ExchangeOptions, type ShutdownSource } from "./services/exchange.ts";
export { MICRO_VERSION, microName } from "./services/discovery.ts";
export { RemoteService, type RemoteServiceOptions } from "./services/remote-service.ts";
