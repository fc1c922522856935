/**
 * Directory listings over real sockets (SPEC §14; docs/file-server.md, "Listings"): the HTML
 * table sorted by the query, JSON for a client that asks for it, `Vary`, HEAD with GET's fields,
 * conditional requests answered with the listing, compression with compress() (br, gzip, none;
 * a small listing not compressed), and the bound on entries with the count left out. Each
 * response's status, fields and bytes are checked, and that the connection stayed open.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { FileServer } from "../../src/index.ts";
import { LISTING_MAX_ENTRIES } from "../../src/servers/file-limits.ts";
import { RawClient, type ParsedResponse } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

let base = "";
let root = "";
/** name → [size, mtime (s since the epoch)]: every order is different from every other. */
const FILES: Record<string, [number, number]> = {
  "b.txt": [3000, 1_700_000_300],
  "a.txt": [10, 1_700_000_100],
  "c <&>.txt": [200_000, 1_700_000_200],
};

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "netsvc-lh-"));
  root = join(base, "root");
  mkdirSync(join(root, "dir", "zsub"), { recursive: true });
  mkdirSync(join(root, "dir", "asub"));
  for (const [name, [size, mtime]] of Object.entries(FILES)) {
    writeFileSync(join(root, "dir", name), "x".repeat(size));
    utimesSync(join(root, "dir", name), mtime, mtime);
  }
  utimesSync(join(root, "dir", "asub"), 1_700_000_400, 1_700_000_400);
  utimesSync(join(root, "dir", "zsub"), 1_700_000_050, 1_700_000_050);
  writeFileSync(join(root, "dir", ".env"), "SECRET");
  writeFileSync(join(root, "dir", "old.bak"), "x");
  mkdirSync(join(root, "small"));
  writeFileSync(join(root, "small", "one"), "1");
  mkdirSync(join(root, "huge"));
  for (let i = 0; i <= LISTING_MAX_ENTRIES + 1; i++) writeFileSync(join(root, "huge", `f${String(i).padStart(5, "0")}`), "");
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const files = () => new FileServer(root).hide(".bak").listing();
const bytesOf = (body: string) => Buffer.from(body, "latin1");
const utf8 = (body: string) => bytesOf(body).toString("utf8");

