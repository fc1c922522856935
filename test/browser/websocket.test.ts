/**
 * A real browser's WebSocket (SPEC §12; issue 23): headless Debian chromium loads a page over TLS
 * (HTTP/2 by ALPN) whose script opens `wss://…/ws` — on a connection of its own over HTTP/1.1, as
 * netsvc does not offer RFC 8441's extended CONNECT — and offers the subprotocol "chat" and
 * permessage-deflate. The servlet greets it, echoes its message, and pushes a long message
 * (compressed); the page writes what it got into the DOM and closes with 1000 "bye".
 */
import { expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { dumpDom } from "../helpers/chromium.ts";
import { TLS_PEM } from "../helpers/h2-interop-site.ts";
import { peerTest } from "../helpers/peers.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

const LONG = "live ".repeat(2000);

const INDEX = `<!DOCTYPE html>
<html><head><title>netsvc WebSocket</title></head>
<body><pre id="report">pending</pre><script>
const got = [];
const ws = new WebSocket("wss://" + location.host + "/ws", ["chat"]);
ws.onopen = () => ws.send("from the page");
ws.onmessage = (e) => {
  got.push(e.data.length > 100 ? "long:" + e.data.length : e.data);
  if (got.length === 3) {
    document.getElementById("report").textContent = [got.join("|"), "protocol:" + ws.protocol, "ext:" + ws.extensions.split(";")[0]].join(" ");
    ws.close(1000, "bye");
  }
};
ws.onerror = () => (document.getElementById("report").textContent = "error");
</script></body></html>`;

peerTest(
  ["chromium"],
  "chromium's WebSocket over TLS: greeting, echo, a compressed push, and its close",
  async () => {
    const site = mkdtempSync(join(tmpdir(), "netsvc-ws-site-"));
    const profile = mkdtempSync(join(tmpdir(), "netsvc-ws-chromium-"));
    writeFileSync(join(site, "index.html"), INDEX);
    const closes: [number, string][] = [];
    const log: string[] = [];
    try {
      const live = new FnServer(
        (s: HttpSession) =>
          new (class extends HttpServlet {
            override processRequest(): void {
              const ws = this.upgrade({ protocols: ["chat"] });
              if (!ws) return;
              ws.send("welcome");
              ws.onmessage = (data) => {
                ws.send(`echo:${data}`);
                ws.send(LONG);
              };
              ws.onclose = (code, reason) => void closes.push([code, reason]);
            }
          })(s),
      );
      await using srv = startDaemon({ "/ws": live, "/": new FileServer(site) }, { tls: TLS_PEM, accessLog: (t) => log.push(t) });
      const dom = await dumpDom(`https://127.0.0.1:${srv.port}/index.html`, profile);
      expect(dom.match(/<pre id="report">([^<]*)<\/pre>/)?.[1]).toBe(
        `welcome|echo:from the page|long:${LONG.length} protocol:chat ext:permessage-deflate`,
      );
      expect(srv.daemon.stats().websockets).toBe(1);
      expect(srv.daemon.stats().websocketErrors).toBe(0);
      await srv.daemon.stop(1000);
      expect(closes).toEqual([[1000, "bye"]]);
      expect(log.join("")).toMatch(/"GET https:\/\/127\.0\.0\.1:\d+\/ws HTTP\/1\.1" 101 /);
    } finally {
      rmSync(site, { recursive: true, force: true });
      rmSync(profile, { recursive: true, force: true });
    }
  },
  90_000,
);
