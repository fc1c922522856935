/**
 * The FileServer's HTTP features over real sockets (SPEC §4.2; docs/file-server.md): ranges,
 * validators and preconditions, Cache-Control, precompressed siblings and on-the-fly compression,
 * 404.html, the single-page-app fallback, CORS and directory listings. Each response's status,
 * fields and exact bytes are checked, and whether the connection stayed open.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { FileServer } from "../../src/index.ts";
import { clearCompressionCache } from "../../src/entry/testing.ts";
import { GZIP } from "../../src/servers/accept-encoding.ts";
import { compressedFile } from "../../src/servers/compression-cache.ts";
import { MAX_CONCURRENT_COMPRESSIONS } from "../../src/servers/file-limits.ts";
import { parseResponses, RawClient, type ParsedResponse } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

let base = "";
let root = "";
let spaRoot = "";
/** 1 MiB + 17 bytes whose every byte depends on its offset: a wrong slice cannot pass. */
const big = Buffer.from(Array.from({ length: 1024 * 1024 + 17 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const text = "0123456789abcdefghijklmnopqrstuvwxyz";
const css = "body { color: red; }\n".repeat(200);

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "netsvc-fsh-"));
  root = join(base, "root");
  spaRoot = join(base, "spa");
  mkdirSync(join(root, "dir", "sub"), { recursive: true });
  mkdirSync(join(root, "dir", ".hidden-dir"));
  mkdirSync(spaRoot);
  writeFileSync(join(root, "text.txt"), text);
  writeFileSync(join(root, "big.bin"), big);
  writeFileSync(join(root, "style.css"), css);
  writeFileSync(join(root, "app.js"), "console.log('identity');\n".repeat(100));
  writeFileSync(join(root, "app.js.gz"), gzipSync("console.log('gzip');\n"));
  writeFileSync(join(root, "app.js.br"), "brotli bytes");
  writeFileSync(join(root, "404.html"), "<h1>custom not found</h1>");
  writeFileSync(join(root, "dir", "a&b <c>.txt"), "x");
  writeFileSync(join(root, "dir", '"quoted".txt'), "x");
  writeFileSync(join(root, "dir", ".env"), "SECRET");
  writeFileSync(join(root, "dir", "old.bak"), "x");
  writeFileSync(join(base, "outside.gz"), "outside");
  writeFileSync(join(root, "leak.txt"), "leak");
  symlinkSync(join(base, "outside.gz"), join(root, "leak.txt.gz"));
  mkdirSync(join(base, "outside-dir"));
  writeFileSync(join(base, "outside-dir", "private-name.txt"), "x");
  symlinkSync(join(base, "outside-dir"), join(root, "dir-link"));
  symlinkSync(join(root, "dir", "sub"), join(root, "dir", "sub-link"));
  writeFileSync(join(spaRoot, "index.html"), "<p>app</p>");
  writeFileSync(join(spaRoot, "real.txt"), "real");
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const files = () => new FileServer(root).hide(".bak");

/** One keep-alive HTTP/1.0 request on `c`; returns the response. */
function ask(c: RawClient, target: string, extra: Record<string, string> = {}, method = "GET"): Promise<ParsedResponse> {
  const lines = Object.entries({ Connection: "keep-alive", ...extra }).map(([k, v]) => `${k}: ${v}\r\n`);
  return c.request(`${method} ${target} HTTP/1.0\r\n${lines.join("")}\r\n`);
}

/** A request on a fresh connection; the response and whether the server kept the connection. */
async function once(port: number, target: string, extra: Record<string, string> = {}, method = "GET") {
  using c = await RawClient.connect(port);
  const r = await ask(c, target, extra, method);
  return { ...r, open: await answersAgain(c) };
}

/** True when the connection still answers: a second request on it gets its response. */
async function answersAgain(c: RawClient): Promise<boolean> {
  try {
    return (await ask(c, "/text.txt")).body === text;
  } catch {
    return false; // closed before a second response
  }
}

/** A HEAD request (its Content-Length describes a body that is not sent): the status and fields. */
async function head(port: number, target: string, extra: Record<string, string> = {}) {
  using c = await RawClient.connect(port);
  c.send(
    `HEAD ${target} HTTP/1.0\r\n${Object.entries(extra)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("")}\r\n`,
  );
  await c.untilClosed();
  const [statusLine, ...lines] = c.text().split("\r\n\r\n")[0]!.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) headers[line.slice(0, line.indexOf(":")).toLowerCase()] = line.slice(line.indexOf(":") + 1).trim();
  return { status: Number(statusLine!.split(" ")[1]), headers, rest: c.text().split("\r\n\r\n")[1] };
}

