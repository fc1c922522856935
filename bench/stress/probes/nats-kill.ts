/**
 * NATS kill under load (issue 19 item 3), netsvc only: nginx has no service bus, so there is no
 * side-by-side counterpart; the harness reports this probe for netsvc alone.
 *
 * The target runs an RpcGateway (/rpc) over a fresh nats-server; a serving process
 * (test/fixtures/recording-host.ts, service "ledger") records in a file every call it runs,
 * before running it. `clients` HTTP clients send single JSON-RPC calls through the gateway, each
 * with its own id, half answered at once and half later (acknowledged first). Once `killAfter`
 * calls were answered the serving process gets SIGKILL; each client goes on until three calls in
 * a row did not run (503 from NATS's "no responders", or 404 once the gateway forgot the service)
 * or `afterKillLimitMs` passed. Then every call is accounted exactly once against the record:
 * answered (200: it ran), failed as unavailable (503 / 404: the goal is that none of these ran),
 * failed as of unknown outcome (502: ran or not, the record says which).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Output } from "../../../test/helpers/spawn.ts";
import { waitFor } from "../clock.ts";
import { accountCalls, type CallAccount, type CallOutcome } from "../call-account.ts";
import type { Probe } from "../probe.ts";

/** The serving process: records each call's id before running it. */
const HOST = join(import.meta.dir, "../../../test/fixtures/recording-host.ts");
/** How long the serving process may take to join the bus, and the gateway to learn of it (ms). */
const JOIN_LIMIT_MS = 15_000;
/** Calls in a row that did not run after which a client stops (the service is gone). */
const NOT_RUN_IN_A_ROW = 3;
/** A call through the gateway not answered within this long (ms) is counted as hung (a goal fails). */
const CALL_LIMIT_MS = 35_000;
/** Delay of the delayed method (ms): long enough that the instance acknowledges first. */
const DELAYED_MS = 2;

/** The exactly-once account, also asserted by test/stress. */
export type NatsKillData = CallAccount;

export const natsKill: Probe = {
  name: "nats kill",
  netsvcOnly: true,
  bus: true,
  describe: (s) =>
    `${s.natsKill.clients} clients call a service over NATS through the gateway; its process gets SIGKILL after ${s.natsKill.killAfter} answers`,
  async attack({ target, settings, natsUrl }) {
    const { clients, killAfter, afterKillLimitMs } = settings.natsKill;
    const dir = mkdtempSync(join(tmpdir(), "netsvc-nats-kill-"));
    const record = join(dir, "ran");
    const host = Bun.spawn([process.execPath, HOST, natsUrl, record], { stdout: "pipe", stderr: "ignore" });
    try {
      await new Output(host.stdout as ReadableStream<Uint8Array>).waitFor(/ready \d+/, JOIN_LIMIT_MS);
      const outcomes = new Map<string, CallOutcome>();
      const call = async (id: string, delayed: boolean): Promise<number> => {
        const method = delayed ? "runLater" : "run";
        const params = delayed ? [id, DELAYED_MS] : [id];
        let status = 0;
        let outcome: CallOutcome = "unaccounted";
        try {
          const res = await fetch(`http://127.0.0.1:${target.port}/rpc/ledger`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
            signal: AbortSignal.timeout(CALL_LIMIT_MS),
          });
          status = res.status;
          const text = await res.text();
          if (status === 200) outcome = (JSON.parse(text) as { result?: unknown }).result === id ? "answered" : "unaccounted";
          else if (status === 503 || status === 404) outcome = "unavailable";
          else if (status === 502) outcome = "unknown";
        } catch {
          // no answer in time: unaccounted
        }
        outcomes.set(id, outcome);
        return status;
      };
      // The gateway learns of the service through the bus: 404 until then (those calls never left).
      let warm = 0;
      if (!(await waitFor(async () => (await call(`warm-${warm++}`, false)) === 200, JOIN_LIMIT_MS, 50)))
        throw new Error("the gateway never reached the serving process");

      let answered = 0;
      let killedAt = 0;
      const client = async (c: number) => {
        let notRun = 0;
        for (let i = 0; notRun < NOT_RUN_IN_A_ROW; i++) {
          if (killedAt && performance.now() - killedAt > afterKillLimitMs) break;
          const status = await call(`c${c}-${i}`, i % 2 === 1);
          notRun = status === 503 || status === 404 ? notRun + 1 : 0;
          if (status === 200 && ++answered >= killAfter && !killedAt) {
            killedAt = performance.now();
            host.kill("SIGKILL");
          }
        }
      };
      await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
      host.kill("SIGKILL"); // (already, unless every client stopped before the kill)
      await host.exited;

      const data: NatsKillData = accountCalls(
        outcomes,
        (await Bun.file(record).text()).split("\n").filter((l) => l !== ""),
      );
      return {
        notes: {
          calls: data.calls,
          "ran (recorded by the service)": data.ran,
          "answered (200)": data.answered,
          "failed as unavailable (503 / 404)": data.unavailable,
          "failed as unknown (502)": `${data.unknown}, of which ran ${data.unknownThatRan}`,
          unaccounted: data.unaccounted,
        },
        goals: [
          {
            goal: "0 calls reported unavailable that ran",
            measured: `${data.unavailableThatRan} of ${data.unavailable}`,
            met: data.unavailableThatRan === 0 && data.unavailable > 0,
          },
          {
            goal: "every call accounted exactly once (ran / answered / unavailable / unknown)",
            measured: `${data.unaccounted} unaccounted, ${data.ranTwiceOrUnasked} ran twice or unasked, of ${data.calls}`,
            met: data.unaccounted === 0 && data.ranTwiceOrUnasked === 0 && data.answered >= killAfter,
          },
        ],
        data,
      };
    } finally {
      host.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
