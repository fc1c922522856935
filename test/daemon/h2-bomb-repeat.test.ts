/**
 * HPACK bombs repeated on one connection (found by the stress probe "h2 hpack bomb"): each bomb
 * alone is answered 431 and the connection serves on (h2-abuse.test.ts), but a client that sends
 * nothing else keeps the server decoding 400 KB of fields per ~100-byte request — 51,356 of them
 * in 1.5 s from 4 connections, the server at 99% CPU and a normal client on another connection at
 * p99 1.76 s (`npm run stress -- --quick --only h2-hpack-bomb`). nginx 1.22 ends such a
 * connection with GOAWAY ENHANCE_YOUR_CALM after its first bomb. SPEC §11 asks the same of
 * abusive patterns: a run of bombs is one, and must end the connection.
 */
import { expect, test } from "bun:test";
import { ENHANCE_YOUR_CALM } from "../../src/parser/h2/errors.ts";
import { FLAG_END_HEADERS, FLAG_END_STREAM, FRAME_HEADERS } from "../../src/parser/h2/frame.ts";
import { H2Client, frameBytes } from "../helpers/h2-client.ts";
import { encodeLiteralFields } from "../helpers/h2-literal-fields.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

/** Bombs sent on the connection: far more than a client that made a mistake would send. */
const BOMBS = 1000;
const GET = encodeLiteralFields([
  [":method", "GET"],
  [":scheme", "http"],
  [":authority", "x"],
  [":path", "/"],
]);

test("a run of HPACK bombs on one connection ends it with GOAWAY ENHANCE_YOUR_CALM", async () => {
  await using d = startDaemon({ "/": new FnServer((s) => new TextServlet(s, "Hello, world!")) });
  await using client = await H2Client.connect(d.port);
  // The first block puts `x-bomb: v×4000` in the dynamic table (RFC 7541 §6.2.1); every later one
  // references it 100 times (index 62, §2.3.3): ~100 bytes that expand to 400 KB of fields.
  const entry = Buffer.concat([Buffer.from([0x40, 0x06]), Buffer.from("x-bomb"), Buffer.from([0x7f, 0xa1, 0x1e]), Buffer.alloc(4000, "v")]);
  const flags = FLAG_END_HEADERS | FLAG_END_STREAM;
  const frames: Uint8Array[] = [frameBytes(FRAME_HEADERS, flags, 1, Buffer.concat([GET, entry]))];
  for (let i = 1; i < BOMBS; i++) frames.push(frameBytes(FRAME_HEADERS, flags, 1 + 2 * i, Buffer.concat([GET, Buffer.alloc(100, 0xbe)])));
  client.send(Buffer.concat(frames));
  expect((await client.waitForGoaway(3000)).errorCode).toBe(ENHANCE_YOUR_CALM);
  await client.closed;
}, 10_000);
