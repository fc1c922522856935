/**
 * A request body over HTTP/2 arrives intact however its DATA frames are cut by TCP: each frame
 * here reaches the server in two reads, so the connection parses it from its own receive buffer,
 * which it reuses for the next frame. Whatever the framework keeps of a piece past the call that
 * delivered it (the pieces content() gathers, the pieces a stream holds while its servlet is busy)
 * must be a copy: `Buffer#slice` is a view, not a copy, and a view into that buffer is overwritten
 * by the next frame (found by Node's http2 client: 3 bytes of a 200,000-byte POST replaced by a
 * WINDOW_UPDATE's increment).
 */
import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { HttpServlet } from "../../src/index.ts";
import { FLAG_ACK, FLAG_END_STREAM, FRAME_DATA, FRAME_HEADER_LENGTH, FRAME_PING, FRAME_SETTINGS } from "../../src/parser/h2/frame.ts";
import { H2Client, frameBytes } from "../helpers/h2-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

/** Under the stream's initial window (65,535): the client may send it all without waiting. */
const BODY = new Uint8Array(60_000).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
/** Small frames: many of them, each split in two reads. */
const FRAME_PAYLOAD = 5_000;
const digest = (b: Uint8Array) => `${b.length} ${createHash("sha256").update(b).digest("hex")}`;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * Sends `body` on `id` as DATA frames of FRAME_PAYLOAD bytes, each cut in two: one write carries
 * the end of a frame, a PING and the start of the next, and the next write waits for the PING's
 * ACK, so the server has read (and kept) the start of every frame before its end comes.
 * END_STREAM on the last frame.
 */
async function sendSplitBody(client: H2Client, id: number, body: Uint8Array): Promise<void> {
  // Our own SETTINGS ACK now, so that nothing the client sends by itself lands inside a frame.
  await client.nextFrame(FRAME_SETTINGS, 2000, 0);
  client.sendSettingsAck();
  let rest: Uint8Array = new Uint8Array(0);
  for (let at = 0; at < body.length; at += FRAME_PAYLOAD) {
    const end = Math.min(at + FRAME_PAYLOAD, body.length);
    const frame = frameBytes(FRAME_DATA, end === body.length ? FLAG_END_STREAM : 0, id, body.subarray(at, end));
    const cut = FRAME_HEADER_LENGTH + (end - at) / 2;
    client.send(rest);
    client.sendPing();
    client.send(frame.subarray(0, cut));
    rest = frame.subarray(cut);
    const ack = await client.nextFrame(FRAME_PING, 2000, 0);
    expect(ack.flags & FLAG_ACK).toBe(FLAG_ACK);
  }
  client.send(rest);
}

const POST: [string, string][] = [
  [":method", "POST"],
  [":scheme", "http"],
  [":authority", "x"],
  [":path", "/"],
];

test("content() gathers the body sent, each DATA frame split across two reads", async () => {
  class Digest extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.sendDocument(200, "text/plain", digest(await this.content()));
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Digest(s)) });
  await using client = await H2Client.connect(d.port, { autoAck: false });
  client.sendHeaders(1, POST, false);
  await sendSplitBody(client, 1, BODY);
  expect(text((await client.response(1)).body)).toBe(digest(BODY));
});
test("pieces held while the servlet is busy are the bytes sent, each DATA frame split across two reads", async () => {
  const release = Promise.withResolvers<void>();
  const got: Uint8Array[] = [];
  class Busy extends HttpServlet {
    override processRequest(): void {}
    override processContent(piece: Uint8Array): Promise<void> | void {
      got.push(new Uint8Array(piece)); // a copy: the servlet keeps nothing of the view itself
      if (got.length === 1) return release.promise; // the rest is held by the stream meanwhile
    }
    override contentComplete(): void {
      this.sendDocument(200, "text/plain", digest(Buffer.concat(got)));
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Busy(s)) });
  await using client = await H2Client.connect(d.port, { autoAck: false });
  client.sendHeaders(1, POST, false);
  await sendSplitBody(client, 1, BODY);
  release.resolve();
  expect(text((await client.response(1)).body)).toBe(digest(BODY));
});