const bytesOf = (body: string) => Buffer.from(body, "latin1");

/**
 * `method target` in HTTP/1.1 followed on the same connection by `GET /text.txt` (which closes):
 * the first response's status and fields (its body is not framed for HEAD), and the body of the
 * second, which arrives only if the first left the connection open and sent no body after a HEAD.
 */
async function pipelined(port: number, method: string, target: string, extra: Record<string, string>) {
  using c = await RawClient.connect(port);
  const lines = Object.entries(extra).map(([k, v]) => `${k}: ${v}\r\n`);
  c.send(`${method} ${target} HTTP/1.1\r\nHost: t\r\n${lines.join("")}\r\nGET /text.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  await c.untilClosed();
  const all = c.text();
  const headEnd = all.indexOf("\r\n\r\n") + 4;
  const [statusLine, ...fieldLines] = all.slice(0, headEnd - 4).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of fieldLines) headers[line.slice(0, line.indexOf(":")).toLowerCase()] = line.slice(line.indexOf(":") + 1).trim();
  const status = Number(statusLine!.split(" ")[1]);
  const rest = method === "HEAD" ? all.slice(headEnd) : all.slice(headEnd + Number(headers["content-length"]));
  const [second] = parseResponses(rest, true);
  return { status, headers, next: second?.status === 200 ? second.body : `unframed: ${JSON.stringify(rest.slice(0, 80))}` };
}

describe("ranges (RFC 9110 §14)", () => {
  test("every file says Accept-Ranges: bytes, small and large", async () => {
    await using srv = startDaemon({ "/": files() });
    expect((await once(srv.port, "/text.txt")).headers["accept-ranges"]).toBe("bytes");
    const r = await head(srv.port, "/big.bin", {});
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers["content-length"]).toBe(String(big.length));
  });

  test("a single range → 206 with Content-Range and exactly those bytes; the connection stays open", async () => {
    await using srv = startDaemon({ "/": files() });
    using c = await RawClient.connect(srv.port);
    const r = await ask(c, "/text.txt", { Range: "bytes=0-9" });
    expect(r.status).toBe(206);
    expect(r.headers["content-range"]).toBe(`bytes 0-9/${text.length}`);
    expect(r.headers["content-length"]).toBe("10");
    expect(r.body).toBe("0123456789");
    const suffix = await ask(c, "/text.txt", { Range: "bytes=-3" });
    expect([suffix.status, suffix.body, suffix.headers["content-range"]]).toEqual([206, "xyz", `bytes 33-35/${text.length}`]);
    const open = await ask(c, "/text.txt", { Range: "bytes=30-" });
    expect([open.status, open.body]).toEqual([206, "uvwxyz"]);
    expect(await answersAgain(c)).toBe(true);
  });

  test("a range of a streamed file: the bytes at that offset, streamed", async () => {
    await using srv = startDaemon({ "/": files() });
    const start = 300_001;
    const end = 1_000_000;
    const r = await once(srv.port, "/big.bin", { Range: `bytes=${start}-${end}` });
    expect(r.status).toBe(206);
    expect(r.headers["content-range"]).toBe(`bytes ${start}-${end}/${big.length}`);
    expect(bytesOf(r.body).equals(big.subarray(start, end + 1))).toBe(true);
    expect(r.open).toBe(true);
  });

  test("unsatisfiable → 416 with Content-Range: bytes */length, connection kept", async () => {
    await using srv = startDaemon({ "/": files() });
    const r = await once(srv.port, "/text.txt", { Range: `bytes=${text.length}-` });
    expect(r.status).toBe(416);
    expect(r.headers["content-range"]).toBe(`bytes */${text.length}`);
    expect(r.body).not.toContain("bytes=");
    expect(r.open).toBe(true);
  });

  test("an invalid or foreign Range is ignored: 200 and the whole file", async () => {
    await using srv = startDaemon({ "/": files() });
    for (const range of ["bytes=5-1", "items=0-1", "bytes=x"]) {
      const r = await once(srv.port, "/text.txt", { Range: range });
      expect([r.status, r.body]).toEqual([200, text]);
    }
  });

  test("several ranges → multipart/byteranges with each part's Content-Range", async () => {
    await using srv = startDaemon({ "/": files() });
    // Ranges of a small file lie within the merge gap: one part.
    const merged = await once(srv.port, "/text.txt", { Range: "bytes=0-1,-2" });
    expect([merged.status, merged.headers["content-range"], merged.body]).toEqual([206, `bytes 0-35/${text.length}`, text]);
    for (const target of ["/big.bin"]) {
      const r = await once(srv.port, target, { Range: "bytes=0-1,-2" });
      expect(r.status).toBe(206);
      const type = r.headers["content-type"]!;
      const boundary = type.match(/^multipart\/byteranges; boundary=(\w+)$/)?.[1];
      expect(boundary).toBeDefined();
      expect(Number(r.headers["content-length"])).toBe(r.body.length);
      const size = target === "/big.bin" ? big.length : text.length;
      const source = target === "/big.bin" ? big : Buffer.from(text);
      const parts = r.body.split(`--${boundary}`);
      expect(parts[0]).toBe("");
      expect(parts.at(-1)).toBe("--\r\n");
      expect(parts[1]).toContain(`Content-Range: bytes 0-1/${size}\r\n\r\n${source.subarray(0, 2).toString("latin1")}\r\n`);
      expect(parts[2]).toContain(
        `Content-Range: bytes ${size - 2}-${size - 1}/${size}\r\n\r\n${source.subarray(size - 2).toString("latin1")}\r\n`,
      );
    }
  });

  test("HEAD answers exactly the head GET would, Range included (RFC 9110 §9.3.2); no body, connection kept", async () => {
    await using srv = startDaemon({ "/": files() });
    const etag = (await once(srv.port, "/text.txt")).headers.etag!;
    const cases: [string, Record<string, string>, number][] = [
      ["/text.txt", { Range: "bytes=0-9" }, 206],
      ["/text.txt", { Range: "bytes=-3" }, 206],
      ["/text.txt", { Range: `bytes=${text.length}-` }, 416],
      ["/text.txt", { Range: "bytes=5-1" }, 200],
      ["/text.txt", { Range: "bytes=0-0", "If-Range": etag }, 206],
      ["/text.txt", { Range: "bytes=0-0", "If-Range": '"old"' }, 200],
      ["/big.bin", { Range: "bytes=300001-1000000" }, 206],
      ["/big.bin", { Range: "bytes=0-1,-2" }, 206],
      ["/app.js", { Range: "bytes=0-4", "Accept-Encoding": "gzip" }, 206],
    ];
    const withoutDate = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== "date"));
    for (const [target, fields, status] of cases) {
      const get = await pipelined(srv.port, "GET", target, fields);
      const head = await pipelined(srv.port, "HEAD", target, fields);
      const what = `${target} ${JSON.stringify(fields)}`;
      expect([what, get.status]).toEqual([what, status]);
      expect([what, head.status]).toEqual([what, status]);
      expect([what, withoutDate(head.headers)]).toEqual([what, withoutDate(get.headers)]);
      // No body after the HEAD's head: the next bytes are the next response, on the same connection.
      expect([what, head.next]).toEqual([what, text]);
    }
  });

  test("If-Range with the current ETag or date → 206; with an old one → 200 and the whole file", async () => {
    await using srv = startDaemon({ "/": files() });
    const plain = await once(srv.port, "/text.txt");
    const etag = plain.headers.etag!;
    const date = plain.headers["last-modified"]!;
    expect((await once(srv.port, "/text.txt", { Range: "bytes=0-0", "If-Range": etag })).status).toBe(206);
    expect((await once(srv.port, "/text.txt", { Range: "bytes=0-0", "If-Range": date })).status).toBe(206);
    for (const stale of ['"old"', `W/${etag}`, "Thu, 01 Jan 2026 00:00:00 GMT"]) {
      const r = await once(srv.port, "/text.txt", { Range: "bytes=0-0", "If-Range": stale });
      expect([r.status, r.body]).toEqual([200, text]);
    }
  });
});

describe("validators and preconditions (RFC 9110 §13)", () => {
  test("ETag from size, mtime and inode: stable across requests, changed by an edit", async () => {
    const path = join(root, "edited.txt");
    writeFileSync(path, "one");
    await using srv = startDaemon({ "/": files().revalidate(0) });
    const a = (await once(srv.port, "/edited.txt")).headers.etag;
    expect(a).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    expect((await once(srv.port, "/edited.txt")).headers.etag).toBe(a);
    writeFileSync(path, "two!");
    expect((await once(srv.port, "/edited.txt")).headers.etag).not.toBe(a);
  });

  test("If-None-Match (list, *, W/) → 304 with ETag and no body, connection kept; If-None-Match ahead of If-Modified-Since", async () => {
    await using srv = startDaemon({ "/": files().cacheControl("public, max-age=60") });
    const { headers } = await head(srv.port, "/big.bin", {});
    const etag = headers.etag!;
    for (const inm of [etag, `"a", ${etag}`, "*", `W/${etag}`]) {
      const r = await once(srv.port, "/big.bin", { "If-None-Match": inm });
      expect(r.status).toBe(304);
      expect(r.body).toBe("");
      expect(r.headers.etag).toBe(etag);
      expect(r.headers["cache-control"]).toBe("public, max-age=60");
      expect(r.open).toBe(true);
    }
    // A fresh If-Modified-Since does not rescue a non-matching If-None-Match.
    const r = await once(srv.port, "/big.bin", {
      "If-None-Match": '"other"',
      "If-Modified-Since": new Date(Date.now() + 3600_000).toUTCString(),
    });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(big.length);
  });

  test("If-Match not matching and If-Unmodified-Since before the file → 412, connection kept", async () => {
    await using srv = startDaemon({ "/": files() });
    const etag = (await once(srv.port, "/text.txt")).headers.etag!;
    expect((await once(srv.port, "/text.txt", { "If-Match": etag })).status).toBe(200);
    for (const extra of [{ "If-Match": '"nope"' }, { "If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT" }] as Record<
      string,
      string
    >[]) {
      const r = await once(srv.port, "/text.txt", extra);
      expect(r.status).toBe(412);
      expect(r.body).not.toContain(text);
      expect(r.open).toBe(true);
    }
  });

  test("Cache-Control is sent only when configured", async () => {
    await using plain = startDaemon({ "/": files() });
    expect((await once(plain.port, "/text.txt")).headers["cache-control"]).toBeUndefined();
    await using cached = startDaemon({ "/": files().cacheControl("public, max-age=3600") });
    expect((await once(cached.port, "/text.txt")).headers["cache-control"]).toBe("public, max-age=3600");
    expect((await head(cached.port, "/big.bin", {})).headers["cache-control"]).toBe("public, max-age=3600");
  });
});

describe("compression", () => {
  test("a precompressed sibling for a client that accepts it, with Vary, its own length and the original type", async () => {
    await using srv = startDaemon({ "/": files() });
    const gz = await once(srv.port, "/app.js", { "Accept-Encoding": "gzip" });
    expect(gz.status).toBe(200);
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers["content-type"]).toContain("javascript");
    expect(gz.headers.vary).toBe("Accept-Encoding");
    expect(gunzipSync(bytesOf(gz.body)).toString()).toBe("console.log('gzip');\n");
    const br = await once(srv.port, "/app.js", { "Accept-Encoding": "gzip, br" });
    expect([br.headers["content-encoding"], br.body]).toEqual(["br", "brotli bytes"]);
    expect(br.headers.etag).not.toBe(gz.headers.etag);
    const identity = await once(srv.port, "/app.js");
    expect(identity.headers["content-encoding"]).toBeUndefined();
    expect(identity.headers.vary).toBe("Accept-Encoding");
    expect(identity.body).toContain("identity");
  });

  test("a Range is served from the identity file, never a coded one", async () => {
    await using srv = startDaemon({ "/": files() });
    const r = await once(srv.port, "/app.js", { "Accept-Encoding": "gzip, br", Range: "bytes=0-6" });
    expect<unknown[]>([r.status, r.body, r.headers["content-encoding"]]).toEqual([206, "console", undefined]);
  });

  test("a sibling that is a symlink out of the root is never served", async () => {
    await using srv = startDaemon({ "/": files() });
    const r = await once(srv.port, "/leak.txt", { "Accept-Encoding": "gzip" });
    expect<unknown[]>([r.status, r.body, r.headers["content-encoding"]]).toEqual([200, "leak", undefined]);
  });

  test("precompressed(false) ignores siblings", async () => {
    await using srv = startDaemon({ "/": files().precompressed(false) });
    const r = await once(srv.port, "/app.js", { "Accept-Encoding": "gzip, br" });
    expect(r.headers["content-encoding"]).toBeUndefined();
    expect(r.headers.vary).toBeUndefined();
  });

  test("compress(): compressible files compressed on the fly (br or gzip), others and ranges not", async () => {
    await using srv = startDaemon({ "/": files().compress() });
    const br = await once(srv.port, "/style.css", { "Accept-Encoding": "br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toBe("Accept-Encoding");
    expect(Number(br.headers["content-length"])).toBeLessThan(css.length / 10);
    expect(brotliDecompressSync(bytesOf(br.body)).toString()).toBe(css);
    const gz = await once(srv.port, "/style.css", { "Accept-Encoding": "gzip" });
    expect(gunzipSync(bytesOf(gz.body)).toString()).toBe(css);
    // The coded copy has its own validator, and revalidates against it.
    expect(gz.headers.etag).not.toBe(br.headers.etag);
    expect((await once(srv.port, "/style.css", { "Accept-Encoding": "gzip", "If-None-Match": gz.headers.etag! })).status).toBe(304);
    const range = await once(srv.port, "/style.css", { "Accept-Encoding": "br", Range: "bytes=0-3" });
    expect<unknown[]>([range.status, range.body, range.headers["content-encoding"]]).toEqual([206, "body", undefined]);
    const binary = await head(srv.port, "/big.bin", { "Accept-Encoding": "br" });
    expect(binary.headers["content-encoding"]).toBeUndefined();
    expect(binary.headers.vary).toBeUndefined();
  });
});

test("a client leaving during a compression or a multipart stream: no error logged, the server serves on", async () => {
  const bigText = join(root, "leave.txt");
  writeFileSync(bigText, "leave me compressed ".repeat(150_000)); // 3 MB: compression takes a while
  await using srv = startDaemon({ "/": files().compress() });
  for (const extra of ["Accept-Encoding: br\r\n", "Range: bytes=0-0,500000-1048000\r\n"]) {
    const target = extra.startsWith("Range") ? "/big.bin" : "/leave.txt";
    const c = await RawClient.connect(srv.port);
    c.send(`GET ${target} HTTP/1.0\r\n${extra}\r\n`);
    c.terminate();
  }
  const after = await once(srv.port, "/leave.txt", { "Accept-Encoding": "br" });
  expect(after.status).toBe(200);
  expect(brotliDecompressSync(bytesOf(after.body)).length).toBe(3_000_000);
  expect(srv.errors).toEqual([]);
});

describe("site conveniences", () => {
  test("404.html at the root answers missing files with status 404, connection kept", async () => {
    await using srv = startDaemon({ "/": files() });
    for (const target of ["/missing.txt", "/dir/.env", "/dir/old.bak", "/text.txt/below"]) {
      const r = await once(srv.port, target);
      expect([r.status, r.body]).toEqual([404, "<h1>custom not found</h1>"]);
      expect(r.headers.etag).toBeUndefined();
      expect(r.open).toBe(true);
    }
    const post = await once(srv.port, "/missing.txt", { "Content-Length": "0" }, "POST");
    expect(post.status).toBe(404);
    expect(post.body).not.toContain("custom");
  });

  test("spa(): a missing path without an extension gets the index; with one, 404", async () => {
    await using srv = startDaemon({ "/": new FileServer(spaRoot).spa() });
    for (const target of ["/", "/users/42", "/settings"]) expect((await once(srv.port, target)).body).toBe("<p>app</p>");
    expect((await once(srv.port, "/real.txt")).body).toBe("real");
    expect((await once(srv.port, "/missing.js")).status).toBe(404);
    await using off = startDaemon({ "/": new FileServer(spaRoot) });
    expect((await once(off.port, "/users/42")).status).toBe(404);
  });

  test("cors(): Allow-Origin on files, 304s and 404s; a preflight → 204", async () => {
    await using srv = startDaemon({ "/": files().cors() });
    const r = await once(srv.port, "/text.txt", { Origin: "http://example.com" });
    expect(r.headers["access-control-allow-origin"]).toBe("*");
    expect(r.headers["access-control-expose-headers"]).toContain("Content-Range");
    expect((await once(srv.port, "/text.txt", { "If-None-Match": "*" })).headers["access-control-allow-origin"]).toBe("*");
    expect((await once(srv.port, "/missing")).headers["access-control-allow-origin"]).toBe("*");
    const pre = await once(srv.port, "/text.txt", { Origin: "http://example.com", "Access-Control-Request-Method": "GET" }, "OPTIONS");
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-methods"]).toBe("GET, HEAD");
    expect(pre.headers["access-control-allow-headers"]).toContain("Range");
    await using one = startDaemon({ "/": files().cors("https://app.example") });
    const o = await once(one.port, "/text.txt");
    expect(o.headers["access-control-allow-origin"]).toBe("https://app.example");
    expect(o.headers.vary).toBe("Origin");
    await using off = startDaemon({ "/": files() });
    expect((await once(off.port, "/text.txt")).headers["access-control-allow-origin"]).toBeUndefined();
  });

  test("listing(): names escaped and encoded; dotfiles and hidden suffixes never listed; off by default", async () => {
    await using off = startDaemon({ "/": files() });
    expect((await once(off.port, "/dir/")).status).toBe(403);
    await using srv = startDaemon({ "/": files().listing() });
    const r = await once(srv.port, "/dir/");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.body).toContain(`<a href="./a%26b%20%3Cc%3E.txt">a&#38;b &#60;c&#62;.txt</a>`);
    expect(r.body).toContain(`<a href="./%22quoted%22.txt">&#34;quoted&#34;.txt</a>`);
    expect(r.body).toContain(`<a href="./sub/">sub/</a>`);
    expect(r.body).toContain(`<a href="./sub-link/">sub-link/</a>`); // a symlinked directory, listed as one
    expect(r.body).toContain(`<a href="../">../</a>`);
    expect(r.body.indexOf("sub/")).toBeLessThan(r.body.indexOf("quoted")); // directories first
    for (const hidden of [".env", ".hidden-dir", "old.bak", "<c>"]) expect(r.body).not.toContain(hidden);
    expect(r.open).toBe(true);
    // A directory reached through a symlink out of the root is refused, its names never shown.
    const outside = await once(srv.port, "/dir-link/");
    expect(outside.status).toBe(403);
    expect(outside.body).not.toContain("private-name");
  });
});

test("statSync stays the source of the validators (fixture sanity)", () => {
  expect(statSync(join(root, "text.txt")).size).toBe(text.length);
});

test("compressedFile(): started in one turn, more distinct files than MAX_CONCURRENT_COMPRESSIONS → the rest are null (sent uncompressed)", async () => {
  const names = Array.from({ length: MAX_CONCURRENT_COMPRESSIONS + 3 }, (_, i) => join(root, `many-${i}.txt`));
  names.forEach((n, i) => {
    writeFileSync(n, `file ${i} `.repeat(50_000));
  });
  clearCompressionCache();
  // All started before any can finish (no await between them): exactly the limit run.
  const results = await Promise.all(names.map((n) => compressedFile(n, statSync(n), GZIP)));
  expect(results.filter((r) => r !== null).length).toBe(MAX_CONCURRENT_COMPRESSIONS);
  results.forEach((r, i) => {
    if (r !== null) expect(gunzipSync(r).toString()).toBe(`file ${i} `.repeat(50_000));
  });
  // Once they have finished, the others compress too.
  const later = await compressedFile(names.at(-1)!, statSync(names.at(-1)!), GZIP);
  expect(later).not.toBeNull();
});
