/**
 * HTTP/2 on the daemon's port (SPEC §11), through a raw client on real sockets: the same servlets
 * answer streams (deferred answers, bodies with backpressure, sends bound by the client's window,
 * the signal on RST_STREAM, 100-continue), HTTP/1.x on the same port, h2 by ALPN over TLS, and the
 * errors: a stream error leaves the connection serving, a connection error is GOAWAY then close.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { CANCEL, PROTOCOL_ERROR, REFUSED_STREAM, STREAM_CLOSED } from "../../src/parser/h2/errors.ts";
import {
  FLAG_END_STREAM,
  FRAME_DATA,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_RST_STREAM,
  FRAME_WINDOW_UPDATE,
} from "../../src/parser/h2/frame.ts";
import { SETTINGS_INITIAL_WINDOW_SIZE } from "../../src/parser/h2/settings.ts";
import { H2Client } from "../helpers/h2-client.ts";
import { field, responseDecoder } from "../helpers/h2-decode.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const CERT = readFileSync(join(FIXTURES, "localhost.crt"), "utf8");
const KEY = readFileSync(join(FIXTURES, "localhost.key"), "utf8");
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const hello = () => new FnServer((s) => new TextServlet(s, "Hello, world!"));
/** A GET of / as literal fields. */
const GET: [string, string][] = [
  [":method", "GET"],
  [":scheme", "http"],
  [":authority", "x"],
  [":path", "/"],
];

test("h2c by prior knowledge: the servlet's answer, its fields lowercased, nothing connection-specific", async () => {
  await using d = startDaemon({ "/": hello() });
  await using client = await H2Client.connect(d.port, { decode: responseDecoder() });
  const res = await client.response(client.request("GET", "/"));
  expect(field(res.headers, ":status")).toBe("200");
  expect(text(res.body)).toBe("Hello, world!");
  expect(field(res.headers, "content-type")).toBe("text/plain");
  expect(field(res.headers, "content-length")).toBe("13");
  expect(field(res.headers, "server")).toBe("netsvc");
  expect(field(res.headers, "date")).toMatch(/GMT$/);
  expect(field(res.headers, "connection")).toBeUndefined();
  // A second and third request on the same connection (the encoder's table is warm by then).
  for (const path of ["/a", "/b"]) expect(text((await client.response(client.request("GET", path))).body)).toBe("Hello, world!");
  expect(d.daemon.stats().http2Connections).toBe(1);
  expect(d.errors).toEqual([]);
});

test("HTTP/1.1 is still served on the same port, and http2: false refuses the preface as HTTP/1", async () => {
  await using d = startDaemon({ "/": hello() });
  expect(await (await fetch(`http://127.0.0.1:${d.port}/`)).text()).toBe("Hello, world!");
  await using off = startDaemon({ "/": hello() }, { http2: false });
  await using client = await H2Client.connect(off.port);
  await client.closed; // an HTTP/1 refusal of "PRI * HTTP/2.0", then close
  expect(off.daemon.stats().http2Connections).toBe(0);
});

test("h2 by ALPN over TLS: the stream is secure (https URLs)", async () => {
  await using d = startDaemon(
    { "/": new FnServer((s) => new TextServlet(s, `${s.isSecure()} ${s.protocolVersion()}`)) },
    { tls: { cert: CERT, key: KEY } },
  );
  await using client = await H2Client.connect(d.port, { tls: { ca: CERT, serverName: "localhost" }, alpn: ["h2", "http/1.1"] });
  expect(client.alpnProtocol).toBe("h2");
  const res = await client.response(client.request("GET", "/"));
  expect(text(res.body)).toBe("true HTTP/2");
});

test("a deferred answer, and a request body delivered to processContent", async () => {
  class Upper extends HttpServlet {
    private chunks: string[] = [];
    override processRequest(): void {} // answered at the body's end
    override processContent(piece: Uint8Array): void {
      this.chunks.push(text(piece));
    }
    override contentComplete(): void {
      setTimeout(() => this.sendDocument(200, "text/plain", this.chunks.join("").toUpperCase()), 5);
    }
  }
  await using d = startDaemon({ "/": new FnServer((s: HttpSession) => new Upper(s)) });
  await using client = await H2Client.connect(d.port);
  const res = await client.response(client.request("POST", "/", { body: "some body" }));
  expect(text(res.body)).toBe("SOME BODY");
});

