/**
 * The WebSocket benchmark's servers: netsvc (netsvc-ws.ts), Bun.serve's `websocket` (bun-ws.ts)
 * and Node 20 with `ws` (node-ws.mjs) when `ws` can be resolved, each one process pinned to the
 * server CPU (bench/server/measure.ts), started, waited for and stopped here.
 */
import { join, resolve } from "node:path";
import { pin, SERVER_CPU, waitForPort } from "../server/measure.ts";
import type { NetsvcFanout } from "./protocol.ts";

const HERE = resolve(import.meta.dir);

/** Peer names as the tables print them. */
export const NETSVC = "netsvc";
export const BUN_SERVE = "Bun.serve";
export const NODE_WS = "Node 20 + ws";
/** The ceiling of any WebSocket echo on Bun.listen (bare-ws.ts): echo only. */
export const BARE = "bare Bun.listen";

/** How the servers are started. */
export interface PeerOptions {
  /** How netsvc fans out (see netsvc-ws.ts). */
  netsvcFanout: NetsvcFanout;
  /** NODE_PATH for the Node peer (a directory holding `ws`), "" to resolve it from the repository. */
  nodePath: string;
}

/** A peer: its name and the command that serves `port` (with `extra` flags). */
export interface Peer {
  name: string;
  /** Only the echo load (the bare responder serves nothing else). */
  echoOnly?: boolean;
  command: (port: number, extra: string[]) => string[];
  env?: Record<string, string>;
}

/** A started server. */
export interface Server {
  peer: Peer;
  port: number;
  /** The server's own pid (taskset execs the command). */
  pid: number;
  proc: ReturnType<typeof Bun.spawn>;
}

/**
 * Whether Node can load `ws` with `nodePath` (and Node is there at all): null when it can, else
 * why not (the run leaves Node out and says so).
 */
export function nodeWsMissing(nodePath: string): string | null {
  try {
    const p = Bun.spawnSync(["node", "-e", "require.resolve('ws')"], {
      cwd: HERE,
      env: { ...process.env, ...(nodePath ? { NODE_PATH: nodePath } : {}) },
      stderr: "pipe",
    });
    return p.exitCode === 0 ? null : "`ws` is not installed (npm install ws, or --node-path DIR holding it)";
  } catch {
    return "node is not on PATH";
  }
}

/** The peers of a run: netsvc, Bun.serve, Node with `ws` unless `withNode` is false, and the bare responder with `withBare`. */
export function peers(o: PeerOptions, withNode: boolean, withBare = false): Peer[] {
  const list: Peer[] = [
    {
      name: NETSVC,
      command: (p, extra) => [process.execPath, join(HERE, "netsvc-ws.ts"), String(p), "--fanout", o.netsvcFanout, ...extra],
    },
    { name: BUN_SERVE, command: (p, extra) => [process.execPath, join(HERE, "bun-ws.ts"), String(p), ...extra] },
  ];
  if (withNode)
    list.push({
      name: NODE_WS,
      command: (p, extra) => ["node", join(HERE, "node-ws.mjs"), String(p), ...extra],
      ...(o.nodePath ? { env: { NODE_PATH: o.nodePath } } : {}),
    });
  if (withBare) list.push({ name: BARE, echoOnly: true, command: (p) => [process.execPath, join(HERE, "bare-ws.ts"), String(p)] });
  return list;
}

/** Starts `peer` on `port` pinned to the server CPU; resolves once it listens. */
export async function startServer(peer: Peer, port: number, extra: string[] = []): Promise<Server> {
  const proc = Bun.spawn(pin(SERVER_CPU, peer.command(port, extra)), {
    stdout: "ignore",
    stderr: "inherit",
    env: { ...process.env, ...peer.env },
  });
  try {
    await waitForPort(port);
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  return { peer, port, pid: proc.pid, proc };
}

/** Stops the servers and waits for them to exit. */
export async function stopServers(servers: Server[]): Promise<void> {
  for (const s of servers) s.proc.kill("SIGTERM");
  await Promise.all(servers.map((s) => s.proc.exited));
}
