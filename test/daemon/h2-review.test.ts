/**
 * HTTP/2 findings of the issue-22 review, each a failing test first: a body that never comes, resets
 * the client makes us send (CVE-2025-8671), one stream's window kept shut while others progress,
 * a retired session asking for its client after its pooled stream served another, a HEADERS frame
 * refused before its block was decoded, and one denied client behind a trusted proxy.
 */
import { expect, test } from "bun:test";
import { HttpServlet } from "../../src/index.ts";
import { ENHANCE_YOUR_CALM, PROTOCOL_ERROR } from "../../src/parser/h2/errors.ts";
import {
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PRIORITY,
  FRAME_HEADERS,
  FRAME_RST_STREAM,
  FRAME_WINDOW_UPDATE,
} from "../../src/parser/h2/frame.ts";
import { SETTINGS_INITIAL_WINDOW_SIZE } from "../../src/parser/h2/settings.ts";
import { H2Client, frameBytes } from "../helpers/h2-client.ts";
import { field, responseDecoder } from "../helpers/h2-decode.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const POST: [string, string][] = [
  [":method", "POST"],
  [":scheme", "http"],
  [":authority", "x"],
  [":path", "/"],
];

test("a body that never comes is a 408 after the body timeout, and the stream ends (as over HTTP/1)", async () => {
  class Upload extends HttpServlet {
    override async processRequest(): Promise<void> {
      this.sendDocument(200, "text/plain", String((await this.content()).length));
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Upload(s)) }, { bodyIdleTimeoutMs: 300 });
  await using client = await H2Client.connect(d.port, { decode: responseDecoder() });
  client.sendHeaders(1, [...POST, ["content-length", "1000"]], false);
  client.sendData(1, "a"); // a byte, then nothing
  const res = await client.response(1, 3000).catch((e) => e);
  const head = res instanceof Error ? client.received.find((f) => f.type === FRAME_HEADERS && f.streamId === 1) : res.head;
  expect(field(head?.headers, ":status")).toBe("408");
  expect(d.daemon.stats().timeouts).toBe(1);
  expect(d.daemon.stats().open).toBe(1); // the connection goes on
});

test("resets the client makes us send (a zero WINDOW_UPDATE on an open stream) spend the rapid-reset budget", async () => {
  const started: string[] = [];
  class Slow extends HttpServlet {
    override processRequest(): void {
      started.push("x"); // answered never: only the reset ends it
    }
  }
  await using d = startDaemon({ "/": new FnServer((s) => new Slow(s)) });
  await using client = await H2Client.connect(d.port);
  for (let id = 1; id < 3000 && !client.isClosed; id += 2) {
    client.sendHeaders(id, [...POST.slice(0, 3), [":path", "/"]], true);
    client.send(frameBytes(FRAME_WINDOW_UPDATE, 0, id, new Uint8Array(4))); // increment 0: a stream error
  }
  expect((await client.waitForGoaway()).errorCode).toBe(ENHANCE_YOUR_CALM);
  expect(started.length).toBeLessThan(400);
});

test("one stream's window kept shut ends the connection after the send timeout, however the others progress", async () => {
  await using d = startDaemon(
    { "/big": new FnServer((s) => new TextServlet(s, "x".repeat(2000))), "/": new FnServer((s) => new TextServlet(s, "ok")) },
    { sendTimeoutMs: 1000 },
  );
  await using client = await H2Client.connect(d.port, { settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 100]], autoWindowUpdate: false });
  client.request("GET", "/big"); // blocked after 100 bytes, for good
  const start = Date.now();
  let served = 0;
  // Other streams keep being served (and the connection's window kept open) for 3 send timeouts.
  while (!client.isClosed && Date.now() - start < 3000) {
    const ids = Array.from({ length: 50 }, () => client.request("GET", "/"));
    try {
      for (const id of ids) if ((await client.response(id, 2000)).body.length > 0) served++;
    } catch {
      break;
    }
    client.sendWindowUpdate(0, 10_000);
    client.received.length = 0;
  }
  expect(
    client.isClosed ||
      (await client.waitForGoaway(500).then(
        () => true,
        () => false,
      )),
  ).toBe(true);
  expect(d.daemon.stats().http2Floods).toBe(1);
  expect(served).toBeGreaterThan(0);
});

test("a retired session's client stays its own after its pooled stream serves another client", async () => {
  let first: HttpServlet | null = null;
  await using d = startDaemon(
    {
      "/a": new FnServer((s) => (first = new TextServlet(s, "a"))),
      "/b": new FnServer((s) => new TextServlet(s, s.clientHost())),
    },
    { trustProxy: ["127.0.0.1/32"] },
  );
  await using client = await H2Client.connect(d.port);
  await client.response(client.request("GET", "/a", { headers: [["x-forwarded-for", "198.51.100.1"]] }));
  const b = await client.response(client.request("GET", "/b", { headers: [["x-forwarded-for", "203.0.113.9"]] }));
  expect(text(b.body)).toBe("203.0.113.9"); // the second request reused the first one's stream object
  expect(first!.clientHost()).toBe("198.51.100.1");
});

test("a HEADERS frame reset for depending on itself still feeds the dynamic table; its id counts as used", async () => {
  await using d = startDaemon({ "/": new FnServer((s) => new TextServlet(s, "ok")) });
  await using client = await H2Client.connect(d.port, { decode: responseDecoder() });
  // Stream 1 depends on itself (RFC 9113 §5.3.1) and adds "x-a: 1" to the table (literal with indexing).
  const priority = [0, 0, 0, 1, 16]; // dependency 1, weight
  const block = [0x82, 0x86, 0x84, 0x41, 0x01, 0x78, 0x40, 0x03, 0x78, 0x2d, 0x61, 0x01, 0x31];
  client.send(frameBytes(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM | FLAG_PRIORITY, 1, new Uint8Array([...priority, ...block])));
  expect((await client.nextFrame(FRAME_RST_STREAM, 2000, 1)).errorCode).toBe(PROTOCOL_ERROR);
  // Stream 3 refers to that entry (index 62) and to :authority x by index 63: both must decode.
  client.send(frameBytes(FRAME_HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3, new Uint8Array([0x82, 0x86, 0x84, 0xbf, 0xbe])));
  expect(text((await client.response(3)).body)).toBe("ok");
});

test("behind a trusted proxy, a denied client's stream gets 403; the others on the connection go on", async () => {
  await using d = startDaemon(
    { "/": new FnServer((s) => new TextServlet(s, "ok")) },
    { trustProxy: ["127.0.0.1/32"], deny: ["203.0.113.0/24"] },
  );
  await using client = await H2Client.connect(d.port, { decode: responseDecoder() });
  const denied = client.request("GET", "/", { headers: [["x-forwarded-for", "203.0.113.9"]] });
  const allowed = client.request("GET", "/", { headers: [["x-forwarded-for", "198.51.100.1"]] });
  expect(field((await client.response(denied)).headers, ":status")).toBe("403");
  expect(text((await client.response(allowed)).body)).toBe("ok");
  expect(d.daemon.stats().denied).toBe(1);
});
