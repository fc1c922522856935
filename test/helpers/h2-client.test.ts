/**
 * The test HTTP/2 client itself: its frame reader against every TCP split, and the whole client
 * against a real HTTP/2 server, Bun.serve({ http2: true }), over h2c by prior knowledge and over
 * TLS with ALPN h2.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeGoaway, writeSettings, writeWindowUpdate } from "../../src/http/h2/frame-writer.ts";
import { PROTOCOL_ERROR } from "../../src/parser/h2/errors.ts";
import {
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_SETTINGS,
} from "../../src/parser/h2/frame.ts";
import { H2Client, frameBytes } from "./h2-client.ts";
import { H2FrameReader } from "./h2-frame-reader.ts";
import { encodeLiteralFields } from "./h2-literal-fields.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "tls");
const CERT = readFileSync(join(FIXTURES, "localhost.crt"), "utf8");
const KEY = readFileSync(join(FIXTURES, "localhost.key"), "utf8");

/** A server's SETTINGS frame as our writer makes it. */
function settingsFrameOf(): Uint8Array {
  const out = new Uint8Array(64);
  return out.slice(0, writeSettings(out, 0));
}

/** What a server might send: SETTINGS, a field block in three frames, padded DATA, WINDOW_UPDATE, GOAWAY with debug data. */
function serverStream(): Uint8Array {
  const parts: Uint8Array[] = [];
  parts.push(settingsFrameOf());
  parts.push(frameBytes(FRAME_HEADERS, 0, 1, Uint8Array.from([1, 2, 3])));
  parts.push(frameBytes(FRAME_CONTINUATION, 0, 1, Uint8Array.from([4])));
  parts.push(frameBytes(FRAME_CONTINUATION, FLAG_END_HEADERS, 1, Uint8Array.from([5, 6])));
  parts.push(frameBytes(FRAME_DATA, FLAG_PADDED | FLAG_END_STREAM, 1, Uint8Array.from([2, 0x68, 0x69, 0, 0])));
  const more = new Uint8Array(64);
  let p = writeWindowUpdate(more, 0, 0, 1000);
  p = writeGoaway(more, p, 1, 0);
  parts.push(more.slice(0, p));
  const debug = Buffer.from("bye");
  const g = frameBytes(FRAME_GOAWAY, 0, 0, Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 2, ...debug]));
  parts.push(g);
  return Buffer.concat(parts);
}

/** Feeds `data` in pieces ending at `cuts`; the frames as short text, the blocks the decoder saw, and the error. */
function readInPieces(data: Uint8Array, cuts: number[]) {
  const blocks: number[][] = [];
  const reader = new H2FrameReader(16384, (block) => {
    blocks.push([...block]);
    return [["n", String(block.length)]];
  });
  const frames: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    // A fresh copy each time: the reader must not keep a view of a chunk it was given.
    for (const f of reader.receive(data.slice(from, cut)))
      frames.push(JSON.stringify({ ...f, payload: [...f.payload], block: f.block && [...f.block] }));
    from = cut;
  }
  return { frames, blocks, error: reader.error };
}

describe("H2FrameReader: any TCP split", () => {
  test("whole, at every split and byte by byte: the same frames, each block decoded once, in order", () => {
    const data = serverStream();
    const whole = readInPieces(data, [data.length]);
    expect(whole.error).toBe("");
    expect(whole.frames.length).toBe(8);
    expect(whole.blocks).toEqual([[1, 2, 3, 4, 5, 6]]);
    const types = whole.frames.map((f) => JSON.parse(f).type);
    expect(types).toEqual([
      FRAME_SETTINGS,
      FRAME_HEADERS,
      FRAME_CONTINUATION,
      FRAME_CONTINUATION,
      FRAME_DATA,
      8,
      FRAME_GOAWAY,
      FRAME_GOAWAY,
    ]);
    const data1 = JSON.parse(whole.frames[4]!);
    expect([data1.payload, data1.padLength]).toEqual([[0x68, 0x69], 2]);
    expect(JSON.parse(whole.frames[7]!)).toMatchObject({ lastStreamId: 1, errorCode: 2, debug: "bye" });
    const each: number[] = [];
    for (let s = 1; s <= data.length; s++) each.push(s);
    expect(readInPieces(data, each)).toEqual(whole);
    for (let s = 1; s < data.length; s++) expect(readInPieces(data, [s, data.length])).toEqual(whole);
  });

  test("a frame inside a field block, a stray CONTINUATION, a bad frame: reported, not thrown", () => {
    const open = frameBytes(FRAME_HEADERS, 0, 1, Uint8Array.from([1]));
    const ping = frameBytes(FRAME_PING, 0, 0, new Uint8Array(8));
    expect(readInPieces(Buffer.concat([open, ping]), [open.length + ping.length]).error).toMatch(/inside a field block/);
    const stray = frameBytes(FRAME_CONTINUATION, FLAG_END_HEADERS, 1, Uint8Array.from([1]));
    expect(readInPieces(stray, [stray.length]).error).toMatch(/without HEADERS/);
    const bad = frameBytes(FRAME_PING, 0, 1, new Uint8Array(8));
    expect(readInPieces(bad, [bad.length]).error).toMatch(/bad frame/);
  });
});