test("the receive window opens only as the servlet consumes (backpressure)", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let got = 0;
  class Slow extends HttpServlet {
    override processRequest(): void {}
    override async processContent(piece: Uint8Array): Promise<void> {
      got += piece.length;
      await released;
    }
    override contentComplete(): void {
      this.sendDocument(200, "text/plain", String(got));
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Slow(s)) });
  await using client = await H2Client.connect(d.port, { settings: [] });
  await client.nextFrame(FRAME_WINDOW_UPDATE, 2000, 0); // the connection window opened at start
  const id = 1;
  client.sendHeaders(
    id,
    [
      [":method", "POST"],
      [":scheme", "http"],
      [":authority", "x"],
      [":path", "/"],
    ],
    false,
  );
  // The whole stream window (65,535) in frames of 16 KiB: the servlet holds the first piece.
  const piece = new Uint8Array(16_384);
  for (let i = 0; i < 3; i++) client.sendData(id, piece);
  client.sendData(id, new Uint8Array(65_535 - 3 * 16_384));
  // Nothing is given back for the stream while the servlet has not taken its first piece.
  await expect(client.nextFrame(FRAME_WINDOW_UPDATE, 300, id)).rejects.toThrow();
  release();
  const update = await client.nextFrame(FRAME_WINDOW_UPDATE, 2000, id);
  expect(update.increment).toBeGreaterThan(0);
  client.sendData(id, new Uint8Array(0), true);
  expect(text((await client.response(id)).body)).toBe("65535");
});

test("sendContent follows the client's window: false when it is closed, drained() once it opens", async () => {
  const results: boolean[] = [];
  class Big extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.sendResponse(200);
      this.sendHeader("Content-Type", "application/octet-stream");
      this.endHeaders();
      for (let i = 0; i < 4; i++) {
        results.push(this.sendContent(new Uint8Array(50_000)));
        await this.drained();
      }
      this.endContent();
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Big(s)) }, { outputHighWaterMark: 10_000 });
  // A client that grants 1,000 bytes per stream and gives nothing back on its own.
  await using client = await H2Client.connect(d.port, { settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 1000]], autoWindowUpdate: false });
  const id = client.request("GET", "/");
  const first = await client.nextFrame(FRAME_DATA, 2000, id);
  expect(first.payload.length).toBe(1000);
  await expect(client.nextFrame(FRAME_DATA, 200, id)).rejects.toThrow(); // the window is spent
  expect(results).toEqual([false]);
  client.sendWindowUpdate(0, 1 << 20);
  client.sendWindowUpdate(id, 1 << 20);
  let total = 1000;
  for (;;) {
    const f = await client.nextFrame(FRAME_DATA, 2000, id);
    total += f.payload.length;
    if ((f.flags & FLAG_END_STREAM) !== 0) break;
    if (total > 150_000) {
      client.sendWindowUpdate(0, 100_000);
      client.sendWindowUpdate(id, 100_000);
    }
  }
  expect(total).toBe(200_000);
});

test("RST_STREAM from the client aborts the servlet's signal; the connection goes on", async () => {
  const aborted = Promise.withResolvers<void>();
  class Waits extends HttpServlet {
    override processRequest(): void {
      this.signal.addEventListener("abort", () => aborted.resolve());
    }
  }
  await using d = startDaemon({ "/wait": new FnServer((s) => new Waits(s)), "/": hello() });
  await using client = await H2Client.connect(d.port);
  const id = client.request("GET", "/wait");
  client.sendRstStream(id, CANCEL);
  await aborted.promise;
  expect(text((await client.response(client.request("GET", "/"))).body)).toBe("Hello, world!");
});

test("Expect: 100-continue gets a 100 HEADERS before the body is sent", async () => {
  class Echo extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.sendDocument(200, "text/plain", text(await this.content()));
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Echo(s)) });
  await using client = await H2Client.connect(d.port, { decode: responseDecoder() });
  const id = 1;
  client.sendHeaders(
    id,
    [
      [":method", "PUT"],
      [":scheme", "http"],
      [":authority", "x"],
      [":path", "/"],
      ["expect", "100-continue"],
    ],
    false,
  );
  const interim = await client.nextFrame(FRAME_HEADERS, 2000, id);
  expect(field(interim.headers, ":status")).toBe("100");
  client.sendData(id, "late body", true);
  expect(text((await client.response(id)).body)).toBe("late body");
});

test("a malformed request is a stream error; frames on a closed or lower stream are told apart", async () => {
  await using d = startDaemon({ "/": hello() });
  await using client = await H2Client.connect(d.port);
  // Uppercase field name (RFC 9113 §8.2.1): RST_STREAM PROTOCOL_ERROR, the connection serves on.
  client.sendHeaders(
    1,
    [
      [":method", "GET"],
      [":scheme", "http"],
      [":authority", "x"],
      [":path", "/"],
      ["X-Up", "1"],
    ],
    true,
  );
  const rst = await client.nextFrame(FRAME_RST_STREAM, 2000, 1);
  expect(rst.errorCode).toBe(PROTOCOL_ERROR);
  client.sendHeaders(3, GET, true);
  expect(text((await client.response(3)).body)).toBe("Hello, world!");
  // DATA on stream 3, closed by both END_STREAMs: STREAM_CLOSED.
  client.sendData(3, "x");
  expect((await client.nextFrame(FRAME_RST_STREAM, 2000, 3)).errorCode).toBe(STREAM_CLOSED);
  expect(d.daemon.stats().http2StreamErrors).toBeGreaterThanOrEqual(2);
});

