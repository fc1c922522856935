/**
 * WebSocket against a real client (SPEC §12; issue 23): Python's `websockets` library connects,
 * offering permessage-deflate and a subprotocol, sends text (short and long: the long one
 * compressed), binary and a ping, and closes with 1000 — over cleartext and over TLS.
 */
import { describe, expect } from "bun:test";
import { join } from "node:path";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { peerTest } from "../helpers/peers.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { TLS_PEM } from "../helpers/h2-interop-site.ts";

const CLIENT = join(import.meta.dir, "../helpers/ws-python-client.py");

/** Upgrades with the subprotocol "chat" and echoes; records each socket's close. */
function echo(closes: number[]) {
  return new FnServer(
    (s: HttpSession) =>
      new (class extends HttpServlet {
        override processRequest(): void {
          const ws = this.upgrade({ protocols: ["chat"] });
          if (!ws) return;
          ws.onmessage = (data) => void ws.send(data);
          ws.onclose = (code) => void closes.push(code);
        }
      })(s),
  );
}

describe("Python's websockets as the client", () => {
  for (const tls of [false, true]) {
    peerTest(["python3-websockets"], `${tls ? "wss" : "ws"}: compressed and plain messages, a ping, a clean close`, async () => {
      const closes: number[] = [];
      await using srv = startDaemon({ "/": echo(closes) }, tls ? { tls: TLS_PEM } : {});
      const url = `${tls ? "wss" : "ws"}://127.0.0.1:${srv.port}/`;
      const proc = Bun.spawn(["python3", CLIENT, url, ...(tls ? ["--insecure"] : [])], { stdout: "pipe", stderr: "pipe" });
      const timer = setTimeout(() => proc.kill(), 25_000);
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      clearTimeout(timer);
      expect(err).toBe("");
      expect(code).toBe(0);
      const r = JSON.parse(out);
      expect(r).toEqual({
        extensions: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        subprotocol: "chat",
        short: "hello",
        long_ok: true,
        binary: [0, 1, 2, 255],
        pong: true,
        close_code: 1000,
      });
      expect(closes).toEqual([1000]);
      expect(srv.daemon.stats().websocketErrors).toBe(0);
    });
  }
});
