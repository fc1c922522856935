/**
 * The HTTP/2 frame layer against a real peer, Python's h2 (test/helpers/h2-peer.py): frames h2
 * writes parse with ours, whole and byte by byte; frames our writer makes are read by h2 as a
 * client reads a server. No sockets: bytes go through the child's stdin and stdout.
 */
import { describe, expect } from "bun:test";
import {
  writeGoaway,
  writePingAck,
  writeRstStream,
  writeSettings,
  writeSettingsAck,
  writeWindowUpdate,
} from "../../src/http/h2/frame-writer.ts";
import { CANCEL, ENHANCE_YOUR_CALM, INCOMPLETE, REFUSED_STREAM } from "../../src/parser/h2/errors.ts";
import {
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLAG_PRIORITY,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_PRIORITY,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  FRAME_WINDOW_UPDATE,
  readErrorCode,
  readUint31,
  readWindowIncrement,
} from "../../src/parser/h2/frame.ts";
import { CLIENT_PREFACE } from "../../src/parser/h2/preface.ts";
import { PeerSettings, applySettings } from "../../src/parser/h2/settings.ts";
import { headersFrames, settingsFrame } from "../helpers/h2-client.ts";
import { encodeLiteralFields } from "../helpers/h2-literal-fields.ts";
import { peerTest } from "../helpers/peers.ts";
import type { FrameFields } from "../parser/h2/frame-cases.ts";
import { readFrameStream } from "../parser/h2/frame-replay.ts";

const PEER_SCRIPT = "test/helpers/h2-peer.py";
const MAX_FRAME = 16384;
const PEER_TIMEOUT_MS = 20_000;

