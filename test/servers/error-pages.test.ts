/**
 * Error responses a servlet makes (issue 9, item 8): sendError(code, html) puts the servlet's
 * markup inside the generated page, as OSE did; a 405 names the servlet's own methods.
 */
import { describe, expect, test } from "bun:test";
import { FormServlet, HttpServlet } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

describe("servlet error pages", () => {
  test("sendError(code, html) places the html in the body of the generated page", async () => {
    const server = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.sendError(404, "<p>No such widget.</p>");
          }
        })(s),
    );
    await using srv = startDaemon({ "/": server });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /w HTTP/1.0\r\n\r\n");
    expect(r.status).toBe(404);
    expect(r.body).toContain("<h1>404 Not Found</h1><p>No such widget.</p>");
    expect(r.body).toStartWith("<!DOCTYPE html>");
    expect(Number(r.headers["content-length"])).toBe(Buffer.byteLength(r.body));
  });

  test("sendError(405) sends the servlet's allowedMethods() as Allow", async () => {
    const server = new FnServer((s) =>
      s.requestPath() === "/form"
        ? new (class extends FormServlet {
            override handleRequest(): void {
              this.sendError(405); // e.g. a form that refuses GET
            }
          })(s)
        : new (class extends HttpServlet {
            override allowedMethods(): string {
              return "POST";
            }
            override processRequest(): void {
              this.sendError(405);
            }
          })(s),
    );
    await using srv = startDaemon({ "/": server });
    using a = await RawClient.connect(srv.port);
    expect((await a.request("GET /rpc HTTP/1.0\r\n\r\n")).headers.allow).toBe("POST");
    using b = await RawClient.connect(srv.port);
    const r = await b.request("GET /form?a=1 HTTP/1.0\r\n\r\n");
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("GET, HEAD, POST");
  });
});
