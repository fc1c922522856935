/**
 * setHeader(): a header staged before the response starts goes out with whichever head answers —
 * sendDocument, a hand-made head, an error page that replaced a half-made head — and a second
 * one with the same name replaces the first. Out of order it is ignored; an unsendable one throws.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet } from "../../src/index.ts";
import { ResponseRecorder } from "../helpers/response-recorder.ts";

/** A servlet made of one function. */
function servlet(fn: (s: HttpServlet) => void) {
  return (session: ConstructorParameters<typeof HttpServlet>[0]) =>
    new (class extends HttpServlet {
      override processRequest(): void {
        fn(this);
      }
    })(session);
}

const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

describe("setHeader", () => {
  test("goes out with sendJson, after the status line; the same name twice keeps the last", () => {
    const rec = new ResponseRecorder(GET);
    rec.serve(
      servlet((s) => {
        s.setHeader("X-Request-Id", "one");
        s.setHeader("x-request-id", "two");
        s.setHeader("Vary", "Origin");
        s.sendJson({ ok: true });
      }),
    );
    const r = rec.response();
    expect(r.rawHeaderNames.filter((n) => n === "x-request-id" || n === "Vary")).toEqual(["x-request-id", "Vary"]);
    expect(r.headers["x-request-id"]).toBe("two");
    expect(r.body).toBe('{"ok":true}');
  });

  test("the answer's own single-valued field replaces the staged one (one Content-Type); list fields keep both", () => {
    const rec = new ResponseRecorder(GET);
    rec.serve(
      servlet((s) => {
        s.setHeader("Content-Type", "text/plain; charset=utf-8");
        s.setHeader("Vary", "Origin");
        s.setHeader("X-Kept", "yes");
        s.sendDocument(200, "application/json", "{}", [["Vary", "Accept"]]);
      }),
    );
    const text = rec.text();
    expect(text.match(/content-type:/gi)?.length).toBe(1);
    expect(text.match(/^vary: [^\r]*/gim)).toEqual(["Vary: Accept", "Vary: Origin"]);
    const r = rec.response();
    expect([r.headers["content-type"], r.headers["x-kept"]]).toEqual(["application/json", "yes"]);
  });

  test("survives sendError() replacing a half-made head", () => {
    const rec = new ResponseRecorder(GET);
    rec.serve(
      servlet((s) => {
        s.setHeader("X-Trace", "t1");
        s.sendResponse(200);
        s.sendHeader("X-Half", "made");
        s.sendError(503);
      }),
    );
    const r = rec.response();
    expect(r.statusLine).toBe("HTTP/1.1 503 Service Unavailable");
    expect(r.headers["x-trace"]).toBe("t1");
    expect(r.headers["x-half"]).toBeUndefined();
  });

  test("is ignored once the response has started, and for the framework's own fields", () => {
    const rec = new ResponseRecorder(GET);
    rec.serve(
      servlet((s) => {
        s.setHeader("Connection", "close");
        s.sendResponse(200);
        s.setHeader("X-Late", "1");
        s.sendHeader("Content-Length", 0);
        s.endContent();
      }),
    );
    const text = rec.text();
    expect(text).not.toContain("X-Late");
    expect(text.match(/connection:/gi)?.length).toBe(1);
  });

  test("throws a TypeError for a field that cannot be sent, and for Content-Length", () => {
    const rec = new ResponseRecorder(GET);
    const thrown: unknown[] = [];
    rec.serve(
      servlet((s) => {
        for (const [n, v] of [
          ["X-Bad", "a\r\nb"],
          ["Bad Name", "v"],
          ["Content-Length", "5"],
        ] as const) {
          try {
            s.setHeader(n, v);
          } catch (e) {
            thrown.push(e);
          }
        }
        s.sendJson(1);
      }),
    );
    expect(thrown.map((e) => e instanceof TypeError)).toEqual([true, true, true]);
    expect(rec.response().status).toBe(200);
  });
});

describe("query()", () => {
  test("decodes the query string once: repeated names, +, UTF-8 escapes, none at all", () => {
    const rec = new ResponseRecorder("GET /find?q=a+b&tag=x&tag=y&name=%C3%A9t%C3%A9&empty= HTTP/1.1\r\nHost: x\r\n\r\n");
    let seen: unknown = null;
    rec.serve(
      servlet((s) => {
        const q = s.query();
        seen = [q.get("q"), q.getAll("tag"), q.get("name"), q.get("empty"), q.has("missing"), s.query() === q];
        s.sendJson(0);
      }),
    );
    expect(seen).toEqual(["a b", ["x", "y"], "été", "", false, true]);
    const none = new ResponseRecorder(GET);
    let size = -1;
    none.serve(
      servlet((s) => {
        size = [...s.query()].length;
        s.sendJson(0);
      }),
    );
    expect(size).toBe(0);
  });
});
