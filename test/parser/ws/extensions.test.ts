import { expect, test } from "bun:test";
import { E_WS_BAD_EXTENSIONS_HEADER } from "../../../src/parser/ws/errors.ts";
import { DEFLATE_ACCEPTED, DEFLATE_NONE, DeflateOffer, choosePermessageDeflate } from "../../../src/parser/ws/extensions.ts";
import { NO_PROTOCOL, chooseProtocol } from "../../../src/parser/ws/protocols.ts";
import { latin1Bytes } from "./ws-build.ts";

type Fields = Partial<Omit<DeflateOffer, "reset">>;

/** [header value, expected result, the accepted offer's fields]. */
const ROWS: [string, number, Fields?][] = [
  ["permessage-deflate", DEFLATE_ACCEPTED, {}],
  // What Python's websockets client offers by default (checked live in test/http/ws/permessage-deflate.test.ts).
  ["permessage-deflate; client_max_window_bits", DEFLATE_ACCEPTED, { clientMaxWindowBitsOffered: true, clientMaxWindowBits: 0 }],
  // Chromium's offer.
  ["permessage-deflate; client_max_window_bits", DEFLATE_ACCEPTED, { clientMaxWindowBitsOffered: true }],
  // Firefox's.
  ["permessage-deflate", DEFLATE_ACCEPTED, {}],
  [
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15; client_max_window_bits=12",
    DEFLATE_ACCEPTED,
    {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 12,
      clientMaxWindowBitsOffered: true,
    },
  ],
  // We always compress with a 32 KiB window (a report is compressed once for every subscriber):
  // an offer that limits it is declined (RFC 7692 §7.1.2.1), the next one taken.
  ["permessage-deflate; server_max_window_bits=10", DEFLATE_NONE],
  [
    "permessage-deflate; server_max_window_bits=14, permessage-deflate; client_max_window_bits",
    DEFLATE_ACCEPTED,
    { serverMaxWindowBits: 0, clientMaxWindowBitsOffered: true },
  ],
  ['permessage-deflate; server_max_window_bits="15"', DEFLATE_ACCEPTED, { serverMaxWindowBits: 15 }],
  ["Permessage-Deflate ; Client_Max_Window_Bits = 9", DEFLATE_ACCEPTED, { clientMaxWindowBits: 9 }],
  ["  ,permessage-deflate  ,", DEFLATE_ACCEPTED, {}],
  // RFC 7692 §7.1: an unacceptable offer is declined and the next one considered.
  ["permessage-deflate; server_max_window_bits=8, permessage-deflate", DEFLATE_ACCEPTED, { serverMaxWindowBits: 0 }],
  [
    "permessage-deflate; unknown_param, permessage-deflate; client_no_context_takeover",
    DEFLATE_ACCEPTED,
    { clientNoContextTakeover: true },
  ],
  ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", DEFLATE_NONE],
  ["permessage-deflate; client_max_window_bits=7", DEFLATE_NONE],
  ["permessage-deflate; client_max_window_bits=16", DEFLATE_NONE],
  ["permessage-deflate; client_max_window_bits=010", DEFLATE_NONE],
  ["permessage-deflate; server_max_window_bits", DEFLATE_NONE],
  ["permessage-deflate; server_max_window_bits=abc", DEFLATE_NONE],
  ["permessage-deflate; server_no_context_takeover=1", DEFLATE_NONE],
  ['permessage-deflate; client_max_window_bits="1 5"', DEFLATE_NONE],
  ["x-webkit-deflate-frame", DEFLATE_NONE],
  ["foo; bar=baz, x-other", DEFLATE_NONE],
  ['foo; bar="a,b;c", permessage-deflate', DEFLATE_ACCEPTED, {}],
  ["", DEFLATE_NONE],
  // Broken grammar: no extension at all.
  ["permessage-deflate; ", E_WS_BAD_EXTENSIONS_HEADER],
  ["permessage-deflate; =1", E_WS_BAD_EXTENSIONS_HEADER],
  ['permessage-deflate; client_max_window_bits="10', E_WS_BAD_EXTENSIONS_HEADER],
  ["permessage-deflate x", E_WS_BAD_EXTENSIONS_HEADER],
  ["(bad)", E_WS_BAD_EXTENSIONS_HEADER],
  ["foo; a=, permessage-deflate", E_WS_BAD_EXTENSIONS_HEADER],
];

test("Sec-WebSocket-Extensions offers: the first acceptable permessage-deflate is taken, bad ones declined", () => {
  const offer = new DeflateOffer();
  for (const [value, expected, fields] of ROWS) {
    const bytes = latin1Bytes(`X${value}Y`);
    const r = choosePermessageDeflate(bytes, 1, bytes.length - 1, offer);
    if (r !== expected) throw new Error(`${JSON.stringify(value)}: ${r}, expected ${expected}`);
    if (fields) expect({ value, ...offer }).toMatchObject({ value, ...fields });
  }
});

test("Sec-WebSocket-Protocol: the server's first choice the client offered", () => {
  const choose = (value: string, choices: string[]) => {
    const bytes = latin1Bytes(`[${value}]`);
    return chooseProtocol(bytes, 1, bytes.length - 1, choices);
  };
  expect(choose("chat, superchat", ["superchat", "chat"])).toBe(0);
  expect(choose("chat, superchat", ["chat", "superchat"])).toBe(0);
  expect(choose("v1.json ,  v2.json", ["v3", "v2.json"])).toBe(1);
  expect(choose("chat", ["Chat"])).toBe(NO_PROTOCOL);
  expect(choose("", ["chat"])).toBe(NO_PROTOCOL);
  expect(choose("chat", [])).toBe(NO_PROTOCOL);
  expect(choose("ch at, chat2", ["ch at", "chat"])).toBe(NO_PROTOCOL);
  expect(choose(",,chat,,", ["chat"])).toBe(0);
  expect(choose("chatty", ["chat"])).toBe(NO_PROTOCOL);
  expect(choose("a\tb, c", ["c"])).toBe(0);
  expect(choose("x", [""])).toBe(NO_PROTOCOL);
});

test("random mutations of offers and protocol lists: never a throw, always one of the three answers", () => {
  let seed = 7692;
  const r = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const offer = new DeflateOffer();
  const special = [0x2c, 0x3b, 0x3d, 0x22, 0x5c, 0x20, 0x09, 0x00, 0xff, 0x31, 0x38];
  for (let trial = 0; trial < 20_000; trial++) {
    const base = ROWS[Math.floor(r() * ROWS.length)]![0];
    const bytes = [...latin1Bytes(base)];
    for (let m = Math.floor(r() * 4); m > 0; m--) {
      const at = Math.floor(r() * (bytes.length + 1));
      const pick = r();
      if (pick < 0.4) bytes.splice(at, 0, special[Math.floor(r() * special.length)]!);
      else if (pick < 0.7) bytes.splice(at, 1);
      else bytes[at] = Math.floor(r() * 256);
    }
    const input = Uint8Array.from(bytes);
    const result = choosePermessageDeflate(input, 0, input.length, offer);
    expect([DEFLATE_ACCEPTED, DEFLATE_NONE, E_WS_BAD_EXTENSIONS_HEADER]).toContain(result);
    if (result === DEFLATE_ACCEPTED && offer.serverMaxWindowBits !== 0) expect(offer.serverMaxWindowBits).toBeWithin(9, 16);
    expect(chooseProtocol(input, 0, input.length, ["chat", "permessage-deflate"])).toBeWithin(-1, 2);
  }
});
