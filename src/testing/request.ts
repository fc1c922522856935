/**
 * request(): a test client with no socket (SPEC §13; hono's `app.request()`, Go's httptest) — a
 * fetch `Request` served by a daemon, or by one server object, through the real request cycle,
 * answered with a fetch `Response`. See SocketlessExchange for what is served as on a socket and
 * what is not, docs/testing.md for the user's view.
 */
import { HttpDaemon, daemonInternals } from "../daemon/daemon.ts";
import { DaemonCore } from "../daemon/daemon-core.ts";
import type { DaemonResources, PortResources } from "../daemon/daemon-resources.ts";
import { resolveLimits } from "../daemon/limits.ts";
import { PortProfile } from "../daemon/port-profile.ts";
import { HttpServer } from "../servers/http-server.ts";
import { requestFields, requestHead, takeBody } from "./outgoing-request.ts";
import { SocketlessExchange } from "./socketless-exchange.ts";

/** Who the client is, for request(). */
export interface RequestOptions {
  /**
   * The client's address: what the daemon's allow/deny lists and authorise() judge (a refused
   * client's request rejects, as a dropped connection fails fetch), and what clientHost() and the
   * logs say. A proxy the daemon trusts (trustProxy) names the client in the request's
   * X-Forwarded-For (or Forwarded). Default "127.0.0.1".
   */
  remoteAddress?: string;
  /** The request arrived over TLS: isSecure() and scheme() say so. Default: the URL is `https:`. */
  secure?: boolean;
}

/** The default port of a URL's scheme, when the URL names none. */
const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };
/** A server object's stand-in daemon never accepts a socket: no cap on them. */
const NO_SOCKETS = 0;

/**
 * Serves `req` with `target` without a socket and resolves with the response once its head is
 * written. `target`: an HttpDaemon (routed through its attached server objects, with its limits,
 * allow/deny lists and counters; it need not be started) or a server object (an HttpServer,
 * Router, FileServer…, attached at "/" for this call, with the default limits). The request is
 * what an HTTP/1.1 client would send for `req`: Host from its URL, its fields, its body with a
 * Content-Length when the body is all there at once, else chunked as it streams. The response's
 * body is a stream that ends with the response (chunked framing removed; none for HEAD, 204 and
 * 304); cancelling it, or aborting `req.signal`, is the client leaving: the servlet's signal
 * aborts. Redirects are not followed; a WebSocket upgrade is answered 426 (test those with a
 * started daemon and a WebSocket). Rejects when the daemon refuses the client or is stopping.
 */
export async function request(target: HttpDaemon | HttpServer, req: Request, options: RequestOptions = {}): Promise<Response> {
  const { resources, port } = hostOf(target);
  const url = new URL(req.url);
  const peer = options.remoteAddress ?? "127.0.0.1";
  const trusted = resources.trustedProxies?.trusts(peer) ?? false;
  if (resources.stopping) throw new Error("request(): the daemon is stopping (it accepts no connection)");
  if (!trusted && !resources.authoriseClient(peer)) return refused(resources, peer);
  const fields = requestFields(req);
  const body = await takeBody(req);
  if (req.signal.aborted) throw req.signal.reason;
  const exchange = new SocketlessExchange(resources, port, requestHead(req.method, url, fields, body), body, req.method === "HEAD", {
    remoteAddress: peer,
    localPort: url.port === "" ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port),
    secure: options.secure ?? url.protocol === "https:",
  });
  if (!exchange.begin(trusted)) return refused(resources, exchange.remoteAddress);
  req.signal.addEventListener("abort", () => exchange.leave(req.signal.reason), { once: true });
  return exchange.reader.response;
}

/** The daemon's resources and main port; for a server object, a stand-in daemon's with it attached at "/". */
function hostOf(target: HttpDaemon | HttpServer): { resources: DaemonResources; port: PortResources } {
  if (target instanceof HttpDaemon) return daemonInternals.host(target);
  if (!(target instanceof HttpServer))
    throw new TypeError("request(): the target must be an HttpDaemon or a server object (an HttpServer)");
  const limits = resolveLimits({});
  const core = new DaemonCore(limits, NO_SOCKETS, null, logError, () => true);
  core.mounts.attach("/", target);
  return { resources: core, port: new PortProfile(false, core.mounts, "", limits.maxBody) };
}

/** A client the daemon refuses: counted as at accept, and the request fails as fetch fails on a dropped connection. */
function refused(resources: DaemonResources, address: string): never {
  resources.counters.denied++;
  throw new Error(`request(): the daemon refused the client ${address} (authorise(), allow/deny)`);
}

/** A server object's errors go where a daemon's go by default. */
function logError(message: string, error?: unknown): void {
  console.error(`netsvc: ${message}`, error ?? "");
}