/** One request on a fresh connection; the response and whether the connection still answers. */
async function once(port: number, target: string, extra: Record<string, string> = {}, method = "GET") {
  using c = await RawClient.connect(port);
  const lines = Object.entries({ Connection: "keep-alive", ...extra }).map(([k, v]) => `${k}: ${v}\r\n`);
  const r: ParsedResponse = await c.request(`${method} ${target} HTTP/1.0\r\n${lines.join("")}\r\n`);
  let open = false;
  try {
    open = (await c.request("GET /small/one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).status === 200;
  } catch {
    open = false; // closed before a second response
  }
  return { ...r, open };
}

/**
 * A keep-alive HEAD and then a GET for /small/one (body "1") on the same connection, sent
 * together; the HEAD's status and fields, and everything after its head.
 */
async function headThenGet(port: number, target: string, extra: Record<string, string>) {
  using c = await RawClient.connect(port);
  const lines = Object.entries({ Connection: "keep-alive", ...extra }).map(([k, v]) => `${k}: ${v}\r\n`);
  c.send(`HEAD ${target} HTTP/1.0\r\n${lines.join("")}\r\nGET /small/one HTTP/1.0\r\n\r\n`);
  await c.untilClosed();
  const text = c.text();
  const end = text.indexOf("\r\n\r\n");
  const [statusLine, ...fields] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const f of fields) headers[f.slice(0, f.indexOf(":")).toLowerCase()] = f.slice(f.indexOf(":") + 1).trim();
  return { status: Number(statusLine!.split(" ")[1]), headers, next: text.slice(end + 4) };
}

/** The names linked from an HTML listing's rows, in page order (../ left out). */
function htmlNames(html: string): string[] {
  return [...html.matchAll(/<tr><td><a href="\.\/([^"]*)">/g)].map((m) => decodeURIComponent(m[1]!));
}

describe("HTML", () => {
  const orders: [string, string[]][] = [
    ["", ["asub/", "zsub/", "a.txt", "b.txt", "c <&>.txt"]],
    ["?sort=name&order=desc", ["zsub/", "asub/", "c <&>.txt", "b.txt", "a.txt"]],
    ["?sort=size", ["asub/", "zsub/", "c <&>.txt", "b.txt", "a.txt"]], // directories have no size: by name
    ["?sort=size&order=asc", ["asub/", "zsub/", "a.txt", "b.txt", "c <&>.txt"]],
    ["?sort=time", ["asub/", "zsub/", "b.txt", "c <&>.txt", "a.txt"]],
    ["?sort=date&order=asc", ["zsub/", "asub/", "a.txt", "c <&>.txt", "b.txt"]],
    ["?sort=bogus&order=sideways", ["asub/", "zsub/", "a.txt", "b.txt", "c <&>.txt"]], // unknown → name, never an error
  ];

  for (const [query, expected] of orders) {
    test(`GET /dir/${query}: rows in order, directories first`, async () => {
      await using srv = startDaemon({ "/": files() });
      const r = await once(srv.port, `/dir/${query}`);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(r.headers.vary).toBe("Accept");
      expect(htmlNames(utf8(r.body))).toEqual(expected);
      expect(r.open).toBe(true);
    });
  }

  test("sizes and dates in the cells; dotfiles and hidden suffixes never listed", async () => {
    await using srv = startDaemon({ "/": files() });
    const html = utf8((await once(srv.port, "/dir/")).body);
    expect(html).toContain(
      `<a href="./c%20%3C%26%3E.txt">c &#60;&#38;&#62;.txt</a></td><td title="200000 bytes" data-bytes="200000">195 KiB</td>` +
        `<td><time datetime="2023-11-14T22:16:40.000Z">2023-11-14 22:16</time></td>`,
    );
    for (const hidden of [".env", "old.bak"]) expect(html).not.toContain(hidden);
  });
});

describe("JSON", () => {
  test("Accept: application/json → an array sorted by the same parameters; Vary: Accept", async () => {
    await using srv = startDaemon({ "/": files() });
    const r = await once(srv.port, "/dir/?sort=size&order=desc", { Accept: "application/json" });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers.vary).toBe("Accept");
    const list = JSON.parse(utf8(r.body)) as { name: string; isDir: boolean; size: number | null; modified: string; url: string }[];
    expect(list.map((e) => e.name)).toEqual(["asub", "zsub", "c <&>.txt", "b.txt", "a.txt"]);
    expect(list[2]).toEqual({
      name: "c <&>.txt",
      isDir: false,
      size: 200_000,
      modified: "2023-11-14T22:16:40.000Z",
      url: "./c%20%3C%26%3E.txt",
    });
    expect(list[0]).toMatchObject({ name: "asub", isDir: true, size: null, url: "./asub/" });
    expect(r.open).toBe(true);
  });

  const accepts: [string, "json" | "html"][] = [
    ["application/json", "json"],
    ["application/json;q=0.5, text/plain;q=0.1", "json"],
    ["application/vnd.api+json", "json"],
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"], // a browser
    ["*/*", "html"], // curl
    ["application/json;q=0", "html"],
    ["text/html", "html"],
  ];
  for (const [accept, form] of accepts) {
    test(`Accept: ${accept} → ${form}`, async () => {
      await using srv = startDaemon({ "/": files() });
      const r = await once(srv.port, "/small/", { Accept: accept });
      expect(r.headers["content-type"]).toBe(form === "json" ? "application/json" : "text/html; charset=utf-8");
    });
  }
});

describe("HEAD and conditionals", () => {
  test("HEAD: GET's status and fields (the same Content-Length), no body; connection kept", async () => {
    await using srv = startDaemon({ "/": files().compress() });
    const variants: Record<string, string>[] = [{}, { Accept: "application/json" }, { "Accept-Encoding": "br" }];
    for (const extra of variants) {
      const get = await once(srv.port, "/dir/?sort=time", extra);
      const head = await headThenGet(srv.port, "/dir/?sort=time", extra);
      expect(head.status).toBe(200);
      for (const field of ["content-type", "content-length", "content-encoding", "vary"])
        expect(head.headers[field]).toBe(get.headers[field]);
      // No body: the next bytes on the connection are the next request's response.
      expect(head.next).toStartWith("HTTP/1.0 200 OK\r\n");
      expect(head.next).toEndWith("\r\n\r\n1");
    }
  });

  test("a conditional request gets the listing (a listing has no validators)", async () => {
    await using srv = startDaemon({ "/": files() });
    const conditions: Record<string, string>[] = [
      { "If-None-Match": "*" },
      { "If-Modified-Since": new Date(Date.now() + 86_400_000).toUTCString() },
    ];
    for (const extra of conditions) {
      const r = await once(srv.port, "/dir/", extra);
      expect(r.status).toBe(200);
      expect(r.headers.etag).toBeUndefined();
      expect(htmlNames(utf8(r.body)).length).toBe(5);
    }
  });

  test("other methods: 405 with Allow, as before", async () => {
    await using srv = startDaemon({ "/": files() });
    const r = await once(srv.port, "/dir/", { "Content-Length": "0" }, "POST");
    expect(r.status).toBe(405);
  });
});

