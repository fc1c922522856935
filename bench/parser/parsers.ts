/**
 * The parsers the parser benchmarks compare, each behind the same signature: parse every request
 * in a buffer (heads and bodies; the chunked corpus is decoded in full by all of them) and return
 * how many were seen, so nothing can be optimised away. Each parser is used the way its own API
 * offers: llhttp and http-parser-js hand strings to callbacks; ours yields offsets.
 *
 * A parser is built by name (`makeParser`) so that a worker process loads only the one it runs.
 * `baseline` is our parser loaded from another copy of src/parser (an A/B of two versions).
 */
import { createRequire } from "node:module";
import * as ourParser from "../../src/parser/index.ts";
import { PrefixTrie } from "../../src/servers/prefix-trie.ts";

const require = createRequire(import.meta.url);

/** Parses every request in `buf`; returns how many there were (throws on a parse error). */
export type Parse = (buf: Uint8Array) => number;

/** Names accepted by makeParser. `netsvc+route` also routes each target through a PrefixTrie. */
export const PARSER_NAMES = ["netsvc", "netsvc+route", "baseline", "llhttp", "http-parser-js"] as const;
/** One of PARSER_NAMES. */
export type ParserName = (typeof PARSER_NAMES)[number];

const QUESTION_MARK = 0x3f;

/** Ours: parseHead + BodyDecoder over one preallocated head, optionally routing each request. */
function makeNetsvc(route: boolean, parser: typeof ourParser): Parse {
  const { BodyDecoder, RequestHead, parseHead } = parser;
  const head = new RequestHead();
  const decoder = new BodyDecoder();
  const trie = new PrefixTrie<string>();
  for (const path of ["/", "/wp-content", "/wp-content/uploads", "/api/v1", "/static"]) trie.attach(path, path);
  return (buf) => {
    const end = buf.length;
    let p = 0;
    let count = 0;
    while (p < end) {
      head.reset();
      const r = parseHead(buf, p, end, head);
      if (r < 0) throw new Error(`netsvc: parse error ${r} at ${p}`);
      if (route) {
        let q = head.targetStart;
        while (q < head.targetEnd && buf[q] !== QUESTION_MARK) q++;
        if (trie.lookupBytes(buf, head.targetStart, q) === null) throw new Error("no route");
      }
      p = r;
      if (head.chunked || head.contentLength > 0) {
        decoder.start(head.contentLength, head.chunked);
        while (!decoder.done) {
          const q = decoder.decode(buf, p, end);
          if (q < 0) throw new Error(`netsvc: body error ${q}`);
          p = q;
        }
      }
      count++;
    }
    return count;
  };
}

interface BindingParser {
  initialize(type: number, resource: object): void;
  execute(buf: Uint8Array): number | Error;
  [callback: number]: (...args: unknown[]) => unknown;
}

/** llhttp through Node's binding, as Bun ships it: `require("_http_common").HTTPParser`. */
function makeLlhttp(): Parse {
  const { HTTPParser } = require("node:_http_common") as {
    HTTPParser: {
      new (): BindingParser;
      REQUEST: number;
      kOnHeadersComplete: number;
      kOnBody: number;
      kOnMessageComplete: number;
      kOnHeaders: number;
    };
  };
  let count = 0;
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {});
  parser[HTTPParser.kOnHeaders] = () => {};
  parser[HTTPParser.kOnHeadersComplete] = () => 0;
  parser[HTTPParser.kOnBody] = () => {};
  parser[HTTPParser.kOnMessageComplete] = () => {
    count++;
  };
  return (buf) => {
    count = 0;
    const r = parser.execute(buf);
    if (typeof r !== "number") throw r;
    return count;
  };
}

/** http-parser-js, the pure-JS port of Node's old parser. */
function makeHttpParserJs(): Parse {
  const { HTTPParser } = require("http-parser-js") as {
    HTTPParser: {
      new (type: string): BindingParser;
      REQUEST: string;
      kOnHeadersComplete: number;
      kOnBody: number;
      kOnMessageComplete: number;
    };
  };
  let count = 0;
  const parser = new HTTPParser(HTTPParser.REQUEST);
  parser[HTTPParser.kOnHeadersComplete] = () => 0;
  parser[HTTPParser.kOnBody] = () => {};
  parser[HTTPParser.kOnMessageComplete] = () => {
    count++;
  };
  return (buf) => {
    count = 0;
    const r = parser.execute(buf);
    if (typeof r !== "number") throw r;
    return count;
  };
}

/**
 * Builds the named parser (fresh state each call). `baselineDir` is the src/parser directory the
 * `baseline` parser is loaded from (required for it, ignored otherwise).
 */
export async function makeParser(name: ParserName, baselineDir?: string): Promise<Parse> {
  switch (name) {
    case "netsvc":
      return makeNetsvc(false, ourParser);
    case "netsvc+route":
      return makeNetsvc(true, ourParser);
    case "baseline":
      if (!baselineDir) throw new Error("baseline needs the directory of another src/parser");
      return makeNetsvc(false, (await import(`${baselineDir}/index.ts`)) as typeof ourParser);
    case "llhttp":
      return makeLlhttp();
    case "http-parser-js":
      return makeHttpParserJs();
  }
}
