/**
 * Memory per idle connection, HTTP/2 beside HTTP/1.1 (issue 22): a fresh server, lightly warmed
 * with the same kind of connection, holds `n` connections that each made one request and were
 * answered, then sit idle; the figure is (RSS with them held − RSS before) ÷ connections held,
 * each RSS the median of a few readings (as bench/stress's "idle flood" measures it).
 *
 * - HTTP/1.1: one keep-alive GET (the stress harness's socket, bench/stress/sockets.ts);
 * - h2c: the preface, an empty SETTINGS, one GET stream, the server's SETTINGS acknowledged
 *   (the raw client of the connection tests, test/helpers/h2-client.ts).
 *
 * The connections are opened in batches of CONNECT_BATCH, each batch answered before the next
 * opens, so the listen backlog never overflows and every held connection has had its response.
 */
import { H2Client } from "../../test/helpers/h2-client.ts";
import { pause } from "../stress/clock.ts";
import { median, readProc } from "../stress/proc.ts";
import { CONNECT_BATCH, type Held, openHeld } from "../stress/sockets.ts";

/** How the idle connections are made. */
export type IdleProtocol = "http/1.1" | "h2c";

/** RSS readings taken (their median used) before and with the connections held. */
const RSS_READINGS = 5;
/** Between two readings (ms): a measurement's cadence, not a synchronisation. */
const RSS_READING_EVERY_MS = 100;
/** Connections opened and answered before the baseline (compiles the connection's paths). */
const WARMUP_CONNECTIONS = 100;
/** One connection's request may take this long (ms) before it counts as unanswered. */
const ANSWER_LIMIT_MS = 5000;

/** One idle connection, closed by `close`. */
interface IdleConnection {
  close(): Promise<void> | void;
  /** Still open (the server did not close it while held). */
  open(): boolean;
}

/** One keep-alive GET on a raw socket; resolves once the first response byte came (or never opened). */
async function http1Connection(port: number, path: string): Promise<IdleConnection | null> {
  const answered = Promise.withResolvers<void>();
  const get = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  const held: Held | null = await openHeld(port, {
    open: (h) => h.socket.write(get),
    data: () => answered.resolve(),
    close: () => answered.resolve(),
  });
  if (!held) return null;
  const timer = setTimeout(answered.resolve, ANSWER_LIMIT_MS);
  await answered.promise;
  clearTimeout(timer);
  if (held.received === 0) {
    held.socket.terminate();
    return null;
  }
  return {
    close: () => {
      held.closed = true;
      held.socket.end();
    },
    open: () => !held.closed,
  };
}

/** The preface, SETTINGS and one GET stream answered in full; null when refused or unanswered. */
async function h2cConnection(port: number, path: string): Promise<IdleConnection | null> {
  let client: H2Client;
  try {
    client = await H2Client.connect(port);
  } catch {
    return null;
  }
  let open = true;
  client.closed.then(() => (open = false));
  try {
    await client.response(client.request("GET", path), ANSWER_LIMIT_MS);
  } catch {
    await client.close();
    return null;
  }
  return { close: () => client.close(), open: () => open };
}

/** Opens `n` answered connections of `protocol`, CONNECT_BATCH at a time. */
async function openIdle(port: number, path: string, n: number, protocol: IdleProtocol): Promise<IdleConnection[]> {
  const one = protocol === "h2c" ? h2cConnection : http1Connection;
  const all: IdleConnection[] = [];
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, () => one(port, path)));
    for (const c of batch) if (c) all.push(c);
  }
  return all;
}

/** The median of RSS_READINGS readings of `pid`'s RSS (KiB), RSS_READING_EVERY_MS apart. */
export async function medianRssKiB(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < RSS_READINGS; i++) {
    if (i > 0) await pause(RSS_READING_EVERY_MS);
    readings.push(readProc(pid).rssKiB);
  }
  return median(readings);
}

/** One idle figure: bytes of RSS per connection held, and how many of the `n` were held to the end. */
export interface IdleFigure {
  bytesPerConnection: number;
  held: number;
}

/**
 * Bytes of RSS per idle connection of `protocol` on the server `pid` listening on `port` (fresh:
 * the warm-up here is its first traffic), `n` held at once and answered `path`; closes them all.
 */
export async function idleBytes(port: number, pid: number, path: string, n: number, protocol: IdleProtocol): Promise<IdleFigure> {
  const warm = await openIdle(port, path, WARMUP_CONNECTIONS, protocol);
  await Promise.all(warm.map((c) => c.close()));
  const before = await medianRssKiB(pid);
  const conns = await openIdle(port, path, n, protocol);
  const during = await medianRssKiB(pid);
  const held = conns.filter((c) => c.open()).length;
  await Promise.all(conns.map((c) => c.close()));
  return { bytesPerConnection: ((during - before) * 1024) / Math.max(1, held), held };
}
