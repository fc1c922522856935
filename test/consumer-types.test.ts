/**
 * A consumer type-checks its use of netsvc with its own compiler settings (issue 20 item 6).
 * The package is packed (`npm pack`, whose prepack writes the declarations into types/), then
 * installed into two throwaway projects made the ways a new user makes one — the real
 * `bun init -y` and the real `tsc --init` — and a small app using the root and two subpaths (a
 * server object, a servlet, a Router route, a service call, an RpcGateway) is type-checked with
 * each project's own tsconfig.json: bun init's by its `typecheck` script (`bun check`) and by
 * tsc, tsc --init's by tsc. Lines marked @ts-expect-error misuse the API: were the declarations
 * unresolved (`any`), those directives would be unused and fail the check.
 *
 * Before issue 20 the package's types were its .ts sources, checked with the consumer's options:
 * 10 errors inside netsvc for bun init (noFallthroughCasesInSwitch), over 200 for tsc --init.
 */
import { afterAll, expect } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { peerTest } from "./helpers/peers.ts";
import { run } from "./helpers/spawn.ts";

const repo = resolve(import.meta.dir, "..");
const bin = (name: string) => join(repo, "node_modules", ".bin", name);
const dir = mkdtempSync(join(tmpdir(), "netsvc-consumer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every step is bounded: pack ≈ 8 s (tsc writes the declarations), the rest 1–3 s each. */
const STEP_MS = 60_000;

const APP = `import { HttpDaemon, HttpServer, HttpServlet, type HttpSession, Router } from "netsvc";
import { RpcGateway } from "netsvc/rpc";
import { Service, ServiceFailure, services } from "netsvc/services";
import { ResponseRecorder } from "netsvc/testing";
import { request } from "netsvc/testing";

class Hello extends HttpServlet {
  override processRequest(): void {
    this.sendDocument(200, "text/plain", \`hello \${this.servletPath()}\\n\`);
  }
}

class HelloServer extends HttpServer {
  override servlet(session: HttpSession): HttpServlet | null {
    return new Hello(session);
  }
}

class Adder extends Service {
  constructor() {
    super("adder");
    this.exportMethod(this.add);
  }
  add(a: number, b: number): number {
    if (!Number.isFinite(a + b)) throw new ServiceFailure(1, "not a number", "adder");
    return a + b;
  }
}

new Adder();
const api = new Router().get("/sum/:a/:b", async (s, params) => {
  const sum = await services.call("adder", "add", [Number(params.a), Number(params.b)], { timeoutMs: 1000 });
  s.sendJson({ sum });
});
const daemon = new HttpDaemon(0);
daemon.attach("/hello", new HelloServer());
daemon.attach("/api", api);
daemon.attach("/rpc", new RpcGateway(""));
daemon.start();
const port: number = daemon.port();
console.log(port);
await daemon.stop();

const rec = new ResponseRecorder("GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n");
rec.serve((s) => new Hello(s));
const recorded: string = rec.text();
console.log(recorded);

const answered: Response = await request(daemon, new Request("http://x/hello/there"), { remoteAddress: "192.0.2.1" });
console.log(await answered.text());

/** Never called: each line must be a type error, so the declarations are really read. */
export function misuse(): void {
  // @ts-expect-error: attach takes a path string
  daemon.attach(1, api);
  // @ts-expect-error: a call names a method and passes its parameters
  void services.call("adder");
  // @ts-expect-error: the gateway's group is a string
  new RpcGateway(42);
  // @ts-expect-error: a recorder serves a servlet made from the session, not a string
  rec.serve("Hello");
  // @ts-expect-error: request() takes a fetch Request, not a URL
  void request(daemon, "http://x/hello");
}
`;

/** The command's stdout, or a thrown error with everything it printed. */
async function ok(cmd: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const r = await run(cmd, STEP_MS, { cwd, env: { NO_UPDATE_NOTIFIER: "1", ...env } });
  if (r.code !== 0) throw new Error(`${cmd.map((a) => a.replace(repo, ".")).join(" ")} exited ${r.code} in ${cwd}:\n${r.out}\n${r.err}`);
  return r.out;
}

/** The errors a type-checker reports in `project` (none when it exits 0), each prefixed with `label`. */
async function typeErrors(label: string, cmd: string[], project: string): Promise<string[]> {
  const r = await run(cmd, STEP_MS, { cwd: project });
  if (r.code === 0) return [];
  const errors = `${r.out}\n${r.err}`.split("\n").filter((line) => line.includes("error TS"));
  return [`${label}: ${errors.length} errors (exit ${r.code})`, ...(errors.length > 0 ? errors : [r.out, r.err])];
}

/**
 * Installs the tarball into `project` with npm, never from the network: --offline, and every
 * other package it needs — netsvc's dependencies and the project's own (bun init's @types/bun)
 * — given as links to this checkout's node_modules (the versions package-lock.json pins). Why:
 * npm's cache here does not answer --offline for every package (it lacks @types/bun's metadata
 * in the form npm asks for: ENOTCACHED), bun's cache is empty on a fresh machine (`bun add
 * --offline` fails to resolve), and the registry may be unreachable in CI. --legacy-peer-deps
 * leaves peers alone (bun itself, bun init's typescript@^7), which a type-check does not need;
 * --ignore-scripts runs nothing in the linked folders.
 */
async function install(project: string, tarball: string): Promise<void> {
  type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const netsvc = (await Bun.file(join(repo, "package.json")).json()) as Manifest;
  const own = (await Bun.file(join(project, "package.json")).json()) as Manifest;
  const names = new Set([
    ...Object.keys(netsvc.dependencies ?? {}),
    ...Object.keys(own.dependencies ?? {}),
    ...Object.keys(own.devDependencies ?? {}),
  ]);
  const links = [...names].map((name) => join(repo, "node_modules", name)).filter((path) => existsSync(path));
  await ok(
    ["npm", "install", "--offline", "--no-audit", "--no-fund", "--legacy-peer-deps", "--ignore-scripts", tarball, ...links],
    project,
  );
}

/** A fresh directory for one project. */
function projectDir(name: string): string {
  const project = join(dir, name);
  mkdirSync(project);
  return project;
}

/** The packed tarball, made once for both projects (npm pack runs prepack: the declarations). */
let packed: Promise<string> | undefined;
function tarball(): Promise<string> {
  packed ??= ok(["npm", "pack", "--json", "--pack-destination", dir], repo).then((out) =>
    join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename),
  );
  return packed;
}

peerTest(
  ["npm"],
  "a project made by bun init -y type-checks the app with its own settings (bun check and tsc)",
  async () => {
    // bun init -y, the real one. Its own install (@types/bun, typescript) is pointed at a closed
    // port so it fails at once instead of reaching the network; the files it writes are what
    // this test needs (package.json, tsconfig.json), and npm installs the rest below.
    const project = projectDir("bun-init");
    await run([bin("bun"), "init", "-y"], STEP_MS, { cwd: project, env: { BUN_CONFIG_REGISTRY: "http://127.0.0.1:9/" } });
    expect(existsSync(join(project, "tsconfig.json"))).toBe(true);
    writeFileSync(join(project, "index.ts"), APP);
    await install(project, await tarball());
    // The project's `typecheck` script is `bun check`; tsc reads the same tsconfig.json.
    const errors = [
      ...(await typeErrors("bun check", [bin("bun"), "check"], project)),
      ...(await typeErrors("tsc", [bin("tsc"), "--noEmit", "-p", "."], project)),
    ];
    expect(errors).toEqual([]);
  },
  90_000, // ≈ 15 s here (pack ≈ 8 s, install ≈ 2 s, checks ≈ 3 s); each step bounded by STEP_MS.
);

peerTest(
  ["npm"],
  "a project made by tsc --init type-checks the app with its own settings",
  async () => {
    // tsc --init, the real one, in a project whose package.json says "type": "module" (npm init
    // says "commonjs", where tsc --init's settings refuse the app's own `import` lines, netsvc or
    // not).
    const project = projectDir("tsc-init");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "tsc-init", private: true, type: "module" }));
    await ok([bin("tsc"), "--init"], project);
    writeFileSync(join(project, "index.ts"), APP);
    await install(project, await tarball());
    expect(await typeErrors("tsc", [bin("tsc"), "--noEmit", "-p", "."], project)).toEqual([]);
  },
  90_000, // ≈ 5 s after the other test packed; each step bounded by STEP_MS.
);
