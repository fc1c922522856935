/**
 * The binary's `--workers` supervisor (SPEC §9) and the lives of its workers: a worker must not
 * outlive its supervisor, however the supervisor ends (issue 19 item 5: after `kill -9` of the
 * supervisor its workers kept serving, and a redeploy on the same port shared the traffic with
 * them). Run from source with `bun src/cli.ts`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstValue } from "./helpers/eventually.ts";
import { RawClient, parseResponses } from "./helpers/raw-client.ts";
import { spawnWithOutput, withCli } from "./helpers/spawn.ts";

/** How long a worker may outlive its killed supervisor when it has nothing in flight (ms). */
const ORPHAN_EXIT_LIMIT_MS = 5000;
/** Requests sent after the redeploy, each on its own connection (the kernel spreads connections). */
const REDEPLOY_REQUESTS = 20;
/** The download in flight when the supervisor dies: large enough to fill the socket buffers. */
const BIG_BYTES = 16 * 1024 * 1024;
/** Each test's bound (ms): starting the binaries and the waits above, with room on a busy machine. */
const TEST_LIMIT_MS = 30_000;

/** Every worker a test started: a test that fails or times out must not leave one running. */
const started: number[] = [];

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "netsvc-workers-"));
  for (const root of ["old", "new"]) {
    mkdirSync(join(dir, root));
    writeFileSync(join(dir, root, "index.html"), root);
  }
  writeFileSync(join(dir, "old", "big.bin"), Buffer.alloc(BIG_BYTES, 0x61));
});
afterAll(() => {
  for (const pid of started) if (isRunning(pid)) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** The child processes of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return text === "" ? [] : text.split(/\s+/).map(Number);
}

/**
 * Whether `pid` still runs. A zombie has exited: an orphan is reparented to PID 1, which in a
 * container may never reap it.
 */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Whether anything accepts a connection on 127.0.0.1:port. */
async function accepts(port: number): Promise<boolean> {
  try {
    const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) until none of `pids` runs; returns those still running at the limit. */
async function untilExited(pids: number[], ms: number): Promise<number[]> {
  await firstValue(() => (pids.some(isRunning) ? undefined : true), ms);
  return pids.filter(isRunning);
}

/** Starts `--workers 2` on a free port; returns the supervisor, its port and its two workers. */
async function startWorkers(root: string, port = 0) {
  const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", root, "--port", String(port), "--workers", "2"]);
  const base = await out.url();
  const workers = childrenOf(child.pid);
  started.push(child.pid, ...workers);
  return { child, port: Number(new URL(base).port), workers };
}

test(
  "killing the supervisor (-9) ends its workers; a redeploy on the port then serves every request",
  async () => {
    const old = await startWorkers(join(dir, "old"));
    try {
      expect(old.workers.length).toBe(2);
      old.child.kill("SIGKILL");
      await old.child.exited;
      expect(await untilExited(old.workers, ORPHAN_EXIT_LIMIT_MS)).toEqual([]);
      expect(await accepts(old.port)).toBe(false);
    } finally {
      for (const pid of old.workers) if (isRunning(pid)) process.kill(pid, "SIGKILL");
    }
    await withCli([join(dir, "new"), "--port", String(old.port), "--workers", "2"], async () => {
      const bodies: string[] = [];
      for (let i = 0; i < REDEPLOY_REQUESTS; i++) {
        using c = await RawClient.connect(old.port);
        bodies.push((await c.request("GET / HTTP/1.0\r\n\r\n")).body);
      }
      expect(bodies).toEqual(Array<string>(REDEPLOY_REQUESTS).fill("new"));
    });
  },
  TEST_LIMIT_MS,
);

test(
  "a worker whose supervisor died stops accepting and finishes the response in flight",
  async () => {
    const old = await startWorkers(join(dir, "old"));
    try {
      using c = await RawClient.connect(old.port);
      c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
      // Once the response has begun, a slow reader: the rest stays in flight.
      await c.until(() => c.length > 0, ORPHAN_EXIT_LIMIT_MS, "the response to begin");
      c.pause();
      old.child.kill("SIGKILL");
      await old.child.exited;
      // The listeners close at once (both workers), while the download is still being sent.
      expect(await firstValue(async () => ((await accepts(old.port)) ? undefined : true), ORPHAN_EXIT_LIMIT_MS)).toBe(true);
      expect(old.workers.filter(isRunning).length).toBeGreaterThan(0);
      c.resume();
      await c.untilClosed(ORPHAN_EXIT_LIMIT_MS);
      const [r] = parseResponses(c.text(), true);
      expect(r?.status).toBe(200);
      expect(r?.body.length).toBe(BIG_BYTES);
      expect(await untilExited(old.workers, ORPHAN_EXIT_LIMIT_MS)).toEqual([]);
    } finally {
      for (const pid of old.workers) if (isRunning(pid)) process.kill(pid, "SIGKILL");
    }
  },
  TEST_LIMIT_MS,
);