describe("compression", () => {
  test("compress(): br or gzip by Accept-Encoding, the same bytes decompressed, Vary: Accept, Accept-Encoding", async () => {
    await using srv = startDaemon({ "/": files().compress() });
    const plain = await once(srv.port, "/dir/");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("Accept, Accept-Encoding");
    const br = await once(srv.port, "/dir/", { "Accept-Encoding": "gzip, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toBe("Accept, Accept-Encoding");
    expect(Number(br.headers["content-length"])).toBe(bytesOf(br.body).length);
    expect(Number(br.headers["content-length"])).toBeLessThan(plain.body.length / 2);
    expect(brotliDecompressSync(bytesOf(br.body)).equals(bytesOf(plain.body))).toBe(true);
    const gz = await once(srv.port, "/dir/", { "Accept-Encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(bytesOf(gz.body)).equals(bytesOf(plain.body))).toBe(true);
    const json = await once(srv.port, "/huge/", { "Accept-Encoding": "gzip", Accept: "application/json" });
    expect(json.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(bytesOf(json.body)).toString()).length).toBe(LISTING_MAX_ENTRIES);
    const refused = await once(srv.port, "/dir/", { "Accept-Encoding": "br;q=0, gzip;q=0" });
    expect(refused.headers["content-encoding"]).toBeUndefined();
    expect(gz.open && br.open && refused.open).toBe(true);
  });

  test("compression off: never compressed, Vary: Accept only; a listing under 1 KiB: not compressed", async () => {
    await using off = startDaemon({ "/": files() });
    const r = await once(off.port, "/dir/", { "Accept-Encoding": "br" });
    expect(r.headers["content-encoding"]).toBeUndefined();
    expect(r.headers.vary).toBe("Accept");
    await using on = startDaemon({ "/": files().compress() });
    const small = await once(on.port, "/small/", { "Accept-Encoding": "br", Accept: "application/json" });
    expect(small.body.length).toBeLessThan(1024);
    expect(small.headers["content-encoding"]).toBeUndefined();
  });
});

test(`over ${LISTING_MAX_ENTRIES} entries: the first ${LISTING_MAX_ENTRIES} names, sorted as asked, and the count left out`, async () => {
  await using srv = startDaemon({ "/": files() });
  const r = await once(srv.port, "/huge/?order=desc", { Accept: "application/json" });
  expect(r.headers["listing-omitted"]).toBe("2");
  const names = (JSON.parse(utf8(r.body)) as { name: string }[]).map((e) => e.name);
  expect(names.length).toBe(LISTING_MAX_ENTRIES);
  expect([names[0], names.at(-1)]).toEqual([`f${String(LISTING_MAX_ENTRIES - 1).padStart(5, "0")}`, "f00000"]);
  const html = utf8((await once(srv.port, "/huge/")).body);
  expect(html).toContain("; 2 more not listed</footer>");
  expect((await once(srv.port, "/small/")).headers["listing-omitted"]).toBeUndefined();
});

test("a client leaving while its listing is read, made or compressed: nothing logged, the server serves on", async () => {
  await using srv = startDaemon({ "/": files().compress() });
  for (const extra of ["", "Accept-Encoding: br\r\n", "Accept: application/json\r\n"]) {
    const c = await RawClient.connect(srv.port);
    c.send(`GET /huge/?sort=size HTTP/1.0\r\n${extra}\r\n`);
    c.terminate();
  }
  const after = await once(srv.port, "/huge/", { "Accept-Encoding": "br", Accept: "application/json" });
  expect(after.status).toBe(200);
  expect(JSON.parse(brotliDecompressSync(bytesOf(after.body)).toString()).length).toBe(LISTING_MAX_ENTRIES);
  expect(srv.errors).toEqual([]);
});
