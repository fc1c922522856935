/**
 * WebSocket over the daemon (SPEC §12, RFC 6455) with a raw client: the opening handshake and its
 * refusals, messages both ways, ping/pong, the closing handshake from either side, protocol
 * errors closing with their codes, the bounded backlog, the idle ping, stop(), and a servlet
 * handler that throws. Each asserts what the client sees on the wire and the connection's state.
 */
import { describe, expect, test } from "bun:test";
import { deflateRawSync, inflateRawSync, constants } from "node:zlib";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import type { UpgradeOptions } from "../../src/servers/websocket-handshake.ts";
import type { WebSocketSession } from "../../src/servers/websocket.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { closeOf, WsTestClient } from "../helpers/ws-client.ts";
import { RawClient } from "../helpers/raw-client.ts";

const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PING = 9;
const PONG = 10;

/** What the tests' servlets saw of their sockets. */
interface Seen {
  sockets: WebSocketSession[];
  closes: { code: number; reason: string }[];
}

/** Upgrades with `options` and echoes every message; `setup` may do more with the socket. */
function echoServer(seen: Seen, options: UpgradeOptions = {}, setup?: (ws: WebSocketSession) => void) {
  return new FnServer(
    (s: HttpSession) =>
      new (class extends HttpServlet {
        override processRequest(): void {
          const ws = this.upgrade(options);
          if (!ws) return;
          seen.sockets.push(ws);
          ws.onmessage = (data) => void ws.send(data);
          ws.onclose = (code, reason) => void seen.closes.push({ code, reason });
          setup?.(ws);
        }
      })(s),
  );
}

const fresh = (): Seen => ({ sockets: [], closes: [] });

