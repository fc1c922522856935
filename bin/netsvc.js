#!/usr/bin/env node
/**
 * The `netsvc` command of the npm package. netsvc is TypeScript for Bun, and `npx` runs a bin
 * with Node, so this shim (plain JavaScript that Node and Bun both run) starts src/cli.ts with
 * Bun:
 * - under Bun already (`bunx netsvc`, `bun x netsvc`): it imports src/cli.ts in this process;
 * - under Node (`npx netsvc`, an npm script): it runs the Bun of the `bun` npm package — the
 *   project's own (resolved from the current directory first), else the one installed beside
 *   netsvc — else a `bun` on PATH, passing the arguments, stdio and SIGINT/SIGTERM/SIGHUP
 *   through, and exits with its status.
 * Without any Bun it says how to get one and exits 127 (the shell's "command not found").
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const args = process.argv.slice(2);
/** Exit status when no Bun can be found (what a shell answers for a missing command). */
const NOT_FOUND = 127;
/** Signals a supervisor or a terminal sends that Bun must hear to shut down in order. */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The bun executable of the `bun` npm package visible from `from`, or null. */
function bunPackageBinary(from) {
  try {
    const pkg = createRequire(join(from, "noop.js")).resolve("bun/package.json");
    const exe = join(dirname(pkg), "bin", "bun.exe"); // the package's name for it on every OS
    return existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}

if (process.versions.bun) {
  await import(cli);
} else {
  const bun = bunPackageBinary(process.cwd()) ?? bunPackageBinary(dirname(cli)) ?? "bun";
  const child = spawn(bun, [cli, ...args], { stdio: "inherit" });
  for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
  child.on("error", (e) => {
    if (e.code === "ENOENT") {
      console.error("netsvc: Bun was not found. Add it to the project (npm install bun) or install it from https://bun.sh");
      process.exit(NOT_FOUND);
    }
    console.error(`netsvc: could not start Bun (${bun}): ${e.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      for (const s of FORWARDED) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
