/**
 * `--config FILE` (SPEC §14): the file's keys are the flags' names, checked by the same parser;
 * the command line's flags come after the file's; sites become virtual hosts; every fault is one
 * error naming the file (and the site) and the key. Then the binary serving two sites from a file.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "../src/cli-options.ts";
import { configure } from "../src/config-file.ts";
import { spawnWithOutput } from "./helpers/spawn.ts";

const dir = mkdtempSync(join(tmpdir(), "netsvc-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const site of ["a", "b", "main"]) {
  mkdirSync(join(dir, site));
  writeFileSync(join(dir, site, "index.html"), `site ${site}`);
}

let n = 0;
/** Writes `content` (an object as JSON, or text as it is) to a new file; returns its path. */
function file(content: unknown): string {
  const path = join(dir, `c${++n}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** The CliError message `configure` throws for `argv`. */
function refusal(argv: string[]): string {
  try {
    configure(argv);
  } catch (e) {
    if (e instanceof CliError) return e.message;
    throw e;
  }
  throw new Error("no error");
}

describe("a config file", () => {
  test("keys are the flags: values of every kind, and the root", () => {
    const path = file({
      port: 8080,
      host: "0.0.0.0",
      index: ["home.html", "start.html"],
      hide: ".bak",
      list: true,
      spa: false,
      log: true,
      cors: "https://x.example",
      root: join(dir, "main"),
    });
    const { options, sites } = configure(["--config", path]);
    expect(options).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      index: ["home.html", "start.html"],
      hide: [".bak"],
      list: true,
      spa: false,
      log: "-",
      cors: "https://x.example",
      root: join(dir, "main"),
    });
    expect(sites).toEqual([]);
  });

  test("the command line comes after the file: a single value replaces, a repeatable one adds, a root replaces", () => {
    const path = file({ port: 8080, index: "a.html", root: join(dir, "main") });
    const { options } = configure(["--config", path, "--port", "9090", "--index", "b.html", join(dir, "a")]);
    expect(options).toMatchObject({ port: 9090, index: ["a.html", "b.html"], root: join(dir, "a") });
  });

  test("sites: hosts and roots, the top level's file-server flags as every site's defaults, unknown-hosts", () => {
    const path = file({
      compress: true,
      index: "home.html",
      "unknown-hosts": 421,
      sites: [
        { host: ["a.example", "www.a.example"], root: join(dir, "a") },
        { host: "b.example", root: join(dir, "b"), spa: true, auth: "u:p", index: "b.html", compress: false },
      ],
    });
    const { sites, unknownHosts } = configure(["--config", path]);
    expect(unknownHosts).toBe(421);
    expect(sites.map((s) => [s.hosts, s.options.root, s.options.compress, s.options.spa, s.options.auth, s.options.index])).toEqual([
      [["a.example", "www.a.example"], join(dir, "a"), true, false, null, ["home.html"]],
      [["b.example"], join(dir, "b"), false, true, ["u", "p"], ["home.html", "b.html"]], // its false beats the top level's true
    ]);
  });

  test("every fault is one line naming the file and the key", () => {
    const cases: [unknown, string][] = [
      [{ prot: 80 }, '"prot": unknown key'],
      [{ port: true }, '"port": takes a string or a number'],
      [{ port: "x" }, "--port takes 0-65535"],
      [{ list: "yes" }, '"list": takes true or false'],
      [{ index: [1, {}] }, '"index": takes a string or a number, or a list of them'],
      [{ help: true }, '"help": unknown key'],
      [{ config: "other.json" }, '"config": unknown key'],
      [[1, 2], "the file holds a JSON object of flags"],
      ["{ port: 1 }", "not JSON"],
      [{ sites: [] }, '"sites": takes a list of sites'],
      [{ sites: [{ root: "/srv" }] }, 'sites[0]: "host" is required'],
      [{ sites: [{ host: "a" }] }, 'sites[0]: "root" is required'],
      [{ sites: [{ host: "a", root: "/srv", port: 1 }] }, 'sites[0]: "port" is not a site\'s'],
      [{ sites: [{ host: "a", root: "/srv", cache: "soon" }] }, "sites[0]: --cache takes whole seconds"],
      [{ root: "/srv", sites: [{ host: "a", root: "/srv" }] }, '"root": with sites, each site names its own root'],
      [{ "unknown-hosts": 404 }, '"unknown-hosts": takes "first"'],
    ];
    for (const [content, message] of cases) {
      const path = file(content);
      const got = refusal(["--config", path]);
      expect(got.startsWith(`${path}: `)).toBe(true);
      expect(got).toContain(message);
      expect(got).not.toContain("\n");
    }
    expect(refusal(["--config", join(dir, "missing.json")])).toContain("cannot be read (ENOENT)");
  });
});

test("the binary serves two sites from a config file; an unknown host gets 421; a bad file exits 2 with one line", async () => {
  const path = file({
    port: 0,
    "unknown-hosts": 421,
    sites: [
      { host: "a.example", root: join(dir, "a") },
      { host: "b.example", root: join(dir, "b"), auth: "u:p" },
    ],
  });
  const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", "--config", path]);
  try {
    const url = await out.url();
    const get = async (host: string, auth?: string) => {
      const r = await fetch(url, { headers: { host, ...(auth ? { authorization: `Basic ${btoa(auth)}` } : {}) } });
      return [r.status, r.status === 200 ? await r.text() : ""];
    };
    expect(await get("a.example")).toEqual([200, "site a"]);
    expect(await get("b.example")).toEqual([401, ""]);
    expect(await get("b.example", "u:p")).toEqual([200, "site b"]);
    expect(await get("c.example")).toEqual([421, ""]);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
  const bad = Bun.spawn([process.execPath, "src/cli.ts", "--config", file({ port: 0, prot: 1 })], { stderr: "pipe" });
  expect(await bad.exited).toBe(2);
  expect((await new Response(bad.stderr).text()).split("\n")[0]).toContain('"prot": unknown key');
});
