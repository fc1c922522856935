import { describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import { PEERS } from "../../../scripts/peers.ts";
import { WsMessageReader, type WsMessageHandler } from "../../../src/daemon/ws-message-reader.ts";
import { acceptKey } from "../../../src/http/ws/accept-key.ts";
import { MAX_SERVER_FRAME_HEAD, writeClose, writeFrameHead } from "../../../src/http/ws/frame-writer.ts";
import { WS_DEFLATE_MIN_MESSAGE } from "../../../src/http/ws/limits.ts";
import {
  DEFLATE_RESPONSE,
  DEFLATE_TAIL_LENGTH,
  compressMessage,
  compressWindowBits,
  deflateResponse,
  inflateMessage,
  shouldCompress,
} from "../../../src/http/ws/permessage-deflate.ts";
import { E_WS_INFLATE_FAILED, E_WS_INFLATE_TOO_BIG } from "../../../src/parser/ws/errors.ts";
import { DEFLATE_ACCEPTED, DeflateOffer, choosePermessageDeflate } from "../../../src/parser/ws/extensions.ts";
import { OPCODE_BINARY, OPCODE_TEXT } from "../../../src/parser/ws/frame-reader.ts";
import { peerTest } from "../../helpers/peers.ts";
import { latin1Bytes, utf8Bytes } from "../../parser/ws/ws-build.ts";

/** Inflates `compressed` through inflateMessage (which wants 4 spare bytes after the data). */
function inflate(compressed: Uint8Array, max: number): Uint8Array | number {
  const buf = new Uint8Array(compressed.length + DEFLATE_TAIL_LENGTH);
  buf.set(compressed);
  return inflateMessage(buf, 0, compressed.length, max);
}

describe("compress and inflate", () => {
  test("round trip of texts and binaries of many sizes; the sync-flush tail is removed (RFC 7692 §7.2.1)", () => {
    for (const n of [0, 1, 63, 64, 1000, 70_000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31) % 251);
      const z = compressMessage(data);
      expect(Buffer.from(z.subarray(-4)).toString("hex")).not.toBe("0000ffff");
      const back = inflate(z, n);
      expect(back).toBeInstanceOf(Uint8Array);
      expect(Bun.deepEquals(new Uint8Array(back as Uint8Array), data)).toBe(true);
    }
    // §7.2.3.6: an empty message compresses to the single byte 00.
    expect([...compressMessage(new Uint8Array(0))]).toEqual([0]);
  });

  test('RFC 7692 §7.2.3.1\'s example "Hello" inflates', () => {
    const out = inflate(Uint8Array.of(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), 5);
    expect(new TextDecoder().decode(out as Uint8Array)).toBe("Hello");
  });

  test("a smaller window (server_max_window_bits) still round-trips", () => {
    const data = latin1Bytes("abcdefgh".repeat(2000));
    expect(Bun.deepEquals(new Uint8Array(inflate(compressMessage(data, 9), data.length) as Uint8Array), data)).toBe(true);
  });

  test("a 10 MB zero bomb (~10 KB compressed) is E_WS_INFLATE_TOO_BIG, costing about the limit, not 10 MB", () => {
    const bomb = compressMessage(new Uint8Array(10 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(12 * 1024);
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    let worst = 0;
    for (let i = 0; i < 30; i++) {
      expect(inflate(bomb, 64 * 1024)).toBe(E_WS_INFLATE_TOO_BIG);
      worst = Math.max(worst, process.memoryUsage().rss - before);
    }
    // Measured: under 2 MB. Inflating the bombs whole would pass 300 MB through.
    expect(worst).toBeLessThan(24 * 1024 * 1024);
  });

  test("the limit is inclusive; a zero limit admits only the empty message; garbage is E_WS_INFLATE_FAILED", () => {
    const z = compressMessage(new Uint8Array(100));
    expect((inflate(z, 100) as Uint8Array).length).toBe(100);
    expect(inflate(z, 99)).toBe(E_WS_INFLATE_TOO_BIG);
    expect((inflate(compressMessage(new Uint8Array(0)), 0) as Uint8Array).length).toBe(0);
    expect(inflate(compressMessage(new Uint8Array(1)), 0)).toBe(E_WS_INFLATE_TOO_BIG);
    expect(inflate(Uint8Array.of(0xff, 0xff, 0xff), 100)).toBe(E_WS_INFLATE_FAILED);
  });

  test("the answer asks for no context takeover both ways, and echoes server_max_window_bits=15 when offered", () => {
    const offer = new DeflateOffer();
    expect(deflateResponse(offer)).toBe("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    expect(compressWindowBits(offer)).toBe(15);
    // The only server window an accepted offer can name (extensions.ts declines smaller ones).
    offer.serverMaxWindowBits = 15;
    expect(deflateResponse(offer)).toBe(`${DEFLATE_RESPONSE}; server_max_window_bits=15`);
    expect(compressWindowBits(offer)).toBe(15);
    expect(shouldCompress(WS_DEFLATE_MIN_MESSAGE - 1)).toBe(false);
    expect(shouldCompress(WS_DEFLATE_MIN_MESSAGE)).toBe(true);
  });
});

/** Python's websockets from Debian's dist-packages (the python3 on PATH may be another build). */
const PYTHON_PATH = dirname(dirname(PEERS["python3-websockets"].file));

describe("a real client: Python's websockets", () => {
  peerTest(
    ["python3-websockets"],
    "its default offer is accepted by our parser, our answer by it; compressed messages cross both ways",
    async () => {
      const received: string[] = [];
      const ended = Promise.withResolvers<void>();
      let offerText = "";
      let head = "";
      let upgraded = false;
      const server = Bun.listen<{ reader: WsMessageReader | null }>({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          open(socket) {
            socket.data = { reader: null };
          },
          data(socket, chunk) {
            if (upgraded) {
              socket.data.reader!.read(chunk, 0, chunk.length);
              return;
            }
            head += chunk.toString("latin1");
            const end = head.indexOf("\r\n\r\n");
            if (end < 0) return;
            const fields = new Map<string, string>();
            for (const line of head.slice(0, end).split("\r\n").slice(1)) {
              const colon = line.indexOf(":");
              fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
            }
            offerText = fields.get("sec-websocket-extensions") ?? "";
            const offerBytes = latin1Bytes(offerText);
            const offer = new DeflateOffer();
            const choice = choosePermessageDeflate(offerBytes, 0, offerBytes.length, offer);
            const answer = choice === DEFLATE_ACCEPTED ? `Sec-WebSocket-Extensions: ${deflateResponse(offer)}\r\n` : "";
            socket.write(
              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                `Sec-WebSocket-Accept: ${acceptKey(fields.get("sec-websocket-key") ?? "")}\r\n${answer}\r\n`,
            );
            upgraded = true;
            const handler: WsMessageHandler = {
              text: (m) => {
                received.push(`text ${m.length} ${m.slice(0, 12)}`);
                if (received.length === 3) reply(socket, compressWindowBits(offer));
              },
              binary: (m) => {
                received.push(`binary ${m.length} ${Buffer.from(m.subarray(0, 4)).toString("hex")}`);
              },
              ping: () => {},
              pong: () => {},
              close: (code) => {
                received.push(`close ${code}`);
                socket.end();
              },
              failed: (code, reason) => {
                received.push(`failed ${code} ${reason}`);
                socket.end();
              },
            };
            const reader = new WsMessageReader(handler, 1 << 20);
            reader.deflate = choice === DEFLATE_ACCEPTED;
            socket.data.reader = reader;
            const rest = Buffer.from(head.slice(end + 4), "latin1");
            if (rest.length > 0) reader.read(rest, 0, rest.length);
          },
          close() {
            ended.resolve();
          },
        },
      });
      try {
        const child = Bun.spawn(["python3", "test/http/ws/python-deflate-client.py", `ws://127.0.0.1:${server.port}/`], {
          env: { ...process.env, PYTHONPATH: PYTHON_PATH },
          stdout: "pipe",
          stderr: "pipe",
        });
        const timer = setTimeout(() => child.kill(), 15_000);
        const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
        clearTimeout(timer);
        await ended.promise;
        if (code !== 0) throw new Error(`python exited ${code}: ${err}`);
        // What Python offered by default, read by our parser as an acceptable offer.
        expect(offerText).toBe("permessage-deflate; client_max_window_bits");
        // It accepted our answer: no context takeover both ways.
        expect(out).toContain("extension permessage-deflate local_no_context_takeover=True remote_no_context_takeover=True");
        // Its compressed messages, inflated by us (the short one too: Python compresses every message).
        expect(received).toEqual([`text 1200 ${"hello hello "}`, `binary 1024 00010203`, "text 5 short", "close 1000"]);
        // Ours, inflated by it: a compressed text, an uncompressed binary below the threshold, then our close.
        expect(out).toContain(`received text 1200 ${"reply reply "}`);
        expect(out).toContain("received binary 3 010203");
        expect(out).toContain("closed 1000");
      } finally {
        server.stop(true);
      }
    },
    30_000,
  );
});

/** Sends a compressed text, a short uncompressed binary and a Close 1000. */
function reply(socket: { write(data: Uint8Array): number }, windowBits: number): void {
  const message = utf8Bytes("reply ".repeat(200));
  const z = compressMessage(message, windowBits);
  const out = new Uint8Array(MAX_SERVER_FRAME_HEAD + z.length + 2 + 3 + 4 + 125);
  let at = writeFrameHead(out, 0, OPCODE_TEXT, true, shouldCompress(message.length), z.length);
  out.set(z, at);
  at += z.length;
  at += writeFrameHead(out, at, OPCODE_BINARY, true, false, 3);
  out.set([1, 2, 3], at);
  at += 3;
  at += writeClose(out, at, 1000, "done");
  socket.write(out.subarray(0, at));
}
