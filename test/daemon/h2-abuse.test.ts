/**
 * HTTP/2 abuse (SPEC §11, issue 22 item 3): each attack ends its connection with GOAWAY
 * ENHANCE_YOUR_CALM (or is bounded where the RFC gives an answer: 431 for an HPACK bomb), is
 * counted, and a normal client on another connection is answered meanwhile.
 */
import { expect, test } from "bun:test";
import { ENHANCE_YOUR_CALM, PROTOCOL_ERROR } from "../../src/parser/h2/errors.ts";
import { FLAG_END_HEADERS, FRAME_CONTINUATION, FRAME_DATA, FRAME_HEADERS } from "../../src/parser/h2/frame.ts";
import { SETTINGS_INITIAL_WINDOW_SIZE } from "../../src/parser/h2/settings.ts";
import { H2Client, frameBytes } from "../helpers/h2-client.ts";
import { field, responseDecoder } from "../helpers/h2-decode.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";
import { HttpServlet } from "../../src/index.ts";
import { firstValue } from "../helpers/eventually.ts";

const hello = () => new FnServer((s) => new TextServlet(s, "Hello, world!"));
const GET: [string, string][] = [
  [":method", "GET"],
  [":scheme", "http"],
  [":authority", "x"],
  [":path", "/"],
];

/** A normal client on its own connection is still answered. */
async function stillServes(port: number): Promise<void> {
  await using other = await H2Client.connect(port);
  const res = await other.response(other.request("GET", "/"), 2000);
  expect(new TextDecoder().decode(res.body)).toBe("Hello, world!");
}

test("rapid reset (CVE-2023-44487): streams opened and reset at once end the connection", async () => {
  await using d = startDaemon({ "/": new FnServer((s) => new (class extends HttpServlet {})(s)), "/hello": hello() });
  await using client = await H2Client.connect(d.port);
  let id = 1;
  for (let i = 0; i < 1000 && !client.isClosed; i++, id += 2) {
    client.sendHeaders(id, GET, true);
    client.sendRstStream(id, 0x8);
  }
  expect((await client.waitForGoaway()).errorCode).toBe(ENHANCE_YOUR_CALM);
  await client.closed;
  expect(d.daemon.stats().http2Floods).toBe(1);
  await using other = await H2Client.connect(d.port);
  expect(new TextDecoder().decode((await other.response(other.request("GET", "/hello"), 2000)).body)).toBe("Hello, world!");
});

test("CONTINUATION flood (CVE-2024-27316): a header block that never ends is cut off at its limit", async () => {
  await using d = startDaemon({ "/": hello() });
  await using client = await H2Client.connect(d.port);
  client.send(frameBytes(FRAME_HEADERS, 0, 1, new Uint8Array([0x82]))); // :method GET, no END_HEADERS
  const junk = new Uint8Array(16_384).fill(0x82); // indexed :method GET, over and over
  for (let i = 0; i < 10 && !client.isClosed; i++) client.send(frameBytes(FRAME_CONTINUATION, 0, 1, junk));
  expect((await client.waitForGoaway()).errorCode).toBe(ENHANCE_YOUR_CALM);
  await client.closed;
  await stillServes(d.port);
});

test("HPACK bomb: a small block expanding past the header list limit gets 431, the connection serves on", async () => {
  await using d = startDaemon({ "/": hello() });
  await using client = await H2Client.connect(d.port, { decode: responseDecoder() });
  // One 4,000-byte field added to the dynamic table (literal with incremental indexing, new name),
  // then referenced 100 times by index 62: ~400 KB of fields from a ~4 KB block.
  const value = "v".repeat(4000);
  const literal = [0x40, 0x01, 0x78, 0x7f, ...encodeInteger(value.length - 127), ...Buffer.from(value)];
  const block = new Uint8Array([0x82, 0x86, 0x84, 0x41, 0x01, 0x78, ...literal, ...new Array(100).fill(0xbe)]);
  client.send(frameBytes(FRAME_HEADERS, FLAG_END_HEADERS | 0x1, 1, block));
  const res = await client.response(1);
  expect(field(res.headers, ":status")).toBe("431");
  // The dynamic table stayed in step: the next request decodes and is answered.
  client.sendHeaders(3, GET, true);
  expect(new TextDecoder().decode((await client.response(3)).body)).toBe("Hello, world!");
});

test("SETTINGS, PING and empty DATA floods end the connection with ENHANCE_YOUR_CALM", async () => {
  await using d = startDaemon({ "/": hello() });
  const floods: ((c: H2Client) => void)[] = [
    (c) => c.sendSettings([]),
    (c) => c.sendPing(),
    (c) => c.send(frameBytes(FRAME_DATA, 0, 1, new Uint8Array(0))),
  ];
  for (const flood of floods) {
    await using client = await H2Client.connect(d.port, { autoAck: true });
    client.sendHeaders(
      1,
      [...GET.slice(0, 3), [":path", "/"], ["content-length", "1"]].map(([n, v]) => [n, v]) as [string, string][],
      false,
    );
    for (let i = 0; i < 1000 && !client.isClosed; i++) flood(client);
    expect((await client.waitForGoaway()).errorCode).toBe(ENHANCE_YOUR_CALM);
    await client.closed;
  }
  expect(d.daemon.stats().http2Floods).toBe(3);
  await stillServes(d.port);
});

test("a client that never opens its window is closed after the send timeout", async () => {
  class Big extends HttpServlet {
    override processRequest(): void {
      this.sendDocument(200, "application/octet-stream", new Uint8Array(100_000));
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Big(s)), "/hello": hello() }, { sendTimeoutMs: 300 });
  await using client = await H2Client.connect(d.port, { settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 0]], autoWindowUpdate: false });
  client.request("GET", "/");
  const goaway = await client.waitForGoaway(3000);
  expect(goaway.errorCode).toBe(ENHANCE_YOUR_CALM);
  await client.closed;
  expect(await firstValue(() => (d.daemon.stats().open === 0 ? true : undefined), 3000)).toBe(true);
});

test("stream-id exhaustion: the last odd id is served, nothing after it can open a stream", async () => {
  await using d = startDaemon({ "/": hello() });
  await using client = await H2Client.connect(d.port);
  const last = 0x7fffffff;
  client.sendHeaders(last, GET, true);
  expect(new TextDecoder().decode((await client.response(last)).body)).toBe("Hello, world!");
  client.sendHeaders(1, GET, true); // lower than one opened: §5.1.1
  expect((await client.waitForGoaway()).errorCode).toBe(PROTOCOL_ERROR);
});

/** RFC 7541 §5.1 continuation bytes of an integer whose prefix was filled. */
function encodeInteger(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
