/** json()/text()/sendJson(), HttpError and server errorPage() over real sockets. */
import { describe, expect, test } from "bun:test";
import { HttpError, HttpServer, HttpServlet, Router, type ErrorDocument, type HttpSession } from "../../src/index.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

/** Echoes the JSON body back with what it parsed. json() is called before any await. */
const echoJson = () =>
  new Router()
    .post("/echo", async (s) => {
      const value = await s.json();
      s.sendJson({ got: value });
    })
    .post("/text", async (s) => {
      const text = await s.text();
      s.sendDocument(200, "text/plain; charset=utf-8", `${text.length}:${text}`);
    });

/** The raw client reads bodies as latin1: back to the UTF-8 text that was sent. */
const utf8 = (latin1Body: string) => Buffer.from(latin1Body, "latin1").toString("utf8");

function post(path: string, body: string, extra = ""): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

describe("json() and text()", () => {
  test("a JSON body parsed, answered with sendJson (keep-alive, Content-Length)", async () => {
    await using srv = startDaemon({ "/": echoJson() });
    using c = await RawClient.connect(srv.port);
    c.send(Buffer.from(post("/echo", '{"a":[1,2,{"b":"é"}]}'))); // UTF-8 on the wire
    const [r] = await c.responses(1);
    expect(r!.status).toBe(200);
    expect(r!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(utf8(r!.body))).toEqual({ got: { a: [1, 2, { b: "é" }] } });
    expect(r!.headers.connection).toBe("keep-alive");
    const again = await c.request(post("/echo", "42"));
    expect(JSON.parse(again.body)).toEqual({ got: 42 });
  });

  test("a chunked JSON body split across reads", async () => {
    const started = Promise.withResolvers<void>();
    const router = new Router().post("/echo", async (s) => {
      const pending = s.json();
      started.resolve();
      s.sendJson({ got: await pending });
    });
    await using srv = startDaemon({ "/": router });
    using c = await RawClient.connect(srv.port);
    c.send('POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"k"');
    await started.promise; // the handler runs; the rest of the body has not been sent yet
    c.send("\r\n3\r\n:1}\r\n0\r\n\r\n");
    const [r] = await c.responses(1);
    expect(JSON.parse(r!.body)).toEqual({ got: { k: 1 } });
  });

  test("text() decodes UTF-8", async () => {
    await using srv = startDaemon({ "/": echoJson() });
    using c = await RawClient.connect(srv.port);
    c.send(Buffer.from(post("/text", "héllo")));
    const [r] = await c.responses(1);
    expect(utf8(r!.body)).toBe("5:héllo");
  });

  test("bad JSON → 400 with a fixed message that does not echo the input, not logged; framing intact", async () => {
    await using srv = startDaemon({ "/": echoJson() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request(post("/echo", "{<script>oops", "Accept: application/json\r\n"));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ status: 400, error: "Bad Request", message: "the request body is not valid JSON" });
    expect(r.body).not.toContain("script");
    expect(srv.errors).toEqual([]);
    // HTTP/1.1 keeps the connection after an error page: the next request is read whole.
    const next = await c.request(post("/echo", "[1]"));
    expect(JSON.parse(next.body)).toEqual({ got: [1] });
  });

  test("a body over the limit → 413 and close; json() never resolves into the handler", async () => {
    let reached = false;
    const router = new Router().post("/echo", async (s) => {
      await s.json();
      reached = true;
    });
    await using srv = startDaemon({ "/": router }, { maxBody: 100 });
    using c = await RawClient.connect(srv.port);
    c.send(post("/echo", JSON.stringify({ pad: "x".repeat(200) })));
    await c.untilClosed();
    expect(parseResponses(c.text(), true).map((r) => r.status)).toEqual([413]);
    expect(reached).toBe(false);
  });

  test("an empty body (Content-Length: 0) is not JSON → 400", async () => {
    await using srv = startDaemon({ "/": echoJson() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    expect(r.status).toBe(400);
  });

  test("an empty chunked body is not JSON → 400", async () => {
    await using srv = startDaemon({ "/": echoJson() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    expect(r.status).toBe(400);
  });

  test("sendJson(undefined) sends null; sendJson with a status", async () => {
    const router = new Router().get("/none", (s) => s.sendJson(undefined)).get("/made", (s) => s.sendJson([1], 201));
    await using srv = startDaemon({ "/": router });
    using c = await RawClient.connect(srv.port);
    expect((await c.request("GET /none HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("null");
    const r = await c.request("GET /made HTTP/1.1\r\nHost: x\r\n\r\n");
    expect([r.status, r.body]).toEqual([201, "[1]"]);
  });
});

describe("HttpError", () => {
  test("status outside 400-599 is a RangeError", () => {
    expect(() => new HttpError(200)).toThrow(RangeError);
    expect(() => new HttpError(600)).toThrow(RangeError);
    expect(() => new HttpError(404.5)).toThrow(RangeError);
    expect(new HttpError(418, "teapot").status).toBe(418);
  });

  test("thrown from a class servlet's processRequest, rejected from an async one, thrown from servlet()", async () => {
    class Sync extends HttpServlet {
      override processRequest(): void {
        throw new HttpError(409, "conflict here", { headers: [["Retry-After", "5"]] });
      }
    }
    class Async extends HttpServlet {
      override async processRequest(): Promise<void> {
        await Promise.resolve();
        throw new HttpError(503);
      }
    }
    const server = new FnServer((s) => {
      if (s.requestPath() === "/sync") return new Sync(s);
      if (s.requestPath() === "/async") return new Async(s);
      throw new HttpError(403, "not for you");
    });
    await using srv = startDaemon({ "/": server });
    const statuses: [number, string | undefined, string][] = [];
    for (const path of ["/sync", "/async", "/other"]) {
      using c = await RawClient.connect(srv.port);
      const r = await c.request(`GET ${path} HTTP/1.0\r\n\r\n`);
      statuses.push([r.status, r.headers["retry-after"], r.body]);
      await c.untilClosed(); // an error response closes, as every error response does
    }
    expect(statuses.map((s) => s[0])).toEqual([409, 503, 403]);
    expect(statuses[0]![1]).toBe("5");
    expect(statuses[0]![2]).toContain("<p>conflict here</p>");
    expect(statuses[2]![2]).toContain("not for you");
    expect(srv.errors).toEqual([]);
  });
});

describe("errorPage() of a server object", () => {
  class JsonApi extends Router {
    override errorPage(code: number, session: HttpSession, message?: string): ErrorDocument | null {
      if (code === 418) throw new Error("broken error page");
      return {
        contentType: "application/problem+json",
        body: JSON.stringify({ title: message ?? "oops", status: code, path: session.requestPath() }),
      };
    }
  }
  const api = () =>
    new JsonApi()
      .get("/items/:id", (_s, p) => {
        throw new HttpError(p.id === "tea" ? 418 : 404, `no item ${p.id}`);
      })
      .post("/items", async (s) => {
        s.sendJson(await s.json());
      });

  test("used for the router's 404 and 405, an HttpError, bad JSON", async () => {
    await using srv = startDaemon({ "/api": api() });
    const cases: [string, number, unknown][] = [
      ["GET /api/nothing HTTP/1.0\r\n\r\n", 404, { title: "oops", status: 404, path: "/api/nothing" }],
      ["PUT /api/items/1 HTTP/1.0\r\n\r\n", 405, { title: "oops", status: 405, path: "/api/items/1" }],
      ["GET /api/items/7 HTTP/1.0\r\n\r\n", 404, { title: "no item 7", status: 404, path: "/api/items/7" }],
      [post("/api/items", "nope"), 400, { title: "the request body is not valid JSON", status: 400, path: "/api/items" }],
    ];
    for (const [request, status, body] of cases) {
      using c = await RawClient.connect(srv.port);
      const r = await c.request(request);
      expect(r.status).toBe(status);
      expect(r.headers["content-type"]).toBe("application/problem+json");
      expect(JSON.parse(r.body)).toEqual(body);
    }
  });

  test("used for 401 (Basic challenge kept) and 413", async () => {
    class Guarded extends JsonApi {
      override authorise(login: string): boolean {
        return login === "ann";
      }
    }
    await using srv = startDaemon({ "/api": new Guarded().post("/items", async (s) => s.sendJson(await s.json())) }, { maxBody: 10 });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/x HTTP/1.0\r\n\r\n");
    expect(r.status).toBe(401);
    expect(r.headers["www-authenticate"]).toBe('Basic realm="netsvc"');
    expect(JSON.parse(r.body).status).toBe(401);
    using c2 = await RawClient.connect(srv.port);
    const auth = Buffer.from("ann:x").toString("base64");
    const r2 = await c2.request(post("/api/items", '{"long":"enough to pass ten"}', `Authorization: Basic ${auth}\r\n`));
    expect(r2.status).toBe(413);
    expect(JSON.parse(r2.body).status).toBe(413);
  });

  test("a throwing errorPage() falls back to the default page and is logged", async () => {
    await using srv = startDaemon({ "/api": api() });
    using c = await RawClient.connect(srv.port);
    const r = await c.request("GET /api/items/tea HTTP/1.0\r\n\r\n");
    expect(r.status).toBe(418);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(srv.errors.join("\n")).toContain("errorPage(418) threw");
  });

  test("the default server answers JSON errors only when the request accepts JSON", async () => {
    await using srv = startDaemon({ "/": new HttpServer() }); // servlet() → null → 404
    const accepts: [string, string][] = [
      ["application/json", "application/json"],
      ["application/vnd.api+json; q=0.5", "application/json"],
      ["text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8"],
      ["application/json;q=0", "text/html; charset=utf-8"],
    ];
    for (const [accept, type] of accepts) {
      using c = await RawClient.connect(srv.port);
      const r = await c.request(`GET /x HTTP/1.0\r\nAccept: ${accept}\r\n\r\n`);
      expect([r.status, r.headers["content-type"]]).toEqual([404, type]);
    }
  });
});