describe("the opening handshake", () => {
  test("101 with the RFC 6455 §1.3 accept value; text and binary messages echo; the access log has the 101", async () => {
    const lines: string[] = [];
    await using srv = startDaemon({ "/": echoServer(fresh()) }, { accessLog: (l) => lines.push(l) });
    using c = await WsTestClient.open(srv.port, "/chat");
    expect(c.status).toBe(101);
    expect(c.header("upgrade")?.toLowerCase()).toBe("websocket");
    expect(c.header("connection")?.toLowerCase()).toBe("upgrade");
    expect(c.header("sec-websocket-accept")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    expect(c.header("sec-websocket-protocol")).toBeUndefined();
    c.send(TEXT, "héllo");
    c.send(BINARY, new Uint8Array([0, 1, 2, 255]));
    const [t, b] = await c.untilFrames(2);
    expect(t).toMatchObject({ fin: true, rsv1: false, opcode: TEXT });
    expect(new TextDecoder().decode(t!.payload)).toBe("héllo");
    expect(b!.opcode).toBe(BINARY);
    expect([...b!.payload]).toEqual([0, 1, 2, 255]);
    expect(c.raw.closed).toBe(false);
    expect(srv.daemon.stats().websockets).toBe(1);
    await c.raw.until(() => lines.length === 1, 5000, "the access-log line");
    expect(lines[0]).toMatch(/"GET http:\/\/localhost\/chat HTTP\/1.1" 101 129$/m);
  });

  test("frames sent in the same packet as the handshake are read once the socket is handed over", async () => {
    await using srv = startDaemon({ "/": echoServer(fresh()) });
    using raw = await RawClient.connect(srv.port, true);
    const { handshakeRequest, clientFrame, parseServerFrames } = await import("../helpers/ws-client.ts");
    const hs = Buffer.from(handshakeRequest("/"), "latin1");
    const f1 = clientFrame(TEXT, "one");
    const f2 = clientFrame(TEXT, "two");
    raw.send(Buffer.concat([hs, f1, f2]));
    await raw.until(() => {
      const t = raw.text();
      const i = t.indexOf("\r\n\r\n");
      return i > 0 && parseServerFrames(Buffer.from(t.slice(i + 4), "latin1")).length >= 2;
    });
    const t = raw.text();
    const frames = parseServerFrames(Buffer.from(t.slice(t.indexOf("\r\n\r\n") + 4), "latin1"));
    expect(frames.map((f) => new TextDecoder().decode(f.payload))).toEqual(["one", "two"]);
  });

  test.each([
    ["a plain GET is 426 naming websocket", ["GET / HTTP/1.1", "Host: x"], 426, ["upgrade", "websocket"]],
    [
      "version 8 is 426 naming version 13",
      [
        "GET / HTTP/1.1",
        "Host: x",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 8",
      ],
      426,
      ["sec-websocket-version", "13"],
    ],
    [
      "a key that is not 16 bytes of base64 is 400",
      [
        "GET / HTTP/1.1",
        "Host: x",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: c2hvcnQ=",
        "Sec-WebSocket-Version: 13",
      ],
      400,
      null,
    ],
    [
      "no Connection: upgrade is 400",
      [
        "GET / HTTP/1.1",
        "Host: x",
        "Upgrade: websocket",
        "Connection: keep-alive",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
      ],
      400,
      null,
    ],
    [
      "POST is 400",
      [
        "POST / HTTP/1.1",
        "Host: x",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        "Content-Length: 0",
      ],
      400,
      null,
    ],
  ] as const)("%s, and the connection stays HTTP", async (_name, lines, status, field) => {
    const seen = fresh();
    await using srv = startDaemon({ "/": echoServer(seen) });
    using raw = await RawClient.connect(srv.port);
    const r = await raw.request(`${lines.join("\r\n")}\r\n\r\n`);
    expect(r.status).toBe(status);
    if (field) expect(r.headers[field[0]]).toBe(field[1]);
    expect(seen.sockets.length).toBe(0);
    // Still HTTP: a next request on the connection is answered as one (426 again here).
    const again = await raw.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(again.status).toBe(426);
  });

  test("origins: one outside the allow-list is 403, one inside (any case) is 101", async () => {
    await using srv = startDaemon({ "/": echoServer(fresh(), { origins: ["https://app.example"] }) });
    using bad = await WsTestClient.open(srv.port, "/", ["Origin: https://evil.example"]);
    expect(bad.status).toBe(403);
    using none = await WsTestClient.open(srv.port, "/");
    expect(none.status).toBe(403);
    using good = await WsTestClient.open(srv.port, "/", ["Origin: https://APP.example"]);
    expect(good.status).toBe(101);
  });

  test("subprotocols: the server's first choice the client offered; none in common: no header", async () => {
    const seen = fresh();
    await using srv = startDaemon({ "/": echoServer(seen, { protocols: ["v2", "chat"] }) });
    using a = await WsTestClient.open(srv.port, "/", ["Sec-WebSocket-Protocol: chat, v2"]);
    expect(a.header("sec-websocket-protocol")).toBe("v2");
    using b = await WsTestClient.open(srv.port, "/", ["Sec-WebSocket-Protocol: other"]);
    expect(b.status).toBe(101);
    expect(b.header("sec-websocket-protocol")).toBeUndefined();
    expect(seen.sockets.map((s) => s.protocol)).toEqual(["v2", ""]);
  });
});

describe("messages", () => {
  test("texts around the 2-byte-head bound and the ASCII decode echo byte for byte, framed exactly", async () => {
    // 41 UTF-16 units fit a 2-byte head whatever they encode to (≤ 123 bytes): the head's length
    // is filled in after encoding; 42 three-byte units (126 bytes) need the 16-bit length. Texts
    // of up to 256 bytes are decoded as Latin-1 when all ASCII: a byte ≥ 0x80 anywhere must not be.
    const texts = [
      "€".repeat(41), // 123 bytes, the most a short text can take
      "€".repeat(42), // 126 bytes: the 16-bit length
      "😀".repeat(20), // 40 units, 80 bytes of surrogate pairs
      "x".repeat(41),
      "x".repeat(125),
      "x".repeat(126),
      "\u0080", // the first non-ASCII code point: two bytes, C2 80
      `${"a".repeat(255)}é`, // non-ASCII at the end of the scanned span
      `é${"a".repeat(300)}`, // longer than the scan
      "ÿ".repeat(41), // Latin-1 range, not ASCII: must be decoded as UTF-8
      "",
    ];
    await using srv = startDaemon({ "/": echoServer(fresh()) });
    using c = await WsTestClient.open(srv.port, "/");
    for (const t of texts) c.send(TEXT, t);
    const frames = await c.untilFrames(texts.length);
    expect(frames.map((f) => f.opcode)).toEqual(texts.map(() => TEXT));
    expect(frames.map((f) => new TextDecoder().decode(f.payload))).toEqual(texts);
    expect(frames.map((f) => f.payload.length)).toEqual(texts.map((t) => Buffer.byteLength(t)));
  });
});

describe("control frames and the closing handshake", () => {
  test("a ping is answered with a pong carrying its payload", async () => {
    await using srv = startDaemon({ "/": echoServer(fresh()) });
    using c = await WsTestClient.open(srv.port);
    c.send(PING, "are you there");
    const [pong] = await c.untilFrames(1);
    expect(pong!.opcode).toBe(PONG);
    expect(new TextDecoder().decode(pong!.payload)).toBe("are you there");
  });

  test("the client's Close is echoed, onclose hears its code and reason, and the server closes TCP", async () => {
    const seen = fresh();
    await using srv = startDaemon({ "/": echoServer(seen) });
    using c = await WsTestClient.open(srv.port);
    c.send(CLOSE, new Uint8Array([0x03, 0xe8, ...new TextEncoder().encode("bye")]));
    expect(await c.untilClose()).toEqual({ code: 1000, reason: "" });
    await c.untilClosed();
    expect(seen.closes).toEqual([{ code: 1000, reason: "bye" }]);
    expect(seen.sockets[0]!.readyState).toBe("closed");
    expect(seen.sockets[0]!.signal.aborted).toBe(true);
  });

  test("close() from the servlet: our Close first, the client's answer, then TCP closes; sends after it are refused", async () => {
    const seen = fresh();
    await using srv = startDaemon({ "/": echoServer(seen, {}, (ws) => ws.close(4000, "done")) });
    using c = await WsTestClient.open(srv.port);
    expect(await c.untilClose()).toEqual({ code: 4000, reason: "done" });
    expect(seen.sockets[0]!.readyState).toBe("closing");
    expect(seen.sockets[0]!.send("late")).toBe(false);
    c.send(CLOSE, new Uint8Array([0x0f, 0xa0]));
    await c.untilClosed();
    expect(seen.closes).toEqual([{ code: 4000, reason: "" }]);
    expect(c.frames().filter((f) => f.opcode !== CLOSE)).toEqual([]);
  });

  test("a client that vanishes without a Close: onclose hears 1006 and the signal aborts", async () => {
    const seen = fresh();
    await using srv = startDaemon({ "/": echoServer(seen) });
    const c = await WsTestClient.open(srv.port);
    c.raw.terminate();
    await c.raw.until(() => seen.closes.length === 1, 5000, "onclose");
    expect(seen.closes[0]!.code).toBe(1006);
    expect(seen.sockets[0]!.signal.aborted).toBe(true);
  });

  test("stop(): every socket gets 1001 going away", async () => {
    const seen = fresh();
    const srv = startDaemon({ "/": echoServer(seen) });
    using c = await WsTestClient.open(srv.port);
    const stopped = srv.daemon.stop(2000);
    expect((await c.untilClose()).code).toBe(1001);
    c.send(CLOSE, new Uint8Array([0x03, 0xe9]));
    await c.untilClosed();
    await stopped;
  });
});

describe("protocol errors close with their code (counted, not logged)", () => {
  test.each([
    ["an unmasked frame", (c: WsTestClient) => c.send(TEXT, "x", { mask: false }), 1002],
    ["a reserved opcode", (c: WsTestClient) => c.send(3, "x"), 1002],
    ["RSV1 without permessage-deflate", (c: WsTestClient) => c.send(TEXT, "x", { rsv1: true }), 1002],
    ["text that is not UTF-8", (c: WsTestClient) => c.send(TEXT, new Uint8Array([0xc3, 0x28])), 1007],
    ["a message over maxMessage", (c: WsTestClient) => c.send(BINARY, new Uint8Array(2000)), 1009],
    ["a continuation with no message", (c: WsTestClient) => c.send(0, "x"), 1002],
  ] as const)("%s → %d", async (_name, act, code) => {
    await using srv = startDaemon({ "/": echoServer(fresh(), { maxMessage: 1000 }) });
    using c = await WsTestClient.open(srv.port);
    act(c);
    expect((await c.untilClose()).code).toBe(code);
    await c.untilClosed();
    expect(srv.daemon.stats().websocketErrors).toBe(1);
    expect(srv.errors).toEqual([]);
  });
});

describe("bounded output, time, and handler failures", () => {
  test("a client that reads nothing: send() answers false above the mark, and past maxBacklog the socket closes with 1008", async () => {
    const seen = fresh();
    let falseSeen = false;
    await using srv = startDaemon(
      {
        "/": echoServer(seen, { maxBacklog: 256 * 1024 }, (ws) => {
          const chunk = new Uint8Array(16 * 1024);
          for (let i = 0; i < 10_000 && ws.readyState === "open"; i++) if (!ws.send(chunk)) falseSeen = true;
        }),
      },
      { outputHighWaterMark: 64 * 1024 },
    );
    const c = await WsTestClient.open(srv.port);
    c.raw.pause();
    await c.raw.until(() => srv.daemon.stats().websocketOverflows === 1, 5000, "the overflow");
    expect(falseSeen).toBe(true);
    expect(seen.sockets[0]!.readyState).not.toBe("open");
    c.raw.terminate();
  });

  test("a silent client is pinged, and dropped (1006) when it stays silent", async () => {
    const seen = fresh();
    await using srv = startDaemon({ "/": echoServer(seen) }, { wsPingIntervalMs: 100 });
    using c = await WsTestClient.open(srv.port);
    const [ping] = await c.untilFrames(1);
    expect(ping!.opcode).toBe(PING);
    await c.untilClosed();
    expect(seen.closes[0]!.code).toBe(1006);
  });

  test("a client that answers pings stays", async () => {
    const seen = fresh();
    await using srv = startDaemon({ "/": echoServer(seen) }, { wsPingIntervalMs: 100 });
    using c = await WsTestClient.open(srv.port);
    for (let n = 1; n <= 3; n++) {
      await c.untilFrames(n);
      c.send(PONG);
    }
    expect(c.raw.closed).toBe(false);
    expect(seen.closes).toEqual([]);
  });

  test("onmessage that throws: logged once, the socket closes with 1011, other sockets go on", async () => {
    await using srv = startDaemon({
      "/": echoServer(fresh(), {}, (ws) => {
        ws.onmessage = (data) => {
          if (data === "boom") throw new Error("handler bug");
          ws.send(data);
        };
      }),
    });
    using bad = await WsTestClient.open(srv.port);
    using good = await WsTestClient.open(srv.port);
    bad.send(TEXT, "boom");
    bad.send(TEXT, "boom");
    expect((await bad.untilClose()).code).toBe(1011);
    good.send(TEXT, "fine");
    const [echo] = await good.untilFrames(1);
    expect(new TextDecoder().decode(echo!.payload)).toBe("fine");
    expect(srv.errors.length).toBe(1);
    expect(srv.errors[0]).toContain("handler bug");
  });
});

describe("permessage-deflate (RFC 7692)", () => {
  test("offered: agreed without context takeover; compressed messages in and out", async () => {
    await using srv = startDaemon({ "/": echoServer(fresh()) });
    using c = await WsTestClient.open(srv.port, "/", ["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]);
    expect(c.header("sec-websocket-extensions")).toBe("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    const text = "netsvc ".repeat(100);
    const z = deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH });
    c.send(TEXT, z.subarray(0, z.length - 4), { rsv1: true });
    const [echo] = await c.untilFrames(1);
    expect(echo!.rsv1).toBe(true);
    const out = inflateRawSync(Buffer.concat([echo!.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH });
    expect(out.toString()).toBe(text);
    expect(echo!.payload.length).toBeLessThan(text.length / 4);
  });

  test("a compression bomb is 1009, not memory", async () => {
    await using srv = startDaemon({ "/": echoServer(fresh(), { maxMessage: 64 * 1024 }) });
    using c = await WsTestClient.open(srv.port, "/", ["Sec-WebSocket-Extensions: permessage-deflate"]);
    const z = deflateRawSync(Buffer.alloc(50 * 1024 * 1024), { finishFlush: constants.Z_SYNC_FLUSH });
    expect(z.length).toBeLessThan(64 * 1024);
    c.send(BINARY, z.subarray(0, z.length - 4), { rsv1: true });
    expect((await c.untilClose()).code).toBe(1009);
  });

  test("compress: false declines the offer", async () => {
    await using srv = startDaemon({ "/": echoServer(fresh(), { compress: false }) });
    using c = await WsTestClient.open(srv.port, "/", ["Sec-WebSocket-Extensions: permessage-deflate"]);
    expect(c.status).toBe(101);
    expect(c.header("sec-websocket-extensions")).toBeUndefined();
  });
});

test("closeOf reads a Close payload", () => {
  expect(closeOf({ fin: true, rsv1: false, opcode: CLOSE, payload: new Uint8Array([0x03, 0xe8, 0x61]) })).toEqual({
    code: 1000,
    reason: "a",
  });
});

describe("the hand-over after an asynchronous upgrade", () => {
  test("frames that piled up (the HTTP reader paused the socket) are read, and reading resumes", async () => {
    const seen = fresh();
    const go = Promise.withResolvers<void>();
    await using srv = startDaemon(
      {
        "/": new FnServer(
          (s: HttpSession) =>
            new (class extends HttpServlet {
              override async processRequest(): Promise<void> {
                await go.promise; // the client's frames arrive meanwhile, held by the HTTP reader
                const ws = this.upgrade();
                if (!ws) return;
                seen.sockets.push(ws);
                ws.onmessage = (data) => void ws.send(data);
              }
            })(s),
        ),
      },
      { maxHead: 1024 },
    );
    using raw = await RawClient.connect(srv.port, true);
    const { handshakeRequest, clientFrame, parseServerFrames } = await import("../helpers/ws-client.ts");
    raw.send(handshakeRequest("/"));
    // More than RECV_BACKLOG_HEADS heads' worth (4 × maxHead): the HTTP reader pauses the socket.
    const early = Array.from({ length: 20 }, (_, i) => clientFrame(TEXT, `early-${i}-${"x".repeat(400)}`));
    for (const f of early) raw.send(f);
    await raw.until(() => raw.allSent, 2000, "all sent");
    go.resolve();
    await raw.until(() => seen.sockets.length === 1, 2000, "the upgrade");
    const late = clientFrame(TEXT, "late");
    raw.send(late);
    const framesAfterHead = () => {
      const t = raw.text();
      const i = t.indexOf("\r\n\r\n");
      return i < 0 ? [] : parseServerFrames(Buffer.from(t.slice(i + 4), "latin1"));
    };
    await raw.until(() => framesAfterHead().length === 21, 2500, "21 echoes");
    expect(new TextDecoder().decode(framesAfterHead()[20]!.payload)).toBe("late");
  });
});

describe("reports to WebSockets (SPEC §12)", () => {
  test("subscribe(pattern): matching reports arrive as {subject, value} text; unsubscribe and close end it", async () => {
    const { services } = await import("../../src/entry/services.ts");
    const seen = fresh();
    await using srv = startDaemon({ "/": echoServer(seen, {}, (ws) => ws.subscribe("ws-test.rooms.*")) });
    using a = await WsTestClient.open(srv.port);
    using b = await WsTestClient.open(srv.port);
    services.publish("ws-test.rooms.lobby", { text: "hi" });
    services.publish("ws-test.other", { text: "not for them" });
    const [ra] = await a.untilFrames(1);
    const [rb] = await b.untilFrames(1);
    for (const r of [ra!, rb!])
      expect(JSON.parse(new TextDecoder().decode(r.payload))).toEqual({ subject: "ws-test.rooms.lobby", value: { text: "hi" } });
    // The same bytes for both: framed once for the fan-out.
    expect(ra!.payload).toEqual(rb!.payload);
    seen.sockets[1]!.unsubscribe("ws-test.rooms.*");
    a.send(CLOSE, new Uint8Array([0x03, 0xe8]));
    await a.untilClosed();
    services.publish("ws-test.rooms.lobby", { text: "again" });
    b.send(TEXT, "marker");
    const frames = await b.untilFrames(2);
    expect(new TextDecoder().decode(frames[1]!.payload)).toBe("marker"); // no second report: unsubscribed
    expect(a.frames().filter((f) => f.opcode === TEXT).length).toBe(1); // closed: nothing more
  });
});
