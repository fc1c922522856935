/**
 * A real browser over HTTPS (SPEC §10): headless Debian chromium, trusting nothing but told to
 * ignore certificate errors (the committed self-signed certificate), loads a page and its script
 * and a fetch over TLS, and is taken from http:// to https:// by the daemon's cleartext port.
 * The page's script writes where it ended up (`location.href`, `isSecureContext`) into the DOM,
 * which --dump-dom prints; the access log says which requests came over which scheme.
 *
 * The redirect port runs with `all: false`: chromium is redirected only because it sends
 * `Upgrade-Insecure-Requests: 1` on its navigation, so this also checks that a real browser's
 * navigation is what that mode redirects.
 */
import { expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer } from "../../src/index.ts";
import { dumpDom } from "../helpers/chromium.ts";
import { peerTest } from "../helpers/peers.ts";
import { startDaemon } from "../helpers/servers.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const TLS = { cert: join(FIXTURES, "localhost.crt"), key: join(FIXTURES, "localhost.key") };

const INDEX = `<!DOCTYPE html>
<html><head><title>netsvc over https</title><script src="/app.js" defer></script></head>
<body><pre id="report">pending</pre></body></html>`;

const APP = `
window.addEventListener("load", async () => {
  const data = await (await fetch("/data.txt", { cache: "no-store" })).text();
  document.getElementById("report").textContent =
    [location.href, "secure:" + isSecureContext, "script:ok", "fetch:" + data].join(" ");
});
`;

/** Runs chromium on `url` and returns the report its page wrote. */
async function reportOf(url: string, profile: string): Promise<string | undefined> {
  return (await dumpDom(url, profile)).match(/<pre id="report">([^<]*)<\/pre>/)?.[1];
}

peerTest(
  ["chromium"],
  "chromium: a page, its script and a fetch over HTTPS; http:// redirected to https:// (Upgrade-Insecure-Requests)",
  async () => {
    const site = mkdtempSync(join(tmpdir(), "netsvc-https-site-"));
    const profile = mkdtempSync(join(tmpdir(), "netsvc-https-chromium-"));
    writeFileSync(join(site, "index.html"), INDEX);
    writeFileSync(join(site, "app.js"), APP);
    writeFileSync(join(site, "data.txt"), "data");
    const log: string[] = [];
    try {
      await using srv = startDaemon(
        { "/": new FileServer(site) },
        { tls: TLS, redirectHttp: { port: 0, all: false }, accessLog: (text) => log.push(text) },
      );
      const https = `https://127.0.0.1:${srv.port}`;
      expect(await reportOf(`${https}/index.html?direct`, profile)).toBe(`${https}/index.html?direct secure:true script:ok fetch:data`);

      const http = `http://127.0.0.1:${srv.daemon.redirectPort()}`;
      expect(await reportOf(`${http}/index.html?via=redirect`, profile)).toBe(
        `${https}/index.html?via=redirect secure:true script:ok fetch:data`,
      );
      await srv.daemon.stop(1000);
      const lines = log.join("");
      expect(lines).toContain(`"GET ${http}/index.html?via=redirect HTTP/1.1" 308`);
      // Over TLS chromium is offered h2 by ALPN and takes it (SPEC §11); the cleartext port's
      // redirect stays HTTP/1.1.
      for (const path of ["/index.html?via=redirect", "/app.js", "/data.txt"])
        expect(lines).toContain(`"GET ${https}${path} HTTP/2.0" 200`);
      // Only the navigation crossed the cleartext port.
      expect(lines.split(`"GET ${http}`).length).toBe(2);
    } finally {
      rmSync(site, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  },
  120_000,
);
