/**
 * The same servlets over HTTP/2 (SPEC §11; issue 22 item 2), through the raw client on real
 * sockets with the project's HPACK decoder: the FileServer (ranges, validators and 304,
 * compression by Accept-Encoding, HEAD), a Router route with parameters, the JSON-RPC gateway,
 * request trailers, `this.signal` on RST_STREAM in the middle of a long response, the access-log
 * line, and no HTTP/1-only header on a stream even when a servlet sets one.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { FileServer, HttpServlet, Router } from "../../src/index.ts";
import { RpcGateway } from "../../src/entry/rpc.ts";
import { Service, ServiceRegistry } from "../../src/entry/services.ts";
import { CANCEL } from "../../src/parser/h2/errors.ts";
import { FLAG_END_STREAM, FRAME_DATA, FRAME_HEADER_LENGTH, FRAME_HEADERS } from "../../src/parser/h2/frame.ts";
import { H2Client, type H2Response } from "../helpers/h2-client.ts";
import { field, responseDecoder } from "../helpers/h2-decode.ts";
import { firstValue } from "../helpers/eventually.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** The fields of HTTP/1 alone (RFC 9113 §8.2.2): never on a stream. */
const CONNECTION_SPECIFIC = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"];
/** A text file large enough to be compressed (and to have ranges in). */
const WORDS = "the quick brown fox jumps over the lazy dog\n".repeat(200);

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-h2-servlets-"));
  writeFileSync(join(dir, "words.txt"), WORDS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A connection whose response fields are decoded. */
const connect = (port: number) => H2Client.connect(port, { decode: responseDecoder() });
/** Asks `path` with extra request fields and collects the response. */
async function ask(c: H2Client, method: string, path: string, headers: [string, string][] = [], body?: string): Promise<H2Response> {
  return c.response(c.request(method, path, { headers, body }));
}
/** No field of HTTP/1 alone in a response's head (nor its trailers). */
function expectNoConnectionFields(res: H2Response): void {
  for (const name of CONNECTION_SPECIFIC) expect(field(res.headers, name)).toBeUndefined();
}

test("FileServer: a range is 206 with Content-Range, a validator gives 304, HEAD has the length and no DATA", async () => {
  await using d = startDaemon({ "/": new FileServer(dir) });
  await using c = await connect(d.port);
  const whole = await ask(c, "GET", "/words.txt");
  expect(field(whole.headers, ":status")).toBe("200");
  expect(text(whole.body)).toBe(WORDS);
  const etag = field(whole.headers, "etag")!;
  const lastModified = field(whole.headers, "last-modified")!;
  expect(etag).toBeTruthy();

  const range = await ask(c, "GET", "/words.txt", [["range", "bytes=4-8"]]);
  expect(field(range.headers, ":status")).toBe("206");
  expect(field(range.headers, "content-range")).toBe(`bytes 4-8/${WORDS.length}`);
  expect(text(range.body)).toBe("quick");

  for (const validator of [["if-none-match", etag] as [string, string], ["if-modified-since", lastModified] as [string, string]]) {
    const notModified = await ask(c, "GET", "/words.txt", [validator]);
    expect(field(notModified.headers, ":status")).toBe("304");
    expect(notModified.body.length).toBe(0);
    expect(notModified.frames.some((f) => f.type === FRAME_DATA && f.payload.length > 0)).toBe(false);
  }

  const head = await ask(c, "HEAD", "/words.txt");
  expect(field(head.headers, ":status")).toBe("200");
  expect(field(head.headers, "content-length")).toBe(String(WORDS.length));
  expect(head.body.length).toBe(0);
  // RFC 9113 §8.1: the HEADERS frame itself ends the stream (or an empty DATA does); no content.
  expect(head.frames.filter((f) => f.type === FRAME_DATA && f.payload.length > 0)).toEqual([]);
  for (const r of [whole, range, head]) expectNoConnectionFields(r);
});

test("FileServer: compression by Accept-Encoding (gzip), with Vary", async () => {
  await using d = startDaemon({ "/": new FileServer(dir).compress() });
  await using c = await connect(d.port);
  const gz = await ask(c, "GET", "/words.txt", [["accept-encoding", "gzip"]]);
  expect(field(gz.headers, ":status")).toBe("200");
  expect(field(gz.headers, "content-encoding")).toBe("gzip");
  expect(field(gz.headers, "vary")).toBe("Accept-Encoding");
  expect(gz.body.length).toBeLessThan(WORDS.length);
  expect(gunzipSync(gz.body).toString()).toBe(WORDS);
  const plain = await ask(c, "GET", "/words.txt");
  expect(field(plain.headers, "content-encoding")).toBeUndefined();
  expect(text(plain.body)).toBe(WORDS);
  expectNoConnectionFields(gz);
});

test("Router: a route with parameters, a JSON body posted, and the 404 of an unknown path", async () => {
  const items = new Map<string, { name: string }>([["1", { name: "one" }]]);
  const router = new Router()
    .get("/items/:id", (s, p) => s.sendJson(items.get(p.id!) ?? null, items.has(p.id!) ? 200 : 404))
    .post("/items", async (s) => {
      items.set(String(items.size + 1), await s.json<{ name: string }>());
      s.sendJson({ id: String(items.size) }, 201);
    });
  await using d = startDaemon({ "/api": router });
  await using c = await connect(d.port);
  const one = await ask(c, "GET", "/api/items/1");
  expect([field(one.headers, ":status"), field(one.headers, "content-type"), text(one.body)]).toEqual([
    "200",
    "application/json",
    '{"name":"one"}',
  ]);
  const made = await ask(c, "POST", "/api/items", [["content-type", "application/json"]], '{"name":"two"}');
  expect([field(made.headers, ":status"), text(made.body)]).toEqual(["201", '{"id":"2"}']);
  expect(text((await ask(c, "GET", "/api/items/2")).body)).toBe('{"name":"two"}');
  expect(field((await ask(c, "GET", "/api/nowhere")).headers, ":status")).toBe("404");
});

test("the JSON-RPC gateway answers a call and a batch over a stream", async () => {
  const registry = new ServiceRegistry();
  registry.errorLog = () => {};
  const calc = new Service("calc", registry);
  calc.joinGroup("web");
  calc.exportMethod((a: number, b: number) => a + b, "sum");
  await using d = startDaemon({ "/rpc": new RpcGateway("web", { registry }) });
  await using c = await connect(d.port);
  const json: [string, string][] = [["content-type", "application/json"]];
  const one = await ask(c, "POST", "/rpc/calc", json, '{"jsonrpc":"2.0","id":1,"method":"sum","params":[2,3]}');
  expect(field(one.headers, ":status")).toBe("200");
  expect(JSON.parse(text(one.body))).toEqual({ jsonrpc: "2.0", id: 1, result: 5 });
  const batch = await ask(
    c,
    "POST",
    "/rpc/calc",
    json,
    '[{"jsonrpc":"2.0","id":1,"method":"sum","params":[1,1]},{"jsonrpc":"2.0","id":2,"method":"sum","params":[2,2]}]',
  );
  expect(JSON.parse(text(batch.body))).toEqual([
    { jsonrpc: "2.0", id: 1, result: 2 },
    { jsonrpc: "2.0", id: 2, result: 4 },
  ]);
});

test("request trailers (a HEADERS after DATA, with END_STREAM) are accepted and end the body", async () => {
  class Digest extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.sendDocument(200, "text/plain", `got ${text(await this.content())}`);
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Digest(s)) });
  await using c = await connect(d.port);
  const id = 1;
  c.sendHeaders(
    id,
    [
      [":method", "POST"],
      [":scheme", "http"],
      [":authority", "x"],
      [":path", "/"],
      ["te", "trailers"],
    ],
    false,
  );
  c.sendData(id, "body before trailers");
  c.sendHeaders(id, [["x-checksum", "abc"]], true); // RFC 9113 §8.1: trailers end the stream
  const res = await c.response(id);
  expect([field(res.headers, ":status"), text(res.body)]).toEqual(["200", "got body before trailers"]);
  // The connection serves on (stream 3: the client's own counter did not see stream 1).
  c.sendHeaders(
    3,
    [
      [":method", "GET"],
      [":scheme", "http"],
      [":authority", "x"],
      [":path", "/"],
    ],
    true,
  );
  expect(text((await c.response(3)).body)).toBe("got ");
});

