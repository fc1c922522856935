/** Test helpers: decode what the encoder wrote with our decoder, as plain data. */
import { HeaderBlock } from "../../../src/parser/h2/header-block.ts";
import type { HpackDecoder } from "../../../src/parser/h2/hpack-decoder.ts";
import { fieldsOf } from "../../parser/h2/hpack-replay.ts";

/** Bytes of a latin1 string. */
export const latin1Bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Decodes one block whole: its fields (pseudo first), or the error. */
export function decodeBlock(decoder: HpackDecoder, data: Uint8Array, s = 0, e = data.length): [string, string][] | number {
  const block = new HeaderBlock();
  block.reset(false);
  const r = decoder.decodeFragment(data, s, e, block);
  if (r !== 0) return r;
  const end = decoder.endBlock(block);
  return end !== 0 ? end : fieldsOf(block);
}

const PSEUDO_ORDER = [":method", ":scheme", ":path", ":authority", ":protocol", ":status"];

/** `fields` in the order fieldsOf gives them: pseudo-headers in its fixed order, then the rest as they were. */
export function canonical(fields: readonly (readonly [string, string])[]): [string, string][] {
  const pseudo = fields.filter(([n]) => n.startsWith(":")).toSorted((a, b) => PSEUDO_ORDER.indexOf(a[0]) - PSEUDO_ORDER.indexOf(b[0]));
  return [...pseudo, ...fields.filter(([n]) => !n.startsWith(":"))].map(([n, v]) => [n, v]);
}
