/**
 * A real browser: Debian's chromium (installed by .ci/run), headless, loads a page served by the
 * binary with a stylesheet, a script and an image. The page's own script checks each resource and
 * whether a second fetch reused the connection (Resource Timing: no new connect), and writes its
 * report into the DOM, which --dump-dom prints.
 */
import { expect } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnWithOutput } from "../helpers/spawn.ts";
import { HEADLESS_FLAGS } from "../helpers/chromium.ts";
import { peerTest } from "../helpers/peers.ts";

// A 1×1 PNG (red pixel).
const PIXEL = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6e0f90000000049454e44ae426082",
  "hex",
);

const INDEX = `<!DOCTYPE html>
<html><head><title>netsvc browser test</title>
<link rel="stylesheet" href="/style.css">
<script src="/app.js" defer></script>
</head><body>
<p id="styled">styled</p>
<img id="pixel" src="/pixel.png" width="1" height="1" alt="">
<pre id="report">pending</pre>
</body></html>`;

const APP = `
window.addEventListener("load", async () => {
  const report = [];
  report.push("script:ok");
  const color = getComputedStyle(document.getElementById("styled")).color;
  report.push(color === "rgb(1, 2, 3)" ? "css:ok" : "css:" + color);
  const img = document.getElementById("pixel");
  report.push(img.complete && img.naturalWidth === 1 ? "img:ok" : "img:failed");
  const first = await (await fetch("/data.txt?1", { cache: "no-store" })).text();
  const second = await (await fetch("/data.txt?2", { cache: "no-store" })).text();
  report.push(first === "data" && second === "data" ? "fetch:ok" : "fetch:failed");
  const entries = performance.getEntriesByType("resource").filter((e) => e.name.includes("data.txt?2"));
  const e = entries[0];
  // Resource Timing: on a reused connection there is no connect phase, so connectStart and
  // connectEnd equal fetchStart; a new connection (checked against a server that closes after
  // each response) starts connecting later and takes time to connect.
  report.push(e && e.connectStart === e.fetchStart && e.connectEnd === e.connectStart ? "keepalive:reused" : "keepalive:new");
  document.getElementById("report").textContent = report.join(" ");
});
`;

peerTest(
  ["chromium"],
  "headless chromium loads a page, its stylesheet, script and image over kept-alive connections",
  async () => {
    const chromium = Bun.which("chromium");
    if (!chromium) throw new Error("chromium is not installed (.ci/run installs Debian's chromium)");
    const build = Bun.spawn([process.execPath, "run", "build"], { stdout: "ignore", stderr: "pipe" });
    if ((await build.exited) !== 0) throw new Error(await new Response(build.stderr).text());

    const site = mkdtempSync(join(tmpdir(), "netsvc-site-"));
    const profile = mkdtempSync(join(tmpdir(), "netsvc-chromium-"));
    writeFileSync(join(site, "index.html"), INDEX);
    writeFileSync(join(site, "style.css"), "#styled { color: rgb(1, 2, 3); }");
    writeFileSync(join(site, "app.js"), APP);
    writeFileSync(join(site, "pixel.png"), PIXEL);
    writeFileSync(join(site, "data.txt"), "data");
    const log = join(profile, "access.log");
    const { child: server, out } = spawnWithOutput(["dist/netsvc", site, "--port", "0", "--log", log]);
    try {
      const url = await out.url();
      const browser = Bun.spawn(
        [chromium, ...HEADLESS_FLAGS, `--user-data-dir=${profile}`, "--virtual-time-budget=10000", "--dump-dom", url],
        { stdout: "pipe", stderr: "pipe" },
      );
      const timer = setTimeout(() => browser.kill("SIGKILL"), 60_000);
      const [dom] = await Promise.all([new Response(browser.stdout).text(), browser.exited]);
      clearTimeout(timer);
      const report = dom.match(/<pre id="report">([^<]*)<\/pre>/)?.[1];
      expect(report).toBe("script:ok css:ok img:ok fetch:ok keepalive:reused");
      server.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const lines = readFileSync(log, "utf8");
      for (const path of ["/ ", "/style.css", "/app.js", "/pixel.png", "/data.txt?1", "/data.txt?2"]) {
        expect(lines).toContain(`${path}`);
      }
    } finally {
      server.kill("SIGKILL");
      rmSync(site, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  },
  90_000,
);
