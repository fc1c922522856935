/**
 * `netsvc/testing`: what a test of an application needs and a program does not — serving a
 * fetch Request through a daemon or a server object without a socket (request(), hono's
 * `app.request()`), serving one request to a servlet without routing (ResponseRecorder, Go's
 * httptest.ResponseRecorder), and
 * forgetting the file server's caches between cases (a test that rewrites a file inside one
 * second would otherwise be served the cached one). Re-exports only.
 */
export { ResponseRecorder, RECORDED_DATE } from "../testing/response-recorder.ts";
export { clearFileCache } from "../servers/servlets/file-servlet.ts";
export { clearCompressionCache } from "../servers/compression-cache.ts";
export { request, type RequestOptions } from "../testing/request.ts";
