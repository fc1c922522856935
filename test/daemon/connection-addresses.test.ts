/**
 * The addresses a connection gives its requests (clientHost/clientPort, serverHost/serverPort, the
 * URL of a request naming no host): the peer's address is read at accept (allow/deny need it),
 * the others when first asked; either way they are the socket's, the same on every request of the
 * connection, and still there when asked after the client has gone.
 */
import { describe, expect, test } from "bun:test";
import { HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { FnServer, TextServlet, startDaemon } from "../helpers/servers.ts";

const addresses = (s: HttpSession) => `${s.serverHost()} ${s.serverPort()} ${s.clientHost()} ${s.clientPort()}`;

/** Asks for the client's port, waits for the client to leave, and asks again (a long poll's servlet). */
class AsksAcrossLeaving extends HttpServlet {
  static seen: string[] = [];
  static waiting = false;
  override async processRequest(): Promise<void> {
    const before = `${this.clientPort()}`;
    AsksAcrossLeaving.waiting = true;
    await new Promise((resolve) => this.signal.addEventListener("abort", resolve, { once: true }));
    AsksAcrossLeaving.seen.push(before, `${this.clientPort()}`);
  }
}

describe("connection addresses", () => {
  test("are the socket's, read on a wildcard listener, and the same on every request", async () => {
    await using srv = startDaemon({ "/": new FnServer((s) => new TextServlet(s, addresses(s))) }, { host: "0.0.0.0" });
    using c = await RawClient.connect(srv.port);
    // HTTP/1.0 without Host: serverHost() and serverPort() are the connection's local ones.
    c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const [first] = await c.responses(1);
    c.send("GET / HTTP/1.0\r\n\r\n");
    const [, second] = await c.responses(2);
    const expected = `127.0.0.1 ${srv.port} 127.0.0.1 ${c.localPort}`;
    expect([first!.body, second!.body]).toEqual([expected, expected]);
  });

  test("a port asked for before the client reset is the same when asked after", async () => {
    AsksAcrossLeaving.seen = [];
    AsksAcrossLeaving.waiting = false;
    await using srv = startDaemon({ "/": new FnServer((s) => new AsksAcrossLeaving(s)) });
    const c = await RawClient.connect(srv.port);
    const port = c.localPort;
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await c.until(() => AsksAcrossLeaving.waiting, 5000, "the servlet waiting");
    c.terminate();
    await c.until(() => AsksAcrossLeaving.seen.length === 2, 2000, "the servlet's second look");
    expect(AsksAcrossLeaving.seen).toEqual([`${port}`, `${port}`]);
  });

  test("the access-log line of a host-less request cut by a reset has the local address (wildcard listener)", async () => {
    const lines: string[] = [];
    AsksAcrossLeaving.waiting = false;
    await using srv = startDaemon(
      { "/": new FnServer((s) => new AsksAcrossLeaving(s)) },
      { host: "0.0.0.0", accessLog: (t) => lines.push(t) },
    );
    const c = await RawClient.connect(srv.port);
    c.send("GET /poll HTTP/1.0\r\n\r\n");
    await c.until(() => AsksAcrossLeaving.waiting, 5000, "the servlet waiting");
    c.terminate();
    await c.until(() => srv.daemon.stats().open === 0, 2000, "the connection closed");
    await srv.daemon.stop(500);
    expect(lines.join("")).toContain(`"GET http://127.0.0.1:${srv.port}/poll HTTP/1.0" 499 `);
  });
});
