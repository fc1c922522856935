/**
 * Reload under load (issue 25): the binary serving a file from a --config file, with its access
 * log on, under wrk (-t1 -c50, keep-alive) for `--duration` seconds; a SIGHUP every `--every`
 * seconds, each switching the config between two roots (same file, same size), and once, halfway,
 * a logrotate-style rename of the log before the SIGHUP. Prints wrk's requests and failures
 * (socket errors and non-2xx answers), the reloads the binary reported, and the log lines found in
 * the two files — every answered request must have its line: lines ≥ requests, and at most the
 * connections open when wrk stopped above them (those requests were answered, and logged, after
 * wrk stopped counting).
 *
 * With --workers ≥ 2 a SIGHUP replaces the workers one at a time, each new one listening before
 * the old one drains; with one process it reloads in place.
 *
 *   bun bench/reload/run.ts [--duration 20] [--every 2] [--workers 1]
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { numberFlag } from "../server/measure.ts";

const args = process.argv.slice(2);
const DURATION = numberFlag(args, "--duration", 20);
const EVERY = numberFlag(args, "--every", 2);
const WORKERS = numberFlag(args, "--workers", 1);
const CONNECTIONS = 50;
const ROOT = resolve(import.meta.dir, "../..");

const dir = mkdtempSync(join(tmpdir(), "netsvc-reload-bench-"));
for (const name of ["a", "b"]) {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, "index.html"), `root ${name}\n`);
}
const config = join(dir, "netsvc.json");
const log = join(dir, "access.log");
const write = (root: string) => writeFileSync(config, JSON.stringify({ port: 0, log, workers: WORKERS, root: join(dir, root) }));
write("a");

const child = Bun.spawn([process.execPath, join(ROOT, "src/cli.ts"), "--config", config], { stdout: "pipe", stderr: "inherit" });
const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
let out = "";
const decoder = new TextDecoder();
const pump = (async () => {
  for (;;) {
    const r = await reader.read();
    if (r.done) return;
    out += decoder.decode(r.value, { stream: true });
  }
})();
while (!/https?:\/\/\S+\//.test(out)) await Bun.sleep(20); // polling our own pipe for the URL line
const url = /https?:\/\/\S+\//.exec(out)![0];

const wrk = Bun.spawn(["wrk", "-t1", `-c${CONNECTIONS}`, `-d${DURATION}s`, url], { stdout: "pipe" });
let reloads = 0;
let rotated = false;
const started = Date.now();
for (let t = EVERY; t < DURATION; t += EVERY) {
  await Bun.sleep(started + t * 1000 - Date.now()); // the schedule of the signals, not a synchronisation
  write(reloads % 2 === 0 ? "b" : "a");
  if (!rotated && t >= DURATION / 2) {
    renameSync(log, `${log}.1`);
    rotated = true;
  }
  child.kill("SIGHUP");
  reloads++;
}
const wrkOut = await new Response(wrk.stdout).text();
child.kill("SIGTERM");
await child.exited;
await pump;

const requests = Number(/(\d+) requests in/.exec(wrkOut)?.[1] ?? Number.NaN);
const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(wrkOut)?.[1] ?? 0);
const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(wrkOut);
const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
const lines = [`${log}.1`, log].map((f) => (existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0));
const reported = (out.match(/netsvc: reloaded/g) ?? []).length;
const replaced = (out.match(/netsvc: worker \d+ replaced/g) ?? []).length;
const lost = Math.max(0, requests - lines[0]! - lines[1]!);
console.log(
  `\nreload under load, ${new Date().toISOString().slice(0, 16)} UTC: wrk -t1 -c${CONNECTIONS} ${DURATION} s, SIGHUP every ${EVERY} s (${reloads} sent; one after a logrotate rename), --workers ${WORKERS}`,
);
console.log(
  "| requests | failed (socket errors + non-2xx) | reloads reported | workers replaced | log lines (rotated + new) | requests without a line |",
);
console.log("|---:|---:|---:|---:|---:|---:|");
console.log(
  `| ${requests} | ${socketErrors + non2xx} | ${reported} | ${replaced} | ${lines[0]! + lines[1]!} (${lines[0]} + ${lines[1]}) | ${lost} |`,
);
rmSync(dir, { recursive: true, force: true });
if (socketErrors + non2xx > 0 || lost > 0 || reported !== reloads || replaced !== (WORKERS > 1 ? reloads * WORKERS : 0)) process.exit(1);
