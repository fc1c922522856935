/**
 * Attack sockets: many raw connections opened in batches, each tracking whether the server
 * closed it. Handlers per connection are small closures (client side; the server's are the ones
 * that must be module-level).
 */
import type { Socket } from "bun";

/** Connections opened at once while ramping up (keeps the listen backlog from overflowing). */
export const CONNECT_BATCH = 100;

/** One attack connection. */
export interface Held {
  socket: Socket<undefined>;
  /** Closed (by either side). */
  closed: boolean;
  /** Closed by the server (or reset) before we closed it. */
  closedByServer: boolean;
  /** Bytes received. */
  received: number;
}

/** Per-connection behaviour. */
export interface HeldHooks {
  /** Right after the connection opens (write the attack's first bytes here). */
  open?(h: Held): void;
  /** Bytes arrived. */
  data?(h: Held, chunk: Uint8Array): void;
  /** The server closed it. */
  close?(h: Held): void;
  /** The socket can take more output. */
  drain?(h: Held): void;
}

/** Whether something accepts a connection on 127.0.0.1:port (the connection is closed at once). */
export async function accepts(port: number): Promise<boolean> {
  try {
    const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

/** Opens one connection to 127.0.0.1:port, or null if refused. */
export async function openHeld(port: number, hooks: HeldHooks = {}): Promise<Held | null> {
  const h = { closed: false, closedByServer: false, received: 0 } as Held;
  try {
    h.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, chunk) => {
          h.received += chunk.length;
          hooks.data?.(h, chunk);
        },
        drain: () => hooks.drain?.(h),
        close: () => {
          if (!h.closed) h.closedByServer = true;
          h.closed = true;
          hooks.close?.(h);
        },
        error: () => {},
      },
    });
  } catch {
    return null;
  }
  hooks.open?.(h);
  return h;
}

/** Opens `n` connections in batches; refused ones are left out (their count is n − result length). */
export async function openMany(port: number, n: number, hooks: HeldHooks = {}): Promise<Held[]> {
  const all: Held[] = [];
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, () => openHeld(port, hooks)));
    for (const h of batch) if (h) all.push(h);
  }
  return all;
}

/** Closes every connection we still hold: `end()` (a FIN) or `terminate()` (a reset). */
export function closeAll(held: Held[], how: "end" | "terminate" = "end"): void {
  for (const h of held) {
    if (h.closed) continue;
    h.closed = true;
    if (how === "end") h.socket.end();
    else h.socket.terminate();
  }
}
