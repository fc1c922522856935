/**
 * The Dispatcher: an orderly shutdown (subscribers hear "pending" then "arrived", running daemons
 * stop) and run(), which keeps the process alive until then — and no longer. `new Dispatcher()`
 * is the process-wide one (SPEC §2.6), so each case runs in a process of its own: a shutdown
 * here would be every later test file's too.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

const SRC = join(import.meta.dir, "../../src/index.ts");

/** Runs `body` (with Dispatcher and HttpDaemon imported) in a fresh bun; its stdout, exit code and signal. */
function inProcess(body: string) {
  const script = `import { Dispatcher, HttpDaemon } from ${JSON.stringify(SRC)};\n${body}`;
  const p = Bun.spawnSync([process.execPath, "-e", script], { timeout: 4000, stdout: "pipe", stderr: "pipe" });
  return { out: p.stdout.toString(), exit: { exitCode: p.exitCode, signal: p.signalCode ?? null } };
}

test("shutdown(): subscribers hear pending then arrived, running daemons stop, run() resolves, the process exits", () => {
  const r = inProcess(`
    const daemon = new HttpDaemon(0);
    daemon.start();
    const d = new Dispatcher();
    const phases = [];
    d.subscribeShutdown((phase) => phases.push(phase));
    const ran = d.run();
    await d.shutdown();
    await ran;
    const refused = await fetch("http://127.0.0.1:" + daemon.port() + "/").then(() => false, () => true);
    console.log(JSON.stringify({ phases, refused }));
  `);
  expect(JSON.parse(r.out)).toEqual({ phases: ["pending", "arrived"], refused: true });
  expect(r.exit).toEqual({ exitCode: 0, signal: null });
});

test("a shutdown that arrived before run(): run() resolves and leaves nothing keeping the process alive", () => {
  // A signal during start-up (before run() is reached, e.g. while waiting for NATS) used to leave
  // run()'s keep-alive timer behind: the process never exited.
  const r = inProcess(`
    const d = new Dispatcher();
    await d.shutdown();
    await d.run();
    console.log("returned");
  `);
  expect(r.out).toContain("returned");
  expect(r.exit).toEqual({ exitCode: 0, signal: null });
});
