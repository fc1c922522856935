/**
 * RPC batch amplification (issue 19, item 2) — netsvc only: nginx speaks no JSON-RPC, so there is
 * no same probe to run against it (the harness skips nginx for it).
 *
 * `clients` connections each send one JSON-RPC batch of about `batchBytes` to the target's gateway
 * (RPC_PATH, a service whose `echo` returns its argument) and never read the answer, for
 * `durationMs`; the shapes take turns:
 *
 * - invalid members: `[1,1,…]`, the cheapest member there is (each got its own error object
 *   before issue 19: a ~50x larger answer);
 * - many calls: tiny valid `echo` calls, far more than a batch may hold;
 * - large values: LARGE_MEMBERS calls (within the batch limit) echoing ~1 KB each: the answer is
 *   as large as the request, which is the service's business, and must reach the client without
 *   the server holding more of it than its output high-water mark.
 *
 * Afterwards one client sends each shape once and reads the whole answer: the largest
 * response-body / request-body ratio is the figure of the "no amplification" goal.
 */
import { RPC_MAX_BATCH } from "../../../src/services/limits.ts";
import { pause } from "../clock.ts";
import { RPC_PATH } from "../fixture.ts";
import type { Probe } from "../probe.ts";
import { RPC_AMPLIFICATION_GOAL } from "../settings.ts";
import { closeAll, openMany, type Held } from "../sockets.ts";

/** The figures the CI test asserts on. */
export interface RpcBatchData {
  /** The largest response-body / request-body ratio of the shapes. */
  largestRatio: number;
  /** Non-reading clients that wrote their whole request. */
  sentWhole: number;
  clients: number;
}

/** Calls in the "large values" batch: as many as a batch may hold. */
export const LARGE_MEMBERS = RPC_MAX_BATCH;

/** A batch of about `bytes` bytes of each shape. */
export function batchShapes(bytes: number): Record<string, string> {
  const call = (id: number, arg: string) => `{"jsonrpc":"2.0","method":"echo","params":[${arg}],"id":${id}}`;
  const tiny = call(0, "0");
  const big = "x".repeat(Math.max(1, Math.floor(bytes / LARGE_MEMBERS) - tiny.length - 8));
  return {
    "invalid members": `[${"1,".repeat(Math.floor(bytes / 2) - 1)}1]`,
    "many calls": `[${Array.from({ length: Math.floor(bytes / (tiny.length + 6)) }, (_, i) => call(i, "0")).join(",")}]`,
    "large values": `[${Array.from({ length: LARGE_MEMBERS }, (_, i) => call(i, `"${big}"`)).join(",")}]`,
  };
}

/** The request bytes of one batch (HTTP/1.1, kept alive). */
function requestOf(body: string): Buffer {
  const b = Buffer.from(body);
  const head = `POST ${RPC_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), b]);
}

/** Sends one batch and reads the whole answer: its status and body length. */
async function measure(port: number, body: string): Promise<{ status: number; bytes: number }> {
  const res = await fetch(`http://127.0.0.1:${port}${RPC_PATH}`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json" },
  });
  return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
}

export const rpcBatch: Probe = {
  name: "rpc batch",
  netsvcOnly: true,
  describe: (s) =>
    `${s.rpcBatch.clients} clients each send a ${Math.round(s.rpcBatch.batchBytes / 1e6)} MB JSON-RPC batch (invalid members / many calls / large values in turn) and never read, for ${s.rpcBatch.durationMs / 1000} s`,
  async attack({ target, settings, sampler }) {
    const cfg = settings.rpcBatch;
    const shapes = batchShapes(cfg.batchBytes);
    const names = Object.keys(shapes);
    const requests = names.map((n) => requestOf(shapes[n]!));
    // Each client writes its whole request (resuming on drain: Bun keeps no buffer), never reads.
    const offset = new Map<Held, number>();
    const which = new Map<Held, Buffer>();
    let next = 0;
    let written = 0;
    const pump = (h: Held) => {
      const req = which.get(h)!;
      let at = offset.get(h) ?? 0;
      while (!h.closed && at < req.length) {
        const n = h.socket.write(req, at, req.length - at);
        if (n <= 0) break;
        at += n;
        written += n;
      }
      offset.set(h, at);
    };
    const held = await openMany(target.port, cfg.clients, {
      open: (h) => {
        which.set(h, requests[next++ % requests.length]!);
        h.socket.pause();
        pump(h);
      },
      drain: (h) => pump(h),
    });
    await pause(cfg.durationMs);
    sampler.sample();
    const sentWhole = held.filter((h) => offset.get(h) === which.get(h)!.length).length;
    const cut = held.filter((h) => h.closedByServer).length;
    closeAll(held, "terminate");
    const ratios: Record<string, string> = {};
    let largest = 0;
    for (const name of names) {
      const body = shapes[name]!;
      const r = await measure(target.port, body);
      const ratio = r.bytes / Buffer.byteLength(body);
      largest = Math.max(largest, ratio);
      ratios[`${name}: status, request → response bytes (ratio)`] =
        `${r.status}, ${Buffer.byteLength(body)} → ${r.bytes} (${ratio.toFixed(3)}x)`;
    }
    return {
      notes: {
        clients: held.length,
        "requests sent whole": sentWhole,
        "MiB written": +(written / 2 ** 20).toFixed(1),
        "cut off by the server": cut,
        ...ratios,
        "largest response/request ratio": +largest.toFixed(3),
      },
      goals: [
        {
          goal: `no response body larger than ${RPC_AMPLIFICATION_GOAL}x its request`,
          measured: `largest ${largest.toFixed(3)}x`,
          met: largest <= RPC_AMPLIFICATION_GOAL,
        },
      ],
      data: { largestRatio: largest, sentWhole, clients: held.length } satisfies RpcBatchData,
    };
  },
};
