/**
 * The HPACK cases of the parser benchmark and the interop tests: the browser request of
 * bench/corpora.ts (703 bytes over HTTP/1.1) as the header list an HTTP/2 client sends for it,
 * and that list encoded as a warm client encoder does it.
 */
import { HpackEncoder } from "../../src/http/h2/hpack-encoder.ts";
import { BROWSER_REQUEST } from "../corpora.ts";

/** RFC 9113 §8.2.2, §8.3.1: Host becomes :authority, connection-specific fields go. */
const DROPPED = new Set(["host", "connection", "keep-alive"]);

/**
 * The browser request as HTTP/2 fields: pseudo-headers, then the rest lowercased, in order; the
 * cookie split into crumbs as Chromium and Firefox send it (RFC 9113 §8.2.3: each crumb its own
 * field, so the unchanged ones stay indexed).
 */
export function browserRequestFields(): [string, string][] {
  const lines = BROWSER_REQUEST.split("\r\n");
  const [method, path] = lines[0]!.split(" ");
  const fields: [string, string][] = [];
  let authority = "";
  for (const line of lines.slice(1)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "host") authority = value;
    if (name === "cookie") for (const crumb of value.split("; ")) fields.push([name, crumb]);
    else if (!DROPPED.has(name)) fields.push([name, value]);
  }
  return [[":method", method!], [":scheme", "https"], [":authority", authority], [":path", path!], ...fields];
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** `count` blocks carrying `fields` from one encoder (the first cold, the rest with a warm table). */
export function encodeBlocks(fields: readonly (readonly [string, string])[], count: number, encoder = new HpackEncoder()): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const out = new Uint8Array(16 * 1024);
    let at = encoder.beginBlock(out, 0);
    for (const [name, value] of fields) {
      const src = latin1(name + value);
      at = encoder.encodeField(src, 0, name.length, name.length, src.length, out, at);
    }
    blocks.push(out.slice(0, at));
  }
  return blocks;
}
