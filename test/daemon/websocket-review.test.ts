/**
 * WebSocket lifecycle and edge cases found in the review of issue 23 (each failed before its fix,
 * or holds a behaviour the review checked): stop() during an upgrade, both sides closing at once,
 * input bounded while handlers are pending, a PROXY header's client, handshake strictness, what
 * send() accepts, the IANA-registered close codes, upgrade options. (A ping flood to a non-reader:
 * websocket-attacks.test.ts, where the flood budget closes it with 1008.)
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import type { WebSocketSession } from "../../src/servers/websocket.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { WsTestClient } from "../helpers/ws-client.ts";

const TEXT = 1;
const CLOSE = 8;

describe("stop() during an upgrade", () => {
  test("a socket upgraded after stop() began is told 1001 and stop() resolves without its grace", async () => {
    const gate = Promise.withResolvers<void>();
    const entered = Promise.withResolvers<void>();
    const srv = startDaemon({
      "/": new FnServer(
        (s: HttpSession) =>
          new (class extends HttpServlet {
            override async processRequest(): Promise<void> {
              entered.resolve();
              await gate.promise;
              const ws = this.upgrade();
              if (!ws) return;
              ws.onmessage = (d) => void ws.send(d);
            }
          })(s),
      ),
    });
    try {
      const raw = await RawClient.connect(srv.port, true);
      const { handshakeRequest } = await import("../helpers/ws-client.ts");
      raw.send(handshakeRequest("/"));
      await entered.promise;
      let stopped = false;
      const stopping = srv.daemon.stop().then(() => (stopped = true));
      gate.resolve();
      // The server sends 1001 at once; the client answers (as a real one does) and stop() finishes.
      const { parseServerFrames, clientFrame } = await import("../helpers/ws-client.ts");
      const frames = () => {
        const t = raw.text();
        const i = t.indexOf("\r\n\r\n");
        return i < 0 ? [] : parseServerFrames(Buffer.from(t.slice(i + 4), "latin1"));
      };
      await raw.until(() => frames().some((f) => f.opcode === CLOSE), 3000, "a Close");
      const close = frames().find((f) => f.opcode === CLOSE)!;
      expect((close.payload[0]! << 8) | close.payload[1]!).toBe(1001);
      raw.send(clientFrame(CLOSE, new Uint8Array([0x03, 0xe9])));
      await raw.until(() => stopped, 3000, "stop() to finish");
      raw.close();
      await stopping;
    } finally {
      await srv.daemon.stop(200);
    }
  });
});

/** Upgrades; `setup` sets the handlers. */
function wsServer(setup: (ws: WebSocketSession) => void) {
  return new FnServer(
    (s: HttpSession) =>
      new (class extends HttpServlet {
        override processRequest(): void {
          const ws = this.upgrade();
          if (ws) setup(ws);
        }
      })(s),
  );
}

describe("closing handshake races", () => {
  test("both sides close at once: one Close each way, onclose once, TCP closed", async () => {
    const closes: number[] = [];
    let socket: WebSocketSession | null = null;
    await using srv = startDaemon({
      "/": wsServer((ws) => {
        socket = ws;
        ws.onclose = (c) => void closes.push(c);
      }),
    });
    using c = await WsTestClient.open(srv.port);
    await c.raw.until(() => socket !== null, 2000, "the socket");
    c.send(CLOSE, new Uint8Array([0x0f, 0xa0])); // 4000
    socket!.close(4001, "bye");
    await c.untilClosed(3000);
    const serverCloses = c.frames().filter((f) => f.opcode === CLOSE);
    expect(serverCloses.length).toBe(1);
    await c.raw.until(() => closes.length > 0, 2000, "onclose");
    expect(closes.length).toBe(1);
  });
});

describe("input while onmessage promises are pending", () => {
  test("a handler's pending Promise holds reading: a flood waits in TCP, then is read once it settles", async () => {
    let started = 0;
    const gate = Promise.withResolvers<void>();
    await using srv = startDaemon({
      "/": wsServer((ws) => {
        ws.onmessage = async () => {
          started++;
          await gate.promise;
        };
      }),
    });
    using c = await WsTestClient.open(srv.port);
    const payload = new Uint8Array(16 * 1024);
    const COUNT = 1024; // 16 MiB: far more than the kernel buffers hold between the two
    for (let i = 0; i < COUNT; i++) c.send(2, payload);
    await c.raw.until(() => started > 0, 5000, "the first message");
    // Held: the messages that arrive are not read while the first handler is pending. (A bounded
    // wait for what must not happen: if reading went on, all of them would start within it.)
    await expect(c.raw.until(() => started >= COUNT, 1500, "every handler")).rejects.toThrow();
    expect(started).toBeLessThan(COUNT / 4);
    gate.resolve();
    await c.raw.until(() => started === COUNT, 20_000, "every message, once reading resumed");
    expect(c.raw.closed).toBe(false);
  }, 30_000);
});

describe("PROXY header sockets", () => {
  test("trustProxy + a PROXY v1 header: the socket's client, port and access-log line are the proxied client's", async () => {
    const lines: string[] = [];
    let seen: { host: string; port: number; addr: string } | null = null;
    await using srv = startDaemon(
      { "/": wsServer((ws) => (seen = { host: ws.clientHost, port: ws.addresses!.remotePort, addr: ws.addresses!.remoteAddress })) },
      { trustProxy: ["127.0.0.1/32"], accessLog: (l) => lines.push(l) },
    );
    const { handshakeRequest } = await import("../helpers/ws-client.ts");
    using raw = await RawClient.connect(srv.port, true);
    raw.send(`PROXY TCP4 203.0.113.7 127.0.0.1 40001 80\r\n${handshakeRequest("/")}`);
    await raw.until(() => raw.text().includes("\r\n\r\n"), 3000, "101");
    expect(raw.text()).toStartWith("HTTP/1.1 101");
    await raw.until(() => seen !== null && lines.length > 0, 3000, "the socket and the log line");
    expect(seen!).toEqual({ host: "203.0.113.7", port: 40001, addr: "203.0.113.7" });
    expect(lines[0]).toStartWith("203.0.113.7 ");
  });
});

