/**
 * The single binary: `bun build --compile` makes dist/netsvc; copied alone into an empty
 * directory it serves a file, runs a plugin servlet that imports "netsvc", and picks up an edit
 * of that servlet file without a restart. Then SIGTERM stops it cleanly.
 */
import { expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnWithOutput } from "../helpers/spawn.ts";

const servletSource = (greeting: string) => `
import { HttpServlet } from "netsvc";
export default class Greeter extends HttpServlet {
  processRequest() {
    const text = "${greeting} from " + this.servletPath() + " info=" + this.servletInfo();
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", text.length);
    this.endHeaders();
    this.sendContent(text);
  }
}
`;

test("dist/netsvc alone in an empty directory: file, plugin, reload on edit", async () => {
  const build = Bun.spawn([process.execPath, "run", "build"], { stdout: "pipe", stderr: "pipe" });
  const buildCode = await build.exited;
  if (buildCode !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`);

  const dir = mkdtempSync(join(tmpdir(), "netsvc-bin-"));
  const child = { proc: null as ReturnType<typeof Bun.spawn> | null };
  try {
    copyFileSync("dist/netsvc", join(dir, "netsvc"));
    // The version is the package's, carried inside the binary (no package.json beside it).
    const version = Bun.spawnSync(["./netsvc", "--version"], { cwd: dir });
    expect([version.exitCode, version.stdout.toString()]).toEqual([0, `netsvc ${(await Bun.file("package.json").json()).version}\n`]);
    writeFileSync(join(dir, "index.html"), "<h1>binary</h1>");
    writeFileSync(join(dir, "hello.ts"), servletSource("hello"));
    const { child: proc, out } = spawnWithOutput(["./netsvc", "--port", "0", "--plugin", ".ts"], { cwd: dir });
    child.proc = proc;
    const url = await out.url();

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("<h1>binary</h1>");

    const first = await fetch(url + "hello.ts/x/y");
    expect(await first.text()).toBe("hello from hello.ts info=x/y");

    writeFileSync(join(dir, "hello.ts"), servletSource("bonjour"));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, "hello.ts"), later, later); // a distinct mtime even on coarse clocks
    const second = await fetch(url + "hello.ts");
    expect(await second.text()).toBe("bonjour from hello.ts info=");

    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  } finally {
    child.proc?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