test("RST_STREAM in the middle of a long response aborts this.signal, the servlet's sending loop ends, the connection serves on", async () => {
  const aborted = Promise.withResolvers<number>();
  const finished = Promise.withResolvers<void>();
  let sent = 0;
  class Endless extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.signal.addEventListener("abort", () => aborted.resolve(sent));
      this.sendResponse(200);
      this.sendHeader("Content-Type", "application/octet-stream");
      this.endHeaders();
      const piece = new Uint8Array(16_384);
      while (!this.signal.aborted && sent < 1 << 30) {
        this.sendContent(piece);
        sent += piece.length;
        await this.drained();
      }
      finished.resolve();
    }
  }
  await using d = startDaemon({ "/long": new FnServer((s) => new Endless(s)), "/": new FnServer((s) => new TextServlet(s, "still here")) });
  await using c = await connect(d.port);
  const id = c.request("GET", "/long");
  await c.nextFrame(FRAME_DATA, 2000, id); // the response is under way
  c.sendRstStream(id, CANCEL);
  const sentAtAbort = await aborted.promise;
  expect(sentAtAbort).toBeLessThan(1 << 30);
  await finished.promise; // drained() settled after the reset: the loop saw the signal
  const other = await ask(c, "GET", "/");
  expect(text(other.body)).toBe("still here");
});

