/**
 * Idle WebSockets (issue 23: ≤ 4 KB per idle WebSocket beyond the socket). First the figures,
 * each on a fresh server lightly warmed (the same warm-up for all): RSS per idle WebSocket on
 * netsvc, per idle HTTP/1.1 keep-alive connection on netsvc (answered one GET), and per
 * keep-alive socket of a bare Bun.listen (the cost of the socket alone), `sockets` of each held at
 * once. Then the attack: `sockets` idle WebSockets held on the probe's target while the normal
 * client is timed. netsvc only: nginx does not terminate WebSockets.
 */
import { pause, waitFor } from "../clock.ts";
import { SMALL_PATH } from "../fixture.ts";
import type { Probe } from "../probe.ts";
import { median, readProc } from "../proc.ts";
import { FD_TOLERANCE, WS_IDLE_BYTES_GOAL } from "../settings.ts";
import { closeAll } from "../sockets.ts";
import { startBare, startNetsvc, type Target } from "../targets.ts";
import { WsAttack } from "../ws-attack.ts";
import { idleBytesPerConnection } from "./idle-flood.ts";

/** RSS readings taken (and their median used) before and once the sockets are in. */
const RSS_READINGS = 5;
const RSS_READING_EVERY_MS = 100;
/** How long the server may take to upgrade all the sockets (ms). */
const UPGRADE_LIMIT_MS = 15_000;
/** The connection limit's room above the sockets held. */
const LIMIT_SLACK = 100;
/** Warm-up of every fresh server: GETs, then WebSockets opened and closed (netsvc's). */
const WARM_GETS = 100;
const WARM_SOCKETS = 50;

/** What the probe saw, for the tests. */
export interface WsIdleData {
  /** Bytes of RSS per idle WebSocket, per idle HTTP/1.1 keep-alive connection (netsvc), per bare socket. */
  wsBytes: number;
  httpBytes: number;
  bareBytes: number;
  /** WebSockets held on the target (of `sockets`) and closed by it while held. */
  held: number;
  closedByServer: number;
}

async function medianRss(pid: number): Promise<number> {
  const rss: number[] = [];
  for (let i = 0; i < RSS_READINGS; i++) {
    rss.push(readProc(pid).rssKiB);
    await pause(RSS_READING_EVERY_MS);
  }
  return median(rss);
}

/** `n` idle WebSockets to the target's /ws, their handshakes answered (the caller stops them). */
async function holdWebSockets(target: Target, n: number): Promise<WsAttack> {
  const attack = new WsAttack(target.port, { path: "/ws", next: () => null });
  await attack.start(n);
  await waitFor(() => attack.upgraded >= n, UPGRADE_LIMIT_MS, 50);
  return attack;
}

/** The same light warm-up for every fresh server: a few GETs, and WebSockets opened and closed where it has them. */
async function warm(target: Target, webSockets: boolean): Promise<void> {
  for (let i = 0; i < WARM_GETS; i++) await fetch(`http://127.0.0.1:${target.port}${SMALL_PATH}`).then((r) => r.arrayBuffer());
  if (!webSockets) return;
  const fds = readProc(target.pid).fds;
  const attack = await holdWebSockets(target, WARM_SOCKETS);
  attack.stop();
  await waitFor(() => readProc(target.pid).fds <= fds + FD_TOLERANCE, UPGRADE_LIMIT_MS, 50);
}

/** Bytes of RSS per idle WebSocket, `n` of them, on a fresh netsvc. */
async function wsBytesPerSocket(fixture: string, n: number): Promise<number> {
  const target = await startNetsvc(fixture, n + LIMIT_SLACK);
  try {
    await warm(target, true);
    const base = await medianRss(target.pid);
    const attack = await holdWebSockets(target, n);
    const rss = await medianRss(target.pid);
    const bytes = ((rss - base) * 1024) / Math.max(1, attack.upgraded);
    attack.stop();
    return bytes;
  } finally {
    await target.stop();
  }
}

/** Bytes of RSS per idle keep-alive connection (one GET answered), `n` of them, on a fresh server. */
async function keepAliveBytes(start: () => Promise<Target>, n: number, webSockets: boolean): Promise<number> {
  const target = await start();
  try {
    await warm(target, webSockets);
    const { bytes, held } = await idleBytesPerConnection(target, n, "keep-alive");
    closeAll(held);
    return bytes;
  } finally {
    await target.stop();
  }
}

export const wsIdleFlood: Probe = {
  name: "ws idle flood",
  netsvcOnly: true,
  target: (s) => ({ maxConnections: s.wsIdle.sockets + LIMIT_SLACK }),
  describe: (s) =>
    `bytes per idle WebSocket with ${s.wsIdle.sockets} held (fresh servers) beside idle HTTP/1.1 keep-alive and bare sockets; then ${s.wsIdle.sockets} idle WebSockets held for ${s.wsIdle.durationMs / 1000} s`,
  async attack({ target, settings, fixture }) {
    const cfg = settings.wsIdle;
    const n = cfg.sockets;
    const wsBytes = await wsBytesPerSocket(fixture, n);
    const httpBytes = await keepAliveBytes(() => startNetsvc(fixture, n + LIMIT_SLACK), n, true);
    const bareBytes = await keepAliveBytes(startBare, n, false);
    const before = readProc(target.pid).rssKiB;
    const attack = await holdWebSockets(target, n);
    const heldRss = readProc(target.pid).rssKiB;
    await pause(cfg.durationMs);
    const data: WsIdleData = { wsBytes, httpBytes, bareBytes, held: attack.upgraded, closedByServer: attack.closedByServer };
    attack.stop();
    const beyond = wsBytes - bareBytes;
    return {
      notes: {
        [`bytes per idle WebSocket at ${n}`]: Math.round(wsBytes),
        [`bytes per idle HTTP/1.1 keep-alive connection at ${n}`]: Math.round(httpBytes),
        [`bytes per bare Bun.listen keep-alive socket at ${n}`]: Math.round(bareBytes),
        "WebSocket beyond the bare socket (B)": Math.round(beyond),
        "WebSocket beyond an HTTP/1.1 keep-alive connection (B)": Math.round(wsBytes - httpBytes),
        "on the probe's target (warmed): bytes per WebSocket": Math.round(((heldRss - before) * 1024) / Math.max(1, attack.upgraded)),
        "WebSockets held on the target": attack.upgraded,
        "closed by the server while held": attack.closedByServer,
      },
      goals: [
        {
          goal: `bytes per idle WebSocket beyond the socket ≤ ${WS_IDLE_BYTES_GOAL}`,
          measured: `${Math.round(wsBytes)} B − ${Math.round(bareBytes)} B (bare socket) = ${Math.round(beyond)} B`,
          met: beyond <= WS_IDLE_BYTES_GOAL,
        },
        {
          goal: `all ${n} idle WebSockets upgraded and held`,
          measured: `${attack.upgraded} upgraded, ${attack.closedByServer} closed by the server`,
          met: attack.upgraded >= n && attack.closedByServer === 0,
        },
      ],
      data,
    };
  },
};