test("a stream id lower than one already opened is a connection error PROTOCOL_ERROR", async () => {
  await using d = startDaemon({ "/": hello() });
  await using client = await H2Client.connect(d.port);
  client.sendHeaders(5, GET, true);
  await client.response(5);
  client.sendHeaders(3, GET, true);
  expect((await client.waitForGoaway()).errorCode).toBe(PROTOCOL_ERROR);
  await client.closed;
});

test("past 100 concurrent streams a new one is refused (REFUSED_STREAM), the others are answered", async () => {
  const waiting: (() => void)[] = [];
  class Held extends HttpServlet {
    override processRequest(): void {
      waiting.push(() => this.sendDocument(200, "text/plain", "ok"));
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Held(s)) });
  await using client = await H2Client.connect(d.port);
  const ids: number[] = [];
  for (let i = 0; i < 101; i++) ids.push(client.request("GET", "/"));
  const refused = await client.nextFrame(FRAME_RST_STREAM, 2000, ids[100]);
  expect(refused.errorCode).toBe(REFUSED_STREAM);
  expect(waiting.length).toBe(100);
  for (const w of waiting) w();
  for (const id of ids.slice(0, 100)) expect(text((await client.response(id)).body)).toBe("ok");
});

test("trustProxy: each stream's client is the one the trusted proxy's X-Forwarded-For names", async () => {
  await using d = startDaemon({ "/": new FnServer((s) => new TextServlet(s, s.clientHost())) }, { trustProxy: ["127.0.0.1/32"] });
  await using client = await H2Client.connect(d.port);
  const a = client.request("GET", "/", { headers: [["x-forwarded-for", "203.0.113.7"]] });
  const b = client.request("GET", "/", { headers: [["x-forwarded-for", "198.51.100.9"]] });
  expect(text((await client.response(a)).body)).toBe("203.0.113.7");
  expect(text((await client.response(b)).body)).toBe("198.51.100.9");
});

test("stop(): GOAWAY NO_ERROR, the stream in flight is answered, then the connection closes", async () => {
  let answer!: () => void;
  const started = Promise.withResolvers<void>();
  class Late extends HttpServlet {
    override processRequest(): void {
      answer = () => this.sendDocument(200, "text/plain", "late");
      started.resolve();
    }
  }
  const d = startDaemon({ "/": new FnServer((s) => new Late(s)) });
  await using client = await H2Client.connect(d.port);
  const id = client.request("GET", "/");
  await started.promise;
  const stopped = d.daemon.stop(5000);
  const goaway = await client.waitForGoaway();
  expect(goaway.errorCode).toBe(0);
  expect(goaway.lastStreamId).toBe(id);
  answer();
  expect(text((await client.response(id)).body)).toBe("late");
  await client.closed;
  await stopped;
});

test("streams left waiting while the output was full are framed once a write makes room", async () => {
  const held: (() => void)[] = [];
  class Big extends HttpServlet {
    override processRequest(): void {
      held.push(() => this.sendDocument(200, "application/octet-stream", new Uint8Array(20_000).fill(7)));
    }
  }
  // A small high-water mark: the first response alone fills the connection's output, and the
  // three are released in one job, so the others wait in the ready list behind it.
  await using d = startDaemon({ "/": new FnServer((s) => new Big(s)) }, { outputHighWaterMark: 16_384 });
  // A client that sends nothing while it reads (its windows are large enough: 3 × 20 KB < 64 KiB),
  // as curl does: no frame of its own wakes the server up.
  await using client = await H2Client.connect(d.port, { autoWindowUpdate: false });
  const ids = [client.request("GET", "/a"), client.request("GET", "/b"), client.request("GET", "/c")];
  client.sendPing(); // answered after the three HEADERS are read: the three servlets have run
  await client.nextFrame(FRAME_PING, 2000, 0);
  for (const answer of held) answer();
  for (const id of ids) expect((await client.response(id, 2000)).body.length).toBe(20_000);
});

test("extended CONNECT (:protocol) is not offered: a stream error; plain CONNECT is 501", async () => {
  await using d = startDaemon({ "/": hello() });
  await using client = await H2Client.connect(d.port, { decode: responseDecoder() });
  client.sendHeaders(
    1,
    [
      [":method", "CONNECT"],
      [":protocol", "websocket"],
      [":scheme", "http"],
      [":authority", "x"],
      [":path", "/"],
    ],
    false,
  );
  expect((await client.nextFrame(FRAME_RST_STREAM, 2000, 1)).errorCode).toBe(PROTOCOL_ERROR);
  client.sendHeaders(
    3,
    [
      [":method", "CONNECT"],
      [":authority", "example.com:443"],
    ],
    false,
  );
  expect(field((await client.response(3)).headers, ":status")).toBe("501");
});
