/**
 * The seeded mutation fuzz's cases: valid requests (single, pipelined, with bodies) mutated by
 * byte flips, insertions and deletions, splices of CR/LF/NUL/SP/HTAB/":", and duplicated header
 * lines. The same seed gives the same cases on every run and for every server.
 */

/** mulberry32: a small, fast, seedable PRNG returning [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Valid requests the mutations start from (no HEAD: its responses carry no body). */
export const BASE_REQUESTS: string[] = [
  "GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
  "GET /small.txt HTTP/1.0\r\n\r\n",
  "GET /small.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAccept: */*\r\nUser-Agent: fuzz\r\n\r\n",
  "GET /small.txt?q=1&r=%20 HTTP/1.1\r\nHost: a\r\nRange: bytes=0-3\r\n\r\n",
  "GET http://a/small.txt HTTP/1.1\r\nHost: a\r\n\r\n",
  "GET /x/../small.txt HTTP/1.1\r\nHost: a\r\nCookie: a=b; c=d\r\n\r\n",
  "POST /small.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
  "POST /small.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
  "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n",
  "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
  "GET /small.txt HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
];

/** Bytes spliced in: the delimiters of the grammar. */
const SPECIAL = [0x0d, 0x0a, 0x00, 0x20, 0x09, 0x3a];

/** Applies one random mutation to `b`. */
function mutateOnce(b: number[], r: () => number): void {
  const at = Math.floor(r() * (b.length + 1));
  const pick = r();
  if (pick < 0.2 && b.length > 0) {
    const i = Math.min(at, b.length - 1);
    b[i] = b[i]! ^ (1 << Math.floor(r() * 8)); // bit flip
  } else if (pick < 0.4) {
    b.splice(at, 0, SPECIAL[Math.floor(r() * SPECIAL.length)]!); // insert a delimiter
  } else if (pick < 0.5) {
    b.splice(at, 0, Math.floor(r() * 256)); // insert any byte
  } else if (pick < 0.65 && b.length > 0) {
    b.splice(Math.min(at, b.length - 1), 1 + Math.floor(r() * 4)); // delete 1–4 bytes
  } else if (pick < 0.8 && b.length > 0) {
    const i = Math.min(at, b.length - 1);
    b[i] = SPECIAL[Math.floor(r() * SPECIAL.length)]!; // replace with a delimiter
  } else if (pick < 0.9) {
    // duplicate a header line (the one containing a random position)
    const text = String.fromCharCode(...b);
    const lines = text.split("\r\n");
    const li = 1 + Math.floor(r() * Math.max(1, lines.length - 3));
    if (lines[li]) lines.splice(li, 0, lines[li]!);
    b.splice(0, b.length, ...Buffer.from(lines.join("\r\n"), "latin1"));
  } else {
    // splice: copy a random segment to a random place
    const from = Math.floor(r() * b.length);
    const seg = b.slice(from, from + 1 + Math.floor(r() * 12));
    b.splice(at, 0, ...seg);
  }
}

/** Case `index` of the fuzz with `seed`: one to three mutations of a base request. */
export function fuzzCase(seed: number, index: number): Buffer {
  const r = rng(seed * 1_000_003 + index);
  const base = BASE_REQUESTS[Math.floor(r() * BASE_REQUESTS.length)]!;
  const b = [...Buffer.from(base, "latin1")];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) mutateOnce(b, r);
  return Buffer.from(b);
}

/**
 * The most responses a strict reading allows for `input`: one per head terminator (CRLF CRLF, or
 * the bare LF LF some parsers accept), plus one for an error answered before a head was complete.
 */
export function maxResponses(input: Uint8Array): number {
  let heads = 0;
  for (let i = 1; i < input.length; i++) {
    if (input[i] !== 0x0a) continue;
    if (input[i - 1] === 0x0a || (input[i - 1] === 0x0d && i >= 2 && input[i - 2] === 0x0a)) heads++;
  }
  return heads + 1;
}

/**
 * Whether `input` begins with an HTTP/0.9 simple request (SPEC §3: a line of exactly
 * `GET SP target CRLF`), whose answer is the body alone, then a close.
 */
export function isSimpleRequest(input: Uint8Array): boolean {
  return /^GET [^ \r\n]+\r\n/.test(Buffer.from(input.subarray(0, 16 * 1024)).toString("latin1"));
}

/** Whether an HTTP/0.9 simple-request line follows the end of an earlier request head in `input`. */
export function hasLaterSimpleRequest(input: Uint8Array): boolean {
  return /(?:\r\n\r\n|\n\n)GET [^ \r\n]+\r\n/.test(Buffer.from(input).toString("latin1"));
}
