/**
 * HttpServlet's session calls (SPEC §2.3–2.4) are forwarders installed from one list: they answer
 * what the session answers, and a servlet subclass still overrides one and reaches the original
 * with `super` (at run time and for the type checker, which checks this file too).
 */
import { expect, test } from "bun:test";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

/** Answers the request accessors as read through the servlet and through the session, and the body. */
class AccessorServlet extends HttpServlet {
  override async processRequest(): Promise<void> {
    const s = this.session;
    const viaServlet = [
      this.requestMethod(),
      this.requestPath(),
      this.queryString(),
      this.url(),
      this.protocolVersion(),
      this.serverHost(),
      this.serverPort(),
      this.clientHost(),
      this.clientPort(),
      this.remoteUser(),
      this.contentLength(),
      this.hasBody(),
      this.isChunked(),
      this.methodCode(),
      this.isHead(),
      this.isComplete(),
      this.contentType(),
      this.containsHeader("x-a"),
      this.headerIs("x-a", "1"),
      this.header("x-a"),
      this.headers(),
      this.serverPath(),
      this.serverRoot(),
      this.servletPath(),
      this.servletInfo(),
    ];
    const viaSession = [
      s.requestMethod(),
      s.requestPath(),
      s.queryString(),
      s.url(),
      s.protocolVersion(),
      s.serverHost(),
      s.serverPort(),
      s.clientHost(),
      s.clientPort(),
      s.remoteUser(),
      s.contentLength(),
      s.hasBody(),
      s.isChunked(),
      s.methodCode(),
      s.isHead(),
      s.isComplete(),
      s.contentType(),
      s.containsHeader("x-a"),
      s.headerIs("x-a", "1"),
      s.header("x-a"),
      s.headers(),
      s.serverPath(),
      s.serverRoot(),
      s.servletPath(),
      s.servletInfo(),
    ];
    const body = new TextDecoder().decode(await this.content());
    this.sendDocument(200, "application/json", JSON.stringify({ viaServlet, viaSession, body }), [["X-Extra", "4th argument"]]);
    this.flushContent();
    await this.drained();
  }
}

/** Overrides a forwarded call and reaches the original through `super`. */
class OverridingServlet extends HttpServlet {
  static overrides = 0;
  override processRequest(): void {
    this.sendError(418);
  }
  override sendError(code: number, html?: string): void {
    OverridingServlet.overrides++;
    super.sendError(code === 418 ? 403 : code, html);
  }
}

/** A caller that only knows the base class: the forwarded calls type-check on it. */
function answerThroughBase(servlet: HttpServlet, body: string): boolean {
  servlet.sendResponse(200, "Fine");
  servlet.sendHeader("Content-Type", "text/plain");
  servlet.sendHeader("Content-Length", body.length);
  servlet.endHeaders();
  const flowing = servlet.sendContent(body);
  servlet.endContent();
  return flowing;
}

test("every accessor read through the servlet equals the session's own answer", async () => {
  await using srv = startDaemon({ "/app": new FnServer((s: HttpSession) => new AccessorServlet(s)) });
  using c = await RawClient.connect(srv.port);
  const r = await c.request(
    "POST /app/a/b?q=1 HTTP/1.1\r\nHost: h.test:81\r\nX-A: 1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
  );
  expect(r.statusLine).toBe("HTTP/1.1 200 OK");
  expect(r.headers["x-extra"]).toBe("4th argument");
  const { viaServlet, viaSession, body } = JSON.parse(r.body) as { viaServlet: unknown[]; viaSession: unknown[]; body: string };
  expect(viaServlet).toEqual(viaSession);
  expect(body).toBe("hi");
  expect(viaServlet.slice(0, 4)).toEqual(["POST", "/app/a/b", "q=1", "http://h.test:81/app/a/b?q=1"]);
  expect(c.closed).toBe(false);
  expect(srv.errors).toEqual([]);
});

test("a subclass overrides a forwarded call and reaches the session through super", async () => {
  OverridingServlet.overrides = 0;
  await using srv = startDaemon({ "/": new FnServer((s) => new OverridingServlet(s)) });
  using c = await RawClient.connect(srv.port);
  const r = await c.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  expect(r.statusLine).toBe("HTTP/1.1 403 Forbidden");
  expect(r.body).toContain("403 Forbidden");
  expect(OverridingServlet.overrides).toBe(1);
  expect(srv.errors).toEqual([]);
});

test("the response calls answer through a servlet typed as the base class", async () => {
  const flowing: boolean[] = [];
  await using srv = startDaemon({
    "/": new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            flowing.push(answerThroughBase(this, "through the base"));
          }
        })(s),
    ),
  });
  using c = await RawClient.connect(srv.port);
  const r = await c.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  expect(r.statusLine).toBe("HTTP/1.1 200 Fine");
  expect(r.body).toBe("through the base");
  expect(flowing).toEqual([true]);
  expect(c.closed).toBe(false);
});

test("shutdown() through the servlet closes the connection at once, with no response", async () => {
  await using srv = startDaemon({
    "/": new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.shutdown();
          }
        })(s),
    ),
  });
  using c = await RawClient.connect(srv.port);
  c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  await c.untilClosed();
  expect(c.text()).toBe("");
  expect(srv.errors).toEqual([]);
});
