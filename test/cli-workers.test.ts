/**
 * The binary's `--workers` supervisor (SPEC §9) and the lives of its workers: a worker must not
 * outlive its supervisor, however the supervisor ends (issue 19 item 5: after `kill -9` of the
 * supervisor its workers kept serving, and a redeploy on the same port shared the traffic with
 * them). Run from source with `bun src/cli.ts`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import { childrenOf, isAlive } from "../bench/stress/proc.ts";
import { accepts } from "../bench/stress/sockets.ts";
import { firstValue } from "./helpers/eventually.ts";
import { RawClient } from "./helpers/raw-client.ts";
import { Output, spawnWithOutput, withCli } from "./helpers/spawn.ts";

/** How long a worker may outlive its killed supervisor when it has nothing in flight (ms). */
const ORPHAN_EXIT_LIMIT_MS = 5000;
/** Requests sent after the redeploy, each on its own connection (the kernel spreads connections). */
const REDEPLOY_REQUESTS = 20;
/**
 * The downloads in flight when the supervisor dies: more than the socket buffers of both ends can
 * hold (tcp_rmem may let a paused reader's buffer grow to 32 MiB), so the worker still has the rest.
 */
const BIG_BYTES = 64 * 1024 * 1024;
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
  for (const pid of started) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** Waits (bounded) until none of `pids` runs; returns those still running at the limit. */
async function untilExited(pids: number[], ms: number): Promise<number[]> {
  await firstValue(() => (pids.some(isAlive) ? undefined : true), ms);
  return pids.filter(isAlive);
}

/** Starts `--workers 2` on a free port (with `extra` flags); returns the supervisor, its port and its two workers. */
async function startWorkers(root: string, extra: string[] = []) {
  const { child, out } = spawnWithOutput([process.execPath, "src/cli.ts", root, "--port", "0", "--workers", "2", ...extra]);
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
      for (const pid of old.workers) if (isAlive(pid)) process.kill(pid, "SIGKILL");
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

/** A download that counts its bytes (a 64 MiB body kept byte by byte would weigh on the test). */
class Download {
  head = "";
  bytes = 0;
  closed = false;
  private readonly done = Promise.withResolvers<void>();
  private readonly begun = Promise.withResolvers<void>();

  private constructor(private readonly socket: Socket<undefined>) {}

  /**
   * Sends `GET path` on a new connection and pauses reading as soon as the first bytes arrive: a
   * slow reader, so the rest of the response stays in flight until resume().
   */
  static async start(port: number, path: string): Promise<Download> {
    let d: Download | null = null;
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (s, chunk) => {
          if (!d) return;
          if (d.bytes === 0) s.pause();
          if (d.head.length < 1024) d.head += Buffer.from(chunk.subarray(0, 1024)).toString("latin1");
          d.bytes += chunk.length;
          d.begun.resolve();
        },
        close: () => d?.finish(),
        end: () => d?.finish(),
        error: () => d?.finish(),
      },
    });
    d = new Download(socket);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await bounded(d.begun.promise, ORPHAN_EXIT_LIMIT_MS, "the response to begin");
    return d;
  }

  private finish(): void {
    this.closed = true;
    this.done.resolve();
  }

  /** Reads the rest; resolves once the server has closed the connection. */
  async finishReading(): Promise<void> {
    this.socket.resume();
    await bounded(this.done.promise, ORPHAN_EXIT_LIMIT_MS, "the download to end");
  }

  /** Bytes of the body received (after the head). */
  bodyBytes(): number {
    return this.bytes - (this.head.indexOf("\r\n\r\n") + 4);
  }
}

/** Resolves as `p` does, or rejects after `ms`. */
async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Downloads in flight when the supervisor dies. */
const DOWNLOADS = 2;

