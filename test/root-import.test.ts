/**
 * What importing the root `netsvc` costs: an HTTP server loads no NATS client. The daemon reads
 * its service-call counts from the registry, whose caller type once sat beside the bus's caller
 * headers and so pulled in the whole NATS client (48 modules, ~45 ms of start-up) for every
 * program — now only an Exchange loads it.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../src/index.ts");
const SERVICES = join(import.meta.dir, "../src/entry/services.ts");

/** The modules loaded after importing `entry` in a fresh process whose path contains `part`. */
function loaded(entry: string, part: string): string[] {
  const script = `await import(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes(${JSON.stringify(part)}))));`;
  const p = Bun.spawnSync([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  expect(p.exitCode).toBe(0);
  return JSON.parse(p.stdout.toString()) as string[];
}

test("importing netsvc (the root) loads no NATS client; netsvc/services does", () => {
  expect(loaded(ROOT, "@nats-io")).toEqual([]);
  expect(loaded(SERVICES, "@nats-io").length).toBeGreaterThan(0); // the check can see them
});
