/**
 * Property tests with a seeded generator (failures print the seed and the input):
 * - random valid requests, cut at random points, parse to the same head as one-shot and to the
 *   request that was generated;
 * - random mutations of valid pipelines never throw, always terminate, and never yield more
 *   requests than the bytes can contain (each head ends with an LF of its own).
 */
import { describe, expect, test } from "bun:test";
import { BodyDecoder, INCOMPLETE, RequestHead, parseHead } from "../../src/parser/index.ts";
import { rng } from "../../bench/stress/fuzz-cases.ts";
import { bytes, parseInPieces } from "./replay.ts";

/** Small deterministic PRNG (mulberry32), the one the stress fuzz uses too. */
const prng = rng;

const TCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
const PATH_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?";
const HEX = "0123456789abcdefABCDEF";
const VALUE_CHARS = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\xa0\xe9\xff";

function pick(rand: () => number, chars: string, min: number, max: number): string {
  const n = min + Math.floor(rand() * (max - min + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += chars[Math.floor(rand() * chars.length)];
  return s;
}

interface Generated {
  text: string;
  method: string;
  target: string;
  version: string;
  headers: [string, string][];
  body: string;
}

function generateRequest(rand: () => number): Generated {
  const method = ["GET", "HEAD", "POST", "PUT", "OPTIONS", pick(rand, TCHARS, 1, 8)][Math.floor(rand() * 6)]!;
  // Path and query characters of RFC 3986, with a pct-encoded triple now and then.
  let target = "/";
  for (let i = Math.floor(rand() * 40); i > 0; i--) target += rand() < 0.1 ? "%" + pick(rand, HEX, 2, 2) : pick(rand, PATH_CHARS, 1, 1);
  const version = rand() < 0.5 ? "1.0" : "1.1";
  const headers: [string, string][] = [];
  if (version === "1.1") headers.push(["Host", pick(rand, "abcdefghij.-0123456789", 1, 20)]);
  const count = Math.floor(rand() * 12);
  for (let i = 0; i < count; i++) {
    let name = pick(rand, TCHARS, 1, 20);
    // Avoid generating framing fields by accident; the body is declared separately below.
    if (/^(host|content-length|transfer-encoding|connection)$/i.test(name)) name = "X-" + name;
    const value = pick(rand, VALUE_CHARS, 0, 60).replace(/^[ \t]+|[ \t]+$/g, "");
    headers.push([name, value]);
  }
  const body = rand() < 0.3 ? pick(rand, "abc\r\n\x00xyz", 1, 50) : "";
  if (body) headers.splice(Math.floor(rand() * (headers.length + 1)), 0, ["Content-Length", String(body.length)]);
  let text = `${method} ${target} HTTP/${version}\r\n`;
  for (const [n, v] of headers) text += `${n}:${" ".repeat(Math.floor(rand() * 3))}${v}${rand() < 0.2 ? " \t" : ""}\r\n`;
  text += "\r\n" + body;
  return { text, method, target, version, headers, body };
}

/** Parses a whole pipeline (heads and Content-Length/chunked bodies); counts requests. */
function countRequests(data: Uint8Array): { requests: number; stopped: string } {
  const head = new RequestHead();
  const decoder = new BodyDecoder();
  let p = 0;
  let requests = 0;
  for (let guard = 0; guard <= data.length + 1; guard++) {
    head.reset();
    const r = parseHead(data, p, data.length, head);
    if (r === INCOMPLETE) return { requests, stopped: "incomplete" };
    if (r < 0) return { requests, stopped: "error" };
    if (r <= p) throw new Error("parseHead made no progress");
    requests++;
    p = r;
    if (head.isSimpleRequest()) return { requests, stopped: "0.9" };
    decoder.start(head.contentLength, head.chunked);
    while (!decoder.done) {
      if (p >= data.length) return { requests, stopped: "incomplete body" };
      const q = decoder.decode(data, p, data.length);
      if (q < 0) return { requests, stopped: "body error" };
      if (q === p && !decoder.done) throw new Error("decode made no progress");
      p = q;
    }
  }
  throw new Error("did not terminate");
}

describe("parser properties", () => {
  test("random valid requests parse as generated, the same at random cuts", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rand = prng(seed);
      const g = generateRequest(rand);
      const data = bytes(g.text);
      const whole = parseInPieces(data, [data.length]);
      const expected = {
        consumed: data.length - g.body.length,
        method: g.method,
        target: g.target,
        version: g.version,
        headers: g.headers,
      };
      if (!("consumed" in whole) || !Bun.deepEquals(whole, { ...whole, ...expected })) {
        throw new Error(`seed ${seed}: ${JSON.stringify(g.text)} → ${JSON.stringify(whole)}`);
      }
      const cuts: number[] = [];
      for (let c = 0; c < data.length; c += 1 + Math.floor(rand() * 20)) if (c > 0) cuts.push(c);
      cuts.push(data.length);
      const pieces = parseInPieces(data, cuts);
      if (!Bun.deepEquals(pieces, whole)) {
        throw new Error(`seed ${seed} cuts ${cuts}: ${JSON.stringify(pieces)} vs ${JSON.stringify(whole)}`);
      }
    }
  });

  test("pipelines of valid requests yield every request", () => {
    for (let seed = 1000; seed < 1100; seed++) {
      const rand = prng(seed);
      const n = 1 + Math.floor(rand() * 8);
      let text = "";
      for (let i = 0; i < n; i++) text += generateRequest(rand).text;
      expect(countRequests(bytes(text))).toEqual({ requests: n, stopped: "incomplete" });
    }
  });

  test("random mutations never throw, terminate, and never yield more requests than LFs", () => {
    const mutations = ["flip", "insert", "delete", "duplicate", "crlf"] as const;
    for (let seed = 5000; seed < 7000; seed++) {
      const rand = prng(seed);
      let text = "";
      const n = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) text += generateRequest(rand).text;
      const data = Array.from(bytes(text));
      const k = 1 + Math.floor(rand() * 4);
      for (let m = 0; m < k; m++) {
        const at = Math.floor(rand() * data.length);
        const kind = mutations[Math.floor(rand() * mutations.length)]!;
        if (kind === "flip") data[at] = Math.floor(rand() * 256);
        else if (kind === "insert") data.splice(at, 0, Math.floor(rand() * 256));
        else if (kind === "delete") data.splice(at, 1);
        else if (kind === "duplicate") data.splice(at, 0, ...data.slice(at, at + 8));
        else data.splice(at, 0, [0x0d, 0x0a][Math.floor(rand() * 2)]!);
      }
      const mutated = Uint8Array.from(data);
      let lfs = 0;
      for (const b of mutated) if (b === 0x0a) lfs++;
      let result: ReturnType<typeof countRequests>;
      try {
        result = countRequests(mutated);
      } catch (e) {
        throw new Error(`seed ${seed}: ${e} on ${JSON.stringify(String.fromCharCode(...mutated))}`);
      }
      if (result.requests > lfs) throw new Error(`seed ${seed}: ${result.requests} requests from ${lfs} LFs`);
      // The same bytes byte by byte come to the same first outcome as whole.
      const whole = parseInPieces(mutated, [mutated.length]);
      const each = parseInPieces(
        mutated,
        Array.from({ length: mutated.length }, (_, i) => i + 1),
      );
      if (!Bun.deepEquals(each, whole)) throw new Error(`seed ${seed}: byte by byte differs`);
    }
  });
});
