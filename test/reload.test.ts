/**
 * SIGHUP reloads the binary in place (SPEC §14): the config file is re-read and its root (or sites)
 * replace the old ones for the next requests — on a keep-alive connection opened before the reload
 * too; a bad file is one line on stderr and the old configuration stays; a change only a restart
 * can make is named and kept; a logrotate-style rename loses no access-log line; with --workers
 * every worker reloads.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstValue } from "./helpers/eventually.ts";
import { RawClient } from "./helpers/raw-client.ts";
import { Output } from "./helpers/spawn.ts";

const dir = mkdtempSync(join(tmpdir(), "netsvc-reload-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const name of ["one", "two"]) {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, "index.html"), `root ${name}`);
}
const config = join(dir, "netsvc.json");

/** The binary with `args`, its stdout and stderr each read as they come. */
function start(args: string[]) {
  const child = Bun.spawn([process.execPath, "src/cli.ts", ...args], { stdout: "pipe", stderr: "pipe" });
  return {
    child,
    out: new Output(child.stdout as ReadableStream<Uint8Array>),
    err: new Output(child.stderr as ReadableStream<Uint8Array>),
  };
}

test("a reload swaps the root under an open keep-alive connection; a bad file and a restart-only change are reported, the old config kept", async () => {
  writeFileSync(config, JSON.stringify({ port: 0, root: join(dir, "one") }));
  const { child, out, err } = start(["--config", config]);
  try {
    const port = Number(/:(\d+)\//.exec(await out.url())![1]);
    using c = await RawClient.connect(port);
    const get = async () => (await c.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).body;
    expect(await get()).toBe("root one");

    writeFileSync(config, JSON.stringify({ port: 0, root: join(dir, "two") }));
    child.kill("SIGHUP");
    await out.waitFor(/netsvc: reloaded\n/);
    expect(await get()).toBe("root two"); // the same connection, opened before the reload

    writeFileSync(config, JSON.stringify({ port: 0, root: join(dir, "two"), prot: 1 }));
    child.kill("SIGHUP");
    await err.waitFor(/reload refused: .*"prot": unknown key.*kept\n/);
    expect(await get()).toBe("root two");

    writeFileSync(config, JSON.stringify({ port: 0, root: join(dir, "one"), host: "127.0.0.2", "max-requests": 5 }));
    child.kill("SIGHUP");
    const m = await out.waitFor(/netsvc: reloaded \((.*)\)\n/);
    expect(m[1]).toBe("--host, --max-requests change only with a restart: kept");
    expect(await get()).toBe("root one");
    expect(err.text.split("\n").filter(Boolean).length).toBe(1); // one line for the refusal, nothing else
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
});

test("logrotate: rename the log, SIGHUP, and every request is in one of the two files", async () => {
  const log = join(dir, "access.log");
  const { child, out } = start(["--port", "0", "--log", log, join(dir, "one")]);
  try {
    const url = await out.url();
    const hit = async (i: number) => (await fetch(`${url}?n=${i}`)).text();
    for (let i = 0; i < 10; i++) await hit(i);
    // the first lines are written (at most 250 ms later); the next ones may still be buffered
    expect(await firstValue(() => (existsSync(log) ? true : undefined))).toBe(true);
    for (let i = 10; i < 20; i++) await hit(i);
    renameSync(log, `${log}.1`); // lines still buffered go to the new file at their next write
    child.kill("SIGHUP");
    await out.waitFor(/netsvc: reloaded/);
    for (let i = 20; i < 40; i++) await hit(i);
    child.kill("SIGTERM"); // the daemon's stop flushes what is buffered
    expect(await child.exited).toBe(0);
    const lines = [`${log}.1`, log].flatMap((f) => (existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : []));
    const seen = lines.map((l) => Number(/\?n=(\d+) /.exec(l)?.[1])).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(existsSync(log)).toBe(true); // the lines after the rename went to a new file
  } finally {
    child.kill("SIGKILL");
  }
});

test("with --workers, SIGHUP replaces each worker, the new one listening before the old one drains: the new config served, no request failing meanwhile; a bad file changes nothing", async () => {
  writeFileSync(config, JSON.stringify({ port: 0, root: join(dir, "one"), workers: 2 }));
  const { child, out, err } = start(["--config", config]);
  try {
    const port = Number(/:(\d+)\//.exec(await out.url())![1]);
    // A client requesting throughout on keep-alive connections (reopened when an old worker
    // answers with Connection: close): every answer must be one of the two pages.
    let stop = false;
    const answers: string[] = [];
    const client = (async () => {
      while (!stop) {
        using c = await RawClient.connect(port);
        for (let i = 0; i < 50 && !stop; i++) {
          const r = await c.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          answers.push(`${r.status} ${r.body}`);
          if (r.headers.connection === "close") break;
        }
      }
    })();
    writeFileSync(config, JSON.stringify({ port: 0, root: join(dir, "two"), workers: 2 }));
    child.kill("SIGHUP");
    const replaced = await out.waitFor(
      /worker 1 replaced \(pid (\d+) → (\d+)\)\n[\s\S]*worker 2 replaced \(pid (\d+) → (\d+)\)\n[\s\S]*reloaded \(2 of 2 workers replaced\)/,
      30_000,
    );
    stop = true;
    await client;
    const [, old1, new1, old2, new2] = replaced.map(Number);
    for (const pid of [old1!, old2!]) expect(() => process.kill(pid, 0)).toThrow(); // the old ones are gone
    for (const pid of [new1!, new2!]) expect(process.kill(pid, 0)).toBe(true);
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((a) => a !== "200 root one" && a !== "200 root two")).toEqual([]);
    expect(answers.at(-1)).toBe("200 root two");
    // fresh connections land on either new worker: both serve the new root
    for (let i = 0; i < 10; i++) expect(await (await fetch(await out.url(), { headers: { connection: "close" } })).text()).toBe("root two");

    writeFileSync(config, JSON.stringify({ port: 0, root: join(dir, "two"), workers: 2, prot: 1 }));
    child.kill("SIGHUP");
    await err.waitFor(/reload refused: .*"prot": unknown key.*kept\n/);
    for (const pid of [new1!, new2!]) expect(process.kill(pid, 0)).toBe(true); // nobody replaced
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
}, 40_000);
