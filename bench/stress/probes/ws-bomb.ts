/**
 * WebSocket bombs (issue 23; SPEC §12 "a compression bomb is a 1009, not memory"): half the
 * connections agree permessage-deflate and send one compressed message that inflates to
 * `inflatedBytes` (64 MiB of zeros: 64 KB on the wire, past the 1 MiB message limit); the other
 * half send a plain frame whose head announces more than the limit, and its payload anyway. Each
 * connection the server closes is reopened at once. The server must close every one with 1009 —
 * inflating no further than the limit, refusing the plain frame from its head — and keep its
 * memory bounded. netsvc only: nginx does not terminate WebSockets (it would proxy them).
 */
import { constants, deflateRawSync } from "node:zlib";
import { clientFrame } from "../../../test/helpers/ws-client.ts";
import { pause } from "../clock.ts";
import type { Probe } from "../probe.ts";
import { readStats } from "../target-stats.ts";
import { WsAttack } from "../ws-attack.ts";

/** RFC 6455 §7.4.1: a message too big to process. */
const CLOSE_TOO_BIG = 1009;
const OPCODE_BINARY = 2;
/** What the plain frames announce (2 MiB, past the target's 1 MiB limit) and what follows their head. */
const PLAIN_ANNOUNCED = 2 * 1024 * 1024;
const PLAIN_SENT = 64 * 1024;

/** What the probe saw, for the tests. */
export interface WsBombData {
  sent: number;
  closedByServer: number;
  /** Of those, the ones whose Close said 1009. */
  closedWith1009: number;
  /** Closed by the server after another code, or none. */
  otherCloses: number;
  websocketErrors: number;
}

/** A compressed message (RFC 7692 §7.2.1: the deflate tail removed) inflating to `size` zero bytes. */
function deflateBomb(size: number): Uint8Array {
  const z = deflateRawSync(Buffer.alloc(size), { finishFlush: constants.Z_SYNC_FLUSH });
  return clientFrame(OPCODE_BINARY, z.subarray(0, z.length - 4), { rsv1: true });
}

export const wsBomb: Probe = {
  name: "ws bomb",
  netsvcOnly: true,
  describe: (s) =>
    `${s.wsBomb.clients} WebSockets send a deflate bomb (${s.wsBomb.inflatedBytes / 2 ** 20} MiB inflated) or a plain frame announcing ${PLAIN_ANNOUNCED / 2 ** 20} MiB, past the 1 MiB limit, reopened when closed, for ${s.wsBomb.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.wsBomb;
    const bomb = deflateBomb(cfg.inflatedBytes);
    const plain = Buffer.concat([clientFrame(OPCODE_BINARY, new Uint8Array(0), { length: PLAIN_ANNOUNCED }), new Uint8Array(PLAIN_SENT)]);
    let sent = 0;
    const once = (frame: Uint8Array) => (c: { step: number }) => {
      if (c.step++ > 0) return null;
      sent++;
      return frame;
    };
    const compressed = new WsAttack(target.port, { path: "/ws", deflate: true, next: once(bomb) });
    const oversized = new WsAttack(target.port, { path: "/ws", next: once(plain) });
    const half = Math.max(1, Math.floor(cfg.clients / 2));
    await Promise.all([compressed.start(half), oversized.start(cfg.clients - half)]);
    await pause(cfg.durationMs);
    compressed.stop();
    oversized.stop();
    const stats = await readStats(target.port);
    const closedByServer = compressed.closedByServer + oversized.closedByServer;
    const closedWith1009 = compressed.serverClosedWith(CLOSE_TOO_BIG) + oversized.serverClosedWith(CLOSE_TOO_BIG);
    const data: WsBombData = {
      sent,
      closedByServer,
      closedWith1009,
      otherCloses: closedByServer - closedWith1009,
      websocketErrors: stats?.stats.websocketErrors ?? NaN,
    };
    return {
      notes: {
        "bomb frame on the wire (KiB)": +(bomb.length / 1024).toFixed(1),
        "bombs and oversized frames sent": sent,
        ...Object.fromEntries(Object.entries(compressed.notes()).map(([k, v]) => [`deflate: ${k}`, v])),
        ...Object.fromEntries(Object.entries(oversized.notes()).map(([k, v]) => [`plain: ${k}`, v])),
        "server's websocketErrors": data.websocketErrors,
      },
      goals: [
        {
          goal: "every bomb and oversized frame closed with 1009",
          measured: `${closedWith1009} of ${closedByServer} closed with 1009 (${sent} sent)`,
          met: closedByServer > 0 && data.otherCloses === 0,
        },
      ],
      data,
    };
  },
};