describe("handshake strictness", () => {
  test("a second Sec-WebSocket-Key is refused (RFC 6455 §11.3.1: MUST NOT appear more than once)", async () => {
    await using srv = startDaemon({ "/": wsServer(() => {}) });
    using c = await WsTestClient.open(srv.port, "/", ["Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA=="]);
    expect(c.status).toBe(400);
  });

  test("426 for another version also names Upgrade (RFC 9110 §15.5.22: MUST send Upgrade in a 426)", async () => {
    await using srv = startDaemon({ "/": wsServer(() => {}) });
    const { RawClient: R } = await import("../helpers/raw-client.ts");
    using raw = await R.connect(srv.port, true);
    raw.send(
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
    );
    await raw.until(() => raw.text().includes("\r\n\r\n"), 3000, "the response");
    expect(raw.text()).toStartWith("HTTP/1.1 426");
    expect(raw.text().toLowerCase()).toContain("\r\nupgrade: websocket\r\n");
  });
});

describe("send() of what is neither a string nor a Uint8Array", () => {
  // JavaScript callers (and the browser's WebSocket API habit) pass ArrayBuffers and other views.
  test("an ArrayBuffer is sent as its bytes or refused with a TypeError — not a 1008 'backlog over its limit'", async () => {
    let thrown: unknown = null;
    await using srv = startDaemon({
      "/": wsServer((ws) => {
        try {
          ws.send(new ArrayBuffer(4) as unknown as Uint8Array);
        } catch (e) {
          thrown = e;
        }
        ws.send("after");
      }),
    });
    using c = await WsTestClient.open(srv.port);
    await c.untilFrames(1, 2000);
    // Today: a Close 1008 "backlog over its limit" (reserve(NaN) fails) and the overflow counter moves.
    expect(c.frames().some((f) => f.opcode === CLOSE)).toBe(false);
    expect(srv.daemon.stats().websocketOverflows).toBe(0);
    if (thrown !== null) expect(thrown).toBeInstanceOf(TypeError);
  });

  test("a Float64Array is sent as its 16 bytes or refused — not truncated to 2 bytes of converted numbers", async () => {
    let thrown: unknown = null;
    await using srv = startDaemon({
      "/": wsServer((ws) => {
        try {
          ws.send(new Float64Array([1.5, 2.5]) as unknown as Uint8Array);
        } catch (e) {
          thrown = e;
        }
        ws.send("after");
      }),
    });
    using c = await WsTestClient.open(srv.port);
    const frames = await c.untilFrames(1, 2000);
    if (thrown !== null) expect(thrown).toBeInstanceOf(TypeError);
    else expect(frames[0]!.payload.length).toBe(16); // today: 2 bytes, [1, 2]
  });
});

describe("IANA-registered close codes 1012–1014", () => {
  // Registered after RFC 6455 (IANA WebSocket Close Code Number Registry): 1012 Service Restart,
  // 1013 Try Again Later, 1014 Bad Gateway. Python websockets 10.4 and Node's ws accept them both ways.
  test("a client's Close 1013 is echoed and heard, not failed with 1002", async () => {
    const closes: number[] = [];
    await using srv = startDaemon({ "/": wsServer((ws) => (ws.onclose = (c) => void closes.push(c))) });
    using c = await WsTestClient.open(srv.port);
    c.send(CLOSE, new Uint8Array([0x03, 0xf5])); // 1013
    const { code } = await c.untilClose();
    expect(code).toBe(1013); // today: 1002
    await c.raw.until(() => closes.length > 0, 2000, "onclose");
    expect(closes).toEqual([1013]);
  });

  test("ws.close(1013) (try again later) may be sent", async () => {
    let thrown: unknown = null;
    await using srv = startDaemon({
      "/": wsServer((ws) => {
        try {
          ws.close(1013, "busy");
        } catch (e) {
          thrown = e;
        }
      }),
    });
    using c = await WsTestClient.open(srv.port);
    await c.raw.until(() => thrown !== null || c.frames().length > 0, 2000, "a Close or a throw");
    expect(thrown).toBeNull(); // today: RangeError
  });
});

describe("upgrade options are not checked", () => {
  test("maxMessage NaN (a config value that failed to parse) is refused at upgrade(), not a limit that never applies", async () => {
    let thrown: unknown = null;
    await using srv = startDaemon({
      "/": new FnServer(
        (s: HttpSession) =>
          new (class extends HttpServlet {
            override processRequest(): void {
              try {
                const ws = this.upgrade({ maxMessage: Number("1MB") });
                if (ws) ws.onmessage = (d) => void ws.send(d);
              } catch (e) {
                thrown = e;
                throw e; // the framework answers 500
              }
            }
          })(s),
      ),
    });
    using c = await WsTestClient.open(srv.port);
    if (thrown !== null) {
      expect(c.status).toBe(500);
      return expect(thrown).toBeInstanceOf(RangeError);
    }
    // Accepted: a fragmented message must still be handled, never a throw in the socket handler.
    c.send(TEXT, "ab", { fin: false });
    c.send(0, "cd");
    await c.raw.until(() => c.frames().length > 0 || c.raw.closed, 2000, "the echo");
    expect(new TextDecoder().decode(c.frames()[0]!.payload)).toBe("abcd");
  });
});
