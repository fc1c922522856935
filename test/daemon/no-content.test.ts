/**
 * 204 and 304 carry neither content nor Content-Length (issue 19, item 8; RFC 9110 §8.6, §15.3.5,
 * §15.4.5), whichever helper the servlet used: the response machine drops them, so the response
 * ends at its blank line and the next response on the connection is framed correctly. Content a
 * servlet gives such a response is counted (stats().droppedContent) and the first one is logged.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

/** Each way a servlet may try to give a 204 or 304 a body. */
const HELPERS: Record<string, (s: HttpServlet, status: number) => void> = {
  sendJson: (s, status) => s.sendJson({ ok: true }, status),
  sendDocument: (s, status) => s.sendDocument(status, "text/plain", "hello", [["ETag", '"v1"']]),
  "sendHeader(Content-Length) + sendContent": (s, status) => {
    s.sendResponse(status);
    s.sendHeader("ETag", '"v1"');
    s.sendHeader("Content-Length", 5);
    s.endHeaders();
    s.sendContent("hello");
  },
  "sendContentLength + sendContent": (s, status) => {
    s.sendResponse(status);
    s.session.sendContentLength(5);
    s.sendContent("hello");
    s.endContent();
  },
  "streamed sendContent (chunked otherwise)": (s, status) => {
    s.sendResponse(status);
    s.sendContent("hel");
    s.sendContent(new Uint8Array([0x6c, 0x6f]));
    s.endContent();
  },
};

/** The helpers above that send an ETag (a 304 keeps its validators). */
const VALIDATED = new Set(["sendDocument", "sendHeader(Content-Length) + sendContent"]);

/** Answers /none with `helper` and `status`, anything else with "next". */
function server(helper: (s: HttpServlet, status: number) => void, status: number): FnServer {
  return new FnServer((session: HttpSession) => {
    if (session.requestPath() !== "/none") return new TextServlet(session, "next");
    return new (class extends HttpServlet {
      override processRequest(): void {
        helper(this, status);
      }
    })(session);
  });
}

describe("a response whose status has no content", () => {
  for (const status of [204, 304]) {
    for (const [name, helper] of Object.entries(HELPERS)) {
      test(`${status} by ${name}: no Content-Length, no body, the next response framed right`, async () => {
        await using srv = startDaemon({ "/": server(helper, status) });
        using c = await RawClient.connect(srv.port);
        // Pipelined: a body or a wrong Content-Length would be read as the start of the next response.
        c.send("GET /none HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        await c.until(() => c.text().endsWith("\r\n\r\nnext"), 3000, "both responses");
        const text = c.text();
        const headEnd = text.indexOf("\r\n\r\n") + 4;
        const first = text.slice(0, headEnd);
        expect(first).toStartWith(`HTTP/1.1 ${status} `);
        expect(first).not.toMatch(/content-length|transfer-encoding/i);
        expect(first).toContain("Connection: keep-alive\r\n");
        if (VALIDATED.has(name)) expect(first).toContain('ETag: "v1"\r\n'); // RFC 9110 §15.4.5: validators stay
        expect(text.slice(headEnd)).toStartWith("HTTP/1.1 200 OK\r\n"); // nothing between the two
        expect(c.closed).toBe(false);
        expect(srv.daemon.stats().droppedContent).toBe(1);
      });
    }
  }

  test("sendDocument(204) sends no Content-Type either: there is no document", async () => {
    await using srv = startDaemon({ "/": server(HELPERS.sendJson!, 204) });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /none HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r.status).toBe(204);
    expect(r.headers["content-type"]).toBeUndefined();
  });

  test("a 204 with no content given is not counted; Content-Length: 0 is dropped quietly", async () => {
    const quiet = (s: HttpServlet, status: number) => {
      s.sendResponse(status);
      s.sendHeader("Content-Length", 0);
      s.endHeaders();
      s.endContent();
    };
    await using srv = startDaemon({ "/": server(quiet, 204) });
    using c = await RawClient.connect(srv.port);
    c.send("GET /none HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => c.text().includes("\r\n\r\n"), 3000, "the response");
    expect(c.text()).not.toMatch(/content-length/i);
    expect(srv.daemon.stats().droppedContent).toBe(0);
    expect(srv.errors).toEqual([]);
  });

  test("dropped content is counted every time and logged once, with the servlet's stack", async () => {
    await using srv = startDaemon({ "/": server(HELPERS.sendJson!, 204) });
    using c = await RawClient.connect(srv.port);
    for (let i = 0; i < 5; i++) expect((await c.request("GET /none HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(204);
    expect(srv.daemon.stats().droppedContent).toBe(5);
    expect(srv.errors.length).toBe(1);
    expect(srv.errors[0]).toContain("204");
    expect(srv.errors[0]).toContain("no-content.test.ts"); // where the servlet gave the body
  });
});
