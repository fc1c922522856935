/**
 * The WebSocket benchmark's fan-out across the bus (issue 23: "a report crossing the bus to 1,000
 * WebSocket subscribers in another process at ≥ 0.5x the local fan-out rate"), beside the local
 * fan-out, alternating, in one run:
 *
 * - local: netsvc-ws.ts `--fanout publish` without a bus; the load client's publisher socket is
 *   on the same server, whose `/publish` calls services.publish (the fan-out of the main table);
 * - bus: a real nats-server; the subscribers' server (netsvc-ws.ts `--fanout publish --nats URL`,
 *   its 1,000 sockets `ws.subscribe(TOPIC)`) and ANOTHER netsvc-ws.ts process with its own
 *   Exchange, the publisher process: the load client's publisher socket is on it, and its
 *   `/publish` calls services.publish, which puts each message on the bus. The client paces the
 *   bursts as in the local mode (the next once every subscriber has the last), so the publisher
 *   process needs no pacing of its own.
 *
 * Pinning: both subscribers' servers on the server CPU (0); the load client, the publisher
 * process and nats-server on the load CPU (1): what is measured is the subscribers' server, and
 * the bus's own costs (nats-server, the publisher process) are read from /proc and printed beside
 * it, per delivery.
 */
import { LOAD_CPU, pin, SERVER_CPU, waitForPort } from "../server/measure.ts";
import { waitFor } from "../stress/clock.ts";
import { measureLoad, type ClientArgs, type WsRun } from "./loads.ts";
import { TOPIC } from "./protocol.ts";

const NETSVC_WS = `${import.meta.dir}/netsvc-ws.ts`;
/** How long the subscribers' server's NATS subscription may take to show in nats-server's monitor (ms). */
const SUBSCRIPTION_WAIT_MS = 10_000;
/** Between two looks at nats-server's monitor while waiting for the subscription (ms). */
const SUBSCRIPTION_POLL_MS = 50;

/** The two modes of the bus fan-out table. */
export type BusMode = "local" | "bus";

/** One mode's runs (othersCpuUsPerMessage: [publisher process, nats-server] in bus mode). */
export interface BusCell {
  mode: BusMode;
  runs: WsRun[];
}

type Proc = ReturnType<typeof Bun.spawn>;

/** Starts `cmd` pinned to `cpu`; its stderr is shown unless `quiet` (nats-server's log). */
function spawnOn(cpu: number, cmd: string[], quiet = false): Proc {
  return Bun.spawn(pin(cpu, cmd), { stdout: "ignore", stderr: quiet ? "ignore" : "inherit" });
}

/** Waits until nats-server's monitor lists a subscription to the reports of TOPIC. */
async function subscribed(monitorPort: number): Promise<void> {
  const listed = async () => {
    const connz = (await (await fetch(`http://127.0.0.1:${monitorPort}/connz?subs=1`)).json()) as {
      connections?: { subscriptions_list?: string[] }[];
    };
    return (connz.connections ?? []).flatMap((c) => c.subscriptions_list ?? []).some((s) => s.endsWith(`.report.${TOPIC}`));
  };
  if (!(await waitFor(listed, SUBSCRIPTION_WAIT_MS, SUBSCRIPTION_POLL_MS)))
    throw new Error(`bus fan-out: no subscription to ${TOPIC} on nats-server after ${SUBSCRIPTION_WAIT_MS} ms`);
}

/** The processes of the bus fan-out, started and stopped together. */
export class BusRig {
  private constructor(
    private readonly procs: Proc[],
    /** Ports and pids: the local server, the bus subscribers' server, the publisher process, nats-server. */
    readonly local: { port: number; pid: number },
    readonly bus: { port: number; pid: number },
    readonly publisher: { port: number; pid: number },
    readonly nats: { port: number; pid: number },
  ) {}

  /** Starts them on ports from `nextPort()`; resolves once all listen and the subscription is on the bus. */
  static async start(nextPort: () => number): Promise<BusRig> {
    const procs: Proc[] = [];
    try {
      const natsPort = nextPort();
      const monitorPort = nextPort();
      const nats = spawnOn(LOAD_CPU, ["nats-server", "-a", "127.0.0.1", "-p", String(natsPort), "-m", String(monitorPort)], true);
      procs.push(nats);
      await waitForPort(natsPort);
      await waitForPort(monitorPort);
      const url = `nats://127.0.0.1:${natsPort}`;
      const [localPort, busPort, pubPort] = [nextPort(), nextPort(), nextPort()];
      const local = spawnOn(SERVER_CPU, [process.execPath, NETSVC_WS, String(localPort), "--fanout", "publish"]);
      const bus = spawnOn(SERVER_CPU, [process.execPath, NETSVC_WS, String(busPort), "--fanout", "publish", "--nats", url]);
      const pub = spawnOn(LOAD_CPU, [process.execPath, NETSVC_WS, String(pubPort), "--fanout", "publish", "--nats", url]);
      procs.push(local, bus, pub);
      await Promise.all([waitForPort(localPort), waitForPort(busPort), waitForPort(pubPort)]);
      await subscribed(monitorPort);
      return new BusRig(
        procs,
        { port: localPort, pid: local.pid },
        { port: busPort, pid: bus.pid },
        { port: pubPort, pid: pub.pid },
        { port: natsPort, pid: nats.pid },
      );
    } catch (e) {
      for (const p of procs) p.kill("SIGKILL");
      throw e;
    }
  }

  /** One fan-out load in `mode` (`args`: the client's fanout arguments without the publish port). */
  measure(mode: BusMode, args: ClientArgs): Promise<WsRun> {
    if (mode === "local") return measureLoad(this.local.port, this.local.pid, args);
    return measureLoad(this.bus.port, this.bus.pid, [...args, this.publisher.port], [this.publisher.pid, this.nats.pid]);
  }

  /** Stops every process and waits for them. */
  async stop(): Promise<void> {
    for (const p of this.procs) p.kill("SIGTERM");
    await Promise.all(this.procs.map((p) => p.exited));
  }
}
