/**
 * Every FileServer rule against every spelling of the same file (issue 19, item 1; SPEC §4.2):
 * a trailing `/` (and `//`, `/.`, `/x/..`, their `%2e` forms) once served a file hidden with
 * hide() and a plugin's source, because the rules looked at the end of the servlet path while
 * the disk lookup dropped the empty last segment. The rules are now decided once on the
 * resolved file name, so each spelling must answer what its resolved path answers:
 *
 * - a spelling that resolves to the name itself (`/./f`, `//f`, `/x/../f`, an escaped
 *   character) answers exactly as `/f`;
 * - a spelling that resolves to the name as a directory (`/f/`, `/f//`, `/f/.`, `/f/x/..`,
 *   `/f/%2e`, `/f/x/%2e%2e`) answers 404 for a file (nginx 1.22 answers 404 to each of these),
 *   runs a plugin file with an empty servletInfo, and serves a directory's index;
 * - an encoded slash (`/f%2F`) is 400 and closes, as everywhere (SPEC §4.1).
 *
 * One table, over real sockets, at two mount points; every answer is checked for its status,
 * its body, the connection state (a second request on it is answered, except after a 400), and
 * that no byte of a hidden file or of plugin source ever appears.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FileServer, HttpServlet, type HttpSession } from "../../src/index.ts";
import { RawClient, type ParsedResponse } from "../helpers/raw-client.ts";
import { startDaemon } from "../helpers/servers.ts";

/** Bytes that must never reach a client: hidden files, dotfiles and plugin source all hold one. */
const NEVER = "NEVER-SERVED";
const PLAIN = "plain text";
const INDEX = "<p>index</p>";
const GZ = gzipSync("console.log('gzip');\n").toString("latin1");

let root = "";
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "netsvc-spellings-"));
  mkdirSync(join(root, "dir"));
  writeFileSync(join(root, "f.txt"), PLAIN);
  writeFileSync(join(root, "db.bak"), `${NEVER} backup`);
  writeFileSync(join(root, "db.bak.gz"), gzipSync(`${NEVER} backup`));
  writeFileSync(join(root, ".secret"), `${NEVER} dotfile`);
  writeFileSync(join(root, "plug.dyn"), `${NEVER} plugin source`);
  writeFileSync(join(root, "plug.dyn.gz"), gzipSync(`${NEVER} plugin source`));
  writeFileSync(join(root, "login.src"), `${NEVER} aliased plugin source`);
  writeFileSync(join(root, "app.js"), "console.log('identity');\n");
  writeFileSync(join(root, "app.js.gz"), Buffer.from(GZ, "latin1"));
  writeFileSync(join(root, "dir", "index.html"), INDEX);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A plugin servlet: says which file ran and with what extra path. */
class Ran extends HttpServlet {
  override processRequest(): void {
    this.sendDocument(200, "text/plain", `ran ${this.servletPath()} info=${this.servletInfo()}`);
  }
}

function files(): FileServer {
  return new FileServer(root)
    .hide(".bak")
    .plugin(".dyn", (s: HttpSession) => new Ran(s))
    .plugin(".src", (s: HttpSession) => new Ran(s), ".page")
    .hide(".src");
}

/** What a request answers: a status and, when it matters, the exact body or a Location. */
interface Answer {
  status: number;
  body?: string;
  location?: string;
  encoding?: string;
}

/** A rule: the canonical path (below the mount), the answer to it, the answer to it as a directory. */
interface Rule {
  name: string;
  path: string;
  extra?: Record<string, string>;
  asFile: Answer;
  asDirectory: Answer;
}

const NOT_FOUND: Answer = { status: 404 };

const RULES: Rule[] = [
  { name: "a plain file", path: "/f.txt", asFile: { status: 200, body: PLAIN }, asDirectory: NOT_FOUND },
  { name: "a hidden suffix", path: "/db.bak", asFile: NOT_FOUND, asDirectory: NOT_FOUND },
  { name: "a precompressed copy of a hidden file", path: "/db.bak.gz", asFile: NOT_FOUND, asDirectory: NOT_FOUND },
  { name: "a dotfile", path: "/.secret", asFile: NOT_FOUND, asDirectory: NOT_FOUND },
  {
    name: "a plugin file",
    path: "/plug.dyn",
    asFile: { status: 200, body: "ran plug.dyn info=" },
    asDirectory: { status: 200, body: "ran plug.dyn info=" },
  },
  {
    name: "a plugin file with extra path",
    path: "/plug.dyn/extra",
    asFile: { status: 200, body: "ran plug.dyn info=extra" },
    asDirectory: { status: 200, body: "ran plug.dyn info=extra/" },
  },
  { name: "a precompressed copy of a plugin file", path: "/plug.dyn.gz", asFile: NOT_FOUND, asDirectory: NOT_FOUND },
  {
    name: "a plugin through its alias",
    path: "/login.page",
    asFile: { status: 200, body: "ran login.page info=" },
    asDirectory: NOT_FOUND,
  },
  { name: "a hidden plugin file", path: "/login.src", asFile: NOT_FOUND, asDirectory: NOT_FOUND },
  {
    name: "a precompressed sibling",
    path: "/app.js",
    extra: { "Accept-Encoding": "gzip" },
    asFile: { status: 200, body: GZ, encoding: "gzip" },
    asDirectory: NOT_FOUND,
  },
  { name: "an index file by name", path: "/dir/index.html", asFile: { status: 200, body: INDEX }, asDirectory: NOT_FOUND },
  { name: "a directory", path: "/dir", asFile: { status: 301, location: "/" }, asDirectory: { status: 200, body: INDEX } },
];

