/**
 * Import-cycle check over src/ (type-only imports included, as DESIGN.md asks), and the layer
 * rule: parser imports nothing from the project; http ← servers ← daemon; services beside
 * servers. Prints every cycle and every import against the layers; exits 1 if there is one.
 *
 *   bun scripts/check-cycles.ts
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const SRC = join(ROOT, "src");

/** Every .ts file under `dir`. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\sfrom\s+)?["'](\.[^"']+)["']/gm;

const graph = new Map<string, string[]>();
for (const file of files(SRC)) {
  const text = readFileSync(file, "utf8");
  const targets: string[] = [];
  for (const m of text.matchAll(IMPORT)) targets.push(resolve(dirname(file), m[1]!));
  graph.set(file, targets);
}

const rel = (f: string) => relative(ROOT, f);

// ── cycles: depth-first search with colours ────────────────────────────────────────────────
const WHITE = 0;
const GREY = 1;
const BLACK = 2;
const colour = new Map<string, number>();
const stack: string[] = [];
const cycles: string[][] = [];
function visit(file: string): void {
  colour.set(file, GREY);
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    const c = colour.get(next) ?? WHITE;
    if (c === GREY) cycles.push([...stack.slice(stack.indexOf(next)), next]);
    else if (c === WHITE && graph.has(next)) visit(next);
  }
  stack.pop();
  colour.set(file, BLACK);
}
for (const file of graph.keys()) if ((colour.get(file) ?? WHITE) === WHITE) visit(file);

// ── layers: a directory may import only from those it sits above ──────────────────────────
const ALLOWED: Record<string, string[]> = {
  parser: ["parser"],
  http: ["http", "parser"],
  servers: ["servers", "http", "parser"],
  services: ["services", "servers", "http", "parser"],
  daemon: ["daemon", "servers", "services", "http", "parser"],
};
const layerOf = (f: string) => relative(SRC, f).split("/")[0]!;
const violations: string[] = [];
for (const [file, targets] of graph) {
  const from = layerOf(file);
  const allowed = ALLOWED[from];
  if (!allowed) continue; // index.ts, cli.ts: the top
  for (const t of targets) {
    const to = layerOf(t);
    if (!allowed.includes(to)) violations.push(`${rel(file)} → ${rel(t)} (${from} may not import ${to})`);
  }
}

for (const c of cycles) console.log(`cycle: ${c.map(rel).join(" → ")}`);
for (const v of violations) console.log(`layer: ${v}`);
console.log(`${graph.size} files, ${cycles.length} cycles, ${violations.length} layer violations`);
process.exit(cycles.length + violations.length > 0 ? 1 : 0);
