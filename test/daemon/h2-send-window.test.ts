/**
 * The client's send window is the servlet's backpressure (RFC 9113 §6.9; SPEC §11, issue 22's slow
 * reader): while a stream's window is shut, sendContent() returns false and drained() waits for
 * the client's WINDOW_UPDATE, so a servlet that honours backpressure produces nothing the client
 * cannot take — and the file server reads no piece (holds no buffer) for such a stream. Content
 * framed straight from the servlet's bytes (h2-stream-output.ts) still arrives whole and in order
 * when the windows open a little at a time.
 */
import { expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpServlet } from "../../src/index.ts";
import { ENHANCE_YOUR_CALM } from "../../src/parser/h2/errors.ts";
import { FLAG_END_STREAM, FRAME_DATA, FRAME_HEADERS, FRAME_PING } from "../../src/parser/h2/frame.ts";
import { SETTINGS_INITIAL_WINDOW_SIZE } from "../../src/parser/h2/settings.ts";
import { H2Client } from "../helpers/h2-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

/** RFC 9113 §6.9.2: the connection window starts at 65,535 whatever SETTINGS say. */
const INITIAL_CONNECTION_WINDOW = 65_535;

test("a stream whose window is shut is congested: sendContent() is false, drained() waits for WINDOW_UPDATE", async () => {
  const seen: string[] = [];
  const { promise: servletDone, resolve: done } = Promise.withResolvers<void>();
  class Waiting extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.sendResponse(200);
      this.sendHeader("Content-Length", 2000);
      this.endHeaders();
      // 1,000 bytes, far under the queue's high-water mark: only the shut window can refuse them.
      seen.push(`first ${this.sendContent("a".repeat(1000))}`);
      await this.drained();
      seen.push("drained");
      this.sendContent("b".repeat(1000));
      this.endContent();
      done();
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Waiting(s)) });
  await using c = await H2Client.connect(d.port, { settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 0]], autoWindowUpdate: false });
  const id = c.request("GET", "/");
  await c.nextFrame(FRAME_HEADERS, undefined, id);
  // A PING answered is a turn of the server's after the servlet's first write: still waiting.
  c.sendPing();
  await c.nextFrame(FRAME_PING);
  expect(seen).toEqual(["first false"]);
  c.sendWindowUpdate(id, 2000);
  await servletDone;
  expect(seen).toEqual(["first false", "drained"]);
  let body = "";
  for (;;) {
    const f = await c.nextFrame(FRAME_DATA, undefined, id);
    body += new TextDecoder().decode(f.payload);
    if ((f.flags & FLAG_END_STREAM) !== 0) break;
  }
  expect(body).toBe("a".repeat(1000) + "b".repeat(1000));
  expect(d.errors).toEqual([]);
});

test("the file server reads no piece for streams whose window stays shut", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-h2-window-"));
  try {
    writeFileSync(join(dir, "big.bin"), "");
    truncateSync(join(dir, "big.bin"), 64 * 1024 * 1024);
    await using d = startDaemon({ "/": new FileServer(dir) });
    await using c = await H2Client.connect(d.port, { settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 0]], autoWindowUpdate: false });
    const STREAMS = 40;
    Bun.gc(true);
    const before = heapStats().extraMemorySize;
    const ids = Array.from({ length: STREAMS }, () => c.request("GET", "/big.bin"));
    for (const id of ids) await c.nextFrame(FRAME_HEADERS, undefined, id);
    // A few turns of the server's after every head went out: time for reads a servlet would start.
    for (let i = 0; i < 5; i++) {
      c.sendPing();
      await c.nextFrame(FRAME_PING);
    }
    Bun.gc(true);
    const held = heapStats().extraMemorySize - before;
    // Before: each stream read a piece (64 KiB–1 MiB) and queued a copy of it: tens of MiB.
    expect(held).toBeLessThan(4 * 1024 * 1024);
    // Opened, a stream gets its file.
    c.sendWindowUpdate(0, 1024 * 1024 - INITIAL_CONNECTION_WINDOW);
    c.sendWindowUpdate(ids[0]!, 100_000);
    let received = 0;
    while (received < 100_000) received += (await c.nextFrame(FRAME_DATA, undefined, ids[0])).payload.length;
    expect(received).toBe(100_000);
    expect(d.errors).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("large pieces framed straight from the servlet's bytes arrive whole and in order as the windows open bit by bit", async () => {
  const PIECE = 40_000;
  const PIECES = 6;
  const expected = new Uint8Array(PIECE * PIECES);
  for (let i = 0; i < expected.length; i++) expected[i] = (i * 7 + (i >> 10)) & 0xff;
  class Pieces extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.sendResponse(200);
      this.sendHeader("Content-Length", expected.length);
      this.endHeaders();
      for (let p = 0; p < PIECES; p++) {
        // Each piece in a later turn than the head, from a buffer reused (as the file server's).
        await Promise.resolve();
        const piece = new Uint8Array(PIECE);
        piece.set(expected.subarray(p * PIECE, (p + 1) * PIECE));
        if (!this.sendContent(piece)) await this.drained();
        piece.fill(0); // the bytes are the stream's once sendContent returned
      }
      this.endContent();
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Pieces(s)) });
  await using c = await H2Client.connect(d.port, { settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 10_000]], autoWindowUpdate: false });
  c.sendWindowUpdate(0, expected.length);
  const id = c.request("GET", "/");
  await c.nextFrame(FRAME_HEADERS, undefined, id);
  const body = new Uint8Array(expected.length);
  let received = 0;
  for (;;) {
    const f = await c.nextFrame(FRAME_DATA, undefined, id);
    body.set(f.payload, received);
    received += f.payload.length;
    if ((f.flags & FLAG_END_STREAM) !== 0) break;
    // The window opens by what was received: 10,000 bytes in flight at most.
    if (f.payload.length > 0) c.sendWindowUpdate(id, f.payload.length);
  }
  expect(received).toBe(expected.length);
  expect(Buffer.from(body).equals(Buffer.from(expected))).toBe(true);
  expect(d.errors).toEqual([]);
});

test("a file stream waiting on a shut window (holding nothing) still ends the connection at the send timeout", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netsvc-h2-window-"));
  try {
    writeFileSync(join(dir, "big.bin"), "");
    truncateSync(join(dir, "big.bin"), 8 * 1024 * 1024);
    await using d = startDaemon({ "/": new FileServer(dir) }, { sendTimeoutMs: 500 });
    await using c = await H2Client.connect(d.port, { settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 0]], autoWindowUpdate: false });
    const id = c.request("GET", "/big.bin");
    await c.nextFrame(FRAME_HEADERS, undefined, id);
    // Opening the connection's window (not the stream's) is no progress for the stream.
    c.sendWindowUpdate(0, 100_000);
    const goaway = await c.waitForGoaway(5000);
    expect(goaway.errorCode).toBe(ENHANCE_YOUR_CALM);
    expect(d.daemon.stats().http2Floods).toBe(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
