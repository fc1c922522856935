/**
 * netsvc used as a package (issue 13 item 5): `npm pack`, install the tarball into a fresh
 * project in a temporary directory, then run `npx netsvc --help`, `bunx netsvc --help`, a
 * program that imports "netsvc" and serves a request, and tsc over it with Bun's usual strict
 * settings. npm installs Bun itself (netsvc's peer dependency) from its cache, where this
 * checkout's own `npm install` put it; tsc and Bun's types are this checkout's. Nothing here
 * installs from this checkout's node_modules: npm would rerun bun's postinstall in it and
 * replace the very executable running the tests.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { spawnWithOutput } from "./helpers/spawn.ts";

const repo = resolve(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "netsvc-package-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command to completion; returns its status and output. */
async function run(cmd: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(cmd, {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
    env: { ...process.env, NO_UPDATE_NOTIFIER: "1", ...env },
  });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out, err };
}

/** Fails with the command's output when it did not exit 0. */
function ok(r: { code: number; out: string; err: string }, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.out}\n${r.err}`);
  return r.out;
}

const CONSUMER = `import { HttpDaemon, HttpError, Router } from "netsvc";

const api = new Router().get("/items/:id", (s, params) => {
  if (params.id === "0") throw new HttpError(404, "no item 0");
  s.sendJson({ id: params.id });
});
const daemon = new HttpDaemon(0);
daemon.attach("/api", api);
daemon.start();
const base = \`http://127.0.0.1:\${daemon.port()}/api/items/\`;
const found = await fetch(base + "7");
const missing = await fetch(base + "0", { headers: { accept: "application/json" } });
console.log(JSON.stringify([found.status, await found.json(), missing.status, await missing.json()]));
await daemon.stop();
`;

const TSCONFIG = {
  compilerOptions: {
    lib: ["ESNext"],
    target: "ESNext",
    module: "Preserve",
    moduleDetection: "force",
    moduleResolution: "bundler",
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    types: ["bun"],
    typeRoots: [join(repo, "node_modules", "@types")],
  },
};

test("npm pack → install in a fresh project → npx netsvc, bunx netsvc, import, tsc", async () => {
  const pack = ok(await run(["npm", "pack", "--json", "--pack-destination", dir], repo), "npm pack");
  const tarball = join(dir, JSON.parse(pack)[0].filename as string);
  const project = join(dir, "consumer");
  await Bun.write(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  writeFileSync(join(project, "main.ts"), CONSUMER);
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG));
  ok(await run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", tarball], project), "npm install");
  expect(readdirSync(join(project, "node_modules"))).toContain("bun"); // the peer dependency came along
  // Only the package's files are shipped: sources, their declarations (types/, written by
  // prepack), the bin shim, docs, the examples the docs tell users to run, README.
  expect(readdirSync(join(project, "node_modules", "netsvc")).sort()).toEqual([
    "README.md",
    "bin",
    "docs",
    "examples",
    "package.json",
    "src",
    "types",
  ]);
  // A shipped example runs from the installed package (its `netsvc` imports resolve to the package).
  {
    const example = spawnWithOutput([join(project, "node_modules", ".bin", "bun"), "node_modules/netsvc/examples/todo.ts", "0"], {
      cwd: project,
    });
    try {
      const todos = await fetch(`${await example.out.url()}todos`); // url(): …/api/
      expect([todos.status, await todos.text()]).toEqual([200, "[]"]);
    } finally {
      example.child.kill("SIGKILL");
    }
  }

  const npx = ok(await run(["npx", "--no-install", "netsvc", "--help"], project), "npx netsvc --help");
  expect(npx).toContain("usage: netsvc [root] [options]");
  const bunx = ok(await run([join(project, "node_modules", ".bin", "bunx"), "netsvc", "--help"], project), "bunx netsvc --help");
  expect(bunx).toContain("usage: netsvc [root] [options]");
  // Started directly (a service unit, a shell script) with no bun on PATH: the shim finds the
  // project's. (A bin pointing at src/cli.ts, `#!/usr/bin/env bun`, fails exactly here.)
  const node = Bun.which("node");
  if (node === null) throw new Error("node is not on PATH (npm needs it too)");
  const bare = { PATH: `${dirname(node)}:/usr/bin:/bin` };
  expect((await run(["/usr/bin/env", "bun", "--version"], project, bare)).code).toBe(127); // no bun there
  const direct = ok(
    await run([join(project, "node_modules", ".bin", "netsvc"), "--help"], project, bare),
    "node_modules/.bin/netsvc --help",
  );
  expect(direct).toContain("usage: netsvc [root] [options]");
  // Serving through the shim under Node: a request answered, SIGTERM passed on to Bun, exit 0.
  const { child, out } = spawnWithOutput([join(project, "node_modules", ".bin", "netsvc"), "--port", "0"], { cwd: project, env: bare });
  try {
    const page = await fetch((await out.url()) + "main.ts");
    expect([page.status, await page.text()]).toEqual([200, CONSUMER]);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
  // A bad flag: the exit status comes through the shim.
  expect((await run(["npx", "--no-install", "netsvc", "--no-such-flag"], project)).code).toBe(2);

  const served = ok(await run([join(project, "node_modules", ".bin", "bun"), "main.ts"], project), "bun main.ts");
  expect(JSON.parse(served)).toEqual([200, { id: "7" }, 404, { status: 404, error: "Not Found", message: "no item 0" }]);
  ok(await run([join(repo, "node_modules", ".bin", "tsc"), "-p", "."], project), "tsc in the consumer");
}, 180_000); // npm pack + install ≈ 12 s and tsc over Bun's types ≈ 13 s on a loaded 2-core machine.
