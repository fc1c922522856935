/**
 * Supervisor kill (issue 19 item 5), a scenario rather than a probe: it does not attack the
 * harness's target but starts its own master/worker deployments — netsvc's binary with
 * `--workers W` (a supervisor and W workers sharing the port with SO_REUSEPORT) and nginx with
 * `worker_processes W` (a master and W workers, `listen … reuseport` so that a redeploy may bind
 * beside any worker left behind, as netsvc's workers always allow). It kills the supervisor
 * (master) with SIGKILL, measures how long until the last worker has exited, then redeploys a
 * second instance on the same port with another root and counts how many of N requests, each on
 * its own connection, still reach the old root (goal: 0). No normal client, baseline or /proc
 * figures apply: the harness reports it in its own table.
 */
import type { Subprocess } from "bun";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../clock.ts";
import type { Goal, Scenario } from "../probe.ts";
import { childrenOf, isAlive } from "../proc.ts";
import { NGINX, freePort } from "../targets.ts";

/** The file each root holds: its body names the root. */
const MARKER_PATH = "/root.txt";
/** How long a deployment may take to listen with all its workers (ms). */
const START_LIMIT_MS = 15_000;
/** How long one request may take before it counts as failed (ms). */
const REQUEST_LIMIT_MS = 5000;
/** How often the workers are checked after the kill (ms): the exit time is this precise. */
const EXIT_POLL_MS = 5;
const CLI = join(import.meta.dir, "../../../src/cli.ts");

/** What the scenario found, kept in stress.json (and asserted by test/stress). */
export interface SupervisorKillData {
  workers: number;
  /** From the kill until the last worker had exited (ms); NaN when some were still running. */
  lastExitMs: number;
  /** Workers still running at the exit limit. */
  stillRunning: number;
  requests: number;
  /** Requests after the redeploy answered from the old root, from the new one, or not at all. */
  oldRoot: number;
  newRoot: number;
  failed: number;
}

/** A running master/worker deployment. */
interface Deployment {
  master: Subprocess;
  workers: number[];
  /** Stops it in order (SIGTERM; nginx: SIGQUIT) and waits, bounded. */
  stop(): Promise<void>;
}

/** A directory whose MARKER_PATH says `name`. */
function makeRoot(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER_PATH), name);
  return dir;
}

/** Stops `master` with `signal`, then SIGKILL if it lingers. */
async function stopMaster(master: Subprocess, signal: NodeJS.Signals): Promise<void> {
  if (master.exitCode !== null || master.signalCode !== null) return;
  master.kill(signal);
  const exited = await Promise.race([master.exited.then(() => true), Bun.sleep(START_LIMIT_MS).then(() => false)]);
  if (!exited) master.kill("SIGKILL");
}

/** Waits until `master` has `workers` children (each listening once its supervisor says so). */
async function deployment(master: Subprocess, workers: number, ready: () => boolean | Promise<boolean>, stopSignal: NodeJS.Signals) {
  const up = await waitFor(async () => childrenOf(master.pid).length === workers && (await ready()), START_LIMIT_MS, 20);
  if (!up) {
    master.kill("SIGKILL");
    throw new Error(`${master.pid} did not start ${workers} workers`);
  }
  return { master, workers: childrenOf(master.pid), stop: () => stopMaster(master, stopSignal) } satisfies Deployment;
}

/** netsvc's binary with --workers: ready once the supervisor prints its URL (all workers listen). */
async function deployNetsvc(root: string, port: number, workers: number): Promise<Deployment> {
  const master = Bun.spawn([process.execPath, CLI, root, "--port", String(port), "--workers", String(workers)], {
    stdout: "pipe",
    stderr: "ignore",
  });
  let out = "";
  void (async () => {
    for await (const chunk of master.stdout as ReadableStream<Uint8Array>) out += new TextDecoder().decode(chunk);
  })().catch(() => {});
  return deployment(master, workers, () => out.includes("netsvc: serving"), "SIGTERM");
}

