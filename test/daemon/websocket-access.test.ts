/**
 * Who may open a WebSocket (SPEC §12): the upgrade is a request like any other, so a server
 * object's authentication, the daemon's allow/deny and trustProxy apply before the servlet can
 * upgrade; a Router handler upgrades as a servlet does; an HTTP/2 stream is never an upgrade (426,
 * with no HTTP/1-only field on the stream).
 */
import { expect, test } from "bun:test";
import { HttpServer, HttpServlet, Router, type HttpSession } from "../../src/index.ts";
import { H2Client } from "../helpers/h2-client.ts";
import { field, responseDecoder } from "../helpers/h2-decode.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";
import { WsTestClient } from "../helpers/ws-client.ts";

/** Upgrades and reports the client it was told of. */
class Hello extends HttpServlet {
  override processRequest(): void {
    const ws = this.upgrade();
    ws?.send(`hello ${this.remoteUser() || "-"} from ${ws.clientHost}`);
  }
}

class Guarded extends HttpServer {
  override authorise(login: string, password: string): boolean {
    return login === "alice" && password === "pw";
  }
  override servlet(s: HttpSession) {
    return new Hello(s);
  }
}

const basic = (user: string, password: string) => `Authorization: Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

test("a server that asks for authentication: 401 without credentials, 101 with them", async () => {
  await using srv = startDaemon({ "/": new Guarded() });
  using anonymous = await WsTestClient.open(srv.port);
  expect(anonymous.status).toBe(401);
  expect(anonymous.header("www-authenticate")).toContain("Basic");
  using alice = await WsTestClient.open(srv.port, "/", [basic("alice", "pw")]);
  expect(alice.status).toBe(101);
  const [hello] = await alice.untilFrames(1);
  expect(new TextDecoder().decode(hello!.payload)).toBe("hello alice from 127.0.0.1");
  expect(srv.daemon.stats().websockets).toBe(1);
});

test("deny: the connection is dropped before any handshake", async () => {
  await using srv = startDaemon({ "/": new FnServer((s) => new Hello(s)) }, { deny: ["127.0.0.0/8"] });
  const open = WsTestClient.open(srv.port);
  await expect(open).rejects.toThrow();
  expect(srv.daemon.stats().websockets).toBe(0);
});

test("trustProxy: the socket's client is the one the proxy names", async () => {
  await using srv = startDaemon({ "/": new FnServer((s) => new Hello(s)) }, { trustProxy: ["127.0.0.1/32"] });
  using c = await WsTestClient.open(srv.port, "/", ["X-Forwarded-For: 203.0.113.9"]);
  expect(c.status).toBe(101);
  const [hello] = await c.untilFrames(1);
  expect(new TextDecoder().decode(hello!.payload)).toBe("hello - from 203.0.113.9");
});

test("a Router handler upgrades as a servlet does", async () => {
  const router = new Router().get("/rooms/:room", (s, params) => {
    const ws = s.upgrade();
    ws?.send(`room ${params.room}`);
  });
  await using srv = startDaemon({ "/": router });
  using c = await WsTestClient.open(srv.port, "/rooms/lobby");
  expect(c.status).toBe(101);
  const [first] = await c.untilFrames(1);
  expect(new TextDecoder().decode(first!.payload)).toBe("room lobby");
});

test("over HTTP/2 a request is never an upgrade: 426, and no Upgrade or Connection field on the stream", async () => {
  await using srv = startDaemon({ "/": new FnServer((s) => new Hello(s)) });
  const c = await H2Client.connect(srv.port, { decode: responseDecoder() });
  try {
    const res = await c.response(c.request("GET", "/"));
    expect(field(res.headers, ":status")).toBe("426");
    expect(field(res.headers, "upgrade")).toBeUndefined();
    expect(field(res.headers, "connection")).toBeUndefined();
    expect(srv.daemon.stats().websockets).toBe(0);
  } finally {
    await c.close();
  }
});
