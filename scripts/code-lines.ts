/**
 * Counts a TypeScript file's code lines: lines that are not blank and not only a comment (`//`
 * lines, and `/* … *\/` blocks, JSDoc included). The rule of docs/app-helpers.md's comparison of
 * examples/todo.ts with its hono twin, both formatted by the project's biome settings.
 *   bun scripts/code-lines.ts examples/todo.ts bench/compare/todo-hono.ts
 */
import { readFileSync } from "node:fs";

/** The number of code lines in `text` (see the file comment). */
export function codeLines(text: string): number {
  let n = 0;
  let inBlock = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (inBlock) {
      if (line.includes("*/")) inBlock = false;
      continue;
    }
    if (line.startsWith("/*")) {
      inBlock = !line.includes("*/");
      continue;
    }
    if (line !== "" && !line.startsWith("//")) n++;
  }
  return n;
}

if (import.meta.main) for (const file of process.argv.slice(2)) console.log(`${codeLines(readFileSync(file, "utf8"))}\t${file}`);
