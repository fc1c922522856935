/**
 * A large response over one HTTP/2 stream to a client whose windows never limit the server
 * (found by bench/server/h2.ts: curl's 1 GiB download over h2 stopped after a few MiB; nghttp
 * with -w 30 -W 30 the same, with 64 KiB windows not). The servlet writes as the file servlet
 * does (sendContent, and drained() when it returns false), so the connection's output fills and
 * drains many times; every byte must arrive.
 */
import { expect, test } from "bun:test";
import { HttpServlet } from "../../src/index.ts";
import { FLAG_END_STREAM, FRAME_DATA, FRAME_RST_STREAM } from "../../src/parser/h2/frame.ts";
import { MAX_WINDOW_SIZE, SETTINGS_INITIAL_WINDOW_SIZE } from "../../src/parser/h2/settings.ts";
import { H2Client } from "../helpers/h2-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

/** The body: far above the loopback socket's buffers, so the output backs up and drains. */
const BODY_BYTES = 64 * 1024 * 1024;
/** Each sendContent's piece (the file servlet reads 64 KiB at a time). */
const PIECE_BYTES = 64 * 1024;
/** RFC 9113 §6.9.2: the connection window starts at 65,535 whatever SETTINGS say. */
const INITIAL_CONNECTION_WINDOW = 65_535;
/** Longest wait for one DATA frame: a stall fails the test instead of hanging it. */
const FRAME_WAIT_MS = 3000;

test("a 64 MiB body over one stream with windows that never close arrives whole", async () => {
  class Large extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.sendResponse(200);
      this.sendHeader("Content-Type", "application/octet-stream");
      this.sendHeader("Content-Length", BODY_BYTES);
      this.endHeaders();
      const piece = new Uint8Array(PIECE_BYTES);
      for (let sent = 0; sent < BODY_BYTES; sent += PIECE_BYTES) if (!this.sendContent(piece)) await this.drained();
      this.endContent();
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Large(s)) });
  // Both windows at their largest, given once: flow control never stops the server (as curl's 1 GiB windows).
  await using client = await H2Client.connect(d.port, {
    settings: [[SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE]],
    autoWindowUpdate: false,
  });
  client.sendWindowUpdate(0, MAX_WINDOW_SIZE - INITIAL_CONNECTION_WINDOW);
  const id = client.request("GET", "/");
  let received = 0;
  for (;;) {
    const f = await client.nextFrame(undefined, FRAME_WAIT_MS, id).catch(() => null);
    if (f === null) break; // stalled (the failure this test is for): reported by the expect below
    expect(f.type).not.toBe(FRAME_RST_STREAM);
    if (f.type === FRAME_DATA) received += f.payload.length;
    if ((f.flags & FLAG_END_STREAM) !== 0) break;
  }
  expect(received).toBe(BODY_BYTES);
  expect(d.errors).toEqual([]);
}, 30_000);
