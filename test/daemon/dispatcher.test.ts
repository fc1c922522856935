/**
 * The Dispatcher: an orderly shutdown (subscribers hear "pending" then "arrived", running daemons
 * stop) and run(), which keeps the process alive until then — and no longer.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Dispatcher, HttpDaemon } from "../../src/index.ts";

const SRC = join(import.meta.dir, "../../src/index.ts");

test("shutdown(): subscribers hear pending then arrived, running daemons stop, run() resolves", async () => {
  const daemon = new HttpDaemon(0);
  daemon.start();
  const d = new Dispatcher();
  const phases: string[] = [];
  d.subscribeShutdown((phase) => phases.push(phase));
  const ran = d.run();
  await d.shutdown();
  await ran;
  expect(phases).toEqual(["pending", "arrived"]);
  await expect(fetch(`http://127.0.0.1:${daemon.port()}/`)).rejects.toThrow();
});

test("a shutdown that arrived before run(): run() resolves and leaves nothing keeping the process alive", () => {
  // A signal during start-up (before run() is reached, e.g. while waiting for NATS) used to leave
  // run()'s keep-alive timer behind: the process never exited.
  const script = `
    import { Dispatcher } from ${JSON.stringify(SRC)};
    const d = new Dispatcher();
    await d.shutdown();
    await d.run();
    console.log("returned");
  `;
  const p = Bun.spawnSync([process.execPath, "-e", script], { timeout: 4000, stdout: "pipe", stderr: "pipe" });
  expect(p.stdout.toString()).toContain("returned");
  expect({ exitCode: p.exitCode, signal: p.signalCode ?? null }).toEqual({ exitCode: 0, signal: null });
});