/** Bun.serve with HTTP/2: answers `METHOD path x-echo body`. */
function startBunH2(tls: boolean) {
  return Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    http2: true,
    ...(tls ? { tls: { cert: CERT, key: KEY } } : {}),
    async fetch(req) {
      const url = new URL(req.url);
      return new Response(`${req.method} ${url.pathname}${url.search} ${req.headers.get("x-echo") ?? "-"} ${await req.text()}`);
    },
  } as Parameters<typeof Bun.serve>[0]);
}

describe("H2Client against Bun.serve({ http2: true })", () => {
  for (const tls of [false, true]) {
    const how = tls ? "TLS with ALPN h2" : "h2c by prior knowledge";
    test(`${how}: SETTINGS both ways, a GET and a POST on one connection`, async () => {
      using server = startBunH2(tls);
      await using client = await H2Client.connect(server.port!, tls ? { tls: { ca: CERT } } : {});
      if (tls) expect(client.alpnProtocol).toBe("h2");
      const settings = await client.nextFrame(FRAME_SETTINGS);
      expect(settings.flags & FLAG_ACK).toBe(0);
      const ack = await client.nextFrame(FRAME_SETTINGS); // the server acknowledging ours
      expect(ack.flags).toBe(FLAG_ACK);

      const get = client.request("GET", "/hello?x=1", { headers: [["x-echo", "literal fields"]] });
      const post = client.request("POST", "/upload", { body: "a body" });
      expect([get, post]).toEqual([1, 3]);
      const [a, b] = await Promise.all([client.response(get), client.response(post)]);
      expect(Buffer.from(a.body).toString()).toBe("GET /hello?x=1 literal fields ");
      expect(Buffer.from(b.body).toString()).toBe("POST /upload - a body");
      expect(a.head.block!.length).toBeGreaterThan(0);
      expect(a.frames.at(-1)!.flags & FLAG_END_STREAM).toBe(FLAG_END_STREAM);
    });
  }

  test("a header value longer than a frame goes out as HEADERS + CONTINUATION and is understood", async () => {
    using server = startBunH2(false);
    await using client = await H2Client.connect(server.port!);
    const long = "v".repeat(10_000);
    const block = encodeLiteralFields([["x-echo", long]]);
    expect(block.length).toBeGreaterThan(10_000);
    client.serverSettings.maxFrameSize = 4096; // split smaller than the server allows, to force CONTINUATIONs
    const id = client.request("GET", "/", { headers: [["x-echo", long]] });
    expect(Buffer.from((await client.response(id)).body).toString()).toBe(`GET / ${long} `);
  });

  test("an invalid frame: GOAWAY PROTOCOL_ERROR, then the connection closes", async () => {
    using server = startBunH2(false);
    await using client = await H2Client.connect(server.port!);
    await client.nextFrame(FRAME_SETTINGS);
    client.sendFrame(FRAME_PING, 0, 1, new Uint8Array(8)); // RFC 9113 §6.7: PING on a stream
    const goaway = await client.waitForGoaway();
    expect(goaway.errorCode).toBe(PROTOCOL_ERROR);
    await client.closed;
    expect(client.isClosed).toBe(true);
    await expect(client.nextFrame(FRAME_DATA, 100)).rejects.toThrow(/connection closed/);
  });

  test("nextFrame gives up after its timeout and says what came", async () => {
    using server = startBunH2(false);
    await using client = await H2Client.connect(server.port!);
    await client.nextFrame(FRAME_SETTINGS);
    await expect(client.nextFrame(FRAME_DATA, 50)).rejects.toThrow(/no frame of type 0 within 50 ms; received: 4\//);
  });
});

describe("H2Client against a scripted server", () => {
  test("a response whose field block spans HEADERS + CONTINUATION: decoded once, whole; CONTINUATION not queued", async () => {
    const sent = Buffer.concat([
      settingsFrameOf(),
      frameBytes(FRAME_HEADERS, 0, 1, Uint8Array.from([1, 2])),
      frameBytes(FRAME_CONTINUATION, FLAG_END_HEADERS, 1, Uint8Array.from([3])),
      frameBytes(FRAME_DATA, FLAG_END_STREAM, 1, Buffer.from("body")),
    ]);
    const prefaceSeen = Promise.withResolvers<void>();
    using listener = Bun.listen<string>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        // Once, on the client's first bytes (its preface); its SETTINGS ACK later gets nothing.
        data: (socket) => {
          if (socket.data === "answered") return;
          socket.data = "answered";
          socket.write(sent);
          prefaceSeen.resolve();
        },
      },
    });
    const blocks: number[][] = [];
    await using client = await H2Client.connect(listener.port, {
      decode: (block) => {
        blocks.push([...block]);
        return [[":status", "200"]];
      },
    });
    await prefaceSeen.promise;
    const res = await client.response(1);
    expect(blocks).toEqual([[1, 2, 3]]);
    expect(res.headers).toEqual([[":status", "200"]]);
    expect(Buffer.from(res.body).toString()).toBe("body");
    expect(res.frames.map((f) => f.type)).toEqual([FRAME_HEADERS, FRAME_DATA]);
    expect(client.received.map((f) => f.type)).toEqual([FRAME_SETTINGS, FRAME_HEADERS, FRAME_CONTINUATION, FRAME_DATA]);
    expect(client.queue.map((f) => f.type)).toEqual([FRAME_SETTINGS]);
  });
});
