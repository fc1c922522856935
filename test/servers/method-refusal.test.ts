/**
 * 405 or 501 (issue 19, item 8; RFC 9110 §9.1, §15.5.6, §15.6.2): a resource that refuses a
 * method the server recognises answers 405 with `Allow`; a method the server does not recognise
 * at all (not one of RFC 9110's eight nor PATCH — methods are case-sensitive, so `get` is not
 * GET) gets 501 without `Allow`. A Router also recognises the extension methods its own routes
 * register. A path with nothing there is 404 whatever the method. Over real sockets: the
 * FileServer's file, index and listing, a plugin servlet, a plain servlet, a Router, and
 * FormServlet (SPEC §2.5: every other method 501); each answer keeps the connection.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileServer, FormServlet, HttpServlet, Router, type HttpSession } from "../../src/index.ts";
import { parseResponses, RawClient } from "../helpers/raw-client.ts";
import { FnServer, startDaemon } from "../helpers/servers.ts";

let root = "";
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "netsvc-methods-"));
  mkdirSync(join(root, "dir"));
  mkdirSync(join(root, "list"));
  writeFileSync(join(root, "f.txt"), "file");
  writeFileSync(join(root, "dir", "index.html"), "index");
  writeFileSync(join(root, "list", "a.txt"), "a");
  writeFileSync(join(root, "only-get.dyn"), "plugin source");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Answers GET; refuses every other method with sendError(405), as a servlet author writes it. */
class GetOnly extends HttpServlet {
  override processRequest(): void {
    if (this.requestMethod() !== "GET") return this.sendError(405);
    this.sendDocument(200, "text/plain", "got");
  }
}

class Form extends FormServlet {
  override handleRequest(): void {
    this.sendDocument(200, "text/plain", "form");
  }
}

function servers() {
  const files = new FileServer(root).listing().plugin(".dyn", (s: HttpSession) => new GetOnly(s));
  const api = new Router()
    .get("/items/:id", (s) => s.sendDocument(200, "text/plain", "item"))
    .on("PROPFIND", "/dav", (s) => s.sendDocument(207, "text/plain", "dav"));
  return { "/": files, "/api": api, "/custom": new FnServer((s) => new GetOnly(s)), "/form": new FnServer((s) => new Form(s)) };
}

const UNRECOGNISED = ["FOO", "get", "M-SEARCH"];
const STANDARD_REFUSED = ["PUT", "DELETE", "PATCH", "TRACE", "OPTIONS", "POST"];

/** [resource, target, methods → expected status, expected Allow (null: none)]. */
const ROWS: [string, string, Record<string, [number, string | null]>][] = [];
function row(name: string, target: string, refusedAllow: string, extra: Record<string, [number, string | null]> = {}) {
  const want: Record<string, [number, string | null]> = {};
  for (const m of UNRECOGNISED) want[m] = [501, null];
  want.PROPFIND = [501, null];
  for (const m of STANDARD_REFUSED) want[m] = [405, refusedAllow];
  ROWS.push([name, target, { ...want, ...extra }]);
}
row("a file", "/f.txt", "GET, HEAD");
row("a directory's index file", "/dir/", "GET, HEAD");
row("a directory listing", "/list/", "GET, HEAD");
row("a plugin servlet refusing with sendError(405)", "/only-get.dyn", "GET, HEAD");
row("a plain servlet refusing with sendError(405)", "/custom", "GET, HEAD");
// The router recognises PROPFIND (a route of its own registers it): the path refuses it, 405.
row("a router path with a GET route", "/api/items/1", "GET, HEAD", { PROPFIND: [405, "GET, HEAD"] });
row("a router path with only a PROPFIND route", "/api/dav", "PROPFIND", { PROPFIND: [207, null], GET: [405, "PROPFIND"] });
// Nothing there: 404 whatever the method.
const ALL = [...UNRECOGNISED, "PROPFIND", ...STANDARD_REFUSED];
ROWS.push(["a missing file", "/missing.txt", Object.fromEntries(ALL.map((m) => [m, [404, null]]))]);
ROWS.push(["a router path with no route", "/api/nothing", Object.fromEntries(ALL.map((m) => [m, [404, null]]))]);
// SPEC §2.5: FormServlet answers every method but GET, HEAD and POST with 501.
ROWS.push(["a FormServlet", "/form", Object.fromEntries([...UNRECOGNISED, "PUT", "DELETE", "PATCH"].map((m) => [m, [501, null]]))]);

test("a refused method: 405 with Allow when the server recognises it, 501 when it does not; 404 where nothing is", async () => {
  await using srv = startDaemon(servers());
  const mismatches: string[] = [];
  for (const [name, target, want] of ROWS) {
    for (const [method, [status, allow]] of Object.entries(want)) {
      using c = await RawClient.connect(srv.port);
      // The request, then a GET on the same connection: it is answered when the first kept it.
      c.send(
        `${method} ${target} HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`,
      );
      await c.untilClosed();
      const [r, next] = parseResponses(c.text(), true);
      const got = [r?.status, r?.headers.allow ?? null, next?.body === "file" ? "kept" : "lost"];
      if (JSON.stringify(got) !== JSON.stringify([status, allow, "kept"]))
        mismatches.push(`${name}: ${method} ${target} → ${JSON.stringify(got)}, want ${JSON.stringify([status, allow, "kept"])}`);
    }
  }
  expect(mismatches).toEqual([]);
});
