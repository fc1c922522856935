/** netsvc's public API: re-exports only. */
export { HttpDaemon, type HttpDaemonOptions } from "./daemon/daemon.ts";
export { Dispatcher, type ShutdownPhase } from "./daemon/dispatcher.ts";
export { AccessLog, type AccessLogSink } from "./daemon/access-log.ts";
export * from "./daemon/limits.ts";
export { HttpServer } from "./servers/http-server.ts";
export { HttpServlet } from "./servers/http-servlet.ts";
export { HttpSession } from "./servers/http-session.ts";
export { ErrorServlet } from "./servers/servlets/error-servlet.ts";
export { RedirectServlet } from "./servers/servlets/redirect-servlet.ts";
export { EchoServlet } from "./servers/servlets/echo-servlet.ts";
export { FormServlet } from "./servers/servlets/form-servlet.ts";
export { reasonPhrase } from "./servers/status.ts";
export { FileServer, NOT_FOUND_PAGE, type PluginFactory, type PluginObject } from "./servers/file-server.ts";
export { FileServlet, clearFileCache, type FileServeOptions, type FileVariant, type HeaderField } from "./servers/servlets/file-servlet.ts";
export { clearCompressionCache } from "./servers/compression-cache.ts";
export { DirectoryListingServlet } from "./servers/servlets/directory-listing-servlet.ts";
export { ModulePlugin } from "./servers/module-plugin.ts";
