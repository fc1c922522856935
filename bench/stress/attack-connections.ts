/**
 * What the stress probes' attack clients share (h2-attack.ts, ws-attack.ts): the connections held,
 * opened in batches and reopened at once when the server closes one (as a determined attacker
 * would) until stop(); what they wrote, pumped while the socket takes it and a bounded number of
 * pieces per turn so the attacker never starves its own event loop; how long the server let them
 * stay. A subclass opens a connection its protocol's way and says what it writes next.
 */
import type { Socket } from "bun";
import { CONNECT_BATCH } from "./sockets.ts";

/** Pieces written per connection in one turn before yielding to the event loop. */
const PIECES_PER_TURN = 64;

/** One attack connection, as the shared bookkeeping sees it. */
export interface AttackConn {
  socket: Socket<undefined>;
  /** When it was opened (reset when its protocol's handshake ends). */
  openedAt: number;
  closed: boolean;
  /** The server closed it (not stop()). */
  closedByServer: boolean;
  /** Bytes being written, from `offset`; null when the next piece is to be asked for. */
  pending: Uint8Array | null;
  offset: number;
}

/** Connections held against one server (see the file comment). */
export abstract class AttackConnections<C extends AttackConn> {
  opened = 0;
  closedByServer = 0;
  refused = 0;
  bytesWritten = 0;
  longestHeldMs = 0;
  readonly held = new Set<C>();
  protected running = true;

  /** Opens one connection (counting it in `opened` and `held`, or in `refused`). */
  protected abstract open(): Promise<void>;
  /** The next bytes to write on `c`, or null for none now. */
  protected abstract nextPiece(c: C): Uint8Array | null;
  /** Whether `c` may be written to now (e.g. its handshake is done). Default: yes. */
  protected mayWrite(_c: C): boolean {
    return true;
  }
  /** The server closed `c`: what the subclass counts of it. Default: nothing. */
  protected serverClosed(_c: C): void {}

  /** Opens the first `n` connections, in batches. */
  async start(n: number): Promise<void> {
    for (let i = 0; i < n; i += CONNECT_BATCH) await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, () => this.open()));
  }

  /** Writes while the socket takes it: the pending bytes, then the next pieces. */
  protected pump(c: C): void {
    for (let pieces = 0; this.running && !c.closed && this.mayWrite(c); ) {
      if (c.pending === null) {
        if (pieces++ >= PIECES_PER_TURN) {
          setImmediate(() => this.pump(c));
          return;
        }
        c.offset = 0;
        c.pending = this.nextPiece(c);
        if (c.pending === null) return;
      }
      const n = c.socket.write(c.pending, c.offset, c.pending.length - c.offset);
      if (n <= 0) return;
      this.bytesWritten += n;
      c.offset += n;
      if (c.offset < c.pending.length) return;
      c.pending = null;
    }
  }

  /** Bun `close`: counted when the server closed it, which is then reopened. */
  protected closed(c: C): void {
    if (!c.closed) c.closedByServer = true;
    c.closed = true;
    this.held.delete(c);
    if (!c.closedByServer) return;
    this.closedByServer++;
    this.serverClosed(c);
    this.longestHeldMs = Math.max(this.longestHeldMs, performance.now() - c.openedAt);
    if (this.running) void this.open();
  }

  /** Closes `c` from our side. */
  protected close(c: C): void {
    if (c.closed) return;
    c.closed = true;
    this.held.delete(c);
    c.socket.terminate();
  }

  /** Connections open now that have been open longer than `ms`. */
  openLongerThan(ms: number): number {
    const now = performance.now();
    let n = 0;
    for (const c of this.held) if (!c.closed && now - c.openedAt > ms) n++;
    return n;
  }

  /** Stops reopening and closes every connection still open. */
  stop(): void {
    this.running = false;
    for (const c of [...this.held]) this.close(c);
  }
}
