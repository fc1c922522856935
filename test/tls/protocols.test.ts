/** The protocol list in ALPN wire format, and the one choice of a connection's protocol (RFC 7301). */
import { expect, test } from "bun:test";
import { ALPN_WIRE, protocolOf } from "../../src/daemon/protocols.ts";

test("ALPN list in wire format: each name after its length byte", () => {
  expect([...ALPN_WIRE]).toEqual([8, ...Buffer.from("http/1.1")]);
});

test("a client without ALPN, or with an unknown name, speaks HTTP/1.1", () => {
  expect(protocolOf(false)).toBe("http/1.1");
  expect(protocolOf(undefined)).toBe("http/1.1");
  expect(protocolOf("http/1.1")).toBe("http/1.1");
  expect(protocolOf("spdy/3")).toBe("http/1.1");
});
