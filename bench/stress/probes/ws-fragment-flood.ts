/**
 * WebSocket fragment and ping floods (issue 23): `clients` connections each send a text message
 * as `fragments` one-byte fragments (RFC 6455 §5.4: seven bytes of frame per byte of message),
 * and again as soon as its echo is back; `pingClients` connections send Pings as fast as the
 * socket takes them — each Ping owes a Pong (§5.5.2), so past WS_MAX_PINGS_PER_SECOND the server
 * closes them with 1008 — reopened when closed. The normal client must stay answered within
 * 100 ms; the server's CPU is noted. netsvc only: nginx does not terminate WebSockets.
 */
import { WS_MAX_PINGS_PER_SECOND } from "../../../src/daemon/limits.ts";
import { clientFrame } from "../../../test/helpers/ws-client.ts";
import { pause } from "../clock.ts";
import type { Probe } from "../probe.ts";
import { readStats } from "../target-stats.ts";
import { type WsAttackConn, WsAttack } from "../ws-attack.ts";

const OPCODE_CONTINUATION = 0;
const OPCODE_TEXT = 1;
const OPCODE_PING = 9;
/** RFC 6455 §7.4.1: a policy violation (what a ping flood gets). */
const CLOSE_POLICY = 1008;
/** Pings per write of a ping flooder. */
const PINGS_PER_WRITE = 1000;

/** What the probe saw, for the tests. */
export interface WsFragmentFloodData {
  /** Fragmented messages echoed back whole. */
  echoed: number;
  /** Ping flooders closed by the server, and of those with 1008. */
  pingClosed: number;
  pingClosedWith1008: number;
  pongs: number;
  websocketFloods: number;
}

/** A text message of `n` one-byte fragments, as one buffer. */
function fragmented(n: number): Uint8Array {
  const frames = [clientFrame(OPCODE_TEXT, "f", { fin: false })];
  for (let i = 1; i < n - 1; i++) frames.push(clientFrame(OPCODE_CONTINUATION, "f", { fin: false }));
  frames.push(clientFrame(OPCODE_CONTINUATION, "f"));
  return Buffer.concat(frames);
}

export const wsFragmentFlood: Probe = {
  name: "ws fragment flood",
  netsvcOnly: true,
  describe: (s) =>
    `${s.wsFragmentFlood.clients} WebSockets send messages of ${s.wsFragmentFlood.fragments} one-byte fragments back to back, ${s.wsFragmentFlood.pingClients} flood Pings, reopened when closed, for ${s.wsFragmentFlood.durationMs / 1000} s`,
  async attack({ target, settings }) {
    const cfg = settings.wsFragmentFlood;
    const message = fragmented(cfg.fragments);
    const pings = Buffer.concat(Array.from({ length: PINGS_PER_WRITE }, () => clientFrame(OPCODE_PING, "flood")));
    const fragments = new WsAttack(target.port, {
      path: "/ws",
      // step 0: a message is due; 1: waiting for its echo.
      next: (c: WsAttackConn) => {
        if (c.step !== 0) return null;
        c.step = 1;
        return message;
      },
      heard: (c: WsAttackConn) => void (c.step = 0),
    });
    const flooders = new WsAttack(target.port, { path: "/ws", next: () => pings });
    const t0 = performance.now();
    await Promise.all([fragments.start(cfg.clients), flooders.start(cfg.pingClients)]);
    await pause(cfg.durationMs);
    fragments.stop();
    flooders.stop();
    const seconds = (performance.now() - t0) / 1000;
    const stats = await readStats(target.port);
    const data: WsFragmentFloodData = {
      echoed: fragments.messages,
      pingClosed: flooders.closedByServer,
      pingClosedWith1008: flooders.serverClosedWith(CLOSE_POLICY),
      pongs: flooders.pongs,
      websocketFloods: stats?.stats.websocketFloods ?? NaN,
    };
    return {
      notes: {
        "fragmented messages echoed": data.echoed,
        "fragments a second": Math.round((data.echoed * cfg.fragments) / seconds),
        ...Object.fromEntries(Object.entries(fragments.notes()).map(([k, v]) => [`fragments: ${k}`, v])),
        ...Object.fromEntries(Object.entries(flooders.notes()).map(([k, v]) => [`pings: ${k}`, v])),
        "pongs received by the ping flooders": data.pongs,
        "server's websocketFloods": data.websocketFloods,
      },
      goals: [
        {
          goal: "fragmented messages echoed whole, no fragment sender closed",
          measured: `${data.echoed} echoed, ${fragments.closedByServer} closed by the server`,
          met: data.echoed > 0 && fragments.closedByServer === 0,
        },
        {
          goal: `ping flooders closed with 1008 past ${WS_MAX_PINGS_PER_SECOND} a second`,
          measured: `${data.pingClosedWith1008} of ${data.pingClosed} closed with 1008; ${data.pongs} pongs for ${Math.round(flooders.bytesWritten / 11)} pings sent`,
          met: data.pingClosed > 0 && data.pingClosedWith1008 === data.pingClosed,
        },
      ],
      data,
    };
  },
};
