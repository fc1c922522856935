/**
 * FileServer against a fixture tree built in a temporary directory (symlinks need absolute
 * targets made at run time): every row of SPEC §4 and §4.1 over real sockets, with status and
 * body checked, and never a byte from outside the root.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient, parseResponses } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

const SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT";
let base = "";
let root = "";
const big = Buffer.alloc(1024 * 1024 + 17, "b"); // streamed (over the 64 KiB cache limit)
const medium = Buffer.alloc(64 * 1024, "m"); // cached, exactly at the limit

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "netsvc-fs-"));
  root = join(base, "root");
  mkdirSync(join(root, "sub", "deeper"), { recursive: true });
  mkdirSync(join(root, "empty-dir"));
  mkdirSync(join(root, ".git"));
  writeFileSync(join(base, "outside.txt"), SECRET);
  writeFileSync(join(root, "hello.txt"), "Hello, world!");
  writeFileSync(join(root, "empty.txt"), "");
  writeFileSync(join(root, "medium.bin"), medium);
  writeFileSync(join(root, "big.bin"), big);
  writeFileSync(join(root, "page.html"), "<p>page</p>");
  writeFileSync(join(root, "style.css"), "p{}");
  writeFileSync(join(root, "script.py"), "print(1)");
  writeFileSync(join(root, "notes.bak"), "old");
  writeFileSync(join(root, "do..ts.txt"), "dots inside a name");
  writeFileSync(join(root, "sp ace.txt"), "space");
  writeFileSync(join(root, "caf\u00e9.txt"), "accent");
  writeFileSync(join(root, ".secret"), SECRET);
  writeFileSync(join(root, ".git", "config"), SECRET);
  writeFileSync(join(root, "sub", "index.html"), "<p>sub index</p>");
  writeFileSync(join(root, "sub", "deeper", "leaf.txt"), "leaf");
  writeFileSync(join(root, "sub", "deeper", "index.htm"), "htm index");
  writeFileSync(join(root, "app.dyn"), "plugin source");
  symlinkSync(join(base, "outside.txt"), join(root, "escape.txt"));
  symlinkSync("/etc", join(root, "etc-link"));
  symlinkSync(join(root, "hello.txt"), join(root, "inner-link.txt"));
  utimesSync(join(root, "hello.txt"), new Date("2026-01-02T03:04:05Z"), new Date("2026-01-02T03:04:05Z"));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

class InfoServlet extends HttpServlet {
  override processRequest(): void {
    const text = `plugin ${this.servletPath()} info=${this.servletInfo()}`;
    this.sendResponse(200);
    this.sendHeader("Content-Length", text.length);
    this.endHeaders();
    this.sendContent(text);
  }
}

function files(): FileServer {
  return new FileServer(root)
    .map(".py", "text/x-python")
    .hide(".bak")
    .index("index.htm")
    .plugin(".dyn", (s: HttpSession) => new InfoServlet(s), ".page");
}

async function get(port: number, target: string, extra = "", method = "GET") {
  using c = await RawClient.connect(port);
  c.send(`${method} ${target} HTTP/1.0\r\n${extra}\r\n`);
  await c.untilClosed();
  const [r] = parseResponses(c.text(), true);
  return { ...r!, raw: c.text() };
}

describe("FileServer (SPEC §4)", () => {
  const rows: [string, string, number, string | null][] = [
    // name, target, status, exact body (null: not checked)
    ["a file", "/hello.txt", 200, "Hello, world!"],
    ["an empty file", "/empty.txt", 200, ""],
    ["a name with .. inside it", "/do..ts.txt", 200, "dots inside a name"],
    ["an encoded space", "/sp%20ace.txt", 200, "space"],
    ["encoded UTF-8", "/caf%C3%A9.txt", 200, "accent"],
    ["a symlink inside the root", "/inner-link.txt", 200, "Hello, world!"],
    ["a directory with index.html", "/sub/", 200, "<p>sub index</p>"],
    ["a directory with index.htm (declared later, tried first)", "/sub/deeper/", 200, "htm index"],
    ["a nested file", "/sub/deeper/leaf.txt", 200, "leaf"],
    ["dot segments resolved inside the root", "/sub/../hello.txt", 200, "Hello, world!"],
    ["double slashes collapsed", "//sub//deeper//leaf.txt", 200, "leaf"],
    ["a missing file", "/missing.txt", 404, null],
    ["extra path below a plain file", "/hello.txt/more", 404, null],
    ["a directory without index", "/empty-dir/", 403, null],
    ["a dotfile", "/.secret", 404, null],
    ["a file in a dot-directory", "/.git/config", 404, null],
    ["an encoded dotfile", "/%2esecret", 404, null],
    ["a hidden extension", "/notes.bak", 404, null],
    ["a symlink out of the root", "/escape.txt", 403, null],
    ["a path through a symlinked directory out of the root", "/etc-link/passwd", 403, null],
    ["climbing above the root", "/../outside.txt", 403, null],
    ["encoded climbing above the root", "/%2e%2e/outside.txt", 403, null],
    ["an encoded slash", "/sub%2Findex.html", 400, null],
    ["an encoded backslash", "/sub%5Cindex.html", 400, null],
    ["an encoded NUL", "/hello.txt%00.html", 400, null],
    ["encoded CR LF", "/hello%0d%0aX-Injected:%201", 400, null],
    ["invalid UTF-8", "/caf%E9.txt", 400, null],
    ["a bad escape", "/hello%2.txt", 400, null],
    ["a plugin file", "/app.dyn", 200, "plugin app.dyn info="],
    ["a plugin file with extra path", "/app.dyn/extra/path", 200, "plugin app.dyn info=extra/path"],
    ["a plugin through its alias", "/app.page", 200, "plugin app.page info="],
  ];

  for (const [name, target, status, body] of rows) {
    test(`${name}: ${target} → ${status}`, async () => {
      await using srv = startDaemon({ "/": files() });
      const r = await get(srv.port, target);
      expect(r.status).toBe(status);
      if (body !== null) expect(r.body).toBe(body);
      expect(r.raw).not.toContain(SECRET);
      expect(r.raw).not.toContain("root:");
    });
  }

  test("a directory without a trailing slash → 301 to the absolute URL with one, query kept", async () => {
    await using srv = startDaemon({ "/": files() });
    const r = await get(srv.port, "/sub?x=1", "Host: example.com:8080\r\n");
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe("http://example.com:8080/sub/?x=1");
  });

  test("Content-Type from Bun's table, overridden by map; Content-Length; Last-Modified", async () => {
    await using srv = startDaemon({ "/": files() });
    const html = await get(srv.port, "/page.html");
    expect(html.headers["content-type"]).toStartWith("text/html");
    const css = await get(srv.port, "/style.css");
    expect(css.headers["content-type"]).toStartWith("text/css");
    const py = await get(srv.port, "/script.py");
    expect(py.headers["content-type"]).toBe("text/x-python");
    const hello = await get(srv.port, "/hello.txt");
    expect(hello.headers["content-length"]).toBe("13");
    expect(hello.headers["last-modified"]).toBe("Fri, 02 Jan 2026 03:04:05 GMT");
  });

  test("If-Modified-Since at or after the modification → 304 without a body; before → 200", async () => {
    await using srv = startDaemon({ "/": files() });
    const same = await get(srv.port, "/hello.txt", "If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT\r\n");
    expect(same.status).toBe(304);
    expect(same.raw.endsWith("\r\n\r\n")).toBe(true);
    const older = await get(srv.port, "/hello.txt", "If-Modified-Since: Thu, 01 Jan 2026 00:00:00 GMT\r\n");
    expect(older.status).toBe(200);
    const junk = await get(srv.port, "/hello.txt", "If-Modified-Since: yesterday\r\n");
    expect(junk.status).toBe(200);
  });

  test("HEAD: headers only; other methods → 405 with Allow", async () => {
    await using srv = startDaemon({ "/": files() });
    const head = await get(srv.port, "/big.bin", "", "HEAD");
    expect(head.raw).toContain(`Content-Length: ${big.length}\r\n`);
    expect(head.raw.endsWith("\r\n\r\n")).toBe(true);
    const post = await get(srv.port, "/hello.txt", "Content-Length: 0\r\n", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  test("a cached 64 KiB file and a streamed 1 MiB file arrive whole", async () => {
    await using srv = startDaemon({ "/": files() });
    const m = await get(srv.port, "/medium.bin");
    expect(m.body.length).toBe(medium.length);
    const b = await get(srv.port, "/big.bin");
    expect(b.headers["content-length"]).toBe(String(big.length));
    expect(b.body).toBe(big.toString("latin1"));
  });

  test("a changed small file is served fresh (cache validated by mtime and size)", async () => {
    await using srv = startDaemon({ "/": files().revalidate(0) });
    writeFileSync(join(root, "changing.txt"), "version one");
    expect((await get(srv.port, "/changing.txt")).body).toBe("version one");
    writeFileSync(join(root, "changing.txt"), "version two!");
    expect((await get(srv.port, "/changing.txt")).body).toBe("version two!");
  });

  test("an edit inside the revalidation window waits for it; after the window the edit is served", async () => {
    const windowMs = 100;
    await using srv = startDaemon({ "/": files().revalidate(windowMs) });
    writeFileSync(join(root, "window.txt"), "first");
    expect((await get(srv.port, "/window.txt")).body).toBe("first");
    writeFileSync(join(root, "window.txt"), "second!");
    // The edit must show once the window has passed: ask until it does, bounded by 50 windows
    // (the wait is for time to pass, which is what the window is about).
    const bound = performance.now() + 50 * windowMs;
    let body = "";
    while (body !== "second!" && performance.now() < bound) {
      body = (await get(srv.port, "/window.txt")).body;
      if (body !== "second!") await new Promise((resolve) => setTimeout(resolve, windowMs / 4));
    }
    expect(body).toBe("second!");
  });

  test("a rule added later applies to a path already served (remembered resolutions are dropped)", async () => {
    const server = files();
    await using srv = startDaemon({ "/": server });
    expect((await get(srv.port, "/page.html")).status).toBe(200);
    server.hide(".html");
    expect((await get(srv.port, "/page.html")).status).toBe(404);
  });

  test("remembered files: the same file by plain and escaped paths, mounted or not, gone when deleted", async () => {
    const mounted = files().revalidate(0);
    const atRoot = files().revalidate(0);
    await using srv = startDaemon({ "/static": mounted, "/": atRoot });
    writeFileSync(join(root, "kept.txt"), "kept");
    // Each target twice: the second answer comes from the memory the first one filled.
    for (const target of ["/static/kept.txt", "/static/%6bept.txt", "/static/sub/../kept.txt", "/kept.txt", "/%6Bept.txt"]) {
      for (let i = 0; i < 2; i++) expect([target, (await get(srv.port, target)).body]).toEqual([target, "kept"]);
    }
    // The memory is per server and keyed by the servlet path: /static/sub/leaf is not /sub/leaf.
    expect((await get(srv.port, "/static/hello.txt")).body).toBe("Hello, world!");
    expect((await get(srv.port, "/statichello.txt")).status).toBe(404);
    // A backslash is refused before and after a neighbour was remembered.
    expect((await get(srv.port, "/static/kept.txt\\")).status).toBe(400);
    rmSync(join(root, "kept.txt"));
    for (const target of ["/static/kept.txt", "/static/%6bept.txt", "/kept.txt"]) expect((await get(srv.port, target)).status).toBe(404);
  });

  test("mounted below the root: servletPath resolves inside the directory", async () => {
    await using srv = startDaemon({ "/static": files() });
    expect((await get(srv.port, "/static/hello.txt")).body).toBe("Hello, world!");
    const r = await get(srv.port, "/static", "Host: h\r\n");
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe("http://h/static/");
  });
});
