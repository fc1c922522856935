/**
 * Writes the package's declaration files into types/ (git-ignored, shipped: package.json's
 * "files"), run by npm's `prepack` so a packed netsvc carries them and a consumer's compiler
 * reads declarations, never netsvc's .ts sources with the consumer's own options (issue 20
 * item 6). The directory is emptied first so a renamed or deleted source leaves no stale
 * declaration behind. Bun still runs the sources: package.json's `exports` send `types` here
 * and `bun`/`default` to src/.
 *
 *   bun scripts/build-types.ts
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
rmSync(join(ROOT, "types"), { recursive: true, force: true });
const tsc = Bun.spawnSync([join(ROOT, "node_modules", ".bin", "tsc"), "-p", join(ROOT, "tsconfig.types.json")], {
  cwd: ROOT,
  stdout: "inherit",
  stderr: "inherit",
});
if (tsc.exitCode !== 0) {
  console.error(`build-types: tsc exited ${tsc.exitCode}`);
  process.exit(1);
}