/** Escapes the first character of the last segment: `/dir/index.html` → `/dir/%69ndex.html`. */
function escapeFirst(path: string): string {
  const i = path.lastIndexOf("/") + 1;
  return `${path.slice(0, i)}%${path.charCodeAt(i).toString(16)}${path.slice(i + 1)}`;
}

/** Escapes the last `.` of the last segment in upper-case hex (`/f%2Etxt`); a name without one keeps its spelling. */
function escapeDot(path: string): string {
  const i = path.lastIndexOf(".");
  return i > path.lastIndexOf("/") ? `${path.slice(0, i)}%2E${path.slice(i + 1)}` : path;
}

/** How a spelling resolves: to the name itself, to the name as a directory, or refused. */
type Resolves = "file" | "directory" | "refused";

/** Spellings of `p` (an absolute path below the mount), each with what it resolves to. */
const SPELLINGS: [string, (p: string) => string, Resolves][] = [
  ["as named", (p) => p, "file"],
  ["/./ before it", (p) => `/.${p}`, "file"],
  ["// before it", (p) => `/${p}`, "file"],
  ["/x/../ before it", (p) => `/x/..${p}`, "file"],
  ["%2e%2e before it", (p) => `/x/%2e%2e${p}`, "file"],
  ["a character escaped", (p) => escapeFirst(p), "file"],
  ["its dot escaped, upper-case hex", (p) => escapeDot(p), "file"],
  ["/", (p) => `${p}/`, "directory"],
  ["//", (p) => `${p}//`, "directory"],
  ["/.", (p) => `${p}/.`, "directory"],
  ["/./", (p) => `${p}/./`, "directory"],
  ["/x/..", (p) => `${p}/x/..`, "directory"],
  ["/%2e", (p) => `${p}/%2e`, "directory"],
  ["/%2E", (p) => `${p}/%2E`, "directory"],
  ["/x/%2e%2e", (p) => `${p}/x/%2e%2e`, "directory"],
  ["/ with a character escaped", (p) => `${escapeFirst(p)}/`, "directory"],
  ["%2F (an encoded slash)", (p) => `${p}%2F`, "refused"],
];

const MOUNTS = ["/", "/static"];

/** One HTTP/1.1 request, then a plain one on the same connection (when it stays open). */
async function exchange(port: number, target: string, extra: Record<string, string>, sentinel: string) {
  using c = await RawClient.connect(port);
  const fields = Object.entries(extra).map(([k, v]) => `${k}: ${v}\r\n`);
  const r = await c.request(`GET ${target} HTTP/1.1\r\nHost: t\r\n${fields.join("")}\r\n`);
  let again: ParsedResponse | null = null;
  if (!c.closed) {
    try {
      again = await c.request(`GET ${sentinel} HTTP/1.1\r\nHost: t\r\n\r\n`);
    } catch {
      again = null; // closed before a second response
    }
  }
  return { r, again, raw: c.text() };
}

test("every rule answers the same for every spelling of its file (hide, dotfile, plugin, alias, sibling, index, redirect)", async () => {
  const mismatches: string[] = [];
  let checked = 0;
  for (const mount of MOUNTS) {
    await using srv = startDaemon({ [mount]: files() });
    const prefix = mount === "/" ? "" : mount;
    const sentinel = `${prefix}/f.txt`;
    for (const rule of RULES) {
      for (const [spelling, spell, resolves] of SPELLINGS) {
        const target = spell(prefix + rule.path);
        const want: Answer = resolves === "refused" ? { status: 400 } : resolves === "file" ? rule.asFile : rule.asDirectory;
        const { r, again, raw } = await exchange(srv.port, target, rule.extra ?? {}, sentinel);
        checked++;
        const got: string[] = [];
        if (r.status !== want.status) got.push(`status ${r.status}`);
        if (want.body !== undefined && r.body !== want.body) got.push(`body ${JSON.stringify(r.body.slice(0, 60))}`);
        if (want.location !== undefined && !r.headers.location?.endsWith(want.location)) got.push(`location ${r.headers.location}`);
        if ((r.headers["content-encoding"] ?? undefined) !== want.encoding) got.push(`encoding ${r.headers["content-encoding"]}`);
        if (raw.includes(NEVER)) got.push("LEAKED a hidden file or plugin source");
        // A refused target closes the connection with nothing after the 400; anything else keeps it.
        const kept = again !== null && again.status === 200 && again.body === PLAIN;
        if (resolves === "refused" ? again !== null : !kept) got.push(resolves === "refused" ? "connection kept" : "connection lost");
        if (got.length > 0)
          mismatches.push(`${rule.name} at ${mount}, ${spelling}: GET ${target} → ${got.join(", ")} (want ${want.status})`);
      }
    }
  }
  expect(mismatches).toEqual([]);
  expect(checked).toBe(MOUNTS.length * RULES.length * SPELLINGS.length);
}, 30_000);
