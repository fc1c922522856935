/**
 * A header a servlet cannot send is its bug, told to it (issue 19, item 8): sendHeader (and every
 * helper that sends fields) throws a TypeError naming the field — never echoing the value — and
 * a throw out of processRequest is a 500 logged once, as for any servlet throw. It used to drop
 * the field silently: a 302 went out with no Location. A URI is percent-encoded, not refused.
 */
import { describe, expect, test } from "bun:test";
import { HttpError, HttpServer, HttpServlet, RedirectServlet, Router, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

/** A value that would split the response, and a marker to look for wherever it might leak. */
const SPLIT = "/next\r\nSet-Cookie: leaked=1";

/** Ways a servlet sends a field that cannot be sent; each is a bug in the servlet. */
const CASES: Record<string, (s: HttpServlet) => void | Promise<void>> = {
  "sendHeader(Location) with CR LF": (s) => {
    s.sendResponse(302);
    s.sendHeader("Location", SPLIT);
    s.sendHeader("Content-Length", 0);
    s.endHeaders();
  },
  "sendHeader with a bare LF": (s) => {
    s.sendResponse(200);
    s.sendHeader("X-Note", "a\nleaked=1");
    s.sendHeader("Content-Length", 0);
    s.endHeaders();
  },
  "sendHeader with a character above U+00FF": (s) => {
    s.sendResponse(200);
    s.sendHeader("X-Note", "snow \u2603 leaked=1");
    s.sendHeader("Content-Length", 0);
    s.endHeaders();
  },
  "sendHeader with a name that is not a token": (s) => {
    s.sendResponse(200);
    s.sendHeader("X Note", "leaked=1");
    s.sendHeader("Content-Length", 0);
    s.endHeaders();
  },
  "sendHeader(Content-Length) that is not a number": (s) => {
    s.sendResponse(200);
    s.sendHeader("Content-Length", "5; leaked=1");
    s.endHeaders();
    s.sendContent("hello");
  },
  "sendDocument with a header that splits": (s) => s.sendDocument(302, "text/plain", "moved", [["Location", SPLIT]]),
  "sendDocument with a Content-Type that splits": (s) => s.sendDocument(200, "text/plain\r\nSet-Cookie: leaked=1", "x"),
  "an async servlet, after an await": async (s) => {
    await Promise.resolve();
    s.sendDocument(302, "text/plain", "moved", [["Location", SPLIT]]);
  },
  "an HttpError whose headers split": () => {
    throw new HttpError(503, "busy", { headers: [["Retry-After", "5\r\nSet-Cookie: leaked=1"]] });
  },
};

describe("a header a servlet cannot send", () => {
  for (const [name, fn] of Object.entries(CASES)) {
    test(`${name}: a TypeError naming the field, a 500 logged once, nothing echoed`, async () => {
      const thrown: unknown[] = [];
      const server = new FnServer(
        (session: HttpSession) =>
          new (class extends HttpServlet {
            override async processRequest(): Promise<void> {
              try {
                await fn(this);
              } catch (e) {
                thrown.push(e);
                throw e;
              }
            }
          })(session),
      );
      await using srv = startDaemon({ "/": server });
      using c = await RawClient.connect(srv.port);
      const r = await c.request("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(r.status).toBe(500);
      expect(c.text()).not.toContain("leaked");
      expect(c.text()).not.toContain("Location");
      const e = thrown[0];
      if (!(e instanceof HttpError)) {
        expect(e).toBeInstanceOf(TypeError);
        expect((e as Error).message).toMatch(/Location|X-Note|X Note|Content-Length|Content-Type/);
        expect((e as Error).message).not.toContain("leaked");
      }
      expect(srv.errors.length).toBe(1);
      expect(srv.errors[0]).not.toContain("leaked");
      expect(srv.daemon.stats().servletErrors).toBe(1);
      // The 500 is a whole page with its length: the connection goes on.
      expect(c.closed).toBe(false);
      expect((await c.request("GET /b HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(500);
    });
  }

  test("a Router handler's bad Location is a 500 logged once", async () => {
    const api = new Router().get("/go", (s) => s.sendDocument(302, "text/plain", "moved", [["Location", SPLIT]]));
    await using srv = startDaemon({ "/api": api });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/go HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(r.status).toBe(500);
    expect(c.text()).not.toContain("leaked");
    expect(srv.errors.length).toBe(1);
  });

  test("a challenge() or allowedMethods() that cannot be sent is a 500 logged once, not a crash", async () => {
    class Guarded extends HttpServer {
      override authorise(): boolean {
        return false; // every request is challenged
      }
      override challenge(): string {
        return 'Basic realm="x"\r\nSet-Cookie: leaked=1';
      }
      override servlet(s: HttpSession): HttpServlet {
        return new HttpServlet(s);
      }
    }
    const picky = new FnServer(
      (s) =>
        new (class extends HttpServlet {
          override allowedMethods(): string {
            return "GET\r\nSet-Cookie: leaked=1";
          }
          override processRequest(): void {
            this.sendError(405);
          }
        })(s),
    );
    await using srv = startDaemon({ "/guarded": new Guarded(), "/picky": picky });
    using a = await RawClient.connect(srv.port);
    expect((await a.request("GET /guarded HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(500);
    using b = await RawClient.connect(srv.port);
    expect((await b.request("GET /picky HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(500);
    expect(a.text() + b.text()).not.toContain("leaked");
    expect(srv.errors.length).toBe(2);
  });
});

describe("redirects percent-encode their URI", () => {
  const cases: [string, string, string][] = [
    ["CR LF in a path", "/a\r\nSet-Cookie: x=1", "/a%0D%0ASet-Cookie:%20x=1"],
    ["non-ASCII in a path", "/café/ü", "/caf%C3%A9/%C3%BC"],
    ["an absolute URI with non-ASCII and a query", "https://example.com/ä?q=ö&r=1", "https://example.com/%C3%A4?q=%C3%B6&r=1"],
    ["escapes already there stay as they are", "/a%20b/%C3%A9", "/a%20b/%C3%A9"],
    ["a stray % is encoded, the valid escapes beside it are not", "/a%20b%zz%", "/a%20b%25zz%25"],
    ["an escape that is not UTF-8 stays as it is", "/%e9t%E9", "/%e9t%E9"],
    ["a lone surrogate is a replacement character, not a 500", "/x\uD800y", "/x%EF%BF%BDy"],
  ];
  for (const [name, uri, expected] of cases) {
    test(`RedirectServlet: ${name}`, async () => {
      await using srv = startDaemon({ "/": new FnServer((s) => new RedirectServlet(s, uri)) });
      using c = await RawClient.connect(srv.port);
      const r = await c.request("GET /r HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(r.status).toBe(302);
      const location = r.headers.location!;
      expect(location.endsWith(expected)).toBe(true);
      expect(c.text().match(/\r\nLocation: /g)?.length).toBe(1);
      expect(r.headers["set-cookie"]).toBeUndefined();
      expect(srv.errors).toEqual([]);
    });
  }
});
