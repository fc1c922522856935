/** The parser's public surface: bytes in, offsets out. Imports nothing from the rest of netsvc. */
export * from "./chars.ts";
export * from "./errors.ts";
export * from "./limits.ts";
export * from "./request-head.ts";
export { parseHead } from "./parse-head.ts";
export { methodCodeOfName } from "./head-words.ts";
export * from "./body.ts";
export * from "./spans.ts";
export { equalsLower } from "./framing.ts";
export { ProxyHeader, parseProxyHeader, proxySourceText, addressText } from "./proxy-header.ts";
