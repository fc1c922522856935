/**
 * The framework's side of an HttpSession: the members the daemon and netsvc's own servers use
 * (body delivery, routing on the request's bytes, the servlet's lifecycle) are protected on the
 * class, so a servlet cannot call them by mistake, and reached here instead. netsvc does not
 * export this module (DESIGN: a module-internal interface, as servers/connection.ts is one).
 * The cast below is unchecked; test/servers/session-control.test.ts names every member through a
 * subclass, so the type check fails when one of them changes on HttpSession.
 */
import type { BodySink } from "./body-sink.ts";
import type { ErrorPageSource, HttpSession, ServletHooks } from "./http-session.ts";
import type { Refused } from "./refusal.ts";

/** What the framework may do with a session; every member is one of HttpSession's protected ones. */
export interface SessionControl {
  servlet: ServletHooks | null;
  readsBody: boolean;
  errorSource: ErrorPageSource | null;
  user: string;
  readonly bytesSent: number;
  readonly headBytes: Uint8Array;
  readonly pathStart: number;
  readonly pathEnd: number;
  isPlainPath(): boolean;
  pathOrStatus(): string | Refused;
  route(attachedPath: string, matchEnd: number): void;
  servletPathStart(): number;
  isReadyForBody(): boolean;
  deliverContent(chunk: Uint8Array): void;
  contentEnded(): void;
  contentFailed(reason: Error): void;
  consumeBody(sink: BodySink): void;
  servletFailed(where: string, e: unknown): void;
  destroy(): void;
  sendEncodedHeaders(lines: Uint8Array, contentLength: number): void;
}

/** The framework's handle on `session` (the same object: protected is a compile-time fence). */
export function control(session: HttpSession): SessionControl {
  return session as unknown as SessionControl;
}
