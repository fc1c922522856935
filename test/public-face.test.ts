/**
 * The public face in parts (issue 20 item 5): the root `netsvc` stays small, every name has one
 * home (the root or one subpath), each subpath resolves by its package name, and docs/api.md's
 * "where is X" table sends a reader to where each name really is.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { withCli } from "./helpers/spawn.ts";

const repo = resolve(import.meta.dir, "..");
/** At most this many runtime (value) names at the root: the rest belongs behind a subpath. */
const ROOT_LIMIT = 70;

const subpaths = readdirSync(join(repo, "src", "entry"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();

/** Each import path and its module, loaded by package name (tsconfig paths, as Bun resolves them in the repo). */
async function modules(): Promise<Map<string, Record<string, unknown>>> {
  const all = new Map<string, Record<string, unknown>>([["netsvc", await import("netsvc")]]);
  for (const name of subpaths) all.set(`netsvc/${name}`, await import(`netsvc/${name}`));
  return all;
}

test(`the root exports at most ${ROOT_LIMIT} runtime names`, async () => {
  const names = Object.keys(await import("../src/index.ts"));
  expect(names.length).toBeLessThanOrEqual(ROOT_LIMIT);
});

test("each subpath is a file of src/entry reached by its package name, and no name has two homes", async () => {
  expect(subpaths).toEqual(expect.arrayContaining(["limits", "rpc", "services"]));
  const all = await modules();
  for (const name of subpaths) {
    const direct = (await import(join(repo, "src", "entry", `${name}.ts`))) as Record<string, unknown>;
    expect(all.get(`netsvc/${name}`)).toBe(direct);
  }
  const homes = new Map<string, string[]>();
  for (const [path, mod] of all) for (const name of Object.keys(mod)) homes.set(name, [...(homes.get(name) ?? []), path]);
  expect([...homes].filter(([, paths]) => paths.length > 1)).toEqual([]);
});

test("docs/api.md's 'where is X' table names each export where it is", async () => {
  const all = await modules();
  const runtime = new Set([...all.values()].flatMap((mod) => Object.keys(mod)));
  const doc = readFileSync(join(repo, "docs", "api.md"), "utf8");
  const rows = [...doc.matchAll(/^\| `(netsvc(?:\/\w+)?)` \| (.+) \|$/gm)];
  expect(rows.map((r) => r[1]).sort()).toEqual(["netsvc", ...subpaths.map((s) => `netsvc/${s}`)].sort());
  const misplaced: string[] = [];
  for (const [, path, cell] of rows) {
    const source = readFileSync(join(repo, path === "netsvc" ? "src/index.ts" : `src/entry/${path!.slice(7)}.ts`), "utf8");
    for (const [, name] of cell!.matchAll(/`([A-Za-z_]\w*)`/g)) {
      // A value must be exported there at runtime; a type, named in that entry's re-exports.
      const found = runtime.has(name!) ? name! in all.get(path!)! : new RegExp(`\\b${name}\\b`).test(source);
      if (!found) misplaced.push(`${name} is not in ${path}`);
    }
  }
  expect(misplaced).toEqual([]);
});

test("a plugin file served by the binary imports the subpaths, outside any project", async () => {
  // No node_modules and no tsconfig above this directory: only the binary can provide the modules.
  const site = mkdtempSync(join(tmpdir(), "netsvc-face-"));
  try {
    writeFileSync(
      join(site, "parts.ts"),
      `import { HttpServlet } from "netsvc";
import { MAX_BODY } from "netsvc/limits";
import { RpcGateway } from "netsvc/rpc";
import { services } from "netsvc/services";
import { clearFileCache } from "netsvc/testing";
export default class extends HttpServlet {
  processRequest() {
    this.sendDocument(200, "text/plain", [MAX_BODY, typeof RpcGateway, typeof services.call, typeof clearFileCache].join(" "));
  }
}
`,
    );
    await withCli([site, "--port", "0", "--plugin", ".ts"], async (base) => {
      const r = await fetch(`${base}parts.ts`);
      expect([r.status, await r.text()]).toEqual([200, `${1024 * 1024} function function function`]);
    });
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
});
