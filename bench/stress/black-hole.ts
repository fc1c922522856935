/**
 * A TCP "black hole" for nginx's /poll: accepts, reads, never answers. It notes each connection's
 * poll id (from the proxied request line `GET /poll?id=N`) and the moment (epoch ms) nginx closed
 * it — nginx's equivalent of destroyServlet().
 */
import type { Socket, TCPSocketListener } from "bun";
import { epochMs } from "./clock.ts";

interface HoleData {
  head: string;
  id: string;
}

/** A started black hole. */
export class BlackHole {
  /** Poll id → epoch ms when nginx closed the upstream connection. */
  readonly closedAt = new Map<string, number>();
  /** Connections accepted. */
  accepted = 0;
  private readonly open = new Set<Socket<HoleData>>();
  private readonly listener: TCPSocketListener<HoleData>;

  constructor() {
    this.listener = Bun.listen<HoleData>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: (s) => {
          s.data = { head: "", id: "" };
          this.accepted++;
          this.open.add(s);
        },
        data: (s, chunk) => {
          if (s.data.id || s.data.head.length > 4096) return;
          s.data.head += Buffer.from(chunk).toString("latin1");
          const m = s.data.head.match(/[?&]id=(\d+)/);
          if (m) s.data.id = m[1]!;
        },
        close: (s) => {
          this.open.delete(s);
          if (s.data.id) this.closedAt.set(s.data.id, epochMs());
        },
      },
    });
  }

  /** The port it listens on. */
  get port(): number {
    return this.listener.port;
  }

  /** Connections still open. */
  get openCount(): number {
    return this.open.size;
  }

  /** Stops listening and closes what is open. */
  stop(): void {
    this.listener.stop(true);
    for (const s of this.open) s.terminate();
    this.open.clear();
  }
}
