/**
 * The link between a session and the request cycle that made it, as the session sees it: what it
 * asks of its owner (SessionOwner), the owner a session falls back to once destroyed (DETACHED),
 * and the servlet's side of the lifecycle as the cycle calls it (ServletHooks).
 */
import type { ErrorDocument } from "../http/error-page.ts";
import type { BodySink } from "./body-sink.ts";
import { RequestAborted } from "./request-aborted.ts";
import type { WsEndpoint, WsSettings, WsTransport } from "./websocket-port.ts";

/** The servlet side of the lifecycle, as the request cycle calls it. */
export interface ServletHooks {
  /** A piece of the body; a returned Promise pauses delivery until it settles. */
  processContent(chunk: Uint8Array): void | Promise<void>;
  /** The body is whole (empty included). */
  contentComplete(): void | Promise<void>;
  /** Called once, after the response is complete or the client left. */
  destroyServlet(): void;
  /** The `Allow` value of a 405 from sendError(405). */
  allowedMethods?(): string;
}

/**
 * What a session asks of the request cycle that made it (RequestCycle implements it). After the
 * request is destroyed the session asks DETACHED instead, which answers as a finished request
 * would: the cycle may already serve the connection's next request.
 */
export interface SessionOwner {
  /** The whole body, gathered (see HttpSession.content). */
  content(): Promise<Uint8Array>;
  /** Hands the body to `sink` instead of processContent() (see HttpServlet.parts). */
  consumeBody(sink: BodySink): void;
  /** The response is complete. */
  responseComplete(keepAlive: boolean): void;
  /** True when this response may keep its transport (and no client is left waiting for 100 Continue). */
  mayKeepAlive(): boolean;
  /** The servlet's `Allow` value for a 405, undefined when it names none. */
  allowedMethods(): string | undefined;
  /** The routed server's error body for `code`, or null for the framework's own. May throw (the server's code). */
  errorPage(code: number, message?: string): string | ErrorDocument | null;
  /** The routed server's view of the method (HttpServer.recognisesMethod); null when it has none. May throw. */
  recognisesMethod(): boolean | null;
  /** The response is the 101 `response`: the request is complete and its transport carries a WebSocket from now on; null when it cannot. */
  upgrade(response: Uint8Array, settings: WsSettings, endpoint: WsEndpoint): WsTransport | null;
  /** A Router handler `where` returned, not a promise: is the request answered, deferred, or left hanging (SPEC §13)? */
  returned(where: string): void;
}

/** The owner of a destroyed session: it answers as a finished request. */
export const DETACHED: SessionOwner = {
  content: () => Promise.reject(new RequestAborted("the request ended before its body was read")),
  consumeBody: (sink) => sink.fail(new RequestAborted("the request ended before its body was read")),
  responseComplete: () => {},
  mayKeepAlive: () => false,
  allowedMethods: () => undefined,
  errorPage: () => null,
  recognisesMethod: () => null,
  upgrade: () => null,
  returned: () => {},
};
