/**
 * The file server's features through the binary's flags (run from source) with real clients:
 * curl (-r, -C -, --compressed, Accept-Encoding) and Python's http.client (multipart/byteranges
 * parsed by the email package, conditional requests). Clients run as child processes awaited
 * asynchronously; every run is bounded.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { peerTest } from "../helpers/peers.ts";
import { run, withCli } from "../helpers/spawn.ts";

let dir = "";
let site = "";
let app = "";
/** 3 MiB + 5 bytes whose bytes depend on their offset (streamed: over the small-file cache). */
const big = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 5 }, (_, i) => (i * 13 + (i >> 10)) & 0xff));
const words = "the quick brown fox jumps over the lazy dog\n".repeat(500);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-fsc-"));
  site = join(dir, "site");
  app = join(dir, "app");
  mkdirSync(join(site, "docs"), { recursive: true });
  mkdirSync(app);
  writeFileSync(join(site, "big.bin"), big);
  writeFileSync(join(site, "words.txt"), words);
  writeFileSync(join(site, "bundle.js"), "let a = 1;\n".repeat(300));
  writeFileSync(join(site, "bundle.js.gz"), gzipSync("let gz = 1;\n"));
  writeFileSync(join(site, "404.html"), "<title>lost</title><p>custom 404</p>");
  writeFileSync(join(site, "docs", "<b>&.md"), "x");
  writeFileSync(join(site, "docs", ".secret"), "x");
  writeFileSync(join(app, "index.html"), "<p>the app</p>");
  writeFileSync(join(site, "db.bak"), "SECRET backup");
  writeFileSync(
    join(site, "plug.ts"),
    `// SOURCE of a plugin servlet\nimport { HttpServlet } from "netsvc";\nexport default class extends HttpServlet {\n  processRequest() { this.sendDocument(200, "text/plain", "ran info=" + this.servletInfo()); }\n}\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

peerTest(["curl"], "curl -r fetches a range; curl -C - resumes a partial download to the exact file", async () => {
  await withCli([site, "--port", "0"], async (base) => {
    const r = await run(["curl", "-s", "-r", "0-9", "-D", "-", "-o", join(dir, "ten"), `${base}big.bin`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("HTTP/1.1 206 Partial Content"); // curl speaks HTTP/1.1, answered in kind
    expect(r.out).toContain(`Content-Range: bytes 0-9/${big.length}`);
    expect(readFileSync(join(dir, "ten")).equals(big.subarray(0, 10))).toBe(true);

    const part = join(dir, "part.bin");
    writeFileSync(part, big.subarray(0, 1_234_567));
    const resumed = await run(["curl", "-s", "-C", "-", "-o", part, "-w", "%{http_code}", `${base}big.bin`]);
    expect([resumed.code, resumed.out]).toEqual([0, "206"]);
    expect(readFileSync(part).equals(big)).toBe(true);
    // Resuming a complete file: 416, and curl knows it is done.
    const done = await run(["curl", "-s", "-C", "-", "-o", part, "-w", "%{http_code}", `${base}big.bin`]);
    expect(done.out).toBe("416");
    expect(readFileSync(part).equals(big)).toBe(true);
  });
});

peerTest(
  ["curl"],
  "issue 19 through the binary with curl --path-as-is: no spelling reveals a hidden file or plugin source; HEAD -r is 206; FOO is 501",
  async () => {
    await withCli([site, "--port", "0", "--hide", ".bak", "--plugin", ".ts"], async (base) => {
      const get = async (path: string, ...flags: string[]) => {
        const r = await run(["curl", "-s", "--path-as-is", "-w", "\n%{http_code}", ...flags, `${base}${path}`]);
        const at = r.out.lastIndexOf("\n");
        return { body: r.out.slice(0, at), status: Number(r.out.slice(at + 1)) };
      };
      for (const path of ["db.bak", "db.bak/", "db.bak//", "db.bak/.", "db.bak/x/..", "db%2ebak/"]) {
        const r = await get(path);
        expect([path, r.status, r.body.includes("SECRET")]).toEqual([path, 404, false]);
      }
      for (const path of ["plug.ts", "plug.ts/", "plug.ts//", "plug.ts/.", "plug.ts/x/.."]) {
        const r = await get(path);
        expect([path, r.status, r.body]).toEqual([path, 200, "ran info="]);
      }
      expect((await get("plug.ts/extra")).body).toBe("ran info=extra");
      const head = await run(["curl", "-s", "-I", "-r", "0-9", `${base}words.txt`]);
      expect(head.out).toContain("HTTP/1.1 206 Partial Content");
      expect(head.out).toContain(`Content-Range: bytes 0-9/${words.length}`);
      expect((await get("words.txt", "-X", "FOO")).status).toBe(501);
      expect((await get("words.txt", "-X", "DELETE")).status).toBe(405);
    });
  },
);

peerTest(["curl"], "curl --compressed with --compress; a .gz sibling for Accept-Encoding: gzip; --cache and --cors fields", async () => {
  await withCli([site, "--port", "0", "--compress", "--cache", "600", "--cors"], async (base) => {
    const r = await run(["curl", "-s", "--compressed", "-D", join(dir, "h1"), `${base}words.txt`]);
    expect(r.out).toBe(words);
    const h1 = readFileSync(join(dir, "h1"), "utf8");
    expect(h1).toMatch(/Content-Encoding: (br|gzip)\r\n/);
    expect(h1).toContain("Vary: Accept-Encoding");
    expect(h1).toContain("Cache-Control: public, max-age=600");
    expect(h1).toContain("Access-Control-Allow-Origin: *");
    const sib = await run(["curl", "-sI", "-H", "Accept-Encoding: gzip", `${base}bundle.js`]);
    expect(sib.out).toContain("Content-Encoding: gzip");
    expect(sib.out).toContain(`Content-Length: ${gzipSync("let gz = 1;\n").length}`);
    expect(sib.out).toMatch(/Content-Type: text\/javascript/);
    const decoded = await run(["curl", "-s", "--compressed", "-H", "Accept-Encoding: gzip", `${base}bundle.js`]);
    expect(decoded.out).toBe("let gz = 1;\n");
  });
});

peerTest(
  ["python3"],
  "Python http.client: multipart/byteranges parsed by the email package; If-None-Match → 304 on one connection",
  async () => {
    await withCli([site, "--port", "0"], async (base) => {
      const port = new URL(base).port;
      const script = `
import http.client, email, hashlib
c = http.client.HTTPConnection("127.0.0.1", ${port}, timeout=20)
c.request("GET", "/big.bin", headers={"Range": "bytes=0-99,2000000-2000099,-7", "Connection": "keep-alive"})
r = c.getresponse()
body = r.read()
msg = email.message_from_bytes(b"Content-Type: " + r.getheader("Content-Type").encode() + b"\\r\\n\\r\\n" + body)
print(r.status, len(msg.get_payload()))
for part in msg.get_payload():
    print(part["Content-Range"], hashlib.sha256(part.get_payload(decode=True)).hexdigest())
c.request("HEAD", "/big.bin", headers={"Connection": "keep-alive"})
r = c.getresponse(); r.read()
tag = r.getheader("ETag")
c.request("GET", "/big.bin", headers={"If-None-Match": tag, "Connection": "keep-alive"})
r = c.getresponse()
print(r.status, len(r.read()), r.getheader("ETag") == tag)
`;
      const r = await run(["python3", "-c", script]);
      expect(r.err).toBe("");
      const sha = (b: Buffer) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
      const n = big.length;
      expect(r.out.trim().split("\n")).toEqual([
        "206 3",
        `bytes 0-99/${n} ${sha(big.subarray(0, 100))}`,
        `bytes 2000000-2000099/${n} ${sha(big.subarray(2000000, 2000100))}`,
        `bytes ${n - 7}-${n - 1}/${n} ${sha(big.subarray(n - 7))}`,
        "304 0 True",
      ]);
    });
  },
);

peerTest(["curl"], "--list lists escaped names without dotfiles; 404.html answers 404; --spa serves the app for routes", async () => {
  await withCli([site, "--port", "0", "--list"], async (base) => {
    const listing = await run(["curl", "-s", `${base}docs/`]);
    expect(listing.out).toContain("&#60;b&#62;&#38;.md");
    expect(listing.out).not.toContain("<b>&");
    expect(listing.out).not.toContain(".secret");
    const lost = await run(["curl", "-s", "-w", "%{http_code}", `${base}nowhere`]);
    expect(lost.out).toBe("<title>lost</title><p>custom 404</p>404");
  });
  await withCli([app, "--port", "0", "--spa"], async (base) => {
    const route = await run(["curl", "-s", "-w", "%{http_code}", `${base}users/7/profile`]);
    expect(route.out).toBe("<p>the app</p>200");
    const asset = await run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", `${base}missing.css`]);
    expect(asset.out).toBe("404");
  });
});
