/**
 * The WebSocket attacks of issue 23, each as a bounded network test that fails when its defence
 * is removed (the same attacks, at scale, are the ws-* probes of `npm run stress`):
 *
 * - ws-bomb: a permessage-deflate message that inflates past maxMessage, socket after socket, and
 *   plain frames that announce more than it — each a 1009, counted, nothing delivered, and a frame
 *   too large is refused from its head, before its payload arrives;
 * - ws-slow-reader: an application that ignores send()'s false, to a client that never reads — the
 *   backlog never past maxBacklog, the socket closed with 1008 and its TCP connection by the send
 *   timeout; a report subscriber that cannot keep up likewise;
 * - ws-idle: a socket that once carried a large fragmented message each way keeps neither buffer
 *   once idle;
 * - ws-fragment-flood: a message in thousands of 1-byte fragments is delivered whole, while a
 *   ping flood is closed with 1008 past WS_MAX_PINGS_PER_SECOND (each ping costs us a pong).
 *
 * Real sockets on 127.0.0.1 port 0; every wait is on a condition, bounded.
 */
import { describe, expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { constants, deflateRawSync } from "node:zlib";
import type { Socket } from "bun";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { WS_MAX_PINGS_PER_SECOND } from "../../src/daemon/limits.ts";
import type { ServiceValue } from "../../src/entry/services.ts";
import type { UpgradeOptions } from "../../src/servers/websocket-handshake.ts";
import type { WebSocketSession } from "../../src/servers/websocket.ts";
import { eventually } from "../helpers/eventually.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { clientFrame, handshakeRequest, parseServerFrames, WsTestClient } from "../helpers/ws-client.ts";

const CONTINUATION = 0;
const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PING = 9;
const PONG = 10;
const DEFLATE = ["Sec-WebSocket-Extensions: permessage-deflate"];

/** What the tests' servlets saw of their sockets. */
interface Seen {
  sockets: WebSocketSession[];
  messages: number;
  closes: number[];
}
const fresh = (): Seen => ({ sockets: [], messages: 0, closes: [] });

/** Upgrades with `options`, echoes every message and records closes; `setup` may do more. */
function wsServer(seen: Seen, options: UpgradeOptions = {}, setup?: (ws: WebSocketSession) => void) {
  return new FnServer(
    (s: HttpSession) =>
      new (class extends HttpServlet {
        override processRequest(): void {
          const ws = this.upgrade(options);
          if (!ws) return;
          seen.sockets.push(ws);
          ws.onmessage = (data) => {
            seen.messages++;
            ws.send(data);
          };
          ws.onclose = (code) => void seen.closes.push(code);
          setup?.(ws);
        }
      })(s),
  );
}

/** A compressed message (RSV1 payload, RFC 7692 §7.2.1: the deflate tail removed) inflating to `size` zero bytes. */
function bomb(size: number): Uint8Array {
  const z = deflateRawSync(Buffer.alloc(size), { finishFlush: constants.Z_SYNC_FLUSH });
  return z.subarray(0, z.length - 4);
}

describe("ws-bomb: messages past maxMessage are 1009, not memory", () => {
  test("a compression bomb on socket after socket: each closed with 1009, counted, none delivered; an echo answers meanwhile", async () => {
    const seen = fresh();
    await using srv = startDaemon({ "/": wsServer(seen, { maxMessage: 64 * 1024 }) });
    const payload = bomb(32 * 1024 * 1024);
    expect(payload.length).toBeLessThan(64 * 1024); // small on the wire: only inflating can catch it
    using normal = await WsTestClient.open(srv.port, "/", DEFLATE);
    const ROUNDS = 8;
    for (let i = 0; i < ROUNDS; i++) {
      using c = await WsTestClient.open(srv.port, "/", DEFLATE);
      c.send(BINARY, payload, { rsv1: true });
      expect((await c.untilClose()).code).toBe(1009);
      await c.untilClosed();
      normal.send(TEXT, `still here ${i}`);
      await normal.untilFrames(i + 1);
    }
    expect(srv.daemon.stats().websocketErrors).toBe(ROUNDS);
    expect(seen.messages).toBe(ROUNDS); // the normal client's only
    expect(seen.closes).toEqual(Array(ROUNDS).fill(1009));
    expect(srv.errors).toEqual([]);
  });

  test("a plain frame announcing more than maxMessage is refused from its head: 1009 before any payload", async () => {
    await using srv = startDaemon({ "/": wsServer(fresh(), { maxMessage: 64 * 1024 }) });
    using c = await WsTestClient.open(srv.port);
    // Only the head, claiming 1 GiB: the server must not wait for (or reserve) the payload.
    c.sendBytes(clientFrame(BINARY, new Uint8Array(0), { length: 2 ** 30 }));
    expect((await c.untilClose()).code).toBe(1009);
    await c.untilClosed();
    expect(srv.daemon.stats().websocketErrors).toBe(1);
  });

  test("fragments that add up past maxMessage: 1009 at the head of the fragment that passes it", async () => {
    const seen = fresh();
    await using srv = startDaemon({ "/": wsServer(seen, { maxMessage: 64 * 1024 }) });
    using c = await WsTestClient.open(srv.port);
    const piece = new Uint8Array(16 * 1024);
    c.send(BINARY, piece, { fin: false });
    for (let i = 0; i < 3; i++) c.send(CONTINUATION, piece, { fin: false });
    expect(c.raw.closed).toBe(false);
    c.sendBytes(clientFrame(CONTINUATION, new Uint8Array(0), { fin: true, length: 1 })); // one byte more than the limit
    expect((await c.untilClose()).code).toBe(1009);
    expect(seen.messages).toBe(0);
  });
});

describe("ws-slow-reader: a socket whose backlog stays above its limit is closed with 1008", () => {
  test("an application that ignores send()'s false, to a client that never reads: backlog bounded, 1008, TCP closed by the send timeout", async () => {
    const seen = fresh();
    const MAX_BACKLOG = 256 * 1024;
    const chunk = new Uint8Array(16 * 1024);
    let largest = 0;
    let sends = 0;
    await using srv = startDaemon(
      {
        "/": wsServer(seen, { maxBacklog: MAX_BACKLOG }, (ws) => {
          // Careless: keeps sending whatever send() answers, a chunk a turn, until the socket closes.
          const tick = setInterval(() => {
            if (ws.readyState !== "open") return clearInterval(tick);
            ws.send(chunk);
            sends++;
            largest = Math.max(largest, ws.bufferedAmount);
          }, 1);
        }),
      },
      { sendTimeoutMs: 300, wsCloseTimeoutMs: 200 },
    );
    const c = await WsTestClient.open(srv.port);
    c.raw.pause(); // never reads again
    await c.raw.until(() => srv.daemon.stats().websocketOverflows === 1, 10_000, "the overflow");
    expect(seen.sockets[0]!.readyState).not.toBe("open");
    expect(sends).toBeGreaterThan(MAX_BACKLOG / chunk.length);
    // Never more queued than the limit (plus the kernel's buffers, which bufferedAmount does not count).
    expect(largest).toBeLessThanOrEqual(MAX_BACKLOG);
    // It reads nothing, so our Close cannot reach it: the send timeout ends the connection.
    await eventually(async () => expect(srv.daemon.stats().open).toBe(0), 10_000);
    expect(seen.closes.length).toBe(1);
    c.raw.terminate();
  });

  test("a report subscriber that cannot keep up is dropped with 1008, and the others still get every report", async () => {
    const { services } = await import("../../src/entry/services.ts");
    const publish = (value: ServiceValue) => services.publish("ws-attack.news.flash", value);
    const seen = fresh();
    await using srv = startDaemon({ "/": wsServer(seen, { maxBacklog: 64 * 1024 }, (ws) => ws.subscribe("ws-attack.news.>")) });
    const slow = await WsTestClient.open(srv.port);
    using fast = await WsTestClient.open(srv.port);
    slow.raw.pause();
    const text = "x".repeat(1000);
    let published = 0;
    await slow.raw.until(
      () => {
        for (let i = 0; i < 20; i++) publish({ n: published++, text });
        return srv.daemon.stats().websocketOverflows === 1;
      },
      10_000,
      "the slow subscriber's overflow",
    );
    expect(seen.sockets[0]!.readyState).not.toBe("open");
    await fast.untilFrames(published, 10_000);
    expect(fast.frames().every((f) => f.opcode === TEXT)).toBe(true);
    expect(seen.sockets[1]!.readyState).toBe("open");
    slow.raw.terminate();
  });
});

describe("ws-idle: an idle socket keeps no grown buffer", () => {
  test("after a 256 KiB fragmented message each way, the heap holds under 16 KiB more per socket", async () => {
    const N = 60;
    const SIZE = 256 * 1024;
    await using srv = startDaemon({ "/": wsServer(fresh()) });
    const half = new Uint8Array(SIZE / 2);
    const message = Buffer.concat([clientFrame(BINARY, half, { fin: false }), clientFrame(CONTINUATION, half)]);
    // Light clients: they count what they receive and keep none of it.
    const received = new Array<number>(N).fill(0);
    const sockets: Socket<number>[] = [];
    for (let i = 0; i < N; i++) {
      const s = await Bun.connect({
        hostname: "127.0.0.1",
        port: srv.port,
        data: i,
        socket: { data: (sock, chunk) => void (received[sock.data] = received[sock.data]! + chunk.length) },
      });
      s.write(handshakeRequest("/"));
      sockets.push(s);
    }
    await eventually(async () => expect(received.every((n) => n > 0)).toBe(true), 10_000);
    const handshake = [...received];
    const used = () => {
      Bun.gc(true);
      const h = heapStats();
      return h.heapSize + h.extraMemorySize;
    };
    const before = used();
    for (const s of sockets) s.write(message);
    // Each echo is a 10-byte head and the payload.
    await eventually(async () => expect(received.every((n, i) => n >= handshake[i]! + SIZE + 10)).toBe(true), 20_000);
    await eventually(async () => expect((used() - before) / N).toBeLessThan(16 * 1024), 5000);
    for (const s of sockets) s.end();
  });
});

describe("ws-fragment-flood: fragments are fine, a ping flood is not", () => {
  test("a message of 5,000 one-byte fragments is delivered whole", async () => {
    await using srv = startDaemon({ "/": wsServer(fresh()) });
    using c = await WsTestClient.open(srv.port);
    const N = 5000;
    const frames = [clientFrame(TEXT, "a", { fin: false })];
    for (let i = 1; i < N - 1; i++) frames.push(clientFrame(CONTINUATION, "a", { fin: false }));
    frames.push(clientFrame(CONTINUATION, "a"));
    c.sendBytes(Buffer.concat(frames));
    const [echo] = await c.untilFrames(1, 10_000);
    expect(echo!.opcode).toBe(TEXT);
    expect(echo!.payload.length).toBe(N);
  });

  test(`past ${WS_MAX_PINGS_PER_SECOND} pings a second the socket is closed with 1008, counted; fewer pongs than pings`, async () => {
    await using srv = startDaemon({ "/": wsServer(fresh()) });
    using c = await WsTestClient.open(srv.port);
    const PINGS = WS_MAX_PINGS_PER_SECOND * 20;
    c.sendBytes(Buffer.concat(Array.from({ length: PINGS }, () => clientFrame(PING, "flood"))));
    expect((await c.untilClose()).code).toBe(1008);
    await c.untilClosed();
    const pongs = c.frames().filter((f) => f.opcode === PONG).length;
    expect(pongs).toBeLessThanOrEqual(WS_MAX_PINGS_PER_SECOND * 2);
    expect(srv.daemon.stats().websocketFloods).toBe(1);
    expect(srv.errors).toEqual([]);
  });

  test("pings within the budget are each answered, and the socket stays open", async () => {
    await using srv = startDaemon({ "/": wsServer(fresh()) });
    using c = await WsTestClient.open(srv.port);
    const n = Math.min(50, WS_MAX_PINGS_PER_SECOND);
    c.sendBytes(Buffer.concat(Array.from({ length: n }, (_, i) => clientFrame(PING, `p${i}`))));
    const frames = await c.untilFrames(n);
    expect(frames.every((f) => f.opcode === PONG)).toBe(true);
    expect(c.raw.closed).toBe(false);
    expect(srv.daemon.stats().websocketFloods).toBe(0);
  });
});

test("the raw parse of a Close among pongs (the helper the flood test relies on)", () => {
  const bytes = new Uint8Array([0x8a, 0x00, 0x88, 0x02, 0x03, 0xf0]);
  expect(parseServerFrames(bytes).map((f) => f.opcode)).toEqual([PONG, CLOSE]);
});