test(
  "a worker whose supervisor died stops accepting, finishes its downloads in flight, then exits quietly",
  async () => {
    // --log to stdout: the supervisor relayed the workers' stdout, so after its death a log
    // flush meets a broken pipe; that must neither end a worker early nor fill stderr.
    const child = Bun.spawn([process.execPath, "src/cli.ts", join(dir, "old"), "--port", "0", "--workers", "2", "--log"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const stderr = new Response(child.stderr).text();
    const port = Number(new URL(await new Output(child.stdout as ReadableStream<Uint8Array>).url()).port);
    const workers = childrenOf(child.pid);
    started.push(child.pid, ...workers);
    const downloads: Download[] = [];
    try {
      for (let i = 0; i < DOWNLOADS; i++) downloads.push(await Download.start(port, "/big.bin"));
      child.kill("SIGKILL");
      await child.exited;
      // The listeners close at once (both workers), while the downloads are still being sent.
      expect(await firstValue(async () => ((await accepts(port)) ? undefined : true), ORPHAN_EXIT_LIMIT_MS)).toBe(true);
      for (const d of downloads) {
        expect(d.closed).toBe(false);
        await d.finishReading();
        expect(d.head).toStartWith("HTTP/1.1 200 OK\r\n");
        expect(d.bodyBytes()).toBe(BIG_BYTES);
      }
      expect(await untilExited(workers, ORPHAN_EXIT_LIMIT_MS)).toEqual([]);
      // stderr ends with the last worker: one line from each, nothing about the lost stdout.
      const lines = (await bounded(stderr, ORPHAN_EXIT_LIMIT_MS, "stderr to end")).trim().split("\n").sort();
      expect(lines).toEqual([1, 2].map((n) => `netsvc: worker ${n}: the supervisor is gone; stopping (responses in flight finish)`));
    } finally {
      for (const d of downloads) if (!d.closed) d.finishReading().catch(() => {});
      for (const pid of workers) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  },
  TEST_LIMIT_MS,
);

/** The value of `sample` (name and labels, as on the page) in a metrics page; 0 when absent. */
function sampleOf(page: string, sample: string): number {
  const line = page.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

test(
  "--metrics with --workers: every scrape, whichever worker takes it, counts every worker's requests; a reload keeps the totals",
  async () => {
    const REQUESTS = 60; // each on its own connection: the kernel spreads them over both workers
    const s = await startWorkers(join(dir, "old"), ["--metrics", "/metrics"]);
    try {
      // One connection per request (fetch would keep one open, and one connection is one worker).
      // The load asks for a missing file (404) and the scrapes are 200s, so they do not add to the count checked.
      const ask = async (method: string, path: string) => {
        using c = await RawClient.connect(s.port);
        return await c.request(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      };
      for (let i = 0; i < REQUESTS; i++) expect((await ask("GET", "/missing")).status).toBe(404);
      const notFound = 'netsvc_requests_total{method="GET",code="4xx"}';
      // Each worker sends its page every second: the sum reaches every worker within two beats.
      const scrapes = () => Promise.all(Array.from({ length: 6 }, async () => sampleOf((await ask("GET", "/metrics")).body, notFound)));
      const counted = await firstValue(async () => {
        const seen = await scrapes();
        return seen.every((n) => n === REQUESTS) ? seen : undefined;
      }, 10_000);
      expect(counted ?? (await scrapes())).toEqual(Array(6).fill(REQUESTS));
      // SIGHUP replaces both workers: what the old ones served still counts — in every scrape
      // answered while they are replaced, not only once it is over (a new worker answering with
      // its own page alone would show 0: a reset, to Prometheus). 503 (no sum yet) is a failed
      // scrape, which Prometheus does not read as a reset.
      s.child.kill("SIGHUP");
      const answered: number[] = [];
      const after = await firstValue(async () => {
        const r = await ask("GET", "/metrics");
        if (r.status === 200) answered.push(sampleOf(r.body, notFound));
        else expect(r.status).toBe(503);
        const workers = childrenOf(s.child.pid);
        if (workers.length < 2 || workers.some((w) => s.workers.includes(w))) return undefined;
        const seen = await scrapes();
        return seen.every((n) => n === REQUESTS) ? seen : undefined;
      }, 15_000);
      expect(after ?? (await scrapes())).toEqual(Array(6).fill(REQUESTS));
      expect(answered.filter((n) => n !== REQUESTS)).toEqual([]);
    } finally {
      s.child.kill("SIGTERM");
      await s.child.exited;
    }
  },
  TEST_LIMIT_MS,
);
