/**
 * Clients leaving a route that defers on a service call (issue 19 item 6): the README's pattern,
 * `await services.call(…, { signal: s.signal })` in a Router route, rejects when the client goes
 * away, because the servlet's own signal aborted the call. That is expected: the daemon counts it
 * (`stats().servletAborts`) and logs nothing. The server runs in a child process
 * (test/fixtures/deferred-call-server.ts) with the default logs, and its stderr is captured.
 */
import { afterEach, expect } from "bun:test";
import type { DaemonStats } from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { NatsServer } from "../helpers/nats-server.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { Output, spawnWithOutput } from "../helpers/spawn.ts";
import { peerTest } from "../helpers/peers.ts";

/** Child processes start slowly on a loaded machine: this test gets more than the default 20 s. */
const NATS_TEST_TIMEOUT_MS = 60_000;
/** Clients that leave the route deferring on a local call. */
const LOCAL_CLIENTS = 12;

const children: ReturnType<typeof Bun.spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

peerTest(
  ["nats-server"],
  "clients leaving a route deferred on a local or a remote call are counted, and nothing is written on stderr",
  async () => {
    await using nats = await NatsServer.start();
    const calc = spawnWithOutput([process.execPath, "test/fixtures/service-host.ts", nats.url]);
    children.push(calc.child);
    await calc.out.waitFor(/ready \d+/);
    const server = Bun.spawn([process.execPath, "test/fixtures/deferred-call-server.ts", nats.url], {
      stdout: "pipe",
      stderr: "pipe",
    });
    children.push(server);
    const stderr = new Response(server.stderr).text();
    const out = new Output(server.stdout);
    const base = await out.url();
    const port = Number(new URL(base).port);

    /** A client asks for `path`, and leaves (a reset) once `started` says the call is under way. */
    const leave = async (path: string, started: () => Promise<unknown>) => {
      const c = await RawClient.connect(port);
      c.send(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await started();
      c.terminate();
    };
    for (let i = 0; i < LOCAL_CLIENTS; i++) await leave(`/local/l${i}`, () => out.waitFor(new RegExp(`waiting l${i}\\n`)));
    await leave("/remote/r1", () => calc.out.waitFor(/started r1/));
    await calc.out.waitFor(/aborted r1 -32003/); // the call was cancelled in the other process too

    const stats = await eventually(async () => {
      const s = (await (await fetch(`${base}stats`)).json()) as DaemonStats;
      if (s.abandoned < LOCAL_CLIENTS + 1) throw new Error(`${s.abandoned} abandoned so far`);
      return s;
    });
    server.kill("SIGKILL");
    await server.exited;
    expect(await stderr).toBe("");
    expect(stats.abandoned).toBe(LOCAL_CLIENTS + 1);
    expect(stats.servletAborts).toBe(LOCAL_CLIENTS + 1);
    expect(stats.servletErrors).toBe(0);
  },
  NATS_TEST_TIMEOUT_MS,
);
