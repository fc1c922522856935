/**
 * servers/session-control.ts reaches HttpSession's protected members through a cast, which the
 * compiler does not check. This subclass names every member of SessionControl through `this`, so
 * `tsc --noEmit` (part of `npm test`) fails when one is renamed, removed or changes its type on
 * HttpSession; the test checks at run time that the methods are there.
 */
import { expect, test } from "bun:test";
import { HttpSession } from "../../src/servers/http-session.ts";
import type { SessionControl } from "../../src/servers/session-control.ts";

abstract class Controlled extends HttpSession {
  /** Every SessionControl member, read from the session itself (never called). */
  members(): SessionControl {
    return {
      servlet: this.servlet,
      readsBody: this.readsBody,
      errorSource: this.errorSource,
      user: this.user,
      bytesSent: this.bytesSent,
      headBytes: this.headBytes,
      pathStart: this.pathStart,
      pathEnd: this.pathEnd,
      isPlainPath: this.isPlainPath,
      pathOrStatus: this.pathOrStatus,
      route: this.route,
      servletPathStart: this.servletPathStart,
      isReadyForBody: this.isReadyForBody,
      deliverContent: this.deliverContent,
      contentEnded: this.contentEnded,
      contentFailed: this.contentFailed,
      consumeBody: this.consumeBody,
      servletFailed: this.servletFailed,
      destroy: this.destroy,
      sendEncodedHeaders: this.sendEncodedHeaders,
    };
  }
}

test("every method SessionControl names is one of HttpSession's", () => {
  const methods: (keyof SessionControl)[] = [
    "isPlainPath",
    "pathOrStatus",
    "route",
    "servletPathStart",
    "isReadyForBody",
    "deliverContent",
    "contentEnded",
    "contentFailed",
    "consumeBody",
    "servletFailed",
    "destroy",
    "sendEncodedHeaders",
  ];
  for (const m of methods) expect(typeof (Controlled.prototype as unknown as Record<string, unknown>)[m]).toBe("function");
});