/** Runs h2-peer.py in `mode` with `input` (hex) on stdin; its stdout. */
function peer(mode: string, input = ""): string {
  const r = Bun.spawnSync(["python3", PEER_SCRIPT, mode], {
    stdin: Buffer.from(input),
    stdout: "pipe",
    stderr: "pipe",
    timeout: PEER_TIMEOUT_MS,
  });
  if (r.exitCode !== 0) throw new Error(`h2-peer.py ${mode} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

describe("Python's h2 and the frame layer", () => {
  peerTest(["python3-h2"], "frames h2 writes as a client parse with ours, whole and byte by byte", () => {
    const data = Uint8Array.from(Buffer.from(peer("produce"), "hex"));
    const whole = readFrameStream(data, [data.length], MAX_FRAME, true);
    const each: number[] = [];
    for (let s = 1; s <= data.length; s++) each.push(s);
    expect(readFrameStream(data, each, MAX_FRAME, true)).toEqual(whole);
    expect([whole.last, whole.rest]).toEqual([INCOMPLETE, 0]);
    const frames = whole.frames as FrameFields[];
    const byType = (type: number) => frames.filter((f) => f.type === type);
    const bytesOf = (f: FrameFields) => Buffer.from(f.payload, "latin1");

    // SETTINGS (§6.5): h2's initial values, applied as the connection would.
    const payload = bytesOf(byType(FRAME_SETTINGS)[0]!);
    const s = new PeerSettings();
    expect(applySettings(payload, 0, payload.length, s)).toBe(0);
    expect([s.initialWindowSize, s.maxFrameSize, s.enablePush]).toEqual([1 << 20, 32768, 0]);

    // HEADERS with priority (§6.2): weight 201 exclusive on stream 0.
    const [post, get] = byType(FRAME_HEADERS);
    expect(post).toMatchObject({ streamId: 1, flags: FLAG_END_HEADERS | FLAG_PRIORITY, dependency: 0, exclusive: true, weight: 201 });
    expect(get).toMatchObject({ streamId: 3, flags: FLAG_END_HEADERS, weight: 16 });

    // Padded DATA (§6.1): the data without its pad length and 7 bytes of padding.
    const [padded, last] = byType(FRAME_DATA);
    expect(padded).toMatchObject({ streamId: 1, flags: FLAG_PADDED, padLength: 7, payload: "hello, h2" });
    expect(last).toMatchObject({ streamId: 1, flags: FLAG_END_STREAM, padLength: 0, payload: "!" });

    expect(byType(FRAME_PING)[0]!.payload).toBe("pingpong");
    const updates = byType(FRAME_WINDOW_UPDATE).map((f) => [f.streamId, readWindowIncrement(bytesOf(f), 0)]);
    expect(updates).toEqual([
      [0, 1 << 16],
      [3, 4096],
    ]);
    const rst = byType(FRAME_RST_STREAM)[0]!;
    expect([rst.streamId, readErrorCode(bytesOf(rst), 0)]).toEqual([3, CANCEL]);
    expect(byType(FRAME_PRIORITY)[0]).toMatchObject({ streamId: 5, dependency: 3, exclusive: false, weight: 1 });
    const goaway = bytesOf(byType(FRAME_GOAWAY)[0]!);
    expect([readUint31(goaway, 0), readErrorCode(goaway, 4)]).toEqual([0, ENHANCE_YOUR_CALM]);
  });

  peerTest(["python3-h2"], "frames our writer makes are read by h2 as a client reads a server", () => {
    const out = new Uint8Array(256);
    let p = writeSettings(out, 0, {
      maxConcurrentStreams: 100,
      initialWindowSize: 1 << 20,
      maxFrameSize: 16384,
      maxHeaderListSize: 16384,
      headerTableSize: 4096,
    });
    p = writeSettingsAck(out, p);
    p = writePingAck(out, p, Buffer.from("12345678"), 0);
    p = writeWindowUpdate(out, p, 0, 1 << 20);
    p = writeWindowUpdate(out, p, 1, 1000);
    p = writeRstStream(out, p, 1, REFUSED_STREAM);
    p = writeGoaway(out, p, 1, ENHANCE_YOUR_CALM);
    const events = JSON.parse(peer("consume", Buffer.from(out.subarray(0, p)).toString("hex")));
    expect(events).toEqual([
      // h2 reports the settings that differ from its view of the defaults: all six we send.
      { event: "settings", changed: { "1": 4096, "2": 0, "3": 100, "4": 1 << 20, "5": 16384, "6": 16384 } },
      { event: "settings-ack" },
      { event: "ping-ack", data: Buffer.from("12345678").toString("hex") },
      { event: "window-update", stream: 0, delta: 1 << 20 },
      { event: "window-update", stream: 1, delta: 1000 },
      { event: "reset", stream: 1, code: REFUSED_STREAM },
      { event: "goaway", last: 1, code: ENHANCE_YOUR_CALM, debug: null },
    ]);
  });

  peerTest(["python3-h2"], "the test client's request (literal fields, HEADERS + CONTINUATION, DATA) is read by h2 as a server", () => {
    const long = "x".repeat(20_000); // a length that takes a multi-byte HPACK integer (RFC 7541 §5.1)
    const fields: [string, string][] = [
      [":method", "POST"],
      [":scheme", "http"],
      [":authority", "localhost"],
      [":path", "/p?q=1"],
      ["x-long", long],
      ["x-short", "é"],
    ];
    const first = headersFrames(1, encodeLiteralFields(fields), false, 16384);
    expect(first.length).toBe(encodeLiteralFields(fields).length + 2 * 9); // HEADERS + one CONTINUATION
    const bytes = Buffer.concat([
      CLIENT_PREFACE,
      settingsFrame([]),
      first,
      headersFrames(3, encodeLiteralFields(fields.slice(0, 4)), true, 16384),
    ]);
    const requests = JSON.parse(peer("request", bytes.toString("hex")));
    expect(requests).toEqual([
      { stream: 1, headers: fields, ended: false },
      { stream: 3, headers: fields.slice(0, 4), ended: true },
    ]);
  });
});
