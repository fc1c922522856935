/**
 * Headless chromium against the binary with --spa --compress: a client-side route loads the app
 * (index.html), its script arrives compressed and runs, a ranged fetch gets 206 with exactly the
 * bytes asked for, a revalidating fetch is answered 304 (seen as 200 from the browser's cache),
 * and a missing asset gets the site's 404.html with status 404. The page writes its report into
 * the DOM, which --dump-dom prints.
 */
import { expect } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnWithOutput } from "../helpers/spawn.ts";
import { HEADLESS_FLAGS } from "../helpers/chromium.ts";
import { peerTest } from "../helpers/peers.ts";

const INDEX = `<!DOCTYPE html>
<html><head><title>spa</title><script src="/app.js" defer></script></head>
<body><pre id="report">pending</pre></body></html>`;

const APP = `
window.addEventListener("load", async () => {
  const report = [location.pathname];
  const ranged = await fetch("/data.bin", { headers: { Range: "bytes=10-19" } });
  const bytes = new Uint8Array(await ranged.arrayBuffer());
  report.push("range:" + ranged.status + ":" + bytes.length + ":" + bytes[0] + ":" + ranged.headers.get("content-range"));
  const first = await fetch("/data.bin", { cache: "no-cache" });
  await first.arrayBuffer();
  const again = await fetch("/data.bin", { cache: "no-cache" });
  report.push("revalidated:" + again.status + ":" + (await again.arrayBuffer()).byteLength);
  const missing = await fetch("/gone.css");
  report.push("missing:" + missing.status + ":" + (await missing.text()).trim());
  document.getElementById("report").textContent = report.join(" ");
});
${"// padding so the script is worth compressing\n".repeat(40)}`;

peerTest(
  ["chromium"],
  "headless chromium: an SPA route, a compressed script, a range, a 304, a 404.html",
  async () => {
    const chromium = Bun.which("chromium");
    if (!chromium) throw new Error("chromium is not installed (.ci/run installs Debian's chromium)");
    const site = mkdtempSync(join(tmpdir(), "netsvc-spa-"));
    const profile = mkdtempSync(join(tmpdir(), "netsvc-chromium-"));
    writeFileSync(join(site, "index.html"), INDEX);
    writeFileSync(join(site, "app.js"), APP);
    writeFileSync(join(site, "data.bin"), Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    writeFileSync(join(site, "404.html"), "custom 404");
    const log = join(profile, "access.log");
    const { child: server, out } = spawnWithOutput([
      process.execPath,
      "src/cli.ts",
      site,
      "--port",
      "0",
      "--spa",
      "--compress",
      "--log",
      log,
    ]);
    try {
      const url = await out.url();
      const browser = Bun.spawn(
        [chromium, ...HEADLESS_FLAGS, `--user-data-dir=${profile}`, "--virtual-time-budget=10000", "--dump-dom", `${url}settings/profile`],
        { stdout: "pipe", stderr: "pipe" },
      );
      const timer = setTimeout(() => browser.kill("SIGKILL"), 60_000);
      const [dom] = await Promise.all([new Response(browser.stdout).text(), browser.exited]);
      clearTimeout(timer);
      const report = dom.match(/<pre id="report">([^<]*)<\/pre>/)?.[1];
      expect(report).toBe("/settings/profile range:206:10:10:bytes 10-19/256 revalidated:200:256 missing:404:custom 404");
      server.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const lines = readFileSync(log, "utf8");
      expect(lines).toMatch(/"GET http:\/\/[^"]+\/settings\/profile HTTP\/1\.1" 200 /);
      expect(lines).toMatch(/"GET http:\/\/[^"]+\/data\.bin HTTP\/1\.1" 206 /);
      expect(lines).toMatch(/"GET http:\/\/[^"]+\/data\.bin HTTP\/1\.1" 304 /);
      expect(lines).toMatch(/"GET http:\/\/[^"]+\/gone\.css HTTP\/1\.1" 404 /);
      // The script went out compressed: fewer bytes than the file itself.
      const script = lines.split("\n").find((l) => l.includes("/app.js "));
      expect(Number(script?.split(" ").at(-1))).toBeLessThan(APP.length);
    } finally {
      server.kill("SIGKILL");
      rmSync(site, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  },
  90_000,
);
