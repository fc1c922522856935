/**
 * FileServer plugin rules (issue 9, item 8): an empty alias serves `name` from `name.ts`, and a
 * hidden plugin file stays hidden with extra path below it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

let root = "";
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "netsvc-plugin-rules-"));
  writeFileSync(join(root, "login.ts"), "// plugin source");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Named extends HttpServlet {
  override processRequest(): void {
    this.sendDocument(200, "text/plain", `ran ${this.servletPath()} info=${this.servletInfo()}`);
  }
}

async function get(port: number, target: string) {
  using c = await RawClient.connect(port);
  return await c.request(`GET ${target} HTTP/1.0\r\n\r\n`);
}

describe("plugin rules", () => {
  test("an empty alias serves /login from login.ts", async () => {
    const files = new FileServer(root).plugin(".ts", (s: HttpSession) => new Named(s), "").hide(".ts");
    await using srv = startDaemon({ "/": files });
    const r = await get(srv.port, "/login");
    expect(r.status).toBe(200);
    expect(r.body).toBe("ran login info=");
    expect((await get(srv.port, "/login.ts")).status).toBe(404);
    expect((await get(srv.port, "/nothing")).status).toBe(404);
  });

  test("a hidden plugin file is 404 with extra path below it too", async () => {
    const files = new FileServer(root).plugin(".ts", (s: HttpSession) => new Named(s)).hide(".ts");
    await using srv = startDaemon({ "/": files });
    expect((await get(srv.port, "/login.ts")).status).toBe(404);
    expect((await get(srv.port, "/login.ts/a/b")).status).toBe(404);
  });

  test("without hide, extra path below a plugin file is its servletInfo", async () => {
    const files = new FileServer(root).plugin(".ts", (s: HttpSession) => new Named(s));
    await using srv = startDaemon({ "/": files });
    expect((await get(srv.port, "/login.ts/a/b")).body).toBe("ran login.ts info=a/b");
  });
});
