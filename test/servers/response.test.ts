/**
 * The response machine and servlets without sockets, through ResponseRecorder: the order status →
 * headers → content, framing (Content-Length, chunked for HTTP/1.1, close for HTTP/1.0),
 * persistence, sendError's replacement of an unsent response, out-of-order calls, body helpers.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet } from "../../src/index.ts";
import { ResponseRecorder } from "../helpers/response-recorder.ts";

class Fixed extends HttpServlet {
  override processRequest(): void {
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", 5);
    this.endHeaders();
    this.sendContent("hello, and more");
  }
}

class Streamed extends HttpServlet {
  override processRequest(): void {
    this.sendResponse(200);
    this.sendContent("ab");
    this.sendContent("cde");
    this.endContent();
  }
}

describe("the response machine, recorded", () => {
  test("Content-Length cuts the body and completes the response; keep-alive when asked", () => {
    const rec = new ResponseRecorder("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    rec.serve((s) => new Fixed(s));
    const r = rec.response();
    expect(r.statusLine).toBe("HTTP/1.0 200 OK");
    expect(r.rawHeaderNames).toEqual(["Content-Type", "Content-Length", "Date", "Server", "Connection"]);
    expect(r.body).toBe("hello");
    expect(rec.completed).toBe(true);
  });

  test("HTTP/1.1 without Content-Length: chunked, self-delimited", () => {
    const rec = new ResponseRecorder("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    rec.serve((s) => new Streamed(s));
    expect(rec.text()).toEndWith(
      "Transfer-Encoding: chunked\r\n" +
        "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\nServer: netsvc\r\nConnection: keep-alive\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n",
    );
    expect(rec.completed).toBe(true);
  });

  test("HTTP/1.0 without Content-Length: delimited by the close", () => {
    const rec = new ResponseRecorder("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    rec.serve((s) => new Streamed(s));
    expect(rec.text()).toEndWith("Connection: close\r\n\r\nabcde");
    expect(rec.completed).toBe(false);
  });

  test("HTTP/0.9: the body alone", () => {
    const rec = new ResponseRecorder("GET /old\r\n");
    rec.serve((s) => new Fixed(s));
    expect(rec.text()).toBe("hello");
  });

  test("HEAD: the headers, no body, and the response is complete", () => {
    const rec = new ResponseRecorder("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    rec.serve((s) => new Fixed(s));
    expect(rec.text()).toEndWith("Connection: keep-alive\r\n\r\n");
    expect(rec.text()).toContain("Content-Length: 5\r\n");
    expect(rec.completed).toBe(true);
  });

  test("sendError replaces a response that has not reached the socket", () => {
    const rec = new ResponseRecorder("GET / HTTP/1.0\r\n\r\n");
    rec.serve(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.sendResponse(200);
            this.sendHeader("X-Half", "done");
            this.sendError(503, "<p>later</p>");
          }
        })(s),
    );
    const r = rec.response();
    expect(r.status).toBe(503);
    expect(r.headers["x-half"]).toBeUndefined();
    expect(r.body).toContain("<h1>503 Service Unavailable</h1><p>later</p>");
    expect(rec.completed).toBe(false); // HTTP/1.0: an error page closes
  });

  test("sendError after bytes went out closes instead, leaving what was sent", () => {
    const rec = new ResponseRecorder("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    rec.serve(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.sendResponse(200);
            this.sendHeader("Content-Length", 10);
            this.sendContent("12345");
            rec.drain(); // it reached the socket
            this.sendError(500);
          }
        })(s),
    );
    expect(rec.closed).toBe(true);
    expect(rec.text()).toEndWith("\r\n\r\n12345");
  });

  test("a header line that would split the response throws; Connection stays the framework's", () => {
    const rec = new ResponseRecorder("GET / HTTP/1.0\r\n\r\n");
    rec.serve(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {
            this.sendResponse(200);
            expect(() => this.sendHeader("X-Split", "a\r\nSet-Cookie: evil=1")).toThrow(TypeError);
            this.sendHeader("Connection", "keep-alive");
            this.sendHeader("Content-Length", 0);
            this.endHeaders();
          }
        })(s),
    );
    const text = rec.text();
    expect(text).not.toContain("evil");
    expect(text.match(/Connection:/g)?.length).toBe(1);
    expect(rec.completed).toBe(false); // 1.0 without keep-alive
  });

  test("content() gathers the pieces delivered after it is asked for", async () => {
    const rec = new ResponseRecorder("POST / HTTP/1.0\r\nContent-Length: 6\r\n\r\n");
    // processRequest() returns without answering: the response waits for the body.
    const { servlet } = rec.serve(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {}
        })(s),
    );
    const body = servlet.content();
    rec.piece("abc");
    rec.piece("def");
    rec.end();
    expect(new TextDecoder().decode(await body)).toBe("abcdef");
  });

  test("a throw in contentComplete becomes a 500 and is logged once", () => {
    const rec = new ResponseRecorder("POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\n");
    rec.serve(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {}
          override contentComplete(): void {
            throw new Error("broken");
          }
        })(s),
    );
    rec.piece(new Uint8Array([0x78]));
    rec.end();
    expect(rec.response().status).toBe(500);
    expect(rec.errors.length).toBe(1);
    expect(rec.errors[0]).toContain("broken");
  });
});

describe("the recorder as a transport", () => {
  test("leave(): the servlet is destroyed once, its signal aborted, and nothing more is sent", () => {
    const rec = new ResponseRecorder("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let destroyed = 0;
    const { servlet } = rec.serve(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {} // answers later
          override destroyServlet(): void {
            destroyed++;
          }
        })(s),
    );
    rec.leave();
    servlet.sendDocument(200, "text/plain", "too late");
    expect(destroyed).toBe(1);
    expect(servlet.signal.aborted).toBe(true);
    expect(rec.text()).toBe("");
    expect(rec.completed).toBe(null);
  });

  test("a body over the limit is refused with 413 through the transport, and the servlet hears it", async () => {
    const rec = new ResponseRecorder("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n");
    const { servlet } = rec.serve(
      (s) =>
        new (class extends HttpServlet {
          override processRequest(): void {}
        })(s),
      4,
    );
    expect(rec.refused).toBe(413); // declared over the limit: refused before any piece
    expect(rec.response().status).toBe(413);
    await expect(servlet.content()).rejects.toThrow();
  });
});
