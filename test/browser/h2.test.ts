/**
 * A real browser over HTTP/2 (SPEC §11; issue 22 item 5): headless Debian chromium, told to
 * ignore certificate errors (the committed self-signed certificate), offers h2 by ALPN and loads
 * a page with subresources — a script, a stylesheet, an image, and three fetches the script makes
 * at once (one of them 1 MiB) — from the FileServer. The page writes what it got into the DOM,
 * which --dump-dom prints; the access log says every request came over HTTP/2 (`HTTP/2.0`).
 */
import { expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer } from "../../src/index.ts";
import { dumpDom } from "../helpers/chromium.ts";
import { BIG_BODY, TLS_PEM } from "../helpers/h2-interop-site.ts";
import { peerTest } from "../helpers/peers.ts";
import { startDaemon } from "../helpers/servers.ts";

/** A 1×1 transparent GIF. */
const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

const INDEX = `<!DOCTYPE html>
<html><head><title>netsvc over h2</title><link rel="stylesheet" href="/style.css">
<script src="/app.js" defer></script></head>
<body><img id="dot" src="/dot.gif"><pre id="report">pending</pre></body></html>`;

const APP = `
window.addEventListener("load", async () => {
  const [a, b, big] = await Promise.all(
    ["/a.txt", "/b.txt", "/big.bin"].map((p) => fetch(p, { cache: "no-store" }).then((r) => r.arrayBuffer())),
  );
  const text = (x) => new TextDecoder().decode(x);
  const color = getComputedStyle(document.body).backgroundColor;
  const img = document.getElementById("dot").naturalWidth;
  document.getElementById("report").textContent = ["a:" + text(a), "b:" + text(b), "big:" + big.byteLength, "css:" + color, "img:" + img].join(" ");
});
`;

peerTest(
  ["chromium"],
  "chromium over TLS speaks HTTP/2: a page, its script, stylesheet, image and concurrent fetches",
  async () => {
    const site = mkdtempSync(join(tmpdir(), "netsvc-h2-site-"));
    const profile = mkdtempSync(join(tmpdir(), "netsvc-h2-chromium-"));
    writeFileSync(join(site, "index.html"), INDEX);
    writeFileSync(join(site, "app.js"), APP);
    writeFileSync(join(site, "style.css"), "body { background-color: rgb(1, 2, 3); }");
    writeFileSync(join(site, "dot.gif"), GIF);
    writeFileSync(join(site, "a.txt"), "alpha");
    writeFileSync(join(site, "b.txt"), "beta");
    writeFileSync(join(site, "big.bin"), BIG_BODY);
    const log: string[] = [];
    try {
      await using srv = startDaemon({ "/": new FileServer(site) }, { tls: TLS_PEM, accessLog: (text) => log.push(text) });
      const dom = await dumpDom(`https://127.0.0.1:${srv.port}/index.html`, profile);
      expect(dom.match(/<pre id="report">([^<]*)<\/pre>/)?.[1]).toBe(`a:alpha b:beta big:${BIG_BODY.length} css:rgb(1, 2, 3) img:1`);
      const stats = srv.daemon.stats();
      await srv.daemon.stop(1000);
      const lines = log.join("");
      for (const path of ["/index.html", "/app.js", "/style.css", "/dot.gif", "/a.txt", "/b.txt", "/big.bin"])
        expect(lines).toMatch(new RegExp(`"GET https://127\\.0\\.0\\.1:${srv.port}${path.replace(".", "\\.")} HTTP/2\\.0" 200 `));
      expect(lines).not.toContain("HTTP/1.1");
      // Chromium may open a second connection (its pools for credentialed and anonymous requests
      // differ): whatever it opened spoke HTTP/2.
      expect(stats.http2Connections).toBeGreaterThanOrEqual(1);
      expect(stats.http2Connections).toBe(stats.accepted);
    } finally {
      rmSync(site, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  },
  120_000,
);