/** nginx with `worker_processes W` and reuseport, in its own prefix under `dir`. */
async function deployNginx(dir: string, root: string, port: number, workers: number): Promise<Deployment> {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `worker_processes ${workers};
user root;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port} reuseport; root ${root}; }
}
`,
  );
  const master = Bun.spawn([NGINX, "-p", dir, "-c", conf], { stdout: "ignore", stderr: "ignore" });
  // nginx binds its sockets before it forks the workers: with them all there, it listens.
  return deployment(master, workers, () => true, "SIGQUIT");
}

/** GET MARKER_PATH on a connection of its own (HTTP/1.0: the server closes it); the body, or null. */
async function askRoot(port: number): Promise<string | null> {
  const done = Promise.withResolvers<string | null>();
  let text = "";
  const timer = setTimeout(() => done.resolve(null), REQUEST_LIMIT_MS);
  try {
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, chunk) => {
          text += Buffer.from(chunk).toString("latin1");
        },
        close: () => done.resolve(/^HTTP\/1\.[01] 200 /.test(text) ? text.slice(text.indexOf("\r\n\r\n") + 4) : null),
        error: () => done.resolve(null),
      },
    });
    socket.write(`GET ${MARKER_PATH} HTTP/1.0\r\n\r\n`);
  } catch {
    done.resolve(null);
  }
  const body = await done.promise;
  clearTimeout(timer);
  return body;
}

export const supervisorKill: Scenario = {
  name: "supervisor kill",
  describe: (s) =>
    `kill -9 the master of ${s.supervisorKill.workers} workers; time until the last worker exits; ` +
    `then a redeploy on the same port: of ${s.supervisorKill.requests} requests, how many reach the old root`,
  async run(kind, { settings, work }) {
    const { workers: n, requests, exitLimitMs } = settings.supervisorKill;
    const dir = join(work, `supervisor-kill-${kind}`);
    const oldRoot = makeRoot(join(dir, "old"), "old");
    const newRoot = makeRoot(join(dir, "new"), "new");
    const port = freePort();
    const deploy = (root: string, name: string) =>
      kind === "netsvc" ? deployNetsvc(root, port, n) : deployNginx(join(dir, name), root, port, n);
    const old = await deploy(oldRoot, "old-prefix");
    let redeployed: Deployment | null = null;
    try {
      const t0 = performance.now();
      old.master.kill("SIGKILL");
      await old.master.exited;
      const exited = await waitFor(() => !old.workers.some(isAlive), exitLimitMs, EXIT_POLL_MS);
      const lastExitMs = exited ? performance.now() - t0 : NaN;
      const stillRunning = old.workers.filter(isAlive).length;
      redeployed = await deploy(newRoot, "new-prefix");
      const bodies: (string | null)[] = [];
      for (let i = 0; i < requests; i++) bodies.push(await askRoot(port));
      const data: SupervisorKillData = {
        workers: n,
        lastExitMs,
        stillRunning,
        requests,
        oldRoot: bodies.filter((b) => b === "old").length,
        newRoot: bodies.filter((b) => b === "new").length,
        failed: bodies.filter((b) => b !== "old" && b !== "new").length,
      };
      const goals: Goal[] = [
        {
          goal: `every worker exits after its master's kill -9 (within ${exitLimitMs / 1000} s)`,
          measured: exited
            ? `the last of ${n} after ${Math.round(lastExitMs)} ms`
            : `${stillRunning} of ${n} still running after ${exitLimitMs / 1000} s`,
          met: exited,
        },
        {
          goal: "a redeploy on the same port: 0 requests reach the old root",
          measured: `${data.oldRoot} of ${requests} (new root ${data.newRoot}, failed ${data.failed})`,
          met: data.oldRoot === 0 && data.failed === 0,
        },
      ];
      return {
        notes: {
          "last worker exited after (ms)": exited ? Math.round(lastExitMs) : `— (${stillRunning} of ${n} still running)`,
          "requests to the old root after the redeploy": `${data.oldRoot} of ${requests}`,
        },
        goals,
        data,
      };
    } finally {
      await redeployed?.stop();
      for (const pid of old.workers) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  },
};
