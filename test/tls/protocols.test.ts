/** The protocol list in ALPN wire format, and the one choice of a connection's protocol (RFC 7301). */
import { expect, test } from "bun:test";
import { alpnWire, offeredProtocols, protocolOf } from "../../src/daemon/protocols.ts";

test("ALPN list in wire format: each name after its length byte, h2 first", () => {
  expect([...alpnWire(offeredProtocols(true))]).toEqual([2, ...Buffer.from("h2"), 8, ...Buffer.from("http/1.1")]);
});

test("http2: false offers HTTP/1.1 only", () => {
  expect([...alpnWire(offeredProtocols(false))]).toEqual([8, ...Buffer.from("http/1.1")]);
});

test("a client without ALPN, or with an unknown name, speaks HTTP/1.1; h2 is chosen by name", () => {
  expect(protocolOf(false)).toBe("http/1.1");
  expect(protocolOf(undefined)).toBe("http/1.1");
  expect(protocolOf("http/1.1")).toBe("http/1.1");
  expect(protocolOf("spdy/3")).toBe("http/1.1");
  expect(protocolOf("h2")).toBe("h2");
});
