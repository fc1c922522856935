/**
 * `netsvc/testing`: what a test of an application needs and a program does not — forgetting the
 * file server's caches between cases (a test that rewrites a file inside one second would
 * otherwise be served the cached one). Re-exports only.
 */
export { clearFileCache } from "../servers/servlets/file-servlet.ts";
export { clearCompressionCache } from "../servers/compression-cache.ts";