test('the access log writes "GET <url> HTTP/2.0", the status and the bytes of the stream\'s frames, also when the client closes at once', async () => {
  const lines: string[] = [];
  await using d = startDaemon({ "/": new FnServer((s) => new TextServlet(s, "Hello, world!")) }, { accessLog: (t) => lines.push(t) });
  const c = await connect(d.port);
  await ask(c, "GET", "/x?y=1");
  await ask(c, "GET", "/second");
  // What went out for each stream: its HEADERS and DATA frames, headers included.
  const framed = (id: number) =>
    c.received
      .filter((f) => f.streamId === id && (f.type === FRAME_HEADERS || f.type === FRAME_DATA))
      .reduce((n, f) => n + FRAME_HEADER_LENGTH + f.length, 0);
  // The client leaves as soon as it has its answers (nghttp does): both were delivered whole.
  await c.close();
  expect(await firstValue(() => (d.daemon.stats().open === 0 ? true : undefined), 3000)).toBe(true);
  await d.daemon.stop(1000);
  const logged = lines.join("").trim().split("\n");
  expect(logged).toEqual([
    expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "GET http://localhost/x\\?y=1 HTTP/2\\.0" 200 ${framed(1)}$`)),
    expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "GET http://localhost/second HTTP/2\\.0" 200 ${framed(3)}$`)),
  ]);
});

test("no HTTP/1-only header goes out on a stream, even when the servlet sets them, and a streamed body is not chunked", async () => {
  class Http1ish extends HttpServlet {
    override processRequest(): void {
      this.sendResponse(200);
      this.sendHeader("Content-Type", "text/plain");
      this.sendHeader("Connection", "close");
      this.sendHeader("Keep-Alive", "timeout=5");
      this.sendHeader("Transfer-Encoding", "chunked");
      this.sendHeader("Upgrade", "websocket");
      this.sendHeader("Proxy-Connection", "keep-alive");
      this.sendHeader("X-Kept", "yes");
      this.endHeaders();
      this.sendContent("streamed ");
      this.sendContent("without a length");
      this.endContent();
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Http1ish(s)) });
  await using c = await connect(d.port);
  for (let i = 0; i < 2; i++) {
    const res = await ask(c, "GET", "/");
    expect(field(res.headers, ":status")).toBe("200");
    expect(field(res.headers, "x-kept")).toBe("yes");
    expectNoConnectionFields(res);
    // The body as written, no chunk sizes in it (HTTP/2 frames it in DATA).
    expect(text(res.body)).toBe("streamed without a length");
  }
  // The connection was not closed by the servlet's "Connection: close".
  expect(c.isClosed).toBe(false);
  expect(c.received.filter((f) => f.type === FRAME_HEADERS && (f.flags & FLAG_END_STREAM) !== 0).length).toBe(0);
});
