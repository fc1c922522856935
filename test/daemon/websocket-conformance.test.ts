/**
 * The Autobahn-style conformance table (test/daemon/ws-message-cases.ts: groups 1–7 in spirit —
 * framing, pings, reserved bits and opcodes, fragmentation, UTF-8, close codes) replayed over real
 * sockets against an echo servlet: for every row the client's bytes go out as one write, and the
 * wire must carry exactly what the row says the connection hears, in order — each message echoed,
 * each ping answered with its pong, then our Close with the row's code and the TCP close; a row
 * that ends open leaves the connection open.
 */
import { describe, expect, test } from "bun:test";
import { constants, inflateRawSync } from "node:zlib";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { latin1Bytes, latin1Of } from "../parser/ws/ws-build.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { closeOf, type ServerFrame, WsTestClient } from "../helpers/ws-client.ts";
import { MESSAGE_ROWS, type Heard } from "./ws-message-cases.ts";

const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PONG = 10;
const DEFAULT_MAX = 70_000;

/** What one server frame says, in the table's terms (a compressed frame inflated first). */
function said(f: ServerFrame): Heard | ["pong-sent", string] {
  let payload = f.payload;
  if (f.rsv1) payload = inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH });
  if (f.opcode === TEXT) return ["text", new TextDecoder().decode(payload)];
  if (f.opcode === BINARY) return ["binary", latin1Of(payload)];
  if (f.opcode === PONG) return ["pong-sent", latin1Of(payload)];
  if (f.opcode === CLOSE) {
    const c = closeOf({ ...f, payload });
    return ["close", c.code, ""];
  }
  throw new Error(`unexpected opcode ${f.opcode}`);
}

/** The frames an echo server answers a row with. */
function expectedWire(heard: Heard[]): (Heard | ["pong-sent", string])[] {
  const out: (Heard | ["pong-sent", string])[] = [];
  for (const h of heard) {
    if (h[0] === "text" || h[0] === "binary") out.push(h);
    else if (h[0] === "ping") out.push(["pong-sent", h[1]]);
    else if (h[0] === "close")
      out.push(["close", h[1], ""]); // our echo of its code (1005: an empty Close)
    else if (h[0] === "failed") out.push(["close", h[1], ""]);
  }
  return out;
}

describe("the conformance table over real sockets", () => {
  for (const row of MESSAGE_ROWS) {
    test(row.name, async () => {
      const closes: number[] = [];
      const echo = new FnServer(
        (s: HttpSession) =>
          new (class extends HttpServlet {
            override processRequest(): void {
              const ws = this.upgrade({ maxMessage: row.maxMessage ?? DEFAULT_MAX, compress: row.deflate === true });
              if (!ws) return;
              ws.onmessage = (data) => void ws.send(data);
              ws.onclose = (code) => void closes.push(code);
            }
          })(s),
      );
      await using srv = startDaemon({ "/": echo });
      using c = await WsTestClient.open(srv.port, "/", row.deflate ? ["Sec-WebSocket-Extensions: permessage-deflate"] : []);
      expect(c.status).toBe(101);
      c.sendBytes(row.input);
      const want = expectedWire(row.heard);
      const ends = row.heard.some((h) => h[0] === "close" || h[0] === "failed");
      await c.untilFrames(want.length);
      if (ends) await c.untilClosed();
      expect(c.frames().map(said)).toEqual(want);
      if (!ends) expect(c.raw.closed).toBe(false);
      const failed = row.heard.find((h) => h[0] === "failed");
      expect(srv.daemon.stats().websocketErrors).toBe(failed ? 1 : 0);
      expect(srv.errors).toEqual([]);
    });
  }
});

test("latin1Bytes and latin1Of round-trip (the table's binary notation)", () => {
  expect(latin1Of(latin1Bytes("\x00\xff"))).toBe("\x00\xff");
});
